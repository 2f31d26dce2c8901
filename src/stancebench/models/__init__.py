"""Classifiers behind one interface: fit / predict_proba / predict / save / load."""

from __future__ import annotations

from pathlib import Path

from stancebench.models.base import CONFIG_NAME, Classifier, as_frame, read_config
from stancebench.models.baselines import SklearnClassifier, TargetAwareFeatures, tfidf
from stancebench.models.per_target import PerTargetClassifier


def load_saved(path: str | Path) -> Classifier:
    """A model saved with `.save(path)`, whatever its kind."""
    config = read_config(Path(path))
    if config["format"] == "sklearn":
        return SklearnClassifier.load(path)
    if config["format"] == "per_target":
        return PerTargetClassifier.load(path)
    if config["format"] == "ensemble":
        from stancebench.models.ensemble import EnsembleClassifier

        return EnsembleClassifier.load(path)
    if config["format"] == "transformer":
        from stancebench.models.transformer import TransformerClassifier  # torch only when needed

        return TransformerClassifier.load(path)
    if config["format"] == "embed_logreg":
        from stancebench.models.embed_logreg import EmbedLogregClassifier

        return EmbedLogregClassifier.load(path)
    raise ValueError(f"{path}: unknown model format {config['format']!r} in {CONFIG_NAME}")


__all__ = ["CONFIG_NAME", "Classifier", "PerTargetClassifier", "SklearnClassifier", "TargetAwareFeatures", "as_frame", "load_saved", "tfidf"]
