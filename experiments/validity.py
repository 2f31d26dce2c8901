"""What the scores mean: the transfer grid (train on leaders / ungd / both, test on each) and the
leader corpus under split schemes that hold out who speaks. Writes experiments/validity.md and
experiments/results/validity.json (every cell's test predictions, for the paired differences: about
9 MB, so not in git; `--report-only` needs a local run first).

    .venv/bin/python experiments/validity.py                           # baselines, metadata, embed_logreg
    .venv/bin/python experiments/validity.py --models transformer --train-on leaders ungd --reuse ungd_v1 --no-schemes
                                      # fine-tuned MiniLM: trained on leaders here, the ungd runs of experiments/ungd.md
    .venv/bin/python experiments/validity.py --contrast-only           # the leader-trained models on data=contrast
    .venv/bin/python experiments/validity.py --report-only             # the tables from validity.json

Every cell is a real run in the MLflow store (tag `validity`): the model is trained with
`stancebench-train` semantics (`train(cfg)`) on one data set and scored on each test set, in
domain from its own run, across data sets with `stancebench-eval` semantics (`evaluate_model`).
Beside each test score: the paired bootstrap difference from the in-domain model of the same kind
on that test set (the same test items resampled for both systems, 1,000 resamples).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "experiments" / "results" / "validity.json"
TASKS = ["stance_us", "stance_ukraine", "stance_negotiations", "stance", "sentiment"]
TRAIN_ON = {"leaders": ["data=leaders"], "ungd": ["data=ungd"], "both": ["data=union"]}
TEST_ON = ["leaders", "ungd"]
METADATA_FIELDS = "[speaker,speaker_role,country,lang,date]"
MODELS = {
    "majority": ["model=majority"],
    "metadata": ["model=metadata", f"model.fields={METADATA_FIELDS}"],
    "tfidf_logreg": ["model=tfidf_logreg"],
    "word_char_svm": ["model=word_char_svm"],
    "embed_logreg": ["model=embed_logreg"],
    "transformer": ["model=transformer", "model.max_length=256", "model.progress=false"],
}
DEFAULT_MODELS = ["majority", "metadata", "tfidf_logreg", "word_char_svm", "embed_logreg"]
SCHEMES = ["fixed", "speaker", "writer"]
NOTES = "<!-- notes -->"
SPEAKER_FIELDS = {"speaker": "[speaker]", "country": "[country]", "lang": "[lang]", "all": METADATA_FIELDS}


def keyed(predictions: pd.DataFrame) -> pd.DataFrame:
    test = predictions[predictions["split"] == "test"]
    keys = test["id"] + "|" + (test["target"] if "target" in test else "")
    return test.assign(key=keys.to_numpy()).set_index("key")


def reusable(tag: str | None, train_on: str, model: str, task: str) -> str | None:
    """The model URI of the latest finished run tagged `tag` on that data, model and task."""
    if tag is None:
        return None
    from stancebench.evaluation import search_results

    data = {"both": "leaders+ungd"}.get(train_on, train_on)
    found = search_results(f"tags.`{tag}` = 'true' and tags.data = '{data}' and tags.model = '{model}' and tags.task = '{task}'")
    return f"runs:/{found[0].run_id}/model" if found else None


def run_grid(models: list[str], tasks: list[str], train_on_sets: list[str], common: list[str], cells: dict,
             reuse: str | None = None) -> None:
    from stancebench.config import compose_config
    from stancebench.eval_app import evaluate_model
    from stancebench.train import train

    for task in tasks:
        for model in models:
            for train_on in train_on_sets:
                data = TRAIN_ON[train_on]
                started = time.perf_counter()
                model_uri, objects = reusable(reuse, train_on, model, task), {}
                if model_uri is None:
                    result, objects = train(compose_config([*data, f"task={task}", *MODELS[model], *common]))
                    model_uri = objects["model_uri"]
                for test_on in TEST_ON:
                    if train_on == test_on and model_uri == objects.get("model_uri"):
                        scored, predictions = result, objects["predictions"]
                    else:
                        scored, out = evaluate_model(compose_config(
                            [f"model_uri={model_uri}", f"data={test_on}", f"task={task}", *common], config_name="eval"))
                        predictions = out["predictions"]
                    test = keyed(predictions)
                    cells[f"{task}|{model}|{train_on}|{test_on}"] = {
                        "task": task, "model": model, "train_on": train_on, "test_on": test_on,
                        "metric": scored.main_score, "labels": list(scored.labels), "score": scored.get_score(),
                        "ci": list(scored.get_ci() or ()), "run_id": scored.run_id,
                        "gold": test["label"].to_dict(), "predicted": test["predicted"].to_dict(),
                    }
                print(f"[grid] {task} {model} trained on {train_on}: {time.perf_counter() - started:.0f} s", flush=True)
                saved = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
                RESULTS.write_text(json.dumps({**saved, "cells": cells}, indent=1))


def run_schemes(tasks: list[str], common: list[str], schemes: dict) -> None:
    from stancebench.config import compose_config
    from stancebench.train import train

    runs = {**{f"metadata[{name}]": ["model=metadata", f"model.fields={fields}"] for name, fields in SPEAKER_FIELDS.items()},
            "tfidf_logreg": MODELS["tfidf_logreg"], "word_char_svm": MODELS["word_char_svm"]}
    for task in tasks:
        for scheme in SCHEMES:
            for name, overrides in runs.items():
                result, _ = train(compose_config(["data=leaders", f"data.split={scheme}", f"task={task}", *overrides, *common]))
                schemes[f"{task}|{scheme}|{name}"] = {"task": task, "scheme": scheme, "model": name, "score": result.get_score(),
                                                      "ci": list(result.get_ci() or ()), "run_id": result.run_id}
        RESULTS.write_text(json.dumps({**json.loads(RESULTS.read_text()), "schemes": schemes}, indent=1))


CONTRAST_MODELS = ["metadata[speaker]", "tfidf_logreg", "word_char_svm", "embed_logreg", "transformer"]


def run_contrast(data: dict, common: list[str]) -> dict:
    """The leader-trained models (fixed split) on the contrast set, one stancebench-eval each."""
    from stancebench.config import compose_config
    from stancebench.eval_app import evaluate_model

    trained = {(c["task"], c["model"]): c["run_id"] for c in data.get("cells", {}).values()
               if c["train_on"] == "leaders" and c["test_on"] == "leaders"}
    trained.update({(c["task"], c["model"]): c["run_id"] for c in data.get("schemes", {}).values() if c["scheme"] == "fixed"})
    contrast = {}
    for (task, model), run_id in sorted(trained.items()):
        if model not in CONTRAST_MODELS or task == "sentiment":
            continue
        result, _ = evaluate_model(compose_config(
            [f"model_uri=runs:/{run_id}/model", "data=contrast", f"task={task}", *common], config_name="eval"))
        contrast[f"{task}|{model}"] = {"task": task, "model": model, "run_id": result.run_id,
                                       **{k: v for k, v in result.splits["test"].scores.items() if k.startswith("contrast_")}}
    return contrast


def cell_text(cell: dict, reference: dict | None) -> str:
    from stancebench.metrics import paired_bootstrap_difference

    low, high = cell["ci"] if cell["ci"] else (float("nan"), float("nan"))
    text = f"{100 * cell['score']:.1f} [{100 * low:.1f}, {100 * high:.1f}]"
    if reference is None or reference is cell:
        return text + " (in domain)" if reference is cell else text
    keys = sorted(cell["gold"])
    diff, dlow, dhigh, _ = paired_bootstrap_difference(
        [cell["gold"][k] for k in keys], [cell["predicted"][k] for k in keys], [reference["predicted"][k] for k in keys],
        cell["labels"], cell["metric"], seed=0)
    return f"{text}; Δ {100 * diff:+.1f} [{100 * dlow:+.1f}, {100 * dhigh:+.1f}]"


def report(data: dict) -> str:
    cells, schemes = data.get("cells", {}), data.get("schemes", {})
    lines = [
        "# What the scores mean: transfer between constructed and real text, and who speaks",
        "",
        "Written by `experiments/validity.py` (commands in its docstring); every number is a run in the MLflow "
        "store tagged `validity`. Test scores x 100 with bootstrap 95% CIs; stance: F_avg, sentiment: macro "
        "recall. **Δ**: the paired bootstrap difference (same test items resampled for both; 95% CI) from the "
        "in-domain model of the same kind on that test set (trained on that set's own train split). "
        "`leaders` = the constructed leader corpus v1.1 (its fixed split), `ungd` = real UN General Debate "
        "paragraphs (country-disjoint split), `both` = `data=union` of the two. `metadata` = a one-hot logistic "
        f"regression over {METADATA_FIELDS} that never reads the text. Labels of both sets are language-model "
        "annotations (see the data cards).",
        "",
    ]
    models = list(dict.fromkeys(c["model"] for c in cells.values()))
    for task in TASKS:
        mine = {k: c for k, c in cells.items() if c["task"] == task}
        if not mine:
            continue
        lines += [f"## {task}", "", "| model | trained on | " + " | ".join(f"test: {t}" for t in TEST_ON) + " |",
                  "| --- | --- | " + " | ".join("---" for _ in TEST_ON) + " |"]
        for model in models:
            for train_on in TRAIN_ON:
                row = []
                for test_on in TEST_ON:
                    cell = mine.get(f"{task}|{model}|{train_on}|{test_on}")
                    reference = mine.get(f"{task}|{model}|{test_on}|{test_on}")
                    row.append("not run" if cell is None else cell_text(cell, reference))
                if any(r != "not run" for r in row):
                    lines.append(f"| {model} | {train_on} | " + " | ".join(row) + " |")
        text_best = {t: max((c for c in mine.values() if c["test_on"] == t and c["train_on"] == t
                             and c["model"] not in ("majority", "metadata")), key=lambda c: c["score"], default=None)
                     for t in TEST_ON}
        # the best shortcut: the all-fields metadata model, or (leaders) a one-field one of the fixed split
        meta = {t: [c for c in [mine.get(f"{task}|metadata|{t}|{t}")] if c] for t in TEST_ON}
        meta["leaders"] += [c for c in schemes.values() if c["task"] == task and c["scheme"] == "fixed"
                            and c["model"].startswith("metadata")]
        best_meta = {t: max(meta[t], key=lambda c: c["score"], default=None) for t in TEST_ON}
        gains = [f"{t}: best text model {text_best[t]['model']} {100 * text_best[t]['score']:.1f} vs best metadata model "
                 f"({best_meta[t]['model']}) {100 * best_meta[t]['score']:.1f}: gain "
                 f"{100 * (text_best[t]['score'] - best_meta[t]['score']):+.1f}"
                 for t in TEST_ON if text_best[t] and best_meta[t]]
        lines += ["", "In domain, text over metadata: " + "; ".join(gains) + ".", ""]
    if schemes:
        lines += ["## The leader corpus when who speaks is held out", "",
                  "`data.split=fixed` (v1.1 split, families kept together, speakers shared between splits), "
                  "`speaker` (no test speaker in train), `writer` (no test writing team, the id prefix, in train). "
                  "`metadata[speaker]` etc.: the shortcut model on that one field.", ""]
        names = list(dict.fromkeys(c["model"] for c in schemes.values()))
        for task in TASKS:
            table = pd.DataFrame("", index=names, columns=SCHEMES)
            for c in schemes.values():
                if c["task"] == task:
                    low, high = c["ci"]
                    table.loc[c["model"], c["scheme"]] = f"{100 * c['score']:.1f} [{100 * low:.1f}, {100 * high:.1f}]"
            if (table != "").any().any():
                table.index.name = f"{task}: model"
                lines += [table.to_markdown(), ""]
    contrast = data.get("contrast", {})
    if contrast:
        lines += ["## Contrast set: minimal edits of leader test statements", "",
                  "`stancebench-eval data=contrast` of the models trained on the leader corpus (fixed split). "
                  "Accuracy on the original statements and on their edits, consistency (original and edit both "
                  "right; label-changing edits scored on the target they change), and for invariant edits (name "
                  "variants, the same words from a speaker of the other side) how often the prediction changes. "
                  "The edits and their labels were written by a language model (data/leaders/contrast/README.md).", ""]
        table = pd.DataFrame([{"task": c["task"], "model": c["model"],
                               **{k.removeprefix("contrast_"): round(100 * v, 1) for k, v in c.items() if k.startswith("contrast_")}}
                              for c in contrast.values()])
        lines += [table.to_markdown(index=False), ""]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS, choices=list(MODELS))
    parser.add_argument("--tasks", nargs="+", default=TASKS, choices=TASKS)
    parser.add_argument("--train-on", nargs="+", default=list(TRAIN_ON), choices=list(TRAIN_ON))
    parser.add_argument("--reuse", metavar="TAG", help="use the latest run tagged TAG (same data, model, task) "
                        "instead of training, e.g. --reuse ungd_v1 for the MiniLM runs of experiments/ungd.md")
    parser.add_argument("--no-schemes", action="store_true", help="skip the held-out speaker/writer runs")
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--contrast-only", action="store_true", help="only the contrast-set evaluations")
    args = parser.parse_args()
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    data = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    if args.contrast_only:
        data["contrast"] = run_contrast(data, ["tags=[validity]", "bootstrap.n_resamples=1000"])
        RESULTS.write_text(json.dumps(data, indent=1))
    elif not args.report_only:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        common = ["tags=[validity]", "bootstrap.n_resamples=1000"]
        cells, schemes = data.get("cells", {}), data.get("schemes", {})
        run_grid(args.models, args.tasks, args.train_on, common, cells, args.reuse)
        if not args.no_schemes:
            run_schemes(args.tasks, common, schemes)
        data = json.loads(RESULTS.read_text())
        data["contrast"] = {**data.get("contrast", {}), **run_contrast(data, common)}
        RESULTS.write_text(json.dumps(data, indent=1))
    path = ROOT / "experiments" / "validity.md"
    # the hand-written reading of the numbers below the marker survives a regeneration
    notes = path.read_text().split(NOTES, 1)[1] if path.is_file() and NOTES in path.read_text() else "\n"
    text = report(data) + NOTES + notes
    path.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
