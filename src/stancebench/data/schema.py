"""The statement schema, its label sets and a validator that reports every problem at once."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from stancebench.data.problems import DataError, Problem
from stancebench.data.readers import read_jsonl

TARGETS = ("us", "ukraine", "negotiations")
STANCE_LABELS = ("favor", "against", "neutral", "none")
SENTIMENT_LABELS = ("positive", "negative", "neutral")
SPLITS = ("train", "dev", "test")
ORIGINS = ("reported", "constructed")

# ISO 639-1 two-letter language codes
ISO_639_1 = frozenset(
    "aa ab ae af ak am an ar as av ay az ba be bg bi bm bn bo br bs ca ce ch co cr cs cu cv cy da de "
    "dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr ht hu hy hz ia "
    "id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw ky la lb lg li ln lo "
    "lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv ny oc oj om or os pa pi pl "
    "ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr ss st su sv sw ta te tg th ti tk "
    "tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi yo za zh zu".split()
)


def stance_column(target: str) -> str:
    return f"stance_{target}"


# A field check returns None when the value is fine, else what is allowed.
Check = Callable[[object], "str | None"]


def _string(value: object) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string (not only whitespace)"
    return None


def _choice(allowed: Iterable[str]) -> Check:
    allowed = tuple(allowed)

    def check(value: object) -> str | None:
        return None if value in allowed else f"must be one of {', '.join(allowed)}"

    return check


def _lang(value: object) -> str | None:
    return None if value in ISO_639_1 else "must be an ISO 639-1 code such as en, ru, uk, pl"


_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def _date(value: object) -> str | None:
    match = _DATE.match(value) if isinstance(value, str) else None
    if not match:
        return "must be a date YYYY-MM-DD or YYYY-MM"
    year, month, day = (int(g) if g else 1 for g in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        return "must be a real calendar date (YYYY-MM-DD or YYYY-MM)"
    return None


def _targets(value: object) -> str | None:
    if not isinstance(value, list) or any(v not in TARGETS for v in value):
        return f"must be a list of targets from {', '.join(TARGETS)}"
    return None


REQUIRED: dict[str, Check] = {
    "id": _string,
    "text": _string,
    "lang": _lang,
    "text_en": _string,
    "speaker": _string,
    "speaker_role": _string,
    "country": _string,
    "date": _date,
    "source": _string,
    "origin": _choice(ORIGINS),
    **{stance_column(t): _choice(STANCE_LABELS) for t in TARGETS},
    "sentiment": _choice(SENTIMENT_LABELS),
    "split": _choice(SPLITS),
}
OPTIONAL: dict[str, Check] = {
    # statements that paraphrase each other or come from one speech share a family (one split)
    "family": _string,
    # targets the statement takes a stance toward without naming them
    "implicit_targets": _targets,
}
FIELDS = (*REQUIRED, *OPTIONAL)
LABEL_COLUMNS = {**{stance_column(t): STANCE_LABELS for t in TARGETS}, "sentiment": SENTIMENT_LABELS}


def check_record(path: str, line: int, record: dict) -> list[Problem]:
    """Every problem of one statement: missing, unknown and invalid fields."""
    problems = []
    for field in REQUIRED:
        if field not in record:
            problems.append(Problem(path, line, field, None, "missing required field"))
    for field, value in record.items():
        check = REQUIRED.get(field) or OPTIONAL.get(field)
        if check is None:
            problems.append(Problem(path, line, field, value, f"unknown field; allowed: {', '.join(FIELDS)}"))
        elif (message := check(value)) is not None:
            problems.append(Problem(path, line, field, value, message))
    english = record.get("lang") == "en" and _string(record.get("text")) is None
    if english and "text_en" in record and record["text_en"] != record["text"]:
        problems.append(Problem(path, line, "text_en", record["text_en"], "must equal 'text' when lang is 'en'"))
    return problems


def check_corpus(path: str, rows: list[tuple[int, dict]], shared_texts: bool = True) -> list[Problem]:
    """What training needs of the file as a whole; `data validate` and `load_statements` both run it.

    Every split has statements, each label column has at least two classes in train, a `family`
    stays in one split and, with `shared_texts`, no text (compared as `checks.normalise` does) is in
    two splits. Only valid values count: `check_record` reports the invalid ones.

    Args:
        path: the file, named in each problem.
        rows: (line number, record) pairs, as `read_jsonl` returns them.
        shared_texts: report texts in two splits (training leaves them to `on_duplicates`).
    """
    from stancebench.data.checks import normalise  # checks imports this module

    placed = [(line, r) for line, r in rows if r.get("split") in SPLITS]
    problems = [Problem(path, 0, "split", None, f"no statement has split '{split}'; training needs statements in "
                        f"each of {', '.join(SPLITS)}")
                for split in SPLITS if not any(r["split"] == split for _, r in placed)]
    train = [(line, r) for line, r in placed if r["split"] == "train"]
    for column, allowed in LABEL_COLUMNS.items():
        labelled = [(line, r[column]) for line, r in train if r.get(column) in allowed]
        if len({label for _, label in labelled}) == 1:
            line, label = labelled[0]
            problems.append(Problem(path, line, column, label, f"all train statements have {column}={label!r} (the "
                                    "first on this line); training needs at least two classes per label"))
    problems += _in_two_splits(path, placed, "family", lambda r: r["family"],
                               "family", "a family (paraphrases, one speech) must stay in one split")
    if shared_texts:
        problems += _in_two_splits(path, placed, "text", lambda r: normalise(r["text"]),
                                   "same text (ignoring case and spacing)",
                                   "a held-out text is trained on; training keeps it with on_duplicates=warn "
                                   "(conf/train.yaml), drops it with on_duplicates=drop")
    return problems


def _in_two_splits(path: str, placed: list[tuple[int, dict]], field: str, key: Callable[[dict], str],
                   what: str, why: str) -> list[Problem]:
    """A problem for each record whose `field` (a valid one, compared by `key`) came first in another split."""
    problems, first = [], {}
    for line, record in placed:
        if _string(record.get(field)) is not None:
            continue
        first_line, first_split = first.setdefault(key(record), (line, record["split"]))
        if record["split"] != first_split:
            problems.append(Problem(path, line, field, record[field],
                                    f"{what} in split {record['split']} and in {first_split} (line {first_line}); {why}"))
    return problems


def validate_statements(path: str | Path, shared_texts: bool = True) -> tuple[list[dict], list[Problem]]:
    """Parse and check a statements file; returns the records and every problem found.

    Each line is checked (`check_record`, duplicate ids), then the file as a whole (`check_corpus`:
    an empty file, a missing split, one class per label in train, families and, with
    `shared_texts`, texts in two splits).
    """
    rows, problems = read_jsonl(path)
    first_line: dict[str, int] = {}
    for line, record in rows:
        problems.extend(check_record(str(path), line, record))
        rid = record.get("id")
        if isinstance(rid, str):
            if rid in first_line:
                problems.append(Problem(str(path), line, "id", rid, f"duplicate id (first on line {first_line[rid]})"))
            else:
                first_line[rid] = line
    if rows:
        problems.extend(check_corpus(str(path), rows, shared_texts=shared_texts))
    elif not problems:
        problems.append(Problem(str(path), 0, None, None, "empty file: no statements"))
    problems.sort(key=lambda p: p.line)
    return [record for _, record in rows], problems


def load_statements(path: str | Path) -> list[dict]:
    """The records of a valid statements file; raises DataError listing every problem otherwise.

    Texts shared across splits are left to training's `check_data`, which `on_duplicates` governs.
    """
    records, problems = validate_statements(path, shared_texts=False)
    if problems:
        raise DataError(problems)
    return records
