"""Task registry and the views tasks take of a corpus."""

from __future__ import annotations

import pytest

from stancebench.data import LeadersCorpus
from stancebench.tasks import TASKS, get_task


def test_task_names_are_unique_and_complete():
    assert set(TASKS) == {"stance_us", "stance_ukraine", "stance_negotiations", "stance", "sentiment"}
    assert all(name == task.name for name, task in TASKS.items())


def test_typo_suggests_closest():
    with pytest.raises(KeyError, match="did you mean 'stance_us'"):
        get_task("stance_usa")


def test_headline_metrics():
    assert get_task("stance_us").main_score == "f_avg"
    assert get_task("sentiment").main_score == "macro_recall"
    assert get_task("sentiment").labels == ("positive", "negative", "neutral")


def test_single_target_view(small_corpus):
    dataset = LeadersCorpus(small_corpus).load()
    task = get_task("stance_ukraine")
    frame = task.frame(dataset["train"], "train", ("us", "ukraine", "negotiations"))
    assert list(task.inputs(frame).columns) == ["text"]
    assert len(frame) == len(dataset["train"])
    first = dataset["train"][0]
    assert frame.loc[0, "label"] == dataset["train"].features["stance_ukraine"].int2str(first["stance_ukraine"])


def test_pair_view_has_every_target(small_corpus):
    dataset = LeadersCorpus(small_corpus).load()
    task = get_task("stance")
    frame = task.frame(dataset["dev"], "dev", ("us", "ukraine", "negotiations"))
    assert task.pairs and list(task.inputs(frame).columns) == ["target", "text"]
    assert len(frame) == 3 * len(dataset["dev"])
    assert sorted(frame["target"].unique()) == ["negotiations", "ukraine", "us"]


def test_stance_cross_holds_out_the_test_target(small_corpus):
    dataset = LeadersCorpus(small_corpus).load()
    task = get_task("stance_cross", held_out="us")
    targets = ("us", "ukraine", "negotiations")
    assert set(task.frame(dataset["train"], "train", targets)["target"]) == {"ukraine", "negotiations"}
    assert set(task.frame(dataset["test"], "test", targets)["target"]) == {"us"}
    with pytest.raises(ValueError, match="needs task.held_out"):
        get_task("stance_cross")


def test_target_param_for_any_data_target():
    task = get_task("stance", target="abortion")
    assert task.name == "stance_abortion" and task.targets == ("abortion",) and not task.pairs
    with pytest.raises(ValueError, match="only for task stance"):
        get_task("sentiment", target="us")
