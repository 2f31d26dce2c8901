"""What every classifier offers, and the saved-model layout they share."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

CONFIG_NAME = "stancebench.json"


def as_frame(texts: Any, target: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Model input as a frame with a `text` column (and `target` for pair models).

    Accepts one string, a list of strings or a DataFrame; `target` fills the target column.
    """
    if isinstance(texts, str):
        texts = [texts]
    frame = texts.copy() if isinstance(texts, pd.DataFrame) else pd.DataFrame({"text": list(texts)})
    if "text" not in frame:
        raise ValueError(f"input needs a 'text' column; got columns {list(frame.columns)}")
    if target is not None:
        frame["target"] = target
    return frame


@runtime_checkable
class Classifier(Protocol):
    """fit / predict_proba / predict / save / load, with string labels throughout."""

    labels: list[str]

    def fit(self, X: pd.DataFrame, y: Sequence[str], labels: Sequence[str],
            eval_set: tuple[pd.DataFrame, Sequence[str]] | None = None) -> "Classifier": ...

    def predict_proba(self, texts: Any, target: str | None = None) -> np.ndarray: ...

    def predict(self, texts: Any, target: str | None = None) -> list[str]: ...

    def save(self, path: str | Path) -> Path: ...


class LabelsMixin:
    """`predict` and `__call__` from `predict_proba` over `self.labels`."""

    labels: list[str]

    def predict(self, texts: Any, target: str | None = None) -> list[str]:
        proba = self.predict_proba(texts, target=target)
        return [self.labels[i] for i in proba.argmax(axis=1)]

    def __call__(self, texts: Any, target: str | None = None) -> list[str]:
        return self.predict(texts, target=target)


def checked_labels(y: Sequence[str], labels: Sequence[str]) -> list[str]:
    """The training labels as a list; raises if one is outside the task's label set."""
    y = list(y)
    unknown = sorted(set(y) - set(labels))
    if unknown:
        raise ValueError(f"training labels {unknown} are not in the task's label set {list(labels)}")
    return y


def write_config(path: Path, config: dict) -> None:
    (path / CONFIG_NAME).write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_config(path: Path) -> dict:
    file = Path(path) / CONFIG_NAME
    if not file.is_file():
        raise FileNotFoundError(f"{path} is not a saved stancebench model: no {CONFIG_NAME}")
    return json.loads(file.read_text(encoding="utf-8"))


def write_model_card(path: Path, config: dict, details: str = "") -> None:
    labels = ", ".join(config["labels"])
    pair = "(target, text) pairs: pass `target=`" if config.get("pairs") else "texts"
    (path / "README.md").write_text(
        f"# stancebench model: {config.get('name', config['format'])}\n\n"
        f"- format: {config['format']}\n- labels: {labels}\n- input: {pair}\n"
        f"- task: {config.get('task', '?')}\n\n"
        "```python\nimport stancebench\nmodel = stancebench.load_model(\"<this folder or an MLflow URI>\")\n"
        "model.predict([\"We are ready for talks.\"])\n```\n" + details,
        encoding="utf-8",
    )
