"""CPU throughput of the fine-tuned MiniLM (and the frozen-embedding model), and our inference
against transformers' `pipeline("text-classification")` on the same saved model and inputs.

    PYTHONPATH=src python experiments/bench_transformer.py                 # bundled MiniLM, 1 epoch
    python experiments/bench_transformer.py --epochs 2 --repeats 5 --pretrained /path/to/model

Training: one `TransformerClassifier.fit` on the sentiment train split (max_length 128, batch 32, no
dev evaluation), timed per epoch by the Trainer callback. Inference: every statement of the corpus
(text_en), batch 32, the median of `--repeats` timed passes after a warm-up pass, for
  - ours: `predict_proba` (length-sorted batches, padding to the longest in a batch, inference_mode),
  - ours, unsorted: the same with batches in input order (what sorting buys),
  - pipeline: `pipeline("text-classification", top_k=None, batch_size=32, truncation=True)`,
  - embed_logreg: the frozen encoder's embeddings (its whole inference cost but a dot product).
The calls take turns (see `interleaved`), and the two classifiers' probabilities are compared.
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
    task = get_task("sentiment")
    train = task.frame(dataset["train"], "train", corpus.targets)
    texts = [t for split in ("train", "dev", "test") for t in dataset[split]["text_en"]]
    n_tokens = [len(ids) for ids in _tokenizer(args.pretrained)(texts, truncation=True, max_length=args.max_length)["input_ids"]]
    report: dict = {
        "load_average_at_start": os.getloadavg(),
        "machine": {"platform": platform.platform(), "processor": platform.processor() or platform.machine(),
                    "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
                    "cpu_count": os.cpu_count(), "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY")},
        "corpus_sha256": corpus.content_hash, "pretrained": args.pretrained, "max_length": args.max_length,
        "batch_size": args.batch_size, "n_inference": len(texts), "n_train": len(train),
        "tokens_per_statement": {"mean": float(np.mean(n_tokens)), "max": int(np.max(n_tokens))},
    }

    # -- training -----------------------------------------------------------------------------
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
        folder = model.save(Path(tmp) / "model")
        ours = TransformerClassifier.load(folder)
        ours.eval_batch_size = args.batch_size

        # -- inference: ours, ours without length sorting, pipeline, embed_logreg's embedding -------
        def ours_unsorted():
            sorted_batches, _hf.length_batches = _hf.length_batches, unsorted_batches
            try:
                return ours.predict_proba(texts)
            finally:
                _hf.length_batches = sorted_batches

        classify = pipeline("text-classification", model=str(folder), tokenizer=str(folder), device=-1)
        embed = EmbedLogregClassifier(pretrained=args.pretrained, max_length=args.max_length, batch_size=args.batch_size)
        embed._load_encoder(_hf.resolve_pretrained(args.pretrained))
        runs = interleaved({
            "ours": lambda: ours.predict_proba(texts),
            "ours_unsorted": ours_unsorted,
            "pipeline": lambda: classify(texts, batch_size=args.batch_size, truncation=True,
                                         max_length=args.max_length, top_k=None),
            "embed_logreg_embedding": lambda: embed.embed(texts),
        }, args.repeats)
        proba, outputs = runs["ours"]["result"], runs["pipeline"]["result"]
        pipe_proba = np.array([[next(s["score"] for s in out if s["label"] == label) for label in ours.labels]
                               for out in outputs])
        inference = {name: {k: v for k, v in run.items() if k != "result"} for name, run in runs.items()}
        inference["agreement"] = {
            "same_label": float(np.mean(pipe_proba.argmax(1) == proba.argmax(1))),
            "max_abs_proba_diff": float(np.abs(pipe_proba - proba).max()),
            "ours_vs_unsorted_max_abs_diff": float(np.abs(runs["ours_unsorted"]["result"] - proba).max()),
        }

    for row in inference.values():
        if "seconds" in row:
            row["statements_per_second"] = len(texts) / row["seconds"]
    # how much faster ours is: the median over rounds of (their time / our time) in the same round
    inference["speedup_vs_pipeline"] = inference["pipeline"]["median_ratio_to_ours"]
    inference["speedup_vs_unsorted"] = inference["ours_unsorted"]["median_ratio_to_ours"]
    report["inference"] = inference
    report["load_average_at_end"] = os.getloadavg()

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))
    print(_markdown(report))


def _hf_data_path() -> Path:
    from stancebench._paths import data_dir

    return data_dir() / "leaders" / "statements.jsonl"


def _tokenizer(pretrained: str):
    from transformers import AutoTokenizer

    from stancebench.models import _hf

    return AutoTokenizer.from_pretrained(_hf.resolve_pretrained(pretrained))


def _markdown(report: dict) -> str:
    t, i = report["training"], report["inference"]
    lines = [
        "| measurement | statements/s (median) | seconds (median) | seconds (min) |",
        "| --- | ---: | ---: | ---: |",
        f"| training (fine-tuning, batch {report['batch_size']}), per epoch of {report['n_train']} | "
        f"{t['statements_per_second']:.1f} | {statistics.median(t['epoch_seconds']):.1f} | |",
    ]
    for key, name in (("ours", "inference: ours (`predict_proba`)"), ("ours_unsorted", "inference: ours, unsorted"),
                      ("pipeline", "inference: `pipeline(\"text-classification\")`"),
                      ("embed_logreg_embedding", "inference: embed_logreg (embedding)")):
        lines.append(f"| {name}, {report['n_inference']} statements | {i[key]['statements_per_second']:.1f} | "
                     f"{i[key]['seconds']:.2f} | {i[key]['min_seconds']:.2f} |")
    lines.append(f"\nspeed-up of ours (median per-round ratio): {i['speedup_vs_pipeline']:.2f}x over the pipeline, "
                 f"{i['speedup_vs_unsorted']:.2f}x over unsorted batches; same label {i['agreement']['same_label']:.3f}, "
                 f"max |proba diff| {i['agreement']['max_abs_proba_diff']:.1e}; torch threads "
                 f"{report['machine']['torch_threads']}; load average {report['load_average_at_start'][0]:.1f} at start, "
                 f"{report['load_average_at_end'][0]:.1f} at end")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
