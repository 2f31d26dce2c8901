"""Metrics against hand-computed values and scikit-learn; bootstrap intervals."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, recall_score

from stancebench.metrics import bootstrap_ci, confusion, scores

STANCE = ["favor", "against", "neutral", "none"]
SENT = ["positive", "negative", "neutral"]


def test_f_avg_hand_computed():
    gold = ["favor", "favor", "against", "against", "none", "neutral"]
    pred = ["favor", "against", "against", "none", "none", "favor"]
    # favor: tp=1 fp=1 fn=1 -> P=1/2 R=1/2 F=1/2 ; against: tp=1 fp=1 fn=1 -> F=1/2
    # neutral: tp=0 -> F=0 ; none: tp=1 fp=1 fn=0 -> P=1/2 R=1 F=2/3
    s = scores(gold, pred, STANCE)
    assert s["f_avg"] == pytest.approx(0.5)
    assert s["macro_f1"] == pytest.approx((0.5 + 0.5 + 0 + 2 / 3) / 4)
    assert s["accuracy"] == pytest.approx(3 / 6)
    assert s["none_precision"] == pytest.approx(0.5) and s["none_recall"] == pytest.approx(1.0)
    assert s["neutral_f1"] == 0.0


def test_f_avg_ignores_neutral_and_none():
    gold = ["favor", "against", "none", "neutral"]
    # errors between none and neutral do not move F_avg
    assert scores(gold, ["favor", "against", "neutral", "none"], STANCE)["f_avg"] == 1.0
    assert scores(gold, ["favor", "against", "neutral", "none"], STANCE)["macro_f1"] == 0.5


def test_sentiment_macro_recall_hand_computed():
    gold = ["positive", "positive", "negative", "neutral", "neutral", "neutral"]
    pred = ["positive", "neutral", "negative", "neutral", "negative", "negative"]
    # recall: positive 1/2, negative 1/1, neutral 1/3
    s = scores(gold, pred, SENT)
    assert s["macro_recall"] == pytest.approx((0.5 + 1 + 1 / 3) / 3)
    assert "f_avg" not in s


def test_matches_scikit_learn_on_random_labels():
    rng = np.random.default_rng(0)
    gold = rng.choice(STANCE, 500).tolist()
    pred = rng.choice(STANCE, 500).tolist()
    s = scores(gold, pred, STANCE)
    assert s["macro_f1"] == pytest.approx(f1_score(gold, pred, labels=STANCE, average="macro"))
    assert s["macro_recall"] == pytest.approx(recall_score(gold, pred, labels=STANCE, average="macro"))
    assert s["accuracy"] == pytest.approx(accuracy_score(gold, pred))
    fav, ag = f1_score(gold, pred, labels=["favor", "against"], average=None)
    assert s["f_avg"] == pytest.approx((fav + ag) / 2)


def test_absent_class_scores_zero_not_nan():
    s = scores(["favor", "favor"], ["favor", "favor"], STANCE)
    assert s["against_f1"] == 0.0 and s["f_avg"] == 0.5


def test_errors_raise():
    with pytest.raises(ValueError, match="not in the label set"):
        scores(["favor"], ["pro"], STANCE)
    with pytest.raises(ValueError, match="1 gold labels but 2 predictions"):
        scores(["favor"], ["favor", "none"], STANCE)
    with pytest.raises(ValueError, match="no examples"):
        scores([], [], STANCE)


def test_batched_confusion_equals_loop():
    rng = np.random.default_rng(1)
    t, p = rng.integers(0, 3, (5, 40)), rng.integers(0, 3, (5, 40))
    batched = confusion(t, p, 3)
    for b in range(5):
        expected = np.zeros((3, 3), int)
        np.add.at(expected, (t[b], p[b]), 1)
        assert (batched[b] == expected).all()


def test_bootstrap_ci_brackets_point_and_shrinks_with_data():
    rng = np.random.default_rng(2)
    gold = rng.choice(STANCE, 2000).tolist()
    pred = [g if rng.random() < 0.7 else rng.choice(STANCE) for g in gold]
    point = scores(gold, pred, STANCE)["f_avg"]
    low, high = bootstrap_ci(gold, pred, STANCE, "f_avg", n_resamples=500, seed=0)
    assert low < point < high
    small_low, small_high = bootstrap_ci(gold[:200], pred[:200], STANCE, "f_avg", n_resamples=500, seed=0)
    assert (small_high - small_low) > (high - low)
    assert bootstrap_ci(gold, pred, STANCE, "f_avg", n_resamples=500, seed=0) == (low, high)


def test_bootstrap_unknown_metric():
    with pytest.raises(KeyError, match="unknown metric"):
        bootstrap_ci(["favor"], ["favor"], STANCE, "f2")


def test_paired_bootstrap_difference_is_paired_and_signed():
    from stancebench.metrics import paired_bootstrap_difference

    labels = ["favor", "against", "neutral", "none"]
    rng = np.random.default_rng(0)
    gold = list(rng.choice(labels, 300))
    better = [g if rng.random() < 0.8 else "none" for g in gold]
    worse = [g if rng.random() < 0.5 else "none" for g in gold]
    diff, low, high, p_value = paired_bootstrap_difference(gold, better, worse, labels, "f_avg", n_resamples=300)
    assert diff == pytest.approx(scores(gold, better, labels)["f_avg"] - scores(gold, worse, labels)["f_avg"])
    assert 0 < low < diff < high
    assert p_value < 0.05  # better is better on nearly every resample
    # a system against itself: exactly zero on every resample (only pairing gives a zero-width CI)
    assert paired_bootstrap_difference(gold, better, better, labels, "f_avg", n_resamples=100) == (0.0, 0.0, 0.0, 1.0)
