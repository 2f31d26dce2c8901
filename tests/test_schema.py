"""The validator reports every problem at once, naming file, line, field and value."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import statement, write_jsonl
from stancebench.cli import main as cli
from stancebench.data import DataError, LeadersCorpus, load_statements, validate_statements


def problems_of(path: Path) -> list[str]:
    return [str(p) for p in validate_statements(path)[1]]


def corpus(changes: dict[int, dict] | None = None) -> list[dict]:
    """80 valid statements (every split, two classes or more per label), `changes` by record index."""
    records = [statement(i) for i in range(80)]
    for index, fields in (changes or {}).items():
        records[index].update(fields)
    return records


@pytest.mark.parametrize(
    ("change", "field", "expected"),
    [
        ({"stance_us": "support"}, "stance_us", "must be one of favor, against, neutral, none"),
        ({"sentiment": "angry"}, "sentiment", "must be one of positive, negative, neutral"),
        ({"split": "validation"}, "split", "must be one of train, dev, test"),
        ({"origin": "quoted"}, "origin", "must be one of reported, constructed"),
        ({"text": "   "}, "text", "non-empty string"),
        ({"text_en": ""}, "text_en", "non-empty string"),
        ({"date": "2025-13"}, "date", "real calendar date"),
        ({"date": "2025-02-30"}, "date", "real calendar date"),
        ({"date": "March 2025"}, "date", "YYYY-MM-DD or YYYY-MM"),
        ({"lang": "english"}, "lang", "ISO 639-1"),
        ({"speaker": 7}, "speaker", "non-empty string"),
        ({"implicit_targets": ["russia"]}, "implicit_targets", "list of targets"),
        ({"mood": "grim"}, "mood", "unknown field"),
    ],
)
def test_each_bad_field_is_named_with_line_and_value(tmp_path, change, field, expected):
    path = write_jsonl(tmp_path / "c.jsonl", corpus({1: {"lang": "pl", **change}}))
    problems = problems_of(path)
    assert len(problems) == 1, problems
    assert problems[0].startswith(f"{path}:2: field '{field}':")
    assert expected in problems[0]
    assert repr(change[field])[:40] in problems[0]


def test_text_en_must_equal_text_for_english(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", corpus({0: {"text_en": "Something else."}}))
    (problem,) = problems_of(path)
    assert "field 'text_en'" in problem and "must equal 'text'" in problem


def test_missing_field(tmp_path):
    records = corpus()
    del records[0]["sentiment"]
    (problem,) = problems_of(write_jsonl(tmp_path / "c.jsonl", records))
    assert ":1: field 'sentiment': missing required field" in problem


def test_every_problem_is_reported_at_once(tmp_path):
    path = tmp_path / "c.jsonl"
    good = json.dumps(statement(0))
    lines = [
        good,
        "{not json",
        json.dumps(statement(2, stance_ukraine="pro", date="2025-00")),
        json.dumps(statement(0)),  # duplicate id t-0000
        "   ",
        json.dumps(["a", "list"]),
    ]
    data = ("\n".join(lines) + "\n").encode() + json.dumps(statement(7)).encode()[:-3] + b"\xff\xfe\"}\n"
    path.write_bytes(data + "".join(json.dumps(r) + "\n" for r in corpus()[8:]).encode())
    records, problems = validate_statements(path)
    text = "\n".join(map(str, problems))
    assert ":2: malformed JSON" in text
    assert ":3: field 'stance_ukraine'" in text and ":3: field 'date'" in text
    assert ":4: field 'id': duplicate id (first on line 1)" in text
    assert ":5: blank line" in text
    assert ":6: must be a JSON object" in text
    assert ":7: not valid UTF-8" in text
    assert len(problems) == 7
    # the valid-looking records are still parsed (nothing silently dropped from the report)
    assert len(records) == 3 + 72


def test_valid_file_has_no_problems(small_corpus):
    records, problems = validate_statements(small_corpus)
    assert problems == [] and len(records) == 80


def test_missing_file(tmp_path):
    (problem,) = problems_of(tmp_path / "nope.jsonl")
    assert "file not found" in problem


def test_load_raises_with_full_report(tmp_path):
    path = write_jsonl(tmp_path / "c.jsonl", corpus({0: {"stance_us": "x"}, 1: {"sentiment": "y"}}))
    with pytest.raises(DataError) as err:
        load_statements(path)
    assert len(err.value.problems) == 2
    assert f"{path}:1: field 'stance_us'" in str(err.value) and f"{path}:2: field 'sentiment'" in str(err.value)


def test_cli_validate_exit_codes(tmp_path, small_corpus, capsys):
    assert cli(["data", "validate", str(small_corpus)]) == 0
    assert "80 statements, all valid" in capsys.readouterr().out
    bad = write_jsonl(tmp_path / "bad.jsonl", corpus({0: {"stance_us": "x"}}) + [statement(0)])
    assert cli(["data", "validate", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "2 problem(s)" in err and "field 'stance_us'" in err and "duplicate id" in err


def test_loader_returns_classlabel_dataset_dict(small_corpus):
    dataset = LeadersCorpus(small_corpus).load()
    assert set(dataset) == {"train", "dev", "test"}
    assert sum(len(d) for d in dataset.values()) == 80
    feature = dataset["train"].features["stance_negotiations"]
    assert feature.names == ["favor", "against", "neutral", "none"]
    assert dataset["train"].features["sentiment"].names == ["positive", "negative", "neutral"]
    first = dataset["train"][0]
    assert feature.int2str(first["stance_negotiations"]) == statement(0)["stance_negotiations"]
    assert first["family"] == first["id"]  # a statement with no family is its own family


def test_bundled_corpus_is_valid():
    from conftest import CORPUS

    records, problems = validate_statements(CORPUS)
    assert problems == []
    assert len(records) >= 150
    assert any(r["origin"] == "reported" for r in records)


def test_cli_stats(small_corpus, capsys):
    assert cli(["data", "stats", str(small_corpus)]) == 0
    out = capsys.readouterr().out
    assert "## stance_us" in out and "## sentiment" in out
    assert "| favor " in out and "train" in out and "| total" in out


def test_cli_stats_full_and_plot(small_corpus, tmp_path, capsys):
    plot = tmp_path / "dist.png"
    assert cli(["data", "stats", str(small_corpus), "--full", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "## hard cases" in out and "## speakers" in out and "## languages" in out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
