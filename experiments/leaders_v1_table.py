"""Leaderboard of the leader corpus v1: every baseline on every task, beside the agreement of the two
annotations (both made by language models).

    stancebench-train -m experiment=leaders_v1_baselines hydra/launcher=joblib
    stancebench-train -m experiment=leaders_v1_cross hydra/launcher=joblib
    .venv/bin/python experiments/leaders_v1_table.py          # writes experiments/leaders_v1.md

Reads the finished runs of those two tags in the MLflow store (the latest run per model and task on
the current corpus hash) and the two annotations in data/leaders/annotations/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from stancebench.data import file_sha256, load_statements
from stancebench.data.quality import annotator_scores, load_annotations
from stancebench.evaluation import RunResult, score_cell, search_results

ROOT = Path(__file__).resolve().parents[1]
LEADERS = ROOT / "data" / "leaders"
TASKS = ["stance_us", "stance_ukraine", "stance_negotiations", "stance", "sentiment",
         "stance_cross_us", "stance_cross_ukraine", "stance_cross_negotiations"]
MODELS = ["majority", "tfidf_logreg", "tfidf_svm", "char_svm"]


def runs(corpus_hash: str) -> list[RunResult]:
    """The latest finished run per model and task of the two sweeps on the current corpus."""
    found = [result for tag in ("leaders_v1_baselines", "leaders_v1_cross")
             for result in search_results(f"tags.`{tag}` = 'true' and tags.corpus_sha256 = '{corpus_hash}'")]
    if not found:
        sys.exit("no finished leaders_v1 runs on the current corpus: run the two sweeps in this file's docstring")
    latest = {}
    for result in found:  # newest first: keep the latest
        latest.setdefault((result.model, result.task), result)
    return list(latest.values())


def annotator_agreement(records: list[dict]) -> dict[str, str]:
    """Annotator B scored against annotator A (before adjudication) on the test statements."""
    test_ids = {r["id"] for r in records if r["split"] == "test"}
    first = load_annotations(LEADERS / "annotations" / "annotator_a.jsonl")
    second = load_annotations(LEADERS / "annotations" / "annotator_b.jsonl")
    return {task: f"{100 * value:.1f}" for task, value in annotator_scores(first, second, test_ids).items()}


def main() -> None:
    corpus = LEADERS / "statements.jsonl"
    corpus_hash = file_sha256(corpus)
    records = load_statements(corpus)
    found = runs(corpus_hash)
    board = pd.DataFrame("", index=MODELS, columns=TASKS)
    for result in found:
        if result.model in MODELS and result.task in TASKS:
            board.loc[result.model, result.task] = score_cell(result)
    board.loc["annotator agreement (A: writers' labels, B: independent model annotation)"] = pd.Series(annotator_agreement(records))
    board = board.fillna("")
    board.index.name = "model"
    lines = [
        "# Leader corpus v1: baselines and the agreement of two language-model annotations",
        "",
        f"Corpus `data/leaders/statements.jsonl`, sha256 `{corpus_hash[:16]}...`, {len(records)} statements "
        f"(test: {sum(r['split'] == 'test' for r in records)}). Test scores x 100 with bootstrap 95% CIs "
        "(1,000 resamples). Stance: F_avg = (F1(favor) + F1(against)) / 2, pooled over targets for `stance` "
        "and `stance_cross_*`; sentiment: macro recall. Reproduce with the commands in "
        "`experiments/leaders_v1_table.py`. The runs are in the MLflow store (tags `leaders_v1_baselines`, "
        "`leaders_v1_cross`).",
        "",
        board.to_markdown(),
        "",
        "- **annotator agreement (A: writers' labels, B: independent model annotation)**: the blind second annotation scored against the first (the "
        "writers' labels), before adjudication, on the test statements. Both were made by language models (no "
        "human annotated the corpus), so this is agreement between two model annotations, not a human ceiling; "
        "gold labels are the adjudicated ones, so both annotators score higher against gold.",
        "- `stance_cross_<target>`: trained on the two other targets, tested on `<target>` alone "
        "(target-augmented features: only the shared block applies to the unseen target).",
        "",
    ]
    text = "\n".join(lines)
    (ROOT / "experiments" / "leaders_v1.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
