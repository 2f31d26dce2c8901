"""`data=ungd`: real leader statements, UN General Debate paragraphs (2021-2023), as stand-off annotations.

The repository holds `data/ungd/units.jsonl`: per unit, where its text is in the UN General Debate
Corpus (file, lines, character offsets), the sha256 of that text, the speaker's metadata, the
labels and the split; never the text. `UNGDSource.load()` reads the speeches in place from
`data.root` (like the public benchmarks), checks every unit's hash and yields the same
`DatasetDict` (same columns, `ClassLabel` features) as the leader corpus, so every task and model
runs on it unchanged. How units are cut and selected: `stancebench.data.ungd_units`.

Splits (`data.split`):
- `country` (default): the stored `split`, country-disjoint (all of a country's units, every year,
  in one split; about 30% test, 10% dev), each label spread over the splits as far as countries
  allow (`ungd_units.build_units`): a model is tested on states it never saw.
- `year`: train on 2021-2022, test on 2023 (all states); dev is the 2021-2022 units of the
  countries in the stored dev split, and they are not in train.
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from pathlib import Path

import datasets

from stancebench._paths import data_dir, project_root
from stancebench.data.hashing import file_sha256, text_sha256
from stancebench.data.leaders import statement_features
from stancebench.data.problems import DataError, Problem
from stancebench.data.readers import read_jsonl
from stancebench.data.rows import EXTERNAL_ENV, ExternalDataMissing, build_dataset_dict
from stancebench.data.schema import SENTIMENT_LABELS, SPLITS, STANCE_LABELS, TARGETS, stance_column
from stancebench.data.source import LABELS_OF_KIND, LabelKind
from stancebench.data.ungd_units import SELECTION, SESSIONS, unit_text

DOI = "doi:10.7910/DVN/0TJX8Y"
SOURCE_HINT = (
    f"The texts are the UN General Debate Corpus (Harvard Dataverse, {DOI}, CC0), sessions 76-78; "
    f"stancebench reads them in place from data.root=/path/to/external (or {EXTERNAL_ENV}), the folder "
    "holding ungdc/ with <year>/<ISO3>_<session>_<year>.txt (or the archive's TXT/Session <session> - <year>/)."
)
LABEL_FIELDS = {**{stance_column(t): STANCE_LABELS for t in TARGETS}, "sentiment": SENTIMENT_LABELS}
SPLIT_SCHEMES = ("country", "year")

DEFAULT_UNITS = data_dir() / "ungd" / "units.jsonl"


def default_root() -> Path:
    """`data.root`'s default outside Hydra: $STANCEBENCH_EXTERNAL, else ../shared/external beside the checkout."""
    return Path(os.environ.get(EXTERNAL_ENV) or project_root() / ".." / "shared" / "external")


_ID = re.compile(r"^(?P<speech>(?P<country>[A-Z]{2,3})_(?P<session>\d{2})_(?P<year>\d{4}))#\d+(?:\.\d+)?$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _text(value: object) -> str | None:
    return None if isinstance(value, str) and value.strip() else "must be a non-empty string"


def _count(minimum: int):
    def check(value: object) -> str | None:
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
        return None if ok else f"must be an integer >= {minimum}"
    return check


def _choice(allowed):
    allowed = tuple(allowed)
    return lambda value: None if value in allowed else f"must be one of {', '.join(map(str, allowed))}"


def _selected_by(value: object) -> str | None:
    allowed = (*SELECTION, "sample")
    if isinstance(value, list) and value and all(v in allowed for v in value):
        return None
    return f"must be a non-empty list of {', '.join(allowed)}"


UNIT_FIELDS = {
    "id": lambda v: None if isinstance(v, str) and _ID.match(v) else "must look like UKR_77_2022#12 or UKR_77_2022#12.2",
    "path": lambda v: None if isinstance(v, str) and v.endswith(".txt") and ".." not in v.split("/")
    else "must be a .txt path relative to the corpus folder, e.g. 2022/UKR_77_2022.txt",
    "line": _count(1),
    "line_end": _count(1),
    "start": _count(0),
    "end": _count(1),
    "text_sha256": lambda v: None if isinstance(v, str) and _HEX64.match(v) else "must be 64 lowercase hex digits",
    "country": _text,
    "year": _choice(SESSIONS),
    "speaker": _text,
    "speaker_post": _text,
    "selected_by": _selected_by,
}
LABELLED_FIELDS = {**{f: _choice(labels) for f, labels in LABEL_FIELDS.items()}, "split": _choice(SPLITS)}


def validate_units(path: str | Path, labelled: bool = True) -> tuple[list[dict], list[Problem]]:
    """Parse and check a units file; every problem (file, line, field, value) at once.

    With `labelled=False` (the selection's candidates), the label and split fields are not required.
    """
    path = Path(path)
    rows, problems = read_jsonl(path)
    fields = {**UNIT_FIELDS, **(LABELLED_FIELDS if labelled else {})}
    allowed = {**UNIT_FIELDS, **LABELLED_FIELDS}
    first_line: dict[str, int] = {}
    for line, record in rows:
        where = (str(path), line)
        problems += [Problem(*where, f, None, "missing required field") for f in fields if f not in record]
        for field, value in record.items():
            check = allowed.get(field)
            if check is None:
                problems.append(Problem(*where, field, value, f"unknown field; allowed: {', '.join(allowed)}"))
            elif (message := check(value)) is not None:
                problems.append(Problem(*where, field, value, message))
        problems += _consistency(where, record)
        uid = record.get("id")
        if isinstance(uid, str):
            if uid in first_line:
                problems.append(Problem(*where, "id", uid, f"duplicate id (first on line {first_line[uid]})"))
            else:
                first_line[uid] = line
    if not rows and not problems:
        problems.append(Problem(str(path), 0, None, None, "no units: the file is empty"))
    return [record for _, record in rows], sorted(problems, key=lambda p: p.line)


def _consistency(where: tuple[str, int], record: dict) -> list[Problem]:
    """The id names the speech of `path`, its country and year; offsets and lines are ordered."""
    problems = []
    match = _ID.match(record["id"]) if isinstance(record.get("id"), str) else None
    if match:
        path = record.get("path")
        if isinstance(path, str) and Path(path).stem != match["speech"]:
            problems.append(Problem(*where, "path", path, f"must be the file of speech {match['speech']} (from the id)"))
        for field, expected in (("country", match["country"]), ("year", int(match["year"]))):
            if field in record and record[field] != expected:
                problems.append(Problem(*where, field, record[field], f"must be {expected!r}, as in the id"))
    for low, high in (("line", "line_end"), ("start", "end")):
        a, b = record.get(low), record.get(high)
        if isinstance(a, int) and isinstance(b, int) and (a > b or (low == "start" and a == b)):
            problems.append(Problem(*where, high, b, f"must be greater than {low} ({a})"))
    return problems


def speech_file(corpus_dir: Path, path: str) -> Path | None:
    """The speech file in either layout: `<year>/<file>` or the archive's `TXT/Session <s> - <year>/<file>`."""
    name = Path(path).name
    year = int(name[-8:-4]) if name[-8:-4].isdigit() else None
    candidates = [corpus_dir / path]
    if year in SESSIONS:
        candidates.append(corpus_dir / "TXT" / f"Session {SESSIONS[year]} - {year}" / name)
    return next((p for p in candidates if p.is_file()), None)


def read_unit_texts(records: list[dict], corpus_dir: Path, units_path: str) -> tuple[dict[str, str], list[Problem]]:
    """Each unit's text, read in place; a missing file, an offset outside its file or a changed text
    is a problem naming the unit (units file line), the speech file and what was expected."""
    by_path: dict[str, list[tuple[int, dict]]] = defaultdict(list)
    for line, record in enumerate(records, start=1):
        by_path[record["path"]].append((line, record))
    texts, problems = {}, []
    for path, units in by_path.items():
        file = speech_file(corpus_dir, path)
        if file is None:
            problems += [Problem(units_path, line, "path", path,
                                 f"unit {r['id']}: speech file not found under {corpus_dir}") for line, r in units]
            continue
        file_text = file.read_text(encoding="utf-8")
        for line, record in units:
            if record["end"] > len(file_text):
                problems.append(Problem(units_path, line, "end", record["end"],
                                        f"unit {record['id']}: offset outside {file} ({len(file_text)} characters)"))
                continue
            text = unit_text(file_text, record["start"], record["end"])
            if text_sha256(text) != record["text_sha256"]:
                problems.append(Problem(
                    units_path, line, "text_sha256", record["text_sha256"],
                    f"unit {record['id']}: the text at {file} characters {record['start']}-{record['end']} "
                    f"(lines {record['line']}-{record['line_end']}) no longer matches; it starts {text[:60]!r}"))
                continue
            texts[record["id"]] = text
    return texts, problems


def _by_file(problems: list[Problem], records: list[dict]) -> str:
    """One line per speech file: how many of its units are missing or changed (the list says which)."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for problem in problems:
        kind = "missing" if problem.field == "path" else "changed"
        counts[(records[problem.line - 1]["path"], kind)] += 1
    lines = [f"  {path}: {n} unit(s) {'in a missing file' if kind == 'missing' else 'whose text changed'}"
             for (path, kind), n in sorted(counts.items())]
    return f"In short, {len(problems)} of {len(records)} units, by speech file:\n" + "\n".join(lines) + "\n"


class UNGDSource:
    """UN General Debate paragraphs labelled by stance and sentiment (`data=ungd`).

    Args:
        root: the folder holding the corpus folder (`../shared/external` by default).
        units: the stand-off units file (`data/ungd/units.jsonl`).
        folder: the corpus folder inside `root`.
        split: `country` (country-disjoint, the default) or `year` (train 2021-2022, test 2023).
        name: runs are tracked as experiment `{name}/{task}`.
        limit: a seeded sample of `limit` units per split (`debug=smoke`).

    Examples:
        >>> source = UNGDSource("../shared/external", "data/ungd/units.jsonl")  # doctest: +SKIP
        >>> source.load()["test"].features["stance_ukraine"].names                # doctest: +SKIP
        ['favor', 'against', 'neutral', 'none']
    """

    def __init__(self, root: str | Path, units: str | Path, folder: str = "ungdc", split: str = "country",
                 name: str = "ungd", limit: int | None = None):
        if split not in SPLIT_SCHEMES:
            raise ValueError(f"data.split must be one of {', '.join(SPLIT_SCHEMES)}; got {split!r}")
        self.root = Path(root).expanduser()
        self.units = Path(units)
        self.corpus_dir = self.root / folder
        self.split = split
        self.name = name if split == "country" else f"{name}_{split}"
        self.limit = limit

    @property
    def targets(self) -> tuple[str, ...]:
        return TARGETS

    def labels(self, kind: LabelKind) -> tuple[str, ...]:
        """The leader corpus's full label sets: units are labelled by its guidelines."""
        return LABELS_OF_KIND[kind]

    @property
    def content_hash(self) -> str:
        """The units file's sha256: it pins every unit's text by hash, and its labels and splits."""
        return file_sha256(self.units)

    def records(self) -> tuple[list[dict], dict[str, str]]:
        """The validated units and their texts; raises `DataError` / `ExternalDataMissing`."""
        records, problems = validate_units(self.units)
        if problems:
            raise DataError(problems, what="units file")
        if not self.corpus_dir.is_dir():
            raise ExternalDataMissing(
                f"the UN General Debate Corpus is not at {self.corpus_dir} (data.root={self.root}, "
                f"data.folder={self.corpus_dir.name}), so the {len(records)} units of {self.units} have no text. "
                + SOURCE_HINT)
        texts, problems = read_unit_texts(records, self.corpus_dir, str(self.units))
        if problems:
            raise DataError(problems, what="units file (texts)", hint=_by_file(problems, records) + SOURCE_HINT)
        return records, texts

    def load(self) -> datasets.DatasetDict:
        records, texts = self.records()
        rows: dict[str, list[dict]] = {split: [] for split in SPLITS}
        for record in records:
            split = self._split(record)
            rows[split].append(self._row(record, texts[record["id"]], split))
        return build_dataset_dict(rows, statement_features(), limit=self.limit)

    def _split(self, record: dict) -> str:
        if self.split == "country":
            return record["split"]
        if record["year"] == max(SESSIONS):
            return "test"
        return "dev" if record["split"] == "dev" else "train"

    @staticmethod
    def _row(record: dict, text: str, split: str) -> dict:
        speech = record["id"].split("#")[0]
        return {
            "id": record["id"], "text": text, "lang": "en", "text_en": text,
            "speaker": record["speaker"], "speaker_role": record["speaker_post"], "country": record["country"],
            "date": f"{record['year']}-09", "source": "UN General Debate", "origin": "verbatim",
            **{field: LABEL_FIELDS[field].index(record[field]) for field in LABEL_FIELDS},
            "split": split, "family": speech, "implicit_targets": [],
        }
