"""CPU throughput of the fine-tuned MiniLM (and the frozen-embedding model), and our inference
against transformers' `pipeline("text-classification")` on the same saved model and inputs.

    PYTHONPATH=src python experiments/bench_transformer.py                 # bundled MiniLM, 1 epoch
    python experiments/bench_transformer.py --epochs 2 --repeats 5 --pretrained /path/to/model
    python experiments/bench_transformer.py --model outputs/.../model      # a saved fine-tuned model

Training (not with `--model`): one `TransformerClassifier.fit` on the sentiment train split
(max_length 128, batch 32, no dev evaluation), timed per epoch by the Trainer callback.
Inference: every statement of the corpus (text_en), batch 32, the median of `--repeats` timed
passes after a warm-up pass, for
  - pipeline: `pipeline("text-classification", top_k=None, batch_size=32, truncation=True)`,
  - ours: `predict_proba` (length-sorted batches, padding to the longest in a batch, inference_mode),
  - ours_int8: the same after `quantize()` (dynamic int8 Linear layers: `load_model(..., quantize=True)`),
  - ours, unsorted: float32 with batches in input order (what sorting buys),
  - embed_logreg: the frozen encoder's embeddings (its whole inference cost but a dot product).
The calls take turns (see `interleaved`); speed-ups are medians of per-round time ratios against
the pipeline. Predictions are compared on the whole corpus, and scored on the model's task's test
split (its headline metric: F_avg for stance) for float32, int8 and the pipeline.
Results go to experiments/results/bench_transformer.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
# Idle OpenMP threads sleep rather than spin. On a CPU shared with other work (this project's 2-core
# machine), spinning threads of torch's 2-thread pool wait on each other and run ~3x slower; set
# OMP_WAIT_POLICY=ACTIVE to measure torch's default. Read once when torch loads, so set here.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "bench_transformer.json"


def interleaved(calls: dict[str, object], repeats: int) -> dict[str, dict]:
    """Wall and CPU time of each call over `repeats` rounds, after one warm-up round.

    The calls take turns within a round, so load from other processes on a shared machine hits
    them alike; per-round ratios against the first call are kept, and their median is the number
    to read (a minimum over rounds alone can pick one lucky quiet moment).
    """
    results = {name: call() for name, call in calls.items()}  # warm-up: first-call allocations, lazy inits
    wall: dict[str, list[float]] = {name: [] for name in calls}
    cpu: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(repeats):
        for name, call in calls.items():
            started, started_cpu = time.perf_counter(), time.process_time()
            results[name] = call()
            wall[name].append(time.perf_counter() - started)
            cpu[name].append(time.process_time() - started_cpu)
    first = next(iter(calls))
    return {
        name: {"seconds": statistics.median(wall[name]), "min_seconds": min(wall[name]), "all_seconds": wall[name],
               "cpu_seconds": statistics.median(cpu[name]),
               f"median_ratio_to_{first}": statistics.median(w / f for w, f in zip(wall[name], wall[first])),
               "result": results[name]}
        for name in calls
    }


def unsorted_batches(texts, size):
    """`_hf.length_batches` without the length sort: batches in input order."""
    return (np.arange(i, min(i + size, len(texts))) for i in range(0, len(texts), size))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pretrained", default="minilm")
    parser.add_argument("--model", type=Path, default=None,
                        help="a saved TransformerClassifier folder to measure (no training; its task gives the test split)")
    parser.add_argument("--no-extras", action="store_true", help="skip ours_unsorted and embed_logreg (faster)")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-length", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own choice)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    import torch
    from transformers import pipeline

    if args.threads:
        torch.set_num_threads(args.threads)

    from stancebench.data import LeadersCorpus
    from stancebench.models import _hf
    from stancebench.models.embed_logreg import EmbedLogregClassifier
    from stancebench.models.transformer import TransformerClassifier
    from stancebench.tasks import get_task

    corpus = LeadersCorpus(_hf_data_path())
    dataset = corpus.load()
    task_name = "sentiment"
    if args.model is not None:
        task_name = json.loads((args.model / "stancebench.json").read_text())["task"] or "sentiment"
    task = get_task(task_name)
    train = task.frame(dataset["train"], "train", corpus.targets)
    test = task.frame(dataset["test"], "test", corpus.targets)
    texts = [t for split in ("train", "dev", "test") for t in dataset[split]["text_en"]]
    n_tokens = [len(ids) for ids in _tokenizer(args.model or args.pretrained)(
        texts, truncation=True, max_length=args.max_length)["input_ids"]]
    report: dict = {
        "load_average_at_start": os.getloadavg(),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
                    "cpu_count": os.cpu_count(), "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY")},
        "corpus_sha256": corpus.content_hash, "pretrained": args.pretrained, "max_length": args.max_length,
        "model": str(args.model) if args.model else None, "task": task.name, "n_test": len(test),
        "batch_size": args.batch_size, "n_inference": len(texts), "n_train": len(train),
        "tokens_per_statement": {"mean": float(np.mean(n_tokens)), "max": int(np.max(n_tokens))},
    }

    # -- training -----------------------------------------------------------------------------
    if args.model is None:
        model = TransformerClassifier(pretrained=args.pretrained, epochs=args.epochs, batch_size=args.batch_size,
                                      max_length=args.max_length, eval_batch_size=args.batch_size,
                                      early_stopping_patience=None, progress=False, seed=0)
        started = time.perf_counter()
        model.fit(train[["text"]], train["label"].tolist(), labels=task.labels)
        fit_seconds = time.perf_counter() - started
        epoch_seconds = [row["epoch_train_seconds"] for row in model.history]
        report["training"] = {
            "fit_seconds_total": fit_seconds, "epoch_seconds": epoch_seconds,
            "statements_per_second": len(train) / statistics.median(epoch_seconds),
        }

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.model if args.model is not None else model.save(Path(tmp) / "model", task=task.name)
        ours = TransformerClassifier.load(folder)
        ours.eval_batch_size = args.batch_size
        if ours.pairs:
            raise SystemExit(f"{folder} reads (target, text) pairs; this bench measures single-text models")
        int8 = TransformerClassifier.load(folder, quantize=True)  # what load_model(folder, quantize=True) returns
        int8.eval_batch_size = args.batch_size

        # -- inference: ours, ours without length sorting, pipeline, embed_logreg's embedding -------
        def ours_unsorted():
            sorted_batches, _hf.length_batches = _hf.length_batches, unsorted_batches
            try:
                return ours.predict_proba(texts)
            finally:
                _hf.length_batches = sorted_batches

        classify = pipeline("text-classification", model=str(folder), tokenizer=str(folder), device=-1)

        def run_pipeline(inputs):
            outputs = classify(inputs, batch_size=args.batch_size, truncation=True, max_length=args.max_length, top_k=None)
            return np.array([[next(s["score"] for s in out if s["label"] == label) for label in ours.labels]
                             for out in outputs])

        calls = {
            "pipeline": lambda: run_pipeline(texts),
            "ours": lambda: ours.predict_proba(texts),
            "ours_int8": lambda: int8.predict_proba(texts),
        }
        if not args.no_extras:
            embed = EmbedLogregClassifier(pretrained=args.pretrained, max_length=args.max_length,
                                          batch_size=args.batch_size)
            embed._load_encoder(_hf.resolve_pretrained(args.pretrained))
            calls |= {"ours_unsorted": ours_unsorted, "embed_logreg_embedding": lambda: embed.embed(texts)}
        runs = interleaved(calls, args.repeats)
        proba, pipe_proba, int8_proba = (runs[k]["result"] for k in ("ours", "pipeline", "ours_int8"))
        inference = {name: {k: v for k, v in run.items() if k != "result"} for name, run in runs.items()}
        inference["agreement"] = {
            "same_label": float(np.mean(pipe_proba.argmax(1) == proba.argmax(1))),
            "max_abs_proba_diff": float(np.abs(pipe_proba - proba).max()),
            "int8_same_label": float(np.mean(int8_proba.argmax(1) == proba.argmax(1))),
            "int8_max_abs_proba_diff": float(np.abs(int8_proba - proba).max()),
        }
        if "ours_unsorted" in runs:
            inference["agreement"]["ours_vs_unsorted_max_abs_diff"] = float(np.abs(runs["ours_unsorted"]["result"] - proba).max())
        report["test"] = _test_scores(task, test, {"ours": ours.predict(test[["text"]]),
                                                   "ours_int8": int8.predict(test[["text"]]),
                                                   "pipeline": [ours.labels[i] for i in run_pipeline(test["text"].tolist()).argmax(1)]})

    for row in inference.values():
        if "seconds" in row:
            row["statements_per_second"] = len(texts) / row["seconds"]
            # how much faster than the pipeline: the median over rounds of (pipeline time / its time) in the same round
            row["speedup_vs_pipeline"] = statistics.median(
                p / w for p, w in zip(inference["pipeline"]["all_seconds"], row["all_seconds"]))
    report["inference"] = inference
    report["load_average_at_end"] = os.getloadavg()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(_markdown(report))


def _test_scores(task, test, predictions: dict) -> dict:
    """Each model's headline metric on the task's test split, and how often int8 and float32 agree."""
    from stancebench.metrics import scores

    gold = test["label"].tolist()
    result = {name: scores(gold, list(pred), task.labels)[task.main_score] for name, pred in predictions.items()}
    same = np.mean(np.asarray(predictions["ours_int8"]) == np.asarray(predictions["ours"]))
    return {"metric": task.main_score, "scores": result, "int8_minus_fp32_points": 100 * (result["ours_int8"] - result["ours"]),
            "int8_same_prediction": float(same)}


def _hf_data_path() -> Path:
    from stancebench._paths import data_dir

    return data_dir() / "leaders" / "statements.jsonl"


def _tokenizer(pretrained: str):
    from transformers import AutoTokenizer

    from stancebench.models import _hf

    return AutoTokenizer.from_pretrained(_hf.resolve_pretrained(pretrained))


def _markdown(report: dict) -> str:
    i, test = report["inference"], report["test"]
    lines = [
        f"| measurement | statements/s (median) | seconds (median) | seconds (min) | x pipeline | test {test['metric']} |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    if "training" in report:
        t = report["training"]
        lines.append(f"| training (fine-tuning, batch {report['batch_size']}), per epoch of {report['n_train']} | "
                     f"{t['statements_per_second']:.1f} | {statistics.median(t['epoch_seconds']):.1f} | | | |")
    for key, name in (("pipeline", "inference: `pipeline(\"text-classification\")`"),
                      ("ours", "inference: ours (`predict_proba`), float32"),
                      ("ours_int8", "inference: ours, int8 (`load_model(..., quantize=True)`)"),
                      ("ours_unsorted", "inference: ours, float32, unsorted"),
                      ("embed_logreg_embedding", "inference: embed_logreg (embedding)")):
        if key in i:
            score = f"{test['scores'][key]:.4f}" if key in test["scores"] else ""
            lines.append(f"| {name}, {report['n_inference']} statements | {i[key]['statements_per_second']:.1f} | "
                         f"{i[key]['seconds']:.2f} | {i[key]['min_seconds']:.2f} | {i[key]['speedup_vs_pipeline']:.2f} | "
                         f"{score} |")
    a = i["agreement"]
    lines.append(f"\nspeed-up over the pipeline (median per-round ratio): float32 {i['ours']['speedup_vs_pipeline']:.2f}x, "
                 f"int8 {i['ours_int8']['speedup_vs_pipeline']:.2f}x; float32 vs pipeline: same label {a['same_label']:.3f}, "
                 f"max |proba diff| {a['max_abs_proba_diff']:.1e}; int8 vs float32: same label {a['int8_same_label']:.3f} "
                 f"(all statements), {test['int8_same_prediction']:.3f} on the {report['task']} test split "
                 f"({report['n_test']}), {test['metric']} {test['int8_minus_fp32_points']:+.2f} points, "
                 f"max |proba diff| {a['int8_max_abs_proba_diff']:.2f}; torch threads "
                 f"{report['machine']['torch_threads']}; load average {report['load_average_at_start'][0]:.1f} at start, "
                 f"{report['load_average_at_end'][0]:.1f} at end")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
