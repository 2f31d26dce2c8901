"""The bundled corpus v1 keeps the promises of its data card."""

from __future__ import annotations

import collections

import pytest
import yaml

from conftest import CORPUS, REPO
from stancebench.data import file_sha256, load_statements
from stancebench.data.quality import hard_case_shares, load_annotations
from stancebench.data.schema import SENTIMENT_LABELS, STANCE_LABELS, TARGETS, stance_column

LEADERS = REPO / "data" / "leaders"


@pytest.fixture(scope="module")
def records() -> list[dict]:
    return load_statements(CORPUS)


def card_header() -> dict:
    text = (LEADERS / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n"), "the data card starts with a YAML header"
    return yaml.safe_load(text.split("---\n")[1])


def test_data_card_hash_matches_corpus():
    header = card_header()
    assert header["corpus_sha256"] == file_sha256(CORPUS), (
        "statements.jsonl changed: update corpus_sha256 (and the tables) in data/leaders/README.md")
    assert header["version"] and header["license"]


def test_size_speakers_languages_dates(records):
    assert len(records) >= 1500
    assert len({r["speaker"] for r in records}) >= 25
    assert len({r["lang"] for r in records}) >= 4
    assert all("2022-02" <= r["date"][:7] <= "2025-12" for r in records)
    assert sum(r["origin"] == "reported" for r in records) == 10


def test_every_label_cell_is_populated(records):
    for target in TARGETS:
        counts = collections.Counter(r[stance_column(target)] for r in records)
        assert all(counts[label] >= 60 for label in STANCE_LABELS), (target, counts)
    sentiment = collections.Counter(r["sentiment"] for r in records)
    assert max(sentiment.values()) <= 2 * min(sentiment[label] for label in SENTIMENT_LABELS)


def test_hard_case_shares(records):
    neutral_mention, implicit, mixed = hard_case_shares(records).values()
    assert neutral_mention >= 0.15 and implicit >= 0.15 and mixed >= 0.10


def test_split_sizes(records):
    splits = collections.Counter(r["split"] for r in records)
    assert splits["test"] >= 0.2 * len(records)
    assert 0.08 * len(records) <= splits["dev"] <= 0.12 * len(records)


def test_second_annotation_is_a_valid_sample(records):
    ids = {r["id"] for r in records}
    first = load_annotations(LEADERS / "annotations" / "annotator_a.jsonl", ids=ids)
    second = load_annotations(LEADERS / "annotations" / "annotator_b.jsonl", ids=ids)
    assert len(second) >= 300 and set(first.index) == set(second.index)
    assert len({r["split"] for r in records if r["id"] in set(second.index)}) == 3  # drawn across splits


def test_stored_split_is_the_gold_stratified_one(records):
    from stancebench.data.leaders import gold_splits

    assert [r["split"] for r in records] == gold_splits(records), (
        "the split field is not what gold_splits gives: a label or family changed; rerun it and say so in the card")
    by_family = collections.defaultdict(set)
    for r in records:
        by_family[r["family"]].add(r["split"])
    assert all(len(splits) == 1 for splits in by_family.values())


@pytest.mark.parametrize("scheme, group", [("speaker", lambda r: r["speaker"]), ("writer", lambda r: r["id"].split("-")[0])])
def test_held_out_speaker_and_writer_splits(scheme, group):
    from stancebench.data import LeadersCorpus

    source = LeadersCorpus(CORPUS, split=scheme)
    data = source.load()
    assert source.name == f"leaders_{scheme}"
    seen = {split: {group(r) for r in data[split]} for split in ("train", "dev", "test")}
    assert not seen["train"] & seen["test"] and not seen["train"] & seen["dev"] and not seen["dev"] & seen["test"]
    assert all(data[split].num_rows > 100 for split in seen)
    with pytest.raises(ValueError, match="data.split must be one of fixed, speaker, writer"):
        LeadersCorpus(CORPUS, split="country")
