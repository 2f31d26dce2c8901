"""The goals of issue 14, each against the numbers that measure it; writes experiments/goals.md.

    .venv/bin/python experiments/goals.py

Reads what the experiment scripts already wrote (no training here):
- experiments/public_benchmarks.json  (`python experiments/reproduce_public.py` and `--part transformer`)
- experiments/results/validity.json   (`python experiments/validity.py`: in-domain runs on data=ungd and data=leaders)
- the two language-model annotation passes of each corpus (data/*/annotation*/annotator_[ab].jsonl), scored on
  exactly the test units of those runs.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import pandas as pd

from stancebench.data.quality import annotator_scores, load_annotations

ROOT = Path(__file__).resolve().parents[1]
PUBLIC = ROOT / "experiments" / "public_benchmarks.json"
VALIDITY = ROOT / "experiments" / "results" / "validity.json"
ANNOTATIONS = {"leaders": ROOT / "data" / "leaders" / "annotations", "ungd": ROOT / "data" / "ungd" / "annotation"}
GOALS = {"stance": 71.0, "sentiment": 70.0}  # TweetEval: pooled F_avg, macro recall (x 100)
TEXT_MODELS = ("tfidf_logreg", "tfidf_svm", "char_svm", "word_char_svm", "embed_logreg", "transformer")
TASKS = ("stance_us", "stance_ukraine", "stance_negotiations", "stance", "sentiment")


def public_rows(runs: list[dict], groups: tuple[str, ...]) -> pd.DataFrame:
    """One row per system: test score x 100 (the mean over seeds where a system has several)."""
    rows = {}
    for run in runs:
        if run["group"] in groups:
            rows.setdefault(run["label"], []).append(100 * run["metrics"][f"test_{run['metric']}"])
    return pd.DataFrame([{"system": label, "seeds": len(values), "test": sum(values) / len(values)}
                         for label, values in rows.items()]).sort_values("test", ascending=False)


def public_section(results: dict) -> list[str]:
    out = []
    for name, task, groups, metric in (
        ("TweetEval stance", "stance", ("stance", "stance_full", "transformer_stance"), "F_avg pooled over the five targets"),
        ("TweetEval sentiment", "sentiment", ("sentiment", "transformer_sentiment"), "macro recall"),
    ):
        table = public_rows(results["runs"], groups)
        if table.empty:
            continue
        best = table.iloc[0]
        goal = GOALS[task]
        verdict = "met" if best["test"] >= goal else f"missed by {goal - best['test']:.2f}"
        table["test"] = table["test"].map("{:.2f}".format)
        out += [f"### {name}: goal {goal:.1f} ({metric}) - {verdict}", "",
                f"Best: {best['system']} ({best['test']:.2f}). Every system we ran on this test set:", "",
                table.to_markdown(index=False), ""]
    return out


@lru_cache(maxsize=None)
def annotation_passes(corpus: str) -> tuple:
    """The corpus's two annotation passes (A, B), read once for all its tasks."""
    return tuple(load_annotations(ANNOTATIONS[corpus] / f"annotator_{side}.jsonl") for side in ("a", "b"))


def agreement_on(corpus: str, cell: dict) -> float:
    """Annotator B scored against annotator A on the run's own test units (x 100)."""
    ids = {key.split("|")[0] for key in cell["gold"]}
    return 100 * annotator_scores(*annotation_passes(corpus), ids)[cell["task"]]


def agreement_section(cells: dict) -> list[str]:
    rows = []
    for corpus in ("ungd", "leaders"):
        for task in TASKS:
            in_domain = [c for c in cells.values() if c["task"] == task and c["train_on"] == corpus == c["test_on"]]
            text = [c for c in in_domain if c["model"] in TEXT_MODELS]
            if not text:
                continue
            best = max(text, key=lambda c: c["score"])
            shortcut = max((c["score"] for c in in_domain if c["model"] == "metadata"), default=float("nan"))
            agreement = agreement_on(corpus, best)
            rows.append({"data": corpus, "task": task, "metric": best["metric"], "test items": len(best["gold"]),
                         "best text model": best["model"],
                         "its test score [95% CI]": f"{100 * best['score']:.1f} [{100 * best['ci'][0]:.1f}, {100 * best['ci'][1]:.1f}]",
                         "metadata only": f"{100 * shortcut:.1f}", "annotator agreement (B vs A)": f"{agreement:.1f}",
                         "gap": f"{agreement - 100 * best['score']:.1f}"})
    return [pd.DataFrame(rows).to_markdown(index=False), ""]


def main() -> None:
    public = json.loads(PUBLIC.read_text())
    validity = json.loads(VALIDITY.read_text())
    out = ["# Goals of issue 14, against the numbers", "",
           "Written by `python experiments/goals.py` from `experiments/public_benchmarks.json` and "
           "`experiments/results/validity.json` (the runs behind them are in the MLflow store; commands in "
           "`experiments/reproduce_public.py` and `experiments/validity.py`). Scores x 100. Trainable on 2 CPU "
           "cores: every row is one run of at most an hour on this machine.", "",
           "## Public benchmarks (the published anchors are in `experiments/public_benchmarks.md`)", ""]
    out += public_section(public)
    out += ["## Real text (`data=ungd`) and the leader corpus: the best model's gap to the annotator agreement", "",
            "In domain (trained and tested on the same data; `data=ungd` keeps every country in one split). "
            "*Best text model* is the best test score among the text models in `validity.json` (picked on test, so "
            "optimistic). *Annotator agreement* is the second annotation pass scored as a model against the first, "
            "on the same test units and metric (for pooled `stance` a test item is a unit and a target). **Both passes were made by language models, not people**: the "
            "agreement says how consistent the labelling is, not how well a person would do, and the gold labels "
            "are the adjudicated ones, so it is not a ceiling either. *metadata only*: a logistic regression on "
            "speaker metadata, no text.", ""]
    out += agreement_section(validity["cells"])
    path = ROOT / "experiments" / "goals.md"
    old = path.read_text() if path.is_file() else ""
    notes = old.split("<!-- notes -->", 1)[1] if "<!-- notes -->" in old else "\n"
    path.write_text("\n".join(out) + "\n<!-- notes -->" + notes)
    print(path.read_text())


if __name__ == "__main__":
    main()
