"""The statement schema, its label sets and a validator that reports every problem at once."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

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


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one field of one line of a file."""

    path: str
    line: int
    field: str | None
    value: object
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        field = f" field '{self.field}':" if self.field else ""
        value = "" if self.value is None else f" (got {_short(self.value)})"
        return f"{where}:{field} {self.message}{value}"


class DataError(ValueError):
    """Raised with every problem found in a data file, never just the first."""

    def __init__(self, problems: list[Problem], what: str = "corpus", hint: str = ""):
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        files = sorted({p.path for p in problems})
        hint = f"\n{hint}" if hint else ""
        super().__init__(f"invalid {what} {', '.join(files)}: {len(problems)} problem(s)\n{lines}{hint}")


def _short(value: object, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


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


def read_jsonl(path: str | Path) -> tuple[list[tuple[int, dict]], list[Problem]]:
    """Read JSON objects line by line, collecting encoding and syntax problems instead of raising.

    Returns (line number, object) pairs and the problems; a final newline is not a blank line.
    """
    path = Path(path)
    if not path.is_file():
        return [], [Problem(str(path), 0, None, None, "file not found")]
    rows: list[tuple[int, dict]] = []
    problems: list[Problem] = []
    raw_lines = path.read_bytes().split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    for number, raw in enumerate(raw_lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            problems.append(
                Problem(str(path), number, None, raw[err.start : err.end + 8],
                        f"not valid UTF-8 at byte {err.start} of the line")
            )
            continue
        if not line.strip():
            problems.append(Problem(str(path), number, None, None, "blank line (one JSON object per line)"))
            continue
        obj = parse_json_object(path, number, line, problems)
        if obj is not None:
            rows.append((number, obj))
    return rows, problems


def parse_json_object(path: str | Path, number: int, line: str, problems: list[Problem]) -> dict | None:
    """One line's JSON object, or None after recording why it is not one."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as err:
        problems.append(Problem(str(path), number, None, line, f"malformed JSON: {err.msg} at column {err.colno}"))
        return None
    if not isinstance(obj, dict):
        problems.append(Problem(str(path), number, None, obj, "must be a JSON object (one per line)"))
        return None
    return obj


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
