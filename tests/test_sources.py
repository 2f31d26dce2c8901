"""The data-source contract: every source in `stancebench.data` keeps `DataSource`, and declares the
label sets it has (TweetEval and SemEval-2016 stance have no `neutral`; a sentiment-only set has no
stance labels). Sources are built on the small fake files the adapter tests write."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

import stancebench.data
from conftest import REPO, write_jsonl
from stancebench.data import (
    SENTIMENT_LABELS,
    STANCE_LABELS,
    ContrastSet,
    CrossDomain,
    DataSource,
    LeadersCorpus,
    SemEval2016,
    TableSource,
    TweetEvalSentiment,
    TweetEvalStance,
    UNGDSource,
    UnionSource,
)
from stancebench.data.ungd_units import build_units, select_units
from test_public import write_fake_external
from test_ungd import fake_labels, write_fake_corpus

THREE_STANCES = ("favor", "against", "none")


def write_table(path: Path) -> Path:
    """A CSV whose mapped labels are a strict subset of each label set: favor/none and negative/neutral."""
    path.write_text("text,topic,st,sent,split\n"
                    "we back it,aid,PRO,neg,train\n"
                    "lunch,aid,none,neu,train\n"
                    "we back it too,aid,PRO,,dev\n"
                    "nothing here,aid,,neg,test\n")
    return path


def table(path: Path) -> TableSource:
    return TableSource(path, columns={"text": "text", "target": "topic", "stance": "st", "sentiment": "sent",
                                      "split": "split"},
                       stance_labels={"PRO": "favor"}, sentiment_labels={"neg": "negative", "neu": "neutral"})


@pytest.fixture
def sources(tmp_path: Path, small_corpus: Path) -> dict[str, tuple[DataSource, tuple[str, ...], tuple[str, ...]]]:
    """Source class name -> (a source, its stance labels, its sentiment labels)."""
    external = write_fake_external(tmp_path / "external")
    corpus = write_fake_corpus(external)
    candidates = select_units(corpus)
    units = write_jsonl(tmp_path / "units.jsonl", build_units(candidates, fake_labels(candidates, corpus)))
    own = table(write_table(tmp_path / "mine.csv"))
    return {
        "LeadersCorpus": (LeadersCorpus(small_corpus), STANCE_LABELS, SENTIMENT_LABELS),
        "UNGDSource": (UNGDSource(external, units), STANCE_LABELS, SENTIMENT_LABELS),
        "TweetEvalStance": (TweetEvalStance(external), THREE_STANCES, ()),
        "TweetEvalSentiment": (TweetEvalSentiment(external), (), SENTIMENT_LABELS),
        "SemEval2016": (SemEval2016(external), THREE_STANCES, SENTIMENT_LABELS),
        "TableSource": (own, ("favor", "none"), ("negative", "neutral")),
        # the union, in canonical order: table {favor, none} + TweetEval {favor, against, none}
        "CrossDomain": (CrossDomain(own, TweetEvalStance(external)), THREE_STANCES, ("negative", "neutral")),
        "UnionSource": (UnionSource({"own": own, "leaders": LeadersCorpus(small_corpus)}), STANCE_LABELS, SENTIMENT_LABELS),
        "ContrastSet": (ContrastSet(REPO / "data" / "leaders" / "contrast.jsonl"), STANCE_LABELS, SENTIMENT_LABELS),
    }


def test_every_source_keeps_the_contract_and_declares_its_labels(sources):
    classes = {name: getattr(stancebench.data, name) for name in stancebench.data.__all__}
    exported = {name for name, obj in classes.items() if inspect.isclass(obj) and hasattr(obj, "load") and obj is not DataSource}
    assert exported == set(sources)  # a new source needs a line here
    for name, (source, stance, sentiment) in sources.items():
        assert isinstance(source, DataSource), name
        assert (source.labels("stance"), source.labels("sentiment")) == (stance, sentiment), name
        assert len(source.content_hash) == 64, name


def test_a_sentiment_only_set_has_no_targets_and_class_labels_stay_full(sources):
    source = sources["TweetEvalSentiment"][0]
    assert source.targets == ()
    data = sources["TweetEvalStance"][0].load()
    assert data["test"].features["stance_abortion"].names == list(STANCE_LABELS)  # labels() narrows, columns do not


def present(data, kind: str) -> set[str]:
    """The label names a loaded DatasetDict holds in its `kind` columns (-1 = no label)."""
    names = set()
    for dataset in data.values():
        columns = [c for c in dataset.column_names if c.startswith("stance_")] if kind == "stance" else ["sentiment"]
        for column in columns:
            names |= {dataset.features[column].int2str(v) for v in dataset[column] if v != -1}
    return names


def test_table_labels_are_exactly_those_in_the_loaded_data_read_once(tmp_path, monkeypatch):
    import stancebench.data.table as table_module

    reads = []
    decode = table_module.decode_file
    monkeypatch.setattr(table_module, "decode_file", lambda *args: reads.append(args[0]) or decode(*args))
    source = table(write_table(tmp_path / "mine.csv"))
    labels = {kind: source.labels(kind) for kind in ("stance", "sentiment")}
    data = source.load()
    assert len(reads) == 1  # labels() and load() share one read
    for kind, names in labels.items():
        assert set(names) == present(data, kind)
    assert labels == {"stance": ("favor", "none"), "sentiment": ("negative", "neutral")}
