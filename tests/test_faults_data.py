"""Fault injection: broken statements files. `stancebench data validate` refuses each one (exit 1),
naming the file, the line, the field and the value, and training (`LeadersCorpus.load`) refuses the
same ones, so that validate and training agree.

The 53 kinds of broken file in `FAULTS` (an 80-statement valid corpus with one fault):

- syntax: malformed JSON, a truncated line, a trailing comma, a Python dict, a line that is an
  array / a string / a number, a blank or whitespace-only line, a file of blank lines, CSV instead
  of JSON lines, a whole-file JSON array (one line or pretty-printed), pretty-printed objects;
- encoding: an invalid UTF-8 byte, a Latin-1 file, a byte-order mark, a lone surrogate escape
  (`"\\udc80"`) in a text, in a speaker, in a list item, in a key; a key given twice in one object;
- fields: a missing field or id, an unknown field, wrong types (number, list, null, object),
  unknown labels (and upper-case ones), a bad split or origin, an empty or blank text, a bad or
  impossible date, a bad language code, text_en that differs from an English text, bad
  implicit_targets, an empty family, a duplicate id;
- the file as a whole: an empty file, no dev split, no test split, only a train split, one class
  for a label in train (stance and sentiment), a family in two splits, the same text in two splits
  (also after case and spacing). Training leaves shared texts to `on_duplicates` (warn by default,
  error refuses), so there the test checks that instead of `load()` raising.

No model is trained here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CORPUS, statement
from stancebench.cli import main as cli
from stancebench.data import ContrastSet, DataError, LeadersCorpus
from stancebench.data.checks import DuplicateTexts, check_data
from stancebench.data.readers import MAX_UNREAD_LINES
from stancebench.data.schema import validate_statements

N = 80


def records() -> list[dict]:
    return [statement(i) for i in range(N)]


def dump(rows: list[dict]) -> bytes:
    # ensure_ascii keeps a lone surrogate as the JSON escape `\udc80` (what a hostile file holds)
    return "".join(json.dumps(r) + "\n" for r in rows).encode()


def edits(changes: dict[int, dict]) -> Callable[[], bytes]:
    """Change some records (by index; record i is on line i + 1)."""

    def make() -> bytes:
        rows = records()
        for index, fields in changes.items():
            rows[index].update(fields)
        return dump(rows)

    return make


def edit(index: int, **fields) -> Callable[[], bytes]:
    return edits({index: fields})


def drop(index: int, field: str) -> Callable[[], bytes]:
    def make() -> bytes:
        rows = records()
        del rows[index][field]
        return dump(rows)

    return make


def line(index: int, text: bytes, insert: bool = False) -> Callable[[], bytes]:
    """Replace (or insert before) the line of record `index` with raw bytes."""

    def make() -> bytes:
        lines = dump(records()).splitlines(keepends=True)
        lines[index:index if insert else index + 1] = [text + b"\n"]
        return b"".join(lines)

    return make


def every(in_split: str, **fields) -> Callable[[], bytes]:
    """Change every record of one split."""

    def make() -> bytes:
        return dump([{**r, **fields} if r["split"] == in_split else r for r in records()])

    return make


def duplicate_key() -> bytes:
    rows = dump(records()).splitlines(keepends=True)
    rows[4] = rows[4].replace(b'{"id"', b'{"stance_us": "against", "id"', 1)
    return b"".join(rows)


def key_with_surrogate() -> bytes:
    return line(4, json.dumps({**statement(4), "mo\udc80od": "x"}).encode())()


def latin1() -> bytes:
    rows = records()
    rows[3].update(text="Déclaration sur la paix.", text_en="Déclaration sur la paix.")
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("latin-1")


def csv_file() -> bytes:
    rows = records()
    return ("id,text,split\n" + "".join(f"{r['id']},{r['text']},{r['split']}\n" for r in rows)).encode()


TEXT0 = statement(0)["text"]
SHOUTED = "  " + TEXT0.upper().replace(" ", "   ")
# (kind, file bytes, line, field, value shown in the report or None, words of the message)
FAULTS: list[tuple[str, Callable[[], bytes], int, str | None, str | None, str]] = [
    # syntax
    ("malformed_json", line(4, b'{"id": "t-0004", "text": }'), 5, None, '"text": }', "malformed JSON"),
    ("truncated_line", line(79, b'{"id": "t-0079", "te'), 80, None, '"te', "malformed JSON"),
    ("trailing_comma", line(2, json.dumps(statement(2)).encode()[:-1] + b", }"), 3, None, None, "malformed JSON"),
    ("python_dict", line(9, repr(statement(9)).encode()), 10, None, "'id': 't-0009'", "malformed JSON"),
    ("line_is_array", line(4, b'["t-0004"]'), 5, None, "['t-0004']", "must be a JSON object"),
    ("line_is_string", line(4, b'"t-0004"'), 5, None, "'t-0004'", "must be a JSON object"),
    ("line_is_number", line(4, b"42"), 5, None, "42", "must be a JSON object"),
    ("blank_line", line(10, b"", insert=True), 11, None, None, "blank line"),
    ("whitespace_line", line(10, b"  \t ", insert=True), 11, None, None, "blank line"),
    ("only_blank_lines", lambda: b"\n\n\n", 1, None, None, "blank line"),
    ("csv_not_jsonl", csv_file, 1, None, "id,text,split", "malformed JSON"),
    ("json_array_one_line", lambda: json.dumps(records()).encode(), 1, None, '[{"id"', "JSON array"),
    ("json_array_pretty", lambda: json.dumps(records(), indent=2).encode(), 1, None, "'['", "jq -c '.[]'"),
    ("pretty_printed_objects", lambda: "\n".join(json.dumps(r, indent=2) for r in records()).encode(), 1, None,
     "'{'", "pretty-printed JSON"),
    # encoding
    ("invalid_utf8_byte", line(6, json.dumps(statement(6)).encode().replace(b"Statement", b"State\xffment")), 7,
     None, "\\xffment", "not valid UTF-8"),
    ("latin1_file", latin1, 4, None, "\\xe9clarat", "not valid UTF-8"),
    ("byte_order_mark", lambda: b"\xef\xbb\xbf" + dump(records()), 1, None, "t-0000", "BOM"),
    ("lone_surrogate_text", edit(5, text="Peace \udc80 now.", lang="pl"), 6, "text", "Peace \\udc80 now.",
     "lone surrogate '\\udc80' at character 6"),
    ("lone_surrogate_speaker", edit(5, speaker="Zelensky \ud83d"), 6, "speaker", "Zelensky \\ud83d",
     "at character 9 cannot be encoded as UTF-8"),
    ("lone_surrogate_in_list", edit(5, implicit_targets=["us", "\udfff"]), 6, "implicit_targets[1]", "\\udfff",
     "lone surrogate"),
    ("lone_surrogate_in_key", key_with_surrogate, 5, "(a key)", "mo\\udc80od", "lone surrogate"),
    ("duplicate_key", duplicate_key, 5, "stance_us", "'favor'", "duplicate key in one object"),
    # fields
    ("missing_field", drop(3, "sentiment"), 4, "sentiment", None, "missing required field"),
    ("missing_id", drop(3, "id"), 4, "id", None, "missing required field"),
    ("unknown_field", edit(3, mood="grim"), 4, "mood", "'grim'", "unknown field"),
    ("speaker_is_number", edit(3, speaker=7), 4, "speaker", "7", "non-empty string"),
    ("stance_is_list", edit(3, stance_us=["favor"]), 4, "stance_us", "['favor']", "must be one of"),
    ("text_is_null", edit(3, text=None, lang="pl"), 4, "text", None, "non-empty string"),
    ("id_is_object", edit(3, id={"n": 3}), 4, "id", "{'n': 3}", "non-empty string"),
    ("unknown_stance_label", edit(3, stance_ukraine="support"), 4, "stance_ukraine", "'support'", "must be one of"),
    ("unknown_sentiment", edit(3, sentiment="angry"), 4, "sentiment", "'angry'", "must be one of"),
    ("uppercase_label", edit(3, stance_us="FAVOR"), 4, "stance_us", "'FAVOR'", "must be one of"),
    ("bad_split", edit(3, split="validation"), 4, "split", "'validation'", "must be one of train, dev, test"),
    ("bad_origin", edit(3, origin="quoted"), 4, "origin", "'quoted'", "must be one of"),
    ("empty_text", edit(3, text="", lang="pl"), 4, "text", "''", "non-empty string"),
    ("blank_text", edit(3, text=" \t ", lang="pl"), 4, "text", "' \\t '", "non-empty string"),
    ("bad_date_format", edit(3, date="March 2025"), 4, "date", "'March 2025'", "YYYY-MM-DD or YYYY-MM"),
    ("impossible_date", edit(3, date="2025-02-30"), 4, "date", "'2025-02-30'", "real calendar date"),
    ("bad_lang", edit(3, lang="english"), 4, "lang", "'english'", "ISO 639-1"),
    ("text_en_mismatch", edit(3, text_en="Something else."), 4, "text_en", "'Something else.'", "must equal 'text'"),
    ("implicit_target_unknown", edit(3, implicit_targets=["russia"]), 4, "implicit_targets", "['russia']",
     "list of targets"),
    ("implicit_targets_string", edit(3, implicit_targets="us"), 4, "implicit_targets", "'us'", "list of targets"),
    ("empty_family", edit(3, family=""), 4, "family", "''", "non-empty string"),
    ("duplicate_id", edit(12, id="t-0002"), 13, "id", "'t-0002'", "duplicate id (first on line 3)"),
    # the file as a whole
    ("empty_file", lambda: b"", 0, None, None, "empty file"),
    ("no_dev_split", every("dev", split="train"), 0, "split", None, "no statement has split 'dev'"),
    ("no_test_split", every("test", split="dev"), 0, "split", None, "no statement has split 'test'"),
    ("only_train", lambda: dump([{**r, "split": "train"} for r in records()]), 0, "split", None,
     "no statement has split 'dev'"),
    ("one_class_stance", every("train", stance_us="favor"), 1, "stance_us", "'favor'", "at least two classes"),
    ("one_class_sentiment", every("train", sentiment="negative"), 1, "sentiment", "'negative'",
     "at least two classes"),
    # records 0 and 8 are in train and test, record 9 in test
    ("family_across_splits", edits({0: {"family": "speech-1"}, 8: {"family": "speech-1"}}), 9, "family",
     "'speech-1'", "in split test and in train (line 1)"),
    ("text_across_splits", edit(9, text=TEXT0, text_en=TEXT0), 10, "text", TEXT0, "same text"),
    ("text_across_splits_case_spacing", edit(9, text=SHOUTED, text_en=SHOUTED), 10, "text", "STATEMENT",
     "ignoring case and spacing"),
]
# training keeps texts shared across splits unless on_duplicates says otherwise (conf/train.yaml)
TRAINING_DECIDES = {"text_across_splits", "text_across_splits_case_spacing"}


def test_the_table_is_as_documented():
    assert len(FAULTS) == 53 and len({kind for kind, *_ in FAULTS}) == len(FAULTS)


@pytest.mark.parametrize(("kind", "make", "line_number", "field", "value", "words"), FAULTS,
                         ids=[kind for kind, *_ in FAULTS])
def test_validate_refuses_what_training_refuses(tmp_path, capsys, kind, make, line_number, field, value, words):
    path = tmp_path / f"{kind}.jsonl"
    path.write_bytes(make())
    assert cli(["data", "validate", str(path)]) == 1
    captured = capsys.readouterr()
    report = captured.out + captured.err
    (named,) = [text for text in report.splitlines() if text.strip().startswith(f"{path}:{line_number}:") and words in text]
    if field is not None:
        assert f"field '{field}':" in named
    if value is not None:
        assert value in named
    if kind in TRAINING_DECIDES:
        source = LeadersCorpus(path)
        dataset, report = check_data(source, source.load(), on_duplicates="warn")
        assert report["across_splits"]["train/test"]["texts"] == 1
        with pytest.raises(DuplicateTexts):
            check_data(source, dataset, on_duplicates="error")
    else:
        with pytest.raises(DataError) as err:
            LeadersCorpus(path).load()
        assert named.strip() in str(err.value)


def test_a_json_array_is_one_problem_with_the_fix(tmp_path):
    path = tmp_path / "array.json"
    path.write_text(json.dumps(records(), indent=2))
    (problem,) = validate_statements(path)[1]
    assert "jq -c '.[]' in.json > out.jsonl" in problem.message


def test_unreadable_lines_are_summed_up(tmp_path):
    path = tmp_path / "table.csv"
    path.write_bytes(csv_file())
    problems = validate_statements(path)[1]
    assert len(problems) == MAX_UNREAD_LINES + 1
    assert problems[-1].line == MAX_UNREAD_LINES + 1
    assert f"{N + 1 - MAX_UNREAD_LINES} more unreadable line(s) not listed" in problems[-1].message


def test_every_problem_of_a_file_is_still_reported(tmp_path):
    rows = records()
    rows[3].update(stance_us="x")
    rows[9].update(text=TEXT0, text_en=TEXT0)
    path = tmp_path / "two.jsonl"
    path.write_bytes(dump(rows).replace(b'{"id": "t-0005"', b'{"sentiment": "neutral", "id": "t-0005"', 1))
    problems = validate_statements(path)[1]
    assert [(p.line, p.field) for p in problems] == [(4, "stance_us"), (6, "sentiment"), (10, "text")]


@pytest.mark.parametrize("newline", [b"\r\n", b"\n"])
def test_crlf_and_no_final_newline_are_accepted_by_both(tmp_path, capsys, newline):
    path = tmp_path / "ok.jsonl"
    path.write_bytes(newline.join(json.dumps(r).encode() for r in records()))
    assert cli(["data", "validate", str(path)]) == 0
    assert f"{N} statements, all valid" in capsys.readouterr().out
    assert sum(part.num_rows for part in LeadersCorpus(path).load().values()) == N


def test_bundled_corpus_validates_clean(capsys):
    code = cli(["data", "validate", str(CORPUS)])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "statements, all valid" in captured.out
    assert ContrastSet(Path(CORPUS).with_name("contrast.jsonl")).items()
