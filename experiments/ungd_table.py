"""First numbers on the real-text set (`data=ungd`): every baseline and fine-tuned MiniLM on the five
tasks, beside a text-free metadata baseline and the agreement of the two language-model annotation
passes on the same test units.

    stancebench-train -m experiment=ungd_v1 hydra/launcher=joblib                      # baselines, country split
    stancebench-train -m experiment=ungd_v1 data.split=year hydra/launcher=joblib      # baselines, year split
    OMP_WAIT_POLICY=PASSIVE stancebench-train -m experiment=ungd_v1 model=transformer model.max_length=256
    OMP_WAIT_POLICY=PASSIVE stancebench-train -m experiment=ungd_v1 model=transformer model.max_length=256 data.split=year
    .venv/bin/python experiments/ungd_table.py                                         # writes experiments/ungd.md

Reads the finished runs tagged `ungd_v1` on the current units file (its sha256) from the MLflow
store (the latest run per data, model and task), and the annotation files in data/ungd/annotation/.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from stancebench import metrics as M
from stancebench.data import UNGDSource, file_sha256
from stancebench.data.quality import annotator_scores, load_annotations
from stancebench.data.ungd import default_root
from stancebench.evaluation import RunResult, score_cell, search_results
from stancebench.tasks import get_task

ROOT = Path(__file__).resolve().parents[1]
UNGD = ROOT / "data" / "ungd"
TASKS = ["stance_us", "stance_ukraine", "stance_negotiations", "stance", "sentiment"]
MODELS = ["majority", "tfidf_logreg", "tfidf_svm", "char_svm", "word_char_svm", "transformer"]
SPLITS = {"ungd": "country", "ungd_year": "year"}
TAG = "ungd_v1"


def runs(units_hash: str) -> list[RunResult]:
    """The latest finished run per data, model and task on the current units file."""
    latest = {}
    for result in search_results(f"tags.`{TAG}` = 'true' and tags.corpus_sha256 = '{units_hash}'"):
        latest.setdefault((result.data, result.model, result.task), result)  # newest first: keep the latest
    if not latest:
        sys.exit(f"no finished {TAG} runs on the current units file: run the sweeps in this file's docstring")
    return list(latest.values())


def class_f1_cell(result: RunResult) -> str:
    """F1(favor) / F1(against) on test: the two halves of F_avg (against is rare in this register)."""
    return " / ".join(f"{100 * result.get_score('test', f'{label}_f1'):.1f}" for label in ("favor", "against"))


def metadata_baseline(source: UNGDSource) -> dict[str, str]:
    """A text-free logistic regression over one-hot year and speaker post (country identity is no
    use on a country-disjoint split), fitted on train, scored on test with a bootstrap CI."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import OneHotEncoder

    data = source.load()
    frames = {split: data[split].to_pandas() for split in ("train", "test")}
    cells = {}
    for name in TASKS:
        task = get_task(name).for_source(source)
        parts = {}
        for split, dataset in (("train", data["train"]), ("test", data["test"])):
            frame = task.frame(dataset, split, source.targets)
            meta = frames[split].set_index("id").loc[frame["id"], ["date", "speaker_role"]].reset_index(drop=True)
            if task.pairs:
                meta["target"] = frame["target"]
            parts[split] = (meta.astype(str), frame["label"].tolist())
        encoder = OneHotEncoder(handle_unknown="ignore").fit(parts["train"][0])
        model = LogisticRegression(max_iter=2000, class_weight="balanced").fit(
            encoder.transform(parts["train"][0]), parts["train"][1])
        predicted = model.predict(encoder.transform(parts["test"][0])).tolist()
        gold = parts["test"][1]
        score = M.scores(gold, predicted, task.labels)[task.main_score]
        low, high = M.bootstrap_ci(gold, predicted, task.labels, task.main_score, seed=42)
        cells[name] = f"{100 * score:.1f} [{100 * low:.1f}, {100 * high:.1f}]"
    return cells


def agreement_row(source: UNGDSource) -> dict[str, str]:
    test_ids = set(source.load()["test"]["id"])
    first = load_annotations(UNGD / "annotation" / "annotator_a.jsonl")
    second = load_annotations(UNGD / "annotation" / "annotator_b.jsonl")
    return {task: f"{100 * value:.1f}" for task, value in annotator_scores(first, second, test_ids).items()}


def test_counts(source: UNGDSource) -> str:
    data = source.load()["test"]
    return f"{len(data)} test units from {len(set(data['country']))} countries"


def main() -> None:
    units = UNGD / "units.jsonl"
    units_hash = file_sha256(units)
    found = runs(units_hash)
    sections = []
    for data_name, split in SPLITS.items():
        mine = [result for result in found if result.data == data_name]
        if not mine:
            continue
        source = UNGDSource(default_root(), units, split=split)
        board = pd.DataFrame("not run", index=MODELS, columns=TASKS)
        for result in mine:
            if result.model in MODELS and result.task in TASKS:
                board.loc[result.model, result.task] = score_cell(result)
        board.loc["metadata only (year + post, no text)"] = pd.Series(metadata_baseline(source))
        board.loc["annotator agreement (A and B: two independent model passes)"] = pd.Series(agreement_row(source))
        board.index.name = "model"
        halves = pd.DataFrame("not run", index=MODELS, columns=TASKS[:3])
        for result in mine:
            if result.model in MODELS and result.task in TASKS[:3]:
                halves.loc[result.model, result.task] = class_f1_cell(result)
        halves.index.name = "model: F1 favor / F1 against"
        sections += [f"## `data=ungd data.split={split}` ({test_counts(source)})", "", board.fillna("").to_markdown(), "",
                     "F_avg's two halves on the same test units:", "", halves.to_markdown(), ""]
    text = "\n".join([
        "# UN General Debate paragraphs: first numbers",
        "",
        f"Units `data/ungd/units.jsonl`, sha256 `{units_hash[:16]}...`. Test scores x 100 with bootstrap 95% CIs "
        "(1,000 resamples). Stance: F_avg = (F1(favor) + F1(against)) / 2, pooled over the three targets for "
        "`stance`; sentiment: macro recall. Seed 42, one run per cell, model settings of `conf/model/*.yaml` "
        "(transformer: `model.max_length=256`). Reproduce with the commands in `experiments/ungd_table.py`; "
        f"the runs are in the MLflow store (tag `{TAG}`).",
        "",
        *sections,
        "<!-- notes -->",
    ])
    path = ROOT / "experiments" / "ungd.md"
    notes = path.read_text().split("<!-- notes -->", 1)[1] if path.is_file() and "<!-- notes -->" in path.read_text() else "\n"
    path.write_text(text + notes)
    print(text + notes)


if __name__ == "__main__":
    np.seterr(all="ignore")
    main()
