"""Reading data files line by line, collecting every problem (file, line, field, value) instead
of stopping at the first.

Two policies, on purpose:
- `read_jsonl` is strict, for the files stancebench ships (statements, units, annotations): a
  blank line or an undecodable byte is a problem, since those files are written by tools.
- `decode_file` + `parse_json_lines` / `parse_delimited` are lenient, for the user's own files
  (`data=table`): blank lines are skipped, and a line the encoding cannot decode is a problem but
  is still read (with replacement characters), so column and label problems show in the same pass.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from stancebench.data.problems import Problem


def read_lines(path: Path, encoding: str = "utf-8", errors: str = "strict") -> list[str]:
    """Lines without their terminator (LF or CRLF); a final newline is not an extra line."""
    text = path.read_bytes().decode(encoding, errors=errors)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


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


def decode_file(path: Path, encoding: str, problems: list[Problem]) -> str:
    """The file's text; each line the encoding cannot decode is a problem (then decoded with
    replacement characters, so that column and label problems are found in the same pass)."""
    raw = path.read_bytes()
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError:
        for number, line in enumerate(raw.split(b"\n"), start=1):
            try:
                line.decode(encoding)
            except UnicodeDecodeError as err:
                problems.append(Problem(
                    str(path), number, None, line[max(0, err.start - 20): err.end + 20],
                    f"bytes not valid {encoding} at byte {err.start} of the line ({err.reason}); "
                    "set data.encoding= to the file's encoding (e.g. cp1252, latin-1, utf-16)"))
        text = raw.decode(encoding, errors="replace")
    return text.removeprefix("\ufeff")


def parse_json_lines(text: str, path: Path, problems: list[Problem]) -> tuple[list[tuple[int, dict]], list[str]]:
    """(line number, object) pairs of decoded JSONL text, blank lines skipped, and every key seen."""
    rows, seen = [], {}
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip():
            continue
        obj = parse_json_object(path, number, line, problems)
        if obj is None:
            continue
        seen.update(dict.fromkeys(obj))
        rows.append((number, obj))
    return rows, list(seen)


def parse_delimited(text: str, path: Path, problems: list[Problem], delimiter: str, quotechar: str,
                    header: bool) -> tuple[list[tuple[int, dict]], list[str]]:
    """(line number, row) pairs of decoded CSV/TSV text and the column names.

    Args:
        quotechar: "" turns quoting off (TSV files hold bare quotes).
        header: whether the first row names the columns; without one they are "0", "1", ...
    """
    quoting = {"quotechar": quotechar} if quotechar else {"quoting": csv.QUOTE_NONE}
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, **quoting)
    rows, names, previous = [], None, 0
    try:
        for fields in reader:
            start, previous = previous + 1, reader.line_num
            if not fields or (len(fields) == 1 and not fields[0].strip()):
                continue
            if names is None:
                if header:
                    names = [name.strip() for name in fields]
                    continue
                names = [str(i) for i in range(len(fields))]
            if len(fields) != len(names):
                first = "header has" if header else "first row has"
                problems.append(Problem(str(path), start, None, delimiter.join(fields),
                                        f"{len(fields)} fields but the {first} {len(names)} "
                                        f"(delimiter {delimiter!r}; set data.delimiter= if it is another)"))
                continue
            rows.append((start, dict(zip(names, fields))))
    except csv.Error as err:
        problems.append(Problem(str(path), reader.line_num, None, None, f"CSV syntax error: {err}"))
    return rows, names or []
