"""Official scores, one plain function per metric, and bootstrap confidence intervals.

Every metric is computed from confusion matrices of shape (..., K, K), so the same function scores
one prediction set or a whole batch of bootstrap resamples at once (scipy's `bootstrap` with
`vectorized=True`). Classes are the task's full label set, so a class missing from a resample
scores 0 rather than vanishing from the average. Errors raise; nothing is turned into a score.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np
from scipy import stats

STANCE_POSITIVE = ("favor", "against")


def main_metric(labels: Sequence[str]) -> str:
    """The metric a task is ranked by, read from its label set (the one place this rule lives):
    SemEval-2016 Task 6's F_avg for stance (favor and against among the labels), TweetEval's macro
    recall for sentiment."""
    return "f_avg" if set(STANCE_POSITIVE) <= set(labels) else "macro_recall"


def headline_metrics(labels: Sequence[str]) -> tuple[str, ...]:
    """The metrics a report shows and bootstraps: the main one, macro-F1 and accuracy."""
    return (main_metric(labels), "macro_f1", "accuracy")


def encode(labels: Sequence[str], values: Sequence[str]) -> np.ndarray:
    index = {label: i for i, label in enumerate(labels)}
    unknown = sorted(set(values) - set(index))
    if unknown:
        raise ValueError(f"labels {unknown} are not in the label set {list(labels)}")
    return np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))


def confusion(y_true: np.ndarray, y_pred: np.ndarray, k: int) -> np.ndarray:
    """Confusion matrices (rows gold, columns predicted) over the last axis, batched."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    batch = y_true.shape[:-1]
    offsets = np.arange(int(np.prod(batch, dtype=np.int64))).reshape(*batch, 1) * k * k
    flat = (offsets + y_true * k + y_pred).ravel()
    counts = np.bincount(flat, minlength=offsets.size * k * k)
    return counts.reshape(*batch, k, k)


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    # zero_division=0, as scikit-learn's default-free convention for an absent class
    return np.divide(num, den, out=np.zeros(np.broadcast_shapes(num.shape, den.shape)), where=den > 0)


def per_class(cm: np.ndarray) -> dict[str, np.ndarray]:
    """Precision, recall and F1 per class, shape (..., K)."""
    tp = np.diagonal(cm, axis1=-2, axis2=-1).astype(float)
    predicted = cm.sum(axis=-2)
    gold = cm.sum(axis=-1)
    return {
        "precision": _divide(tp, predicted),
        "recall": _divide(tp, gold),
        "f1": _divide(2 * tp, predicted + gold),
    }


def accuracy(cm: np.ndarray) -> np.ndarray:
    return _divide(np.trace(cm, axis1=-2, axis2=-1).astype(float), cm.sum(axis=(-2, -1)))


def macro_f1(cm: np.ndarray) -> np.ndarray:
    return per_class(cm)["f1"].mean(axis=-1)


def macro_recall(cm: np.ndarray) -> np.ndarray:
    return per_class(cm)["recall"].mean(axis=-1)


def f_avg(cm: np.ndarray, labels: Sequence[str]) -> np.ndarray:
    """SemEval-2016 Task 6: (F1(favor) + F1(against)) / 2."""
    f1 = per_class(cm)["f1"]
    return np.mean([f1[..., list(labels).index(label)] for label in STANCE_POSITIVE], axis=0)


def metric_fn(name: str, labels: Sequence[str]) -> Callable[[np.ndarray], np.ndarray]:
    """The confusion-matrix function behind a metric name."""
    functions = {
        "accuracy": accuracy,
        "macro_f1": macro_f1,
        "macro_recall": macro_recall,
        "f_avg": lambda cm: f_avg(cm, labels),
    }
    if name not in functions:
        raise KeyError(f"unknown metric {name!r}; known: {', '.join(functions)}")
    return functions[name]


def scores(y_true: Sequence[str], y_pred: Sequence[str], labels: Sequence[str]) -> dict[str, float]:
    """Headline and per-class scores; stance label sets get F_avg too.

    Examples:
        >>> scores(["favor", "against"], ["favor", "none"], ["favor", "against", "neutral", "none"])["f_avg"]
        0.5
    """
    if len(y_true) != len(y_pred):
        raise ValueError(f"{len(y_true)} gold labels but {len(y_pred)} predictions")
    if not len(y_true):
        raise ValueError("no examples to score")
    cm = confusion(encode(labels, y_true), encode(labels, y_pred), len(labels))
    result = {"accuracy": float(accuracy(cm)), "macro_f1": float(macro_f1(cm)), "macro_recall": float(macro_recall(cm))}
    if set(STANCE_POSITIVE) <= set(labels):
        result["f_avg"] = float(f_avg(cm, labels))
    for kind, values in per_class(cm).items():
        for label, value in zip(labels, values):
            result[f"{label}_{kind}"] = float(value)
    return result


def bootstrap_ci(
    y_true: Sequence[str],
    y_pred: Sequence[str],
    labels: Sequence[str],
    metric: str,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile bootstrap interval of a metric, resampling examples with replacement."""
    fn = metric_fn(metric, labels)
    k = len(labels)

    def statistic(t: np.ndarray, p: np.ndarray, axis: int = -1) -> np.ndarray:
        return fn(confusion(np.moveaxis(t, axis, -1), np.moveaxis(p, axis, -1), k))

    result = _percentile_bootstrap((encode(labels, y_true), encode(labels, y_pred)), statistic, n_resamples, confidence, seed)
    return float(result.confidence_interval.low), float(result.confidence_interval.high)


def _percentile_bootstrap(data: tuple[np.ndarray, ...], statistic: Callable, n_resamples: int, confidence: float,
                          seed: int) -> Any:
    """scipy's paired, vectorized percentile bootstrap: every array resampled at the same indices."""
    return stats.bootstrap(data, statistic, paired=True, vectorized=True, n_resamples=n_resamples,
                           confidence_level=confidence, method="percentile", random_state=np.random.default_rng(seed))


class PairedDifference(NamedTuple):
    """metric(a) - metric(b), its bootstrap CI, and the two-sided bootstrap p-value: twice the
    smaller share of resampled differences on either side of 0, at most 1 (identical systems: 1)."""

    difference: float
    low: float
    high: float
    p_value: float


def paired_bootstrap_difference(
    y_true: Sequence[str],
    y_a: Sequence[str],
    y_b: Sequence[str],
    labels: Sequence[str],
    metric: str,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> PairedDifference:
    """metric(a) - metric(b) on the same examples, with a paired percentile bootstrap CI and p-value:
    each resample draws the same examples for both systems."""
    fn = metric_fn(metric, labels)
    k = len(labels)
    gold, a, b = (encode(labels, values) for values in (y_true, y_a, y_b))
    if not len(gold) == len(a) == len(b):
        raise ValueError(f"{len(gold)} gold labels, {len(a)} and {len(b)} predictions")

    def statistic(t: np.ndarray, p: np.ndarray, q: np.ndarray, axis: int = -1) -> np.ndarray:
        t, p, q = (np.moveaxis(x, axis, -1) for x in (t, p, q))
        return fn(confusion(t, p, k)) - fn(confusion(t, q, k))

    result = _percentile_bootstrap((gold, a, b), statistic, n_resamples, confidence, seed)
    differences = result.bootstrap_distribution
    p_value = min(1.0, 2 * min(np.mean(differences <= 0), np.mean(differences >= 0)))
    return PairedDifference(float(statistic(gold, a, b)), float(result.confidence_interval.low),
                            float(result.confidence_interval.high), float(p_value))
