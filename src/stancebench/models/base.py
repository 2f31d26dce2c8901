"""What every classifier offers, and the saved-model layout they share."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

CONFIG_NAME = "stancebench.json"


_TEXTS_TYPES = "a str, a list or tuple of str, a pandas Series of str or a DataFrame with a 'text' column"


def _first_non_string(values: Sequence[Any] | pd.Series) -> tuple[Any, Any] | None:
    """(index label, value) of the first value that is not a str (None and NaN included), or None."""
    if isinstance(values, pd.Series):
        # fast path; pandas' "str" dtype reports "string" even with missing values, hence isna
        if pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty") and not values.isna().any():
            return None
        items = values.items()
    else:
        items = enumerate(values)
    return next(((i, v) for i, v in items if not isinstance(v, str)), None)


def _check_strings(values: Sequence[Any] | pd.Series, name: str) -> None:
    bad = _first_non_string(values)
    if bad is not None:
        index, value = bad
        where = f"{name}[{index!r}]" if not isinstance(values, pd.Series) else f"{name} at row {index!r}"
        raise TypeError(f"{where} is {type(value).__name__} ({value!r:.60}), not str: every element must be a string")


def _sequence(values: Any) -> bool:
    return isinstance(values, (list, tuple, pd.Series)) or (isinstance(values, np.ndarray) and values.ndim == 1)


def as_frame(texts: Any, target: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Model input as a frame with a `text` column (and `target` for pair models).

    The one entry for every model's `predict`/`predict_proba` (through `model_input`) and for the
    fine-tuned models' `fit`.

    Args:
        texts: one string, a list or tuple (or 1-D array) of strings, a pandas Series of strings or a
            DataFrame with a `text` column (and any others: `target`, metadata fields).
        target: one target for every row, or one per row; replaces a `target` column.

    Returns:
        A new frame (the caller's is never modified); empty when `texts` is.

    Raises:
        TypeError: `texts` (or `target`) is of another type (a dict, None, bytes, a number), or an
            element is not a string; the message names the type and the index of the first bad element.
        ValueError: a DataFrame without a `text` column, or one target per row of the wrong length.
    """
    if isinstance(texts, str):
        frame = pd.DataFrame({"text": [texts]})
    elif isinstance(texts, pd.DataFrame):
        if "text" not in texts.columns:
            raise ValueError(f"input needs a 'text' column; got columns {list(texts.columns)}")
        _check_strings(texts["text"], "the 'text' column")
        frame = texts.copy()
    elif _sequence(texts):
        _check_strings(texts if isinstance(texts, pd.Series) else list(texts), "texts")
        frame = pd.DataFrame({"text": pd.Series(list(texts), dtype=None if len(texts) else object)})
    else:
        raise TypeError(f"texts must be {_TEXTS_TYPES}; got {type(texts).__name__}")
    if target is not None:
        if isinstance(target, str):
            frame["target"] = target
        elif _sequence(target):
            _check_strings(target if isinstance(target, pd.Series) else list(target), "target")
            if len(target) != len(frame):
                raise ValueError(f"got {len(target)} targets for {len(frame)} texts: pass one target, or one per text")
            frame["target"] = list(target)
        else:
            raise TypeError(f"target must be a str or a list of str (one per text); got {type(target).__name__}")
    elif "target" in frame:
        _check_strings(frame["target"], "the 'target' column")
    return frame


def _known(targets: Sequence[str]) -> str:
    return ", ".join(targets) if targets else "none recorded"


def model_input(model: Any, texts: Any, target: str | Sequence[str] | None = None,
                allow_new_targets: bool = False) -> pd.DataFrame:
    """`as_frame(texts, target)`, checked against what `model` reads.

    A model without a target input (`model.pairs` false) refuses a target. A pair model needs one
    per row, among the targets it was trained on (`model.targets`, matched ignoring case and
    surrounding spaces, and rewritten to the trained spelling: "US" -> "us"). A target it was not
    trained on is refused unless `allow_new_targets` is true and the model can read one
    (`model.new_targets`, a sentence saying how, or None).

    Raises:
        TypeError, ValueError: see `as_frame`; ValueError for a target the model cannot take, with
            the targets it knows.
    """
    X = as_frame(texts, target)
    task = getattr(model, "task", None)
    if not getattr(model, "pairs", False):
        if "target" in X:
            given = "target=" if target is not None else "the 'target' column"
            trained = f"; it was trained for task {task}" if task else ""
            raise ValueError(f"this model reads texts only{trained}; drop {given}")
        return X
    known: list[str] | None = getattr(model, "targets", None)
    trained = f"trained for task {task}" if task else "trained"
    if "target" not in X:
        if X.empty:
            return X
        example = known[0] if known else "us"
        raise ValueError(f"this model reads (target, text) pairs: pass target={example!r} (or a 'target' column); "
                         f"it was {trained} on the targets {_known(known or [])}")
    if known is None:
        # saved before models recorded their targets (stancebench.json without "targets" or
        # "trained_targets"): any target is taken, as it was then
        return X
    spelling = {t.strip().lower(): t for t in known}
    mapping = {value: value if value in known else spelling.get(value.strip().lower(), None)
               for value in X["target"].unique()}
    unknown = sorted(value for value, match in mapping.items() if match is None)
    if unknown:
        reads = getattr(model, "new_targets", None)
        if not (allow_new_targets and reads):
            if reads:
                hint = f"To ask it about a new target anyway, pass allow_new_targets=True ({reads})."
            else:
                why = getattr(model, "no_new_targets", None) or "it cannot answer a target it was not trained on"
                hint = f"{why[0].upper()}{why[1:]}; allow_new_targets=True does not change that."
            raise ValueError(f"unknown target(s) {unknown}: this model was {trained} on the targets "
                             f"{_known(known)} (matched ignoring case). {hint}")
        mapping.update({value: value for value in unknown})
    if any(value != match for value, match in mapping.items()):
        X["target"] = X["target"].map(mapping)
    return X


def empty_proba(labels: Sequence[str]) -> np.ndarray:
    """`predict_proba` of no input: shape (0, number of labels)."""
    return np.zeros((0, len(labels)))


@runtime_checkable
class Classifier(Protocol):
    """fit / predict_proba / predict / save / load, with string labels throughout.

    `pairs`: whether the model reads (target, text) pairs; `targets`: the targets a pair model was
    trained on (None: not recorded, any target taken); `new_targets`: how a pair model reads a
    target it was not trained on (None: it cannot; `no_new_targets` may say why); `task`: the task
    it was trained for, when known.
    """

    labels: list[str]
    pairs: bool

    def fit(self, X: pd.DataFrame, y: Sequence[str], labels: Sequence[str],
            eval_set: tuple[pd.DataFrame, Sequence[str]] | None = None) -> "Classifier": ...

    def predict_proba(self, texts: Any, target: str | None = None, allow_new_targets: bool = False) -> np.ndarray: ...

    def predict(self, texts: Any, target: str | None = None, allow_new_targets: bool = False) -> list[str]: ...

    def save(self, path: str | Path) -> Path: ...


class LabelsMixin:
    """`predict` and `__call__` from `predict_proba` over `self.labels`, and the target attributes."""

    labels: list[str]
    pairs: bool = False
    targets: list[str] | None = None
    new_targets: str | None = None
    task: str | None = None

    def predict(self, texts: Any, target: str | Sequence[str] | None = None,
                allow_new_targets: bool = False) -> list[str]:
        """The most probable label of each input (see `predict_proba`); `[]` for no input."""
        proba = self.predict_proba(texts, target=target, allow_new_targets=allow_new_targets)
        return [self.labels[i] for i in proba.argmax(axis=1)]

    def __call__(self, texts: Any, target: str | Sequence[str] | None = None,
                 allow_new_targets: bool = False) -> list[str]:
        return self.predict(texts, target=target, allow_new_targets=allow_new_targets)


def checked_labels(y: Sequence[str], labels: Sequence[str]) -> list[str]:
    """The training labels as a list; raises if one is outside the task's label set."""
    y = list(y)
    unknown = sorted(set(y) - set(labels))
    if unknown:
        raise ValueError(f"training labels {unknown} are not in the task's label set {list(labels)}")
    return y



def saved_targets(config: dict, features: Any = None) -> list[str] | None:
    """The targets a saved pair model was trained on: `targets` in stancebench.json; for a model
    saved before that, `trained_targets` (written by the training app) or the target blocks of its
    features; None when none of these says (then any target is taken)."""
    targets = config.get("targets") or config.get("trained_targets") or getattr(features, "targets_", None)
    return [str(t) for t in targets] if targets else None


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
    if config.get("pairs") and config.get("targets"):
        pair += f" (trained on the targets {', '.join(config['targets'])})"
    (path / "README.md").write_text(
        f"# stancebench model: {config.get('name', config['format'])}\n\n"
        f"- format: {config['format']}\n- labels: {labels}\n- input: {pair}\n"
        f"- task: {config.get('task', '?')}\n\n"
        "```python\nimport stancebench\nmodel = stancebench.load_model(\"<this folder or an MLflow URI>\")\n"
        "model.predict([\"We are ready for talks.\"])\n```\n" + details,
        encoding="utf-8",
    )
