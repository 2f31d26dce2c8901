"""A weighted average of member models' probabilities, the weights chosen on dev, saved as one model.

    stancebench-train model=ensemble task=stance_us
    stancebench-train model=ensemble +model@model.members.transformer=transformer

Each member is any stancebench classifier (a baseline, a fine-tuned encoder, a per-target model),
fitted on train as it would be alone; with `weights: dev` the weights are the point of a simplex grid
(steps of `grid_step`, vertices included) that scores best on dev by the task's main metric, so the
ensemble's dev score is never below its best member's (but it is chosen on dev: read test).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from stancebench.models.base import (
    LabelsMixin,
    empty_proba,
    model_input,
    read_config,
    write_config,
    write_model_card,
)

log = logging.getLogger(__name__)

# packages a member's format needs beyond a baseline's (see tracking._requirements)
_TORCH = ["torch", "transformers", "safetensors", "tokenizers"]


def simplex_grid(n: int, step: float) -> np.ndarray:
    """Every weight vector of `n` non-negative multiples of `step` summing to 1, in a fixed order
    (the vertices included), shape (points, n)."""
    parts = round(1 / step)
    if parts < 1 or abs(parts * step - 1) > 1e-9:
        raise ValueError(f"model.grid_step={step}: must divide 1 (0.1, 0.05, 0.25, ...)")
    if n == 1:
        return np.ones((1, 1))
    # stars and bars: the positions of n-1 bars among parts+n-1 slots
    points = []
    for bars in combinations(range(parts + n - 1), n - 1):
        edges = (-1, *bars, parts + n - 1)
        points.append([edges[i + 1] - edges[i] - 1 for i in range(n)])
    return np.asarray(points, dtype=float) / parts


def _scaled(proba: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(log(proba) / temperature): the same ranking per row, sharper below 1, flatter above."""
    if temperature == 1.0:
        return proba
    logits = np.log(np.clip(proba, 1e-12, None)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=1, keepdims=True)


def _temperature(proba: np.ndarray, gold: np.ndarray) -> float:
    """The temperature in [0.01, 100] minimising the mean log-loss of `proba` on `gold` (indices)."""
    from scipy.optimize import minimize_scalar

    def loss(log_t: float) -> float:
        picked = _scaled(proba, float(np.exp(log_t)))[np.arange(len(gold)), gold]
        return float(-np.log(np.clip(picked, 1e-12, None)).mean())

    best = minimize_scalar(loss, bounds=(np.log(0.01), np.log(100.0)), method="bounded", options={"xatol": 1e-4})
    return float(round(np.exp(best.x), 6)) if best.fun < loss(0.0) else 1.0


def _load_member(uri: str) -> Any:
    from stancebench.loading import load_model

    return load_model(uri)


class EnsembleClassifier(LabelsMixin):
    """The weighted average of its members' `predict_proba`.

    Args:
        members: name -> model (a mapping, as Hydra builds `model.members`), or a list of models
            (named by their `name`). A model is an unfitted stancebench classifier (fitted on train
            by `fit`), or a str: the URI or folder of a trained one (`stancebench.load_model`), used
            as it is (not refit); its labels must be the task's.
        weights: "dev" (chosen on `fit`'s `eval_set`; equal weights without one), or one
            non-negative weight per member in the order of `members` (normalised to sum to 1).
        grid_step: the spacing of the weight grid searched on dev.
        calibrate: before averaging, rescale each member's scores by a temperature chosen on dev
            (minimum log-loss): SVM members' softmax-of-margins scores are far flatter than a
            logistic regression's, so an uncalibrated average is dominated by the sharpest member.
            A temperature never changes a member's own predictions. Without a dev set: none.
        name: the config name, kept in the saved model.

    Examples:
        >>> from sklearn.linear_model import LogisticRegression
        >>> from stancebench.models import SklearnClassifier, tfidf
        >>> ens = EnsembleClassifier({"a": SklearnClassifier(tfidf(), LogisticRegression()),
        ...                           "b": SklearnClassifier(tfidf(analyzer="char"), LogisticRegression())})
        >>> X = pd.DataFrame({"text": ["good", "bad", "fine", "awful"]})
        >>> ens.fit(X, ["pos", "neg", "pos", "neg"], labels=["pos", "neg"], eval_set=(X, ["pos", "neg", "pos", "neg"]))
        ... # doctest: +ELLIPSIS
        <...EnsembleClassifier object at ...>
        >>> round(sum(ens.weights), 6)
        1.0
    """

    format = "ensemble"

    def __init__(self, members: Mapping[str, Any] | Sequence[Any], weights: str | Sequence[float] = "dev",
                 grid_step: float = 0.1, calibrate: bool = True, name: str = "ensemble"):
        self.name = name
        self.members: dict[str, Any] = self._named(members)
        if not self.members:
            raise ValueError("model.members is empty: an ensemble needs at least one member model")
        # members given as a URI or folder are trained already: loaded now, never refit
        self.prefit = {key for key, member in self.members.items() if isinstance(member, (str, Path))}
        for key in self.prefit:
            self.members[key] = _load_member(str(self.members[key]))
        self._weights_spec = self._checked_weights(weights)
        self.grid_step = float(grid_step)
        self.calibrate = bool(calibrate)
        self.temperatures: dict[str, float] = {}
        simplex_grid(len(self.members), self.grid_step)  # a bad step fails before any training
        self.weights: list[float] = list(self._weights_spec) if self._weights_spec is not None else []
        self.weights_source = "given" if self._weights_spec is not None else "not fitted"
        self.metric: str | None = None
        self.dev_scores: dict[str, float] = {}
        self.task: str | None = None
        self.labels: list[str] = []
        if self.prefit:
            fitted = {key: m for key, m in self.members.items() if key in self.prefit}
            first = next(iter(fitted))
            self.labels = list(fitted[first].labels)
            self._check_labels(self.labels, fitted, f"one label set (that of {first}: {', '.join(self.labels)})")

    @staticmethod
    def _named(members: Mapping[str, Any] | Sequence[Any]) -> dict[str, Any]:
        if isinstance(members, Mapping) or hasattr(members, "items"):  # a dict, or Hydra's DictConfig of objects
            return {str(key): members[key] for key in members}
        named: dict[str, Any] = {}
        for i, member in enumerate(members):
            base = re.sub(r"[^A-Za-z0-9_.-]+", "_", str(getattr(member, "name", None) or f"member{i}"))
            key, n = base, 2
            while key in named:
                key, n = f"{base}_{n}", n + 1
            named[key] = member
        return named

    def _checked_weights(self, weights: str | Sequence[float]) -> list[float] | None:
        if isinstance(weights, str):
            if weights != "dev":
                raise ValueError(f"model.weights={weights!r}: must be 'dev' or one number per member")
            return None
        values = [float(w) for w in weights]
        if len(values) != len(self.members):
            raise ValueError(f"model.weights has {len(values)} values for {len(self.members)} members "
                             f"({', '.join(self.members)}): give one per member, in that order")
        if any(w < 0 for w in values) or sum(values) <= 0:
            raise ValueError(f"model.weights={values}: must be non-negative with a positive sum")
        return [w / sum(values) for w in values]

    @staticmethod
    def _check_labels(labels: Sequence[str], members: Mapping[str, Any], what: str = "") -> None:
        differ = [key for key, m in members.items() if set(m.labels) != set(labels)]
        if differ:
            listing = "; ".join(f"{key}: {', '.join(m.labels)}" for key, m in members.items())
            what = what or f"the task's label set ({', '.join(labels)})"
            raise ValueError(f"ensemble members must share {what}, but "
                             f"{', '.join(differ)} {'has' if len(differ) == 1 else 'have'} another. "
                             f"Members' labels: {listing}")

    # what a member reads decides what the ensemble reads
    @property
    def pairs(self) -> bool:  # type: ignore[override]
        return bool(getattr(next(iter(self.members.values())), "pairs", False))

    @property
    def targets(self) -> list[str] | None:  # type: ignore[override]
        """The targets every member was trained on (None when no member records them)."""
        known = [m.targets for m in self.members.values() if getattr(m, "targets", None) is not None]
        if not known:
            return None
        return [t for t in known[0] if all(t in other for other in known[1:])]

    @property
    def new_targets(self) -> str | None:  # type: ignore[override]
        """How it reads a new target: only when every member can."""
        reads = [getattr(m, "new_targets", None) for m in self.members.values()]
        return "; ".join(dict.fromkeys(reads)) if all(reads) else None

    @property
    def no_new_targets(self) -> str | None:
        cannot = [key for key, m in self.members.items() if not getattr(m, "new_targets", None)]
        if not cannot:
            return None
        why = getattr(self.members[cannot[0]], "no_new_targets", None)
        return f"member {cannot[0]} cannot answer a target it was not trained on" + (f" ({why})" if why else "")

    @property
    def input_fields(self) -> list[str]:
        """Metadata columns any member reads (`model=metadata` as a member)."""
        return list(dict.fromkeys(f for m in self.members.values() for f in getattr(m, "input_fields", []) or []))

    @property
    def extra_requirements(self) -> list[str]:
        """What the members need beyond a baseline (read by `tracking._requirements`)."""
        packages: list[str] = []
        for member in self.members.values():
            parts = [member, *([member.inner] if getattr(member, "inner", None) is not None else [])]
            for part in parts:
                if getattr(part, "format", "") in ("transformer", "embed_logreg"):
                    packages += _TORCH
                packages += list(getattr(part, "extra_requirements", []) or [])
        return list(dict.fromkeys(packages))

    def fit(self, X: pd.DataFrame, y: Sequence[str], labels: Sequence[str],
            eval_set: tuple[pd.DataFrame, Sequence[str]] | None = None) -> "EnsembleClassifier":
        """Fit each member (except trained ones given by URI) on (X, y), then choose the weights on
        `eval_set` (with `weights: dev`)."""
        labels = list(labels)
        if self.prefit:
            self._check_labels(labels, {key: m for key, m in self.members.items() if key in self.prefit})
        self.labels = labels
        y = list(y)
        for key, member in self.members.items():
            if key in self.prefit:
                log.info(f"ensemble member {key}: trained already, not refit")
                continue
            log.info(f"ensemble member {key}: fitting {type(member).__name__} (model.members.{key})")
            try:
                member.fit(X, y, labels=labels, eval_set=eval_set)
            except ValueError as err:
                raise ValueError(f"fitting ensemble member {key!r} (model.members.{key}) failed: {err}") from err
        self._check_labels(labels, self.members)
        pairs = {key: bool(getattr(m, "pairs", False)) for key, m in self.members.items()}
        if len(set(pairs.values())) > 1:
            raise ValueError(f"ensemble members must all read (target, text) pairs or all texts only; got {pairs}")
        self._choose_weights(eval_set)
        return self

    def _choose_weights(self, eval_set: tuple[pd.DataFrame, Sequence[str]] | None) -> None:
        from stancebench.metrics import main_metric, scores

        self.metric = main_metric(self.labels)
        self.temperatures = {}
        if eval_set is None or len(eval_set[1]) == 0:
            self.dev_scores = {}
            if self._weights_spec is None:
                self.weights = [1 / len(self.members)] * len(self.members)
                self.weights_source = "equal (no dev set to choose them on)"
                log.warning(f"ensemble {self.name}: no dev set (eval_set) to choose weights on (model.weights=dev); "
                            "using equal weights")
            return
        X_dev, y_dev = eval_set[0], list(eval_set[1])
        raw = {key: self._member_proba(key, X_dev, None, False) for key in self.members}
        if self.calibrate:
            gold = np.asarray([self.labels.index(label) for label in y_dev])
            self.temperatures = {key: _temperature(p, gold) for key, p in raw.items()}
            log.info(f"ensemble {self.name}: member temperatures on dev {self.temperatures}")
        probas = np.stack([_scaled(raw[key], self.temperatures.get(key, 1.0)) for key in self.members])
        metric = self.metric

        def score(proba: np.ndarray) -> float:
            return scores(y_dev, [self.labels[i] for i in proba.argmax(axis=1)], self.labels)[metric]

        self.dev_scores = {key: score(p) for key, p in zip(self.members, probas)}
        if self._weights_spec is not None:
            self.weights = list(self._weights_spec)
            self.weights_source = "given"
        else:
            grid = simplex_grid(len(self.members), self.grid_step)
            values = np.array([score(np.tensordot(w, probas, axes=1)) for w in grid])
            # ties (common on a small dev set): the weights closest to equal, then the first in grid order
            spread = ((grid - 1 / len(self.members)) ** 2).sum(axis=1)
            best = min(range(len(grid)), key=lambda i: (-round(values[i], 12), round(spread[i], 12), i))
            self.weights = [round(float(w), 10) for w in grid[best]]
            self.weights_source = f"dev ({metric}, grid step {self.grid_step:g}, {len(grid)} points)"
        self.dev_scores["ensemble"] = score(np.tensordot(np.asarray(self.weights), probas, axes=1))
        log.info(f"ensemble {self.name}: weights {dict(zip(self.members, self.weights))} ({self.weights_source}); "
                 f"dev {metric}: {self.dev_scores}")

    def _member_proba(self, key: str, X: pd.DataFrame, target: Any, allow_new_targets: bool) -> np.ndarray:
        """Member `key`'s probabilities in `self.labels` column order (mapped by label name)."""
        member = self.members[key]
        part = member.predict_proba(X, target=target, allow_new_targets=allow_new_targets)
        if list(member.labels) == self.labels:
            return part
        proba = np.zeros((len(part), len(self.labels)))
        for j, label in enumerate(member.labels):
            proba[:, self.labels.index(label)] = part[:, j]
        return proba

    def predict_proba(self, texts: Any, target: str | Sequence[str] | None = None,
                      allow_new_targets: bool = False) -> np.ndarray:
        """The weighted average of the members' probabilities, one column per label in `self.labels`
        order; inputs and targets as every member takes them (see `base.model_input`)."""
        if not self.weights:
            raise ValueError(f"ensemble {self.name} is not fitted: call fit() first")
        X = model_input(self, texts, target, allow_new_targets)
        if X.empty:
            return empty_proba(self.labels)
        proba = np.zeros((len(X), len(self.labels)))
        for weight, key in zip(self.weights, self.members):
            if weight > 0:
                member_proba = self._member_proba(key, X, None, allow_new_targets)
                proba += weight * _scaled(member_proba, self.temperatures.get(key, 1.0))
        return proba

    def save(self, path: str | Path, task: str | None = None) -> Path:
        """Each member in `members/<name>/` with its own save (skops / safetensors), the weights in
        stancebench.json, and a model card."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        members = []
        for key, member in self.members.items():
            folder = f"members/{key}"
            member.save(path / folder, task=task)
            members.append({"name": key, "format": read_config(path / folder)["format"], "folder": folder,
                            "weight": self.weights[len(members)] if self.weights else None,
                            "dev_score": self.dev_scores.get(key), "temperature": self.temperatures.get(key),
                            "prefit": key in self.prefit})
        config = {"format": self.format, "name": self.name, "labels": self.labels, "pairs": self.pairs, "task": task,
                  "input_fields": self.input_fields, **({"targets": self.targets} if self.pairs else {}),
                  "weights": self.weights, "weights_source": self.weights_source, "grid_step": self.grid_step,
                  "calibrate": self.calibrate,
                  "metric": self.metric, "dev_score": self.dev_scores.get("ensemble"), "members": members}
        write_config(path, config)
        rows = "".join(f"| {m['name']} | {m['format']} | `{m['folder']}/` | {m['weight']:.2f} | "
                       + (f"{m['temperature']:.3g}" if m["temperature"] is not None else "-") + " | "
                       + (f"{m['dev_score']:.3f}" if m["dev_score"] is not None else "-") + " |\n" for m in members)
        dev = config["dev_score"]
        write_model_card(path, config, (
            f"A weighted average of {len(members)} models' class probabilities; weights: {self.weights_source}.\n\n"
            "Each member's scores are rescaled by its temperature (chosen on dev) before averaging.\n\n"
            f"| member | format | folder | weight | temperature | dev {self.metric or 'score'} |\n"
            f"|---|---|---|---|---|---|\n{rows}"
            + (f"\nThe ensemble's dev {self.metric}: {dev:.3f} (the weights were chosen on dev, so this is "
               "optimistic; see the test scores).\n" if dev is not None else "")))
        return path

    @classmethod
    def load(cls, path: str | Path) -> "EnsembleClassifier":
        from stancebench.models import load_saved

        path = Path(path)
        config = read_config(path)
        model = cls.__new__(cls)
        model.name, model.labels, model.task = config["name"], list(config["labels"]), config.get("task")
        model.members = {m["name"]: load_saved(path / m["folder"]) for m in config["members"]}
        model.prefit = {m["name"] for m in config["members"] if m.get("prefit")}
        model.weights = [float(w) for w in config["weights"]]
        model._weights_spec = list(model.weights)
        model.weights_source, model.grid_step = config.get("weights_source", "given"), config.get("grid_step", 0.1)
        model.metric = config.get("metric")
        model.calibrate = bool(config.get("calibrate", False))
        model.temperatures = {m["name"]: float(m["temperature"]) for m in config["members"]
                              if m.get("temperature") is not None}
        model.dev_scores = {m["name"]: m["dev_score"] for m in config["members"] if m.get("dev_score") is not None}
        if config.get("dev_score") is not None:
            model.dev_scores["ensemble"] = config["dev_score"]
        return model
