"""MiniLM fine-tuned (`transformer`) and frozen MiniLM embeddings (`embed_logreg`) against the
scikit-learn baselines on every task: runs the sweeps of conf/experiment/transformers.yaml, then
writes the results table into experiments/transformers.md (between its `results` markers) and
experiments/results/transformers.json.

    PYTHONPATH=src python experiments/run_transformers.py                       # everything, seed 42 (13 min on 2 shared vCPUs)
    python experiments/run_transformers.py --models transformer --tasks stance_us  # a part
    python experiments/run_transformers.py --models transformer --seeds 43 44      # seed spread
    python experiments/run_transformers.py --report-only                        # only the table, from the store

Runs go to the project's MLflow store (or --tracking-uri) tagged `exp_transformers`; the table
uses the latest finished run per (model, task, seed) on the current corpus (its sha256 is in the
table).
The "best baseline" of a task is the baseline with the best *dev* headline score (chosen without
looking at test).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODELS = ("tfidf_logreg", "tfidf_svm", "char_svm", "embed_logreg", "transformer")
BASELINES = ("tfidf_logreg", "tfidf_svm", "char_svm")
TASKS = ("stance_us", "stance_ukraine", "stance_negotiations", "sentiment", "stance",
         "stance_cross_us", "stance_cross_ukraine", "stance_cross_negotiations")
TAG = "exp_transformers"
MAIN_SEED = 42  # conf/experiment/transformers.yaml
BEGIN, END = "<!-- results:begin (written by experiments/run_transformers.py) -->", "<!-- results:end -->"


def sweeps(models: list[str], tasks: list[str], seeds: list[int]) -> list[list[str]]:
    """Hydra multirun override lists: plain tasks in one sweep, held-out targets in another."""
    plain = [t for t in tasks if not t.startswith("stance_cross_")]
    held_out = [t.removeprefix("stance_cross_") for t in tasks if t.startswith("stance_cross_")]
    common = ["experiment=transformers", f"model={','.join(models)}", f"seed={','.join(map(str, seeds))}"]
    result = []
    if plain:
        result.append([*common, f"task={','.join(plain)}"])
    if held_out:
        result.append([*common, "task=stance_cross", f"task.held_out={','.join(held_out)}"])
    return result


def run(models: list[str], tasks: list[str], seeds: list[int], extra: list[str]) -> None:
    for overrides in sweeps(models, tasks, seeds):
        command = [sys.executable, "-m", "stancebench.train", "-m", *overrides, *extra]
        print("$", " ".join(command), flush=True)
        started = time.perf_counter()
        # idle OpenMP threads sleep rather than spin: on a shared CPU, spinning torch threads run ~3x slower
        subprocess.run(command, check=True, env={"OMP_WAIT_POLICY": "PASSIVE", **os.environ})
        print(f"sweep took {time.perf_counter() - started:.0f} s", flush=True)


def collect(tracking_uri: str | None) -> tuple[list[dict], str]:
    """The latest finished run per (model, task, seed) on the current corpus."""
    import mlflow

    from stancebench._paths import data_dir
    from stancebench.data import file_sha256
    from stancebench.evaluation import RunResult
    from stancebench.tracking import default_tracking_uri

    corpus_sha = file_sha256(data_dir() / "leaders" / "statements.jsonl")
    mlflow.set_tracking_uri(tracking_uri or default_tracking_uri())
    runs = mlflow.search_runs(
        search_all_experiments=True, output_format="list", order_by=["attributes.start_time DESC"],
        filter_string=f"tags.{TAG} = 'true' and attributes.status = 'FINISHED' and tags.corpus_sha256 = '{corpus_sha}'",
    )
    rows, seen = [], set()
    for run in runs:
        key = (run.data.tags["model"], run.data.tags["task"], run.data.params["seed"])
        if key in seen:
            continue
        seen.add(key)
        result = RunResult.from_mlflow(run)
        low, high = result.get_ci()
        rows.append({
            "model": key[0], "task": key[1], "metric": result.main_score, "dev": result.get_score("dev"),
            "test": result.get_score(), "ci_low": low, "ci_high": high,
            "test_macro_f1": result.get_score("test", "macro_f1"), "train_seconds": result.timings["time_fit_s"],
            "run_seconds": (run.info.end_time - run.info.start_time) / 1000,
            "epochs": int(run.data.params["model.epochs"]) if "model.epochs" in run.data.params else None,
            "seed": int(run.data.params["seed"]), "run_id": run.info.run_id, "git_commit": result.commit,
        })
    return rows, corpus_sha


def table(rows: list[dict], corpus_sha: str, tracking_uri: str | None) -> str:
    by = {(r["model"], r["task"]): r for r in rows if r["seed"] == MAIN_SEED}

    def cell(r: dict | None) -> str:
        return "—" if r is None else f"**{r['test']:.3f}** [{r['ci_low']:.3f}, {r['ci_high']:.3f}] (dev {r['dev']:.3f})"

    lines = [
        f"Corpus sha256 `{corpus_sha}`; seed {MAIN_SEED}; one run per cell. Test headline metric "
        "(F_avg for stance, macro recall for sentiment) with its bootstrap 95% CI, dev score in brackets. "
        "Best baseline = the baseline with the best dev score.",
        "",
        "| task | best baseline (by dev) | test | embed_logreg | transformer (MiniLM fine-tuned) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for task in TASKS:
        baselines = [by[(b, task)] for b in BASELINES if (b, task) in by]
        best = max(baselines, key=lambda r: r["dev"]) if baselines else None
        lines.append(f"| {task} | {best['model'] if best else '—'} | {cell(best)} | {cell(by.get(('embed_logreg', task)))} "
                     f"| {cell(by.get(('transformer', task)))} |")
    lines += ["", "All baselines (test headline metric):", "",
              "| task | " + " | ".join(BASELINES) + " |", "| --- |" + " ---: |" * len(BASELINES)]
    for task in TASKS:
        lines.append(f"| {task} | " + " | ".join(f"{by[(b, task)]['test']:.3f}" if (b, task) in by else "—"
                                                 for b in BASELINES) + " |")
    lines += ["", "Time per run in seconds (fit / whole run incl. evaluation, bootstrap and model logging); "
              "transformer: epochs run before early stopping:", "",
              "| task | " + " | ".join(MODELS) + " | transformer epochs |", "| --- |" + " ---: |" * (len(MODELS) + 1)]
    for task in TASKS:
        times = [f"{by[(m, task)]['train_seconds']:.0f} / {by[(m, task)]['run_seconds']:.0f}" if (m, task) in by else "—"
                 for m in MODELS]
        lines.append(f"| {task} | " + " | ".join(times) + f" | {_epochs_run(by.get(('transformer', task)), tracking_uri)} |")
    lines += _seed_spread(rows)
    total = sum(r["run_seconds"] for r in rows)
    lines += ["", f"Total run time of these {len(rows)} runs: {total / 60:.1f} min."]
    return "\n".join(lines)


def _seed_spread(rows: list[dict]) -> list[str]:
    """Test scores per seed, mean and standard deviation, for models run with several seeds."""
    import statistics

    scores: dict[tuple[str, str], dict[int, float]] = {}
    for r in rows:
        scores.setdefault((r["model"], r["task"]), {})[r["seed"]] = r["test"]
    several = {key: by_seed for key, by_seed in scores.items() if len(by_seed) > 1}
    if not several:
        return []
    lines = ["", "Seed spread (test headline metric per seed; the CI above is over test examples, this is over "
             "training randomness):", "", "| model | task | per seed | mean | sd |", "| --- | --- | --- | ---: | ---: |"]
    for (model, task), by_seed in sorted(several.items(), key=lambda kv: (kv[0][0], TASKS.index(kv[0][1]))):
        values = [by_seed[seed] for seed in sorted(by_seed)]
        per_seed = ", ".join(f"{seed}: {by_seed[seed]:.3f}" for seed in sorted(by_seed))
        lines.append(f"| {model} | {task} | {per_seed} | {statistics.mean(values):.3f} | {statistics.stdev(values):.3f} |")
    return lines


def _epochs_run(row: dict | None, tracking_uri: str | None) -> str:
    if row is None:
        return "—"
    import mlflow

    history = mlflow.MlflowClient().get_metric_history(row["run_id"], "epoch_dev_loss")
    return f"{len(history)} of {row['epochs']}"


def write(rows: list[dict], corpus_sha: str, tracking_uri: str | None) -> None:
    results = HERE / "results" / "transformers.json"
    results.parent.mkdir(exist_ok=True)
    results.write_text(json.dumps({"corpus_sha256": corpus_sha, "runs": rows}, indent=2) + "\n")
    markdown = table(rows, corpus_sha, tracking_uri)
    doc = HERE / "transformers.md"
    text = doc.read_text(encoding="utf-8") if doc.is_file() else f"# Transformers\n\n{BEGIN}\n{END}\n"
    head, rest = text.split(BEGIN, 1)
    doc.write_text(f"{head}{BEGIN}\n{markdown}\n{END}{rest.split(END, 1)[1]}", encoding="utf-8")
    print(markdown)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--tasks", nargs="+", default=list(TASKS), choices=TASKS)
    parser.add_argument("--seeds", nargs="+", type=int, default=[MAIN_SEED],
                        help=f"training seeds; the main table uses {MAIN_SEED}, others give a seed-spread table")
    parser.add_argument("--tracking-uri", default=None, help="MLflow store (default: the project's mlflow.db)")
    parser.add_argument("--report-only", action="store_true", help="write the table from runs already logged")
    parser.add_argument("overrides", nargs="*",
                        help="extra Hydra overrides for every run (model.* ones only with --models transformer)")
    args = parser.parse_args()
    extra = [*args.overrides, *([f"tracking.uri={args.tracking_uri}"] if args.tracking_uri else [])]
    if not args.report_only:
        run(args.models, args.tasks, args.seeds, extra)
    write(*collect(args.tracking_uri), args.tracking_uri)


if __name__ == "__main__":
    main()
