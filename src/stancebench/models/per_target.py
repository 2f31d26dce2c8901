"""One model per stance target, behind the one `Classifier` interface (the SemEval-2016 setting).

SemEval-2016 Task 6 and TweetEval train a separate classifier for each target and pool the test
predictions of all targets before scoring. `PerTargetClassifier` does exactly that inside the usual
app, so the per-target setting gets the same tracking, pooled and per-target metrics, predictions
artifact and loadable model as any other run:

    stancebench-train data=tweeteval_stance task=stance model=per_target
    stancebench-train data=tweeteval_stance task=stance model=per_target model@model.inner=char_svm
"""

from __future__ import annotations

import copy
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stancebench.models.base import LabelsMixin, empty_proba, model_input, read_config, write_config, write_model_card


class PerTargetClassifier(LabelsMixin):
    """A fresh copy of `inner` fitted on each target's texts; each input row goes to its target's model.

    Args:
        inner: an unfitted stancebench classifier (any: baseline or transformer); it sees texts only.
        name: the config name, kept in the saved model; default `per_target_<inner name>`.

    Examples:
        >>> from stancebench.models import SklearnClassifier, tfidf
        >>> from sklearn.dummy import DummyClassifier
        >>> model = PerTargetClassifier(SklearnClassifier(tfidf(), DummyClassifier()))
        >>> X = pd.DataFrame({"target": ["a", "a", "b"], "text": ["x y", "y z", "z"]})
        >>> model.fit(X, ["favor", "favor", "against"], labels=["favor", "against", "none"]).predict(X)
        ['favor', 'favor', 'against']
    """

    format = "per_target"
    new_targets = None
    no_new_targets = ("a per-target model has no model for target(s) it was not trained on: use a pooled model "
                      "(model=tfidf_svm)")

    def __init__(self, inner: Any, name: str | None = None):
        self.inner = inner
        self.name = name or f"per_target_{getattr(inner, 'name', type(inner).__name__)}"
        self.models: dict[str, Any] = {}
        self.labels: list[str] = []
        self.pairs = True
        self.task: str | None = None

    @property
    def targets(self) -> list[str]:
        """The targets it has a model for."""
        return list(self.models)

    def fit(self, X: pd.DataFrame, y: Sequence[str], labels: Sequence[str],
            eval_set: tuple[pd.DataFrame, Sequence[str]] | None = None) -> "PerTargetClassifier":
        if "target" not in X:
            raise ValueError("a per-target model needs (target, text) inputs: use it with a task over several "
                             "targets (task=stance), not a single-target or sentiment task")
        self.labels = list(labels)
        y = np.asarray(list(y), dtype=object)
        self.models = {}
        for target in sorted(X["target"].unique()):
            mask = (X["target"] == target).to_numpy()
            target_eval = None
            if eval_set is not None and "target" in eval_set[0]:
                eval_mask = (eval_set[0]["target"] == target).to_numpy()
                if eval_mask.any():
                    target_eval = (eval_set[0].loc[eval_mask, ["text"]].reset_index(drop=True),
                                   np.asarray(list(eval_set[1]), dtype=object)[eval_mask].tolist())
            model = copy.deepcopy(self.inner)
            try:
                model.fit(X.loc[mask, ["text"]].reset_index(drop=True), y[mask].tolist(), labels=self.labels,
                          eval_set=target_eval)
            except ValueError as err:
                counts = dict(zip(*np.unique(y[mask], return_counts=True)))
                raise ValueError(f"fitting the model for target {target!r} ({int(mask.sum())} training rows, "
                                 f"labels {counts}) failed: {err}") from err
            self.models[target] = model
        return self

    def predict_proba(self, texts: Any, target: str | Sequence[str] | None = None,
                      allow_new_targets: bool = False) -> np.ndarray:
        """Each row scored by its target's model; a target without a model is refused (use a
        pooled model, e.g. model=tfidf_svm, for targets unseen in training)."""
        X = model_input(self, texts, target, allow_new_targets)
        if X.empty:
            return empty_proba(self.labels)
        proba = np.zeros((len(X), len(self.labels)))
        targets = X["target"].to_numpy()
        for name, model in self.models.items():
            rows = np.flatnonzero(targets == name)
            if len(rows):
                part = model.predict_proba(X.iloc[rows][["text"]].reset_index(drop=True))
                # inner label order is ours (fitted with labels=self.labels), but map by name to be safe
                for j, label in enumerate(model.labels):
                    proba[rows, self.labels.index(label)] = part[:, j]
        return proba

    def save(self, path: str | Path, task: str | None = None) -> Path:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        folders = {}
        for i, (target, model) in enumerate(self.models.items()):
            folder = f"targets/{i:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '_', target)[:40]}"
            model.save(path / folder, task=task)
            folders[target] = folder
        config = {"format": self.format, "name": self.name, "labels": self.labels, "pairs": True, "task": task,
                  "targets": folders}
        write_config(path, config)
        listing = "".join(f"- `{t}`: `{f}/`\n" for t, f in folders.items())
        write_model_card(path, config, f"One model per target, each a saved stancebench model:\n\n{listing}")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "PerTargetClassifier":
        from stancebench.models import load_saved

        path = Path(path)
        config = read_config(path)
        model = cls.__new__(cls)
        model.inner, model.name, model.labels, model.pairs = None, config["name"], config["labels"], True
        model.task = config.get("task")
        model.models = {target: load_saved(path / folder) for target, folder in config["targets"].items()}
        return model
