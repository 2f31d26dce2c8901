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


def validate_statements(path: str | Path) -> tuple[list[dict], list[Problem]]:
    """Parse and check a statements file; returns the records and every problem found."""
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
    problems.sort(key=lambda p: p.line)
    return [record for _, record in rows], problems


def load_statements(path: str | Path) -> list[dict]:
    """The records of a valid statements file; raises DataError listing every problem otherwise."""
    records, problems = validate_statements(path)
    if problems:
        raise DataError(problems)
    return records
