"""Leakage across splits and inter-annotator agreement."""

from __future__ import annotations

import json

import pytest

from conftest import CORPUS, statement, write_jsonl
from stancebench.cli import main as cli
from stancebench.data import DataError
from stancebench.data.quality import agreement, find_leakage, load_annotations

LABEL_KEYS = ("stance_us", "stance_ukraine", "stance_negotiations", "sentiment")


def test_exact_and_near_duplicates_across_splits_are_found():
    records = [statement(i) for i in range(30)]
    records[0].update(text_en="Russia cannot be pressured on the settlement of the situation.", split="train")
    records[1].update(text_en="RUSSIA cannot be pressured on the settlement of the situation!", split="test")
    records[2].update(text_en="Russia can't be pressured on the settlement of this situation.", split="dev")
    records[3].update(text_en="Russia cannot be pressured on the settlement of the situation.", split="train")
    pairs = find_leakage(records)
    found = {frozenset((p.id_a, p.id_b)) for p in pairs}
    assert frozenset(("t-0000", "t-0001")) in found  # exact after normalisation
    assert frozenset(("t-0001", "t-0002")) in found  # near duplicate
    assert frozenset(("t-0000", "t-0003")) not in found  # same split is no leak
    assert max(p.similarity for p in pairs) == pytest.approx(1.0)


def test_family_straddling_splits_is_leakage():
    records = [statement(i) for i in range(12)]
    records[4].update(family="speech-1", split="train")
    records[5].update(family="speech-1", split="test")
    assert any({p.id_a, p.id_b} == {"t-0004", "t-0005"} for p in find_leakage(records))


def test_bundled_corpus_has_no_leakage(capsys):
    assert cli(["data", "leakage", str(CORPUS)]) == 0, capsys.readouterr().err


def test_cli_leakage_exits_nonzero(tmp_path, capsys):
    records = [statement(i) for i in range(10)]
    records[9].update(text=records[0]["text"], text_en=records[0]["text_en"], split="test")
    records[0]["split"] = "train"
    assert cli(["data", "leakage", str(write_jsonl(tmp_path / "c.jsonl", records))]) == 1
    assert "t-0000 (train) ~ t-0009 (test)" in capsys.readouterr().err


def annotation(rid: str, **labels) -> dict:
    return {"id": rid, "stance_us": "none", "stance_ukraine": "favor", "stance_negotiations": "neutral",
            "sentiment": "negative", **labels}


def test_agreement_hand_computed(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [annotation("1"), annotation("2", stance_us="favor"),
                                           annotation("3", stance_us="against"), annotation("4", stance_us="favor")])
    b = write_jsonl(tmp_path / "b.jsonl", [annotation("1"), annotation("2", stance_us="favor"),
                                           annotation("3", stance_us="favor"), annotation("4", stance_us="favor")])
    table, confusion = agreement(load_annotations(a), load_annotations(b))
    # stance_us: A = none, favor, against, favor; B = none, favor, favor, favor -> 3/4 agree
    # p_o = .75, p_e = (1*1 + 2*3 + 1*0) / 16 = 7/16 -> kappa = (.75 - .4375) / .5625 = 5/9
    assert table.loc["stance_us", "agreement"] == pytest.approx(0.75)
    assert table.loc["stance_us", "cohen_kappa"] == pytest.approx(5 / 9)
    assert 0 < table.loc["stance_us", "krippendorff_alpha"] < 5 / 9 + 0.05
    assert table.loc["sentiment", "agreement"] == 1.0
    # B scored against A: favor P=2/3 R=1 F=.8, against F=0 -> F_avg .4
    assert table.loc["stance_us", "b_vs_a_score"] == pytest.approx(0.4)
    assert table.loc["sentiment", "metric"] == "macro_recall"
    assert confusion["stance_us"].loc["against", "favor"] == 1
    assert confusion["stance_us"].loc["favor", "favor"] == 2


def test_annotation_errors_are_all_reported(tmp_path):
    a = write_jsonl(tmp_path / "a.jsonl", [annotation("1"), annotation("2")])
    b = tmp_path / "b.jsonl"
    b.write_text("\n".join([
        json.dumps(annotation("1", stance_us="pro")),
        json.dumps(annotation("9")),
        json.dumps({"id": "2", "stance_us": "none", "mood": "x"}),
    ]) + "\n")
    with pytest.raises(DataError) as err:
        load_annotations(b, ids=set(load_annotations(a).index))
    text = str(err.value)
    assert "b.jsonl:1: field 'stance_us': must be one of" in text
    assert "b.jsonl:2: field 'id': unknown id" in text
    assert "b.jsonl:3: field 'stance_ukraine': missing required field" in text
    assert "b.jsonl:3: field 'mood': unknown field" in text


def test_cli_agreement(tmp_path, capsys):
    a = write_jsonl(tmp_path / "a.jsonl", [annotation(str(i), sentiment=["negative", "positive"][i % 2]) for i in range(6)])
    b = write_jsonl(tmp_path / "b.jsonl", [annotation(str(i), sentiment="negative") for i in range(6)])
    assert cli(["data", "agreement", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "cohen_kappa" in out and "krippendorff_alpha" in out and "## sentiment: rows A, columns B" in out
    assert cli(["data", "agreement", str(a), str(tmp_path / "missing.jsonl")]) == 1
    assert "missing.jsonl:0: file not found" in capsys.readouterr().err
