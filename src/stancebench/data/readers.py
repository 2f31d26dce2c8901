"""Reading data files line by line, collecting every problem (file, line, field, value) instead
of stopping at the first.

Two policies, on purpose:
- `read_jsonl` is strict, for the files stancebench ships (statements, units, annotations): a
  blank line or an undecodable byte is a problem, since those files are written by tools.
- `decode_file` + `parse_json_lines` / `parse_delimited` are lenient, for the user's own files
  (`data=table`): blank lines are skipped, LF, CRLF and CR-only line endings are all read, and
  bytes the encoding cannot decode make one problem per file (how many lines, the first few, the
  encoding the bytes look like) while the text is still read (with replacement characters), so
  column and label problems show in the same pass.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
import threading
from collections.abc import Callable
from pathlib import Path

from stancebench.data.problems import Problem


def read_lines(path: Path, encoding: str = "utf-8", errors: str = "strict") -> list[str]:
    """Lines without their terminator (LF or CRLF); a final newline is not an extra line."""
    text = path.read_bytes().decode(encoding, errors=errors)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


# unreadable lines listed one by one before the rest are summed up in one problem (a CSV or
# UTF-16 file would otherwise give one per line)
MAX_UNREAD_LINES = 20
JSON_DOCUMENT_HINT = ("this looks like a JSON array / pretty-printed JSON, not JSON lines; write one object per "
                      "line, e.g. `jq -c '.[]' in.json > out.jsonl` (an array) or `jq -c . in.json > out.jsonl`")


def read_jsonl(path: str | Path) -> tuple[list[tuple[int, dict]], list[Problem]]:
    """Read JSON objects line by line, collecting encoding and syntax problems instead of raising.

    Returns (line number, object) pairs and the problems; a final newline is not a blank line. A
    whole-file JSON document (an array, or pretty-printed objects) is one problem with the fix, and
    unreadable lines past `MAX_UNREAD_LINES` are summed up in one.
    """
    path = Path(path)
    if not path.is_file():
        return [], [Problem(str(path), 0, None, None, "file not found")]
    rows: list[tuple[int, dict]] = []
    problems: list[Problem] = []
    raw_lines = path.read_bytes().split(b"\n")
    if raw_lines and raw_lines[-1] == b"":
        raw_lines.pop()
    first = next((i for i, raw in enumerate(raw_lines) if raw.strip()), None)
    if first is not None:
        head = raw_lines[first].strip().removeprefix(b"\xef\xbb\xbf")
        if head.startswith(b"[") or head == b"{":  # a JSON lines file's lines are whole objects
            return [], [Problem(str(path), first + 1, None, head.decode("utf-8", "replace"), JSON_DOCUMENT_HINT)]
    unread: list[int] = []  # lines that give no object: one problem each
    for number, raw in enumerate(raw_lines, start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            problems.append(
                Problem(str(path), number, None, raw[err.start : err.end + 8],
                        f"not valid UTF-8 at byte {err.start} of the line")
            )
            unread.append(number)
            continue
        if not line.strip():
            problems.append(Problem(str(path), number, None, None, "blank line (one JSON object per line)"))
            unread.append(number)
            continue
        obj = parse_json_object(path, number, line, problems)
        if obj is None:
            unread.append(number)
        else:
            rows.append((number, obj))
    if len(unread) > MAX_UNREAD_LINES:
        hidden = unread[MAX_UNREAD_LINES:]
        dropped = set(hidden)
        problems = [p for p in problems if p.line not in dropped]
        problems.append(Problem(
            str(path), hidden[0], None, None,
            f"{len(hidden)} more unreadable line(s) not listed (lines {hidden[0]} to {hidden[-1]}); "
            "is this a JSON lines file, one object per line?"))
    return rows, problems


def _keep_duplicates(duplicates: list[tuple[str, object, object]]) -> Callable[[list[tuple[str, object]]], dict]:
    """An `object_pairs_hook` that records each repeated key (`json.loads` keeps the last silently)."""

    def hook(pairs: list[tuple[str, object]]) -> dict:
        obj: dict = {}
        for key, value in pairs:
            if key in obj:
                duplicates.append((key, obj[key], value))
            obj[key] = value
        return obj

    return hook


def unencodable_strings(value: object, field: str = "") -> list[tuple[str, str, int]]:
    """(field, string, position) of every string in `value` that UTF-8 cannot encode: a lone
    surrogate, which JSON allows as an escape (`"\\udc80"`) but no file, Arrow table or tokenizer takes."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as err:
            return [(field, value, err.start)]
        return []
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found += unencodable_strings(key, f"{field} (a key)" if field else "(a key)")
            found += unencodable_strings(item, f"{field}.{key}" if field else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += unencodable_strings(item, f"{field}[{i}]")
    return found


def parse_json_object(path: str | Path, number: int, line: str, problems: list[Problem]) -> dict | None:
    """One line's JSON object, or None after recording why it is not one.

    A key given twice in one object and a string UTF-8 cannot encode are problems too; the object is
    still returned, so that its other fields are checked in the same pass.
    """
    duplicates: list[tuple[str, object, object]] = []
    try:
        obj = json.loads(line, object_pairs_hook=_keep_duplicates(duplicates))
    except json.JSONDecodeError as err:
        problems.append(Problem(str(path), number, None, line, f"malformed JSON: {err.msg} at column {err.colno}"))
        return None
    if not isinstance(obj, dict):
        problems.append(Problem(str(path), number, None, obj, "must be a JSON object (one per line)"))
        return None
    for key, first, last in duplicates:
        problems.append(Problem(str(path), number, key, last,
                                f"duplicate key in one object (first value {first!r}); JSON keeps only the last"))
    for field, text, position in unencodable_strings(obj):
        problems.append(Problem(str(path), number, field, text,
                                f"lone surrogate {text[position]!r} at character {position} cannot be encoded as "
                                "UTF-8 (a broken \\u escape; write the character itself)"))
    return obj


def decode_file(path: Path, encoding: str, problems: list[Problem], warnings: list[str] | None = None) -> str:
    """The file's text, line endings made LF (CRLF and old Mac CR-only files alike).

    Bytes the encoding cannot decode make ONE problem for the file: how many lines have them, the
    first few line numbers, and the encoding `charset-normalizer` finds likely (never a blind list:
    cp1252 and latin-1 decode any bytes, so a wrong guess loads garbled text without an error).
    The text is still returned, with replacement characters, so column and label problems are
    found in the same pass. Text that decodes but looks garbled (mojibake) adds a message to
    `warnings`.
    """
    raw = path.read_bytes()
    spans: list[tuple[int, int]] = []
    _MARKS.spans = spans
    try:
        text = raw.decode(encoding, errors=_MARK_HANDLER)
    finally:
        _MARKS.spans = None
    text = text.removeprefix("\ufeff")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if spans:
        bad_lines = sorted({text.count("\n", 0, i) + 1 for i in _find_all(text, _SENTINEL)})
        text = text.replace(_SENTINEL, "\ufffd")
        start, end = spans[0]
        # the first bad bytes with up to 20 bytes either side, within their line
        snippet = _LINE_END.split(raw[max(0, start - 20):start])[-1] + _LINE_END.split(raw[start:end + 20])[0]
        shown = ", ".join(map(str, bad_lines[:8])) + (", ..." if len(bad_lines) > 8 else "")
        problems.append(Problem(
            str(path), bad_lines[0], None, snippet,
            f"bytes not valid {encoding} on {len(bad_lines)} line(s) ({shown}); {encoding_advice(raw, encoding)}"))
    elif warnings is not None:
        warning = mojibake_warning(text, raw, encoding)
        if warning:
            warnings.append(f"{path}: {warning}")
    return text


# Undecodable bytes become a sentinel (a Unicode noncharacter, never in real text) so that their
# line numbers are counted on the decoded text, whatever the codec's byte width (utf-16 too).
_SENTINEL = "\U0010fffe"
_MARK_HANDLER = "stancebench-mark"
_MARKS = threading.local()
_LINE_END = re.compile(rb"\r\n|\r|\n")


def _mark(err: UnicodeError) -> tuple[str, int]:
    spans = getattr(_MARKS, "spans", None)
    if spans is not None and isinstance(err, UnicodeDecodeError):
        spans.append((err.start, err.end))
    return _SENTINEL, err.end  # type: ignore[attr-defined]


codecs.register_error(_MARK_HANDLER, _mark)


def _find_all(text: str, needle: str) -> list[int]:
    found, i = [], text.find(needle)
    while i != -1:
        found.append(i)
        i = text.find(needle, i + 1)
    return found


def likely_encodings(raw: bytes, limit: int = 3) -> list[str]:
    """The encodings `charset-normalizer` finds most likely for `raw`, best first ([] if none)."""
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - a dependency; degrade to no guess
        return []
    # only the non-ASCII runs tell encodings apart; in a mostly-ASCII file (a few CJK words per
    # line) the whole file dilutes them and single-byte code pages win (hp_roman8 for gb18030)
    runs = b" ".join(re.findall(rb"[\x80-\xff]+", raw[:2_000_000])) or raw[:2_000_000]
    return list(dict.fromkeys(match.encoding for match in from_bytes(runs)))[:limit]


def _codec(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


def encoding_advice(raw: bytes, encoding: str) -> str:
    """What to set instead of `encoding`, from the bytes (not a blind list)."""
    guesses = [g for g in likely_encodings(raw) if _codec(g) != _codec(encoding)]
    if not guesses:
        return ("charset-normalizer finds no likely encoding; set data.encoding= to the file's encoding "
                "(ask whoever made the file), then check a few rows: cp1252 and latin-1 decode any bytes, "
                "right or wrong")
    also = f" (or {', '.join(guesses[1:])})" if len(guesses) > 1 else ""
    return f"the bytes look like {guesses[0]}{also}: set data.encoding={guesses[0]}, then check a few rows"


# cp1252's characters 0x80-0x9F: with the Latin-1 supplement, what any byte >= 0x80 becomes when
# a multi-byte encoding (gb18030, utf-8, shift_jis ...) is read as cp1252 or latin-1
_CP1252_EXTRA = set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ")
_SINGLE_BYTE = {"cp1252", "iso8859-1", "iso8859-15", "cp1250", "iso8859-2", "mac-roman", "cp850", "cp437"}
_UTF8_AS_CP1252 = re.compile("[ÂÃ][\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]|â€")


def _suspect(char: str) -> bool:
    return "\u0080" <= char <= "\u00ff" or char in _CP1252_EXTRA


def mojibake_warning(text: str, raw: bytes, encoding: str) -> str | None:
    """Why decoded `text` looks garbled (mojibake), or None.

    Two signs: UTF-8 text decoded as cp1252/latin-1 (or twice), which leaves pairs such as `Ã©`
    and `â€™`; and, for a single-byte encoding, a share of Latin-1 accents and cp1252 symbols that
    no Western language has, or long runs of them (each CJK character of a gb18030 / big5 /
    shift_jis file becomes two of them). French or German text has a few accented letters, alone.
    """
    pairs = _UTF8_AS_CP1252.findall(text)
    codec = _codec(encoding)
    if len(pairs) >= 3:
        example = _example_around(text, pairs[0])
        hint = ("set data.encoding=utf-8" if codec in _SINGLE_BYTE
                else "the file itself holds UTF-8 that was decoded twice before it was saved; repair it at the source")
        return (f"the text decoded with data.encoding={encoding} looks garbled (mojibake): {len(pairs)} pairs such "
                f"as {pairs[0]!r} (UTF-8 read as cp1252/latin-1), e.g. {example!r}; {hint}")
    if codec not in _SINGLE_BYTE:
        return None
    chars = [c for c in text if not c.isspace()]
    suspect = [i for i, c in enumerate(chars) if _suspect(c)]
    if len(suspect) < 20:
        return None
    share = len(suspect) / len(chars)
    in_runs = sum(1 for i in suspect if (i >= 2 and _suspect(chars[i - 1]) and _suspect(chars[i - 2]))
                  or (i + 2 < len(chars) and _suspect(chars[i + 1]) and _suspect(chars[i + 2])))
    # French, German or Icelandic text: a few percent accented letters, rarely three in a row
    if share < 0.4 and in_runs / len(suspect) < 0.5:
        return None
    example = _example_around(text, chars[suspect[0]])
    guesses = [g for g in likely_encodings(raw) if _codec(g) != codec]
    advice = (f"the bytes look like {guesses[0]}: set data.encoding={guesses[0]}" if guesses
              else "set data.encoding= to the file's real encoding")
    return (f"the text decoded with data.encoding={encoding} looks garbled (mojibake): {share:.0%} of its "
            f"non-space characters are Latin-1 accents or cp1252 symbols, {in_runs / len(suspect):.0%} of those in "
            f"runs of three or more, e.g. {example!r}; {advice}, then check a few rows")


def _example_around(text: str, needle: str, width: int = 40) -> str:
    """Up to `width` characters of the line where `needle` first occurs, around it."""
    i = max(0, text.find(needle))
    start = text.rfind("\n", 0, i) + 1
    end = text.find("\n", i)
    line = text[start:len(text) if end == -1 else end]
    lo = max(0, min(i - start - 10, len(line) - width))
    return line[lo:lo + width]


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
