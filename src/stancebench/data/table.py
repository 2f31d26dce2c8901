"""`data=table`: benchmark your own stance or sentiment data set without writing Python.

A JSONL, CSV or TSV file (or one per split) is read through a column mapping given in config and
mapped onto the leader corpus's columns and labels, so every task and model config runs on it:

    stancebench-train data=table data.files=my.csv data.columns.text=tweet \\
        data.columns.stance=label data.columns.target=topic data.columns.split=split task=stance

Files with several (target, stance) column pairs per row (`Target 1, Stance 1, Target 2, Stance 2`,
the target named in each slot changing from row to row) are read with `columns.slots`, one
(target, text) example per filled slot. Labels mapped to null (`stance_labels={NONE: null}`) or
listed in `drop_labels` are dropped; how many, per split and label, is logged and kept in `stats`.

Every problem is reported at once, each naming the file, the line, the config key / column, the
value found and what is allowed: a mapped column the file lacks (with the columns it has), a label
outside the label set and its mapping (with the values the column holds), bytes the encoding cannot
decode (summarised per file, with the encoding the bytes look like), a split value that is not
train/dev/test. Text that decodes but looks garbled (a gb18030 file read as cp1252) is a loud
warning.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import datasets
import numpy as np

from stancebench.data.hashing import named_files_sha256
from stancebench.data.problems import DataError, Problem
from stancebench.data.readers import decode_file, parse_delimited, parse_json_lines
from stancebench.data.rows import build_dataset_dict, row_features
from stancebench.data.schema import SENTIMENT_LABELS, SPLITS, STANCE_LABELS, stance_column
from stancebench.data.source import LabelKind, in_canonical_order

FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "tsv"}
DEFAULT_SPLIT_NAMES = {"train": "train", "training": "train", "dev": "dev", "val": "dev", "valid": "dev",
                       "validation": "dev", "test": "test"}
COLUMN_KEYS = ("text", "id", "split", "target", "stance", "sentiment", "slots")
SLOT_KEYS = ("target", "stance")
_EMPTY = (None, "")
_DROP = object()  # a label the config drops (mapped to null, or in drop_labels)
_SLOTS_HINT = ("for files with several target/stance column pairs per row (Target 1, Stance 1, Target 2, Stance 2) "
               "use data.columns.slots=[{target: Target 1, stance: Stance 1}, {target: Target 2, stance: Stance 2}] "
               "and leave data.columns.target and data.columns.stance null")

log = logging.getLogger(__name__)


def _as_str(value: Any) -> str | None:
    """Config and cell values compared as strings (YAML `0: none` and CSV "0" agree)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _plain(value: Any) -> Any:
    """OmegaConf containers -> dict/list (so a config can be passed straight in)."""
    try:
        from omegaconf import DictConfig, ListConfig, OmegaConf

        if isinstance(value, (DictConfig, ListConfig)):
            return OmegaConf.to_container(value, resolve=True)
    except ImportError:  # pragma: no cover
        pass
    return value


class _Loaded(NamedTuple):
    """What one read of the files gives: `load()`, `targets` and `labels()` all answer from it."""

    dataset: datasets.DatasetDict
    targets: tuple[str, ...]
    labels: dict[str, tuple[str, ...]]


def _lines_list(lines: list[int], limit: int = 5) -> str:
    shown = ", ".join(map(str, lines[:limit]))
    return shown + (f", ... ({len(lines)} rows)" if len(lines) > limit else "")


class TableSource:
    """Any JSONL/CSV/TSV file(s) read through a column mapping.

    Args:
        files: one path; a list of paths (then `columns.split` names each row's split, or
            `split_fractions` draws the splits); or `{train: path, dev: path, test: path}`.
        name: tracked as experiment `{name}/{task}`.
        columns: which column holds what: `text` (required), `id`, `split`, `target`, and the
            labels, `stance` and/or `sentiment`. `stance` is a column name (one target per row,
            named by the `target` column or the fixed `target` argument), or `{target: column}` for
            files with one stance column per target. `slots`: a list of `{target: column, stance:
            column}` for files with several (target, stance) column pairs per row, whose target
            changes from row to row; each filled slot is one (target, text) example.
        target: the stance target's name when there is no `target` column.
        target_names: file target -> the name used in runs and columns, e.g. `{Hillary Clinton: hillary}`.
        stance_labels: file label -> ours (favor/against/neutral/none), e.g. `{FAVOR: favor, 1: against}`.
            Labels that already are ours need no entry; a label mapped to None (`{NONE: null}`) is dropped.
        sentiment_labels: file label -> ours (positive/negative/neutral); None drops that label.
        drop_labels: labels to drop, as in the file or ours, any case (e.g. `[NONE]`: the protocol that
            scores favor/against only). A dropped label removes that (target, text) example; a row left
            with no label is removed. The counts per split and label are logged and kept in `stats`.
        split_names: file split -> ours (train/dev/test); val/validation -> dev by default.
        split_fractions: without a split column, e.g. `{dev: 0.1, test: 0.2}`: a seeded random split.
        format: jsonl, csv or tsv; None = from the file extension.
        encoding: the files' encoding (utf-8, cp1252, latin-1, utf-16, ...).
        delimiter: CSV/TSV field separator; None = "," for csv, tab for tsv.
        quotechar: None = '"' for csv and no quoting for tsv; "" turns quoting off.
        header: whether CSV/TSV files start with a header row; without one, columns are named by
            position: "0", "1", ...
        seed: for `split_fractions`.
        limit: a seeded sample of `limit` rows per split (`debug=smoke`).

    After loading, `stats` holds `rows` (per split), `dropped` (per split, `"stance=NONE": n`) and
    `warnings` (garbled text, per file).

    Examples:
        >>> source = TableSource("tweets.csv", columns={"text": "tweet", "stance": "label", "split": "split"},
        ...                      target="abortion", stance_labels={"FAVOR": "favor", "AGAINST": "against",
        ...                      "NONE": "none"})  # doctest: +SKIP
        >>> source.load()["train"].features["stance_abortion"].names  # doctest: +SKIP
        ['favor', 'against', 'neutral', 'none']
    """

    def __init__(self, files: str | Path | Sequence[str | Path] | Mapping[str, Any], name: str = "table",
                 columns: Mapping[str, Any] | None = None, target: str | None = None,
                 target_names: Mapping[str, str] | None = None,
                 stance_labels: Mapping[Any, str | None] | None = None,
                 sentiment_labels: Mapping[Any, str | None] | None = None, drop_labels: Sequence[Any] | None = None,
                 split_names: Mapping[str, str] | None = None, split_fractions: Mapping[str, float] | None = None,
                 format: str | None = None, encoding: str = "utf-8", delimiter: str | None = None,
                 quotechar: str | None = None, header: bool = True, seed: int = 0, limit: int | None = None):
        files, columns = _plain(files), _plain(columns) or {"text": "text"}
        self.name = name
        self.columns = {key: value for key, value in columns.items() if value not in _EMPTY}
        unknown = sorted(set(self.columns) - set(COLUMN_KEYS))
        if unknown:
            raise ValueError(f"data.columns has unknown key(s) {unknown}; allowed: {', '.join(COLUMN_KEYS)}")
        if "text" not in self.columns:
            raise ValueError("data.columns.text is required: the column that holds the text")
        for key in ("target", "stance"):
            if isinstance(self.columns.get(key), (list, tuple)):
                raise ValueError(f"data.columns.{key} takes one column name, not a list ({self.columns[key]}); "
                                 + _SLOTS_HINT)
        if isinstance(self.columns.get("target"), Mapping):
            raise ValueError(f"data.columns.target takes one column name, not a mapping; {_SLOTS_HINT}")
        self.slots = self._slots(self.columns.get("slots"))
        if "stance" not in self.columns and "sentiment" not in self.columns and not self.slots:
            raise ValueError("data.columns needs a label column: stance (and target or data.target), slots, "
                             "and/or sentiment")
        self.stance_wide = isinstance(self.columns.get("stance"), Mapping)
        if "stance" in self.columns and not self.stance_wide and "target" not in self.columns and not target:
            raise ValueError("a stance column needs its target: data.columns.target (a column) or data.target (one name)")
        self.target = target
        self.target_names = {str(k): str(v) for k, v in (_plain(target_names) or {}).items()}
        self.stance_labels = self._label_map(stance_labels, STANCE_LABELS, "stance_labels")
        self.sentiment_labels = self._label_map(sentiment_labels, SENTIMENT_LABELS, "sentiment_labels")
        drop = _plain(drop_labels)
        if isinstance(drop, (str, int, float)):
            drop = [drop]
        self.drop_labels = {_as_str(v).casefold() for v in drop or () if _as_str(v) is not None}
        names = {**DEFAULT_SPLIT_NAMES, **{str(k): v for k, v in (_plain(split_names) or {}).items()}}
        bad = {k: v for k, v in names.items() if v not in SPLITS}
        if bad:
            raise ValueError(f"data.split_names must map to {', '.join(SPLITS)}; got {bad}")
        self.split_names = names
        self.split_fractions = _plain(split_fractions)
        if isinstance(files, Mapping):
            bad = sorted(set(files) - set(SPLITS))
            if bad:
                raise ValueError(f"data.files keys must be splits ({', '.join(SPLITS)}); got {bad}")
            self.files = {split: [Path(p) for p in ([v] if isinstance(v, (str, Path)) else v)] for split, v in files.items()}
        else:
            paths = [files] if isinstance(files, (str, Path)) else list(files)
            if not paths:
                raise ValueError("data.files is empty")
            self.files = {None: [Path(p) for p in paths]}
            if "split" not in self.columns and not self.split_fractions:
                raise ValueError("data.files is not per split: set data.columns.split (a column with train/dev/test), "
                                 "data.split_fractions (e.g. {dev: 0.1, test: 0.2}), or data.files={train: ..., dev: ..., test: ...}")
        self.format, self.encoding, self.delimiter, self.quotechar = format, encoding, delimiter, quotechar
        self.header, self.seed, self.limit = header, seed, limit
        self.stats: dict[str, Any] = {}
        self._loaded: _Loaded | None = None

    def _slots(self, slots: Any) -> list[dict[str, str]]:
        if slots in _EMPTY:
            return []
        if isinstance(slots, Mapping) or isinstance(slots, str) or not isinstance(slots, Sequence):
            raise ValueError(f"data.columns.slots takes a list of {{target: column, stance: column}}; got {slots!r}")
        if "stance" in self.columns or "target" in self.columns:
            raise ValueError("data.columns.slots replaces data.columns.target and data.columns.stance: set those to null")
        checked = []
        for i, slot in enumerate(slots):
            if not isinstance(slot, Mapping) or set(slot) != set(SLOT_KEYS) or any(v in _EMPTY for v in slot.values()):
                raise ValueError(f"data.columns.slots[{i}] must name two columns, {{target: column, stance: column}}; "
                                 f"got {slot!r}")
            checked.append({key: _as_str(slot[key]) for key in SLOT_KEYS})
        if not checked:
            raise ValueError("data.columns.slots is an empty list")
        return checked

    @staticmethod
    def _label_map(mapping: Mapping[Any, str | None] | None, allowed: Sequence[str], key: str) -> dict[str, str | None]:
        mapping = {_as_str(k): v for k, v in (_plain(mapping) or {}).items()}
        bad = {k: v for k, v in mapping.items() if v is not None and v not in allowed}
        if bad:
            raise ValueError(f"data.{key} must map onto {', '.join(allowed)} (or null to drop that label); got {bad}")
        return mapping

    # --- the interface `train` uses -------------------------------------------------------------

    @property
    def all_files(self) -> list[Path]:
        return [path for paths in self.files.values() for path in paths]

    @property
    def content_hash(self) -> str:
        # files keyed by name in config order (not files_sha256's relative paths, sorted): the
        # recipe the hashes already logged by data=table runs were made with
        return named_files_sha256((path.name, path) for path in self.all_files)

    @property
    def targets(self) -> tuple[str, ...]:
        return self._load().targets

    def labels(self, kind: LabelKind) -> tuple[str, ...]:
        """The labels that occur in the files (after `stance_labels` / `sentiment_labels`)."""
        return self._load().labels[kind]

    def load(self) -> datasets.DatasetDict:
        """Read and map every file; raises `DataError` listing every problem found."""
        return self._load().dataset

    # --- reading --------------------------------------------------------------------------------

    def _format(self, path: Path) -> str:
        if self.format:
            if self.format not in ("jsonl", "csv", "tsv"):
                raise ValueError(f"data.format must be jsonl, csv or tsv; got {self.format!r}")
            return self.format
        fmt = FORMATS.get(path.suffix.lower())
        if fmt is None:
            raise ValueError(f"{path}: cannot tell the format from the extension {path.suffix!r}; set data.format=jsonl|csv|tsv")
        return fmt

    def _read(self, path: Path, problems: list[Problem], warnings: list[str]) -> tuple[list[tuple[int, dict]], list[str]]:
        """(line number, row) pairs and the column names the file has."""
        fmt = self._format(path)
        text = decode_file(path, self.encoding, problems, warnings)
        if fmt == "jsonl":
            return parse_json_lines(text, path, problems)
        delimiter = self.delimiter or ("," if fmt == "csv" else "\t")
        quotechar = self.quotechar if self.quotechar is not None else ('"' if fmt == "csv" else "")
        return parse_delimited(text, path, problems, delimiter, quotechar, self.header)

    def _check_columns(self, path: Path, names: list[str], problems: list[Problem]) -> bool:
        wanted = [(f"columns.{key}", value) for key, value in self.columns.items() if key != "stance" or not self.stance_wide]
        if self.stance_wide:
            wanted += [(f"columns.stance.{target}", column) for target, column in self.columns["stance"].items()]
        wanted = [(key, column) for key, column in wanted if key != "columns.slots"]
        wanted += [(f"columns.slots[{i}].{key}", slot[key]) for i, slot in enumerate(self.slots) for key in SLOT_KEYS]
        missing = [(key, _as_str(column)) for key, column in wanted if _as_str(column) not in names]
        for key, column in missing:
            problems.append(Problem(str(path), 1, key, column,
                                    f"no such column; the file has: {', '.join(names) or '(no columns)'}"))
        return not missing

    def _load(self) -> _Loaded:
        if self._loaded is not None:
            return self._loaded
        problems: list[Problem] = []
        missing = [p for p in self.all_files if not p.is_file()]
        if missing:
            raise DataError([Problem(str(p), 0, None, None, "file not found") for p in missing], what="data.files")
        records: list[dict] = []
        warnings: list[str] = []
        # unknown values per (file, key, column, value, kind): one problem each, naming the lines
        unknown: dict[tuple[str, str, str, str, str], list[int]] = defaultdict(list)
        values_seen: dict[tuple[str, str], set[str]] = defaultdict(set)
        for fixed_split, paths in self.files.items():
            for path in paths:
                rows, names = self._read(path, problems, warnings)
                if not self._check_columns(path, names, problems):
                    continue
                for line, row in rows:
                    record = self._map_row(path, line, row, fixed_split, problems, unknown, values_seen)
                    if record is not None:
                        records.append(record)
        for (file, key, column, value, kind), lines in unknown.items():
            allowed, mapping_key = {"split": (SPLITS, "split_names"), "stance": (STANCE_LABELS, "stance_labels"),
                                    "sentiment": (SENTIMENT_LABELS, "sentiment_labels")}[kind]
            seen = sorted(values_seen[(file, column)])
            problems.append(Problem(
                file, lines[0], f"{key}={column}", value,
                f"unknown {kind} value on line(s) {_lines_list(lines)}; allowed: {', '.join(allowed)}, "
                f"or map it with data.{mapping_key} (e.g. data.{mapping_key}={{{value}: <one of those>}}); "
                f"this column holds: {', '.join(seen[:20])}{' ...' if len(seen) > 20 else ''}"))
        ids: dict[str, tuple[str, int]] = {}
        for record in records:
            if record["id"] in ids:
                file, line = ids[record["id"]]
                problems.append(Problem(record["_file"], record["_line"], "columns.id", record["id"],
                                        f"duplicate id (first in {file}:{line})"))
            ids.setdefault(record["id"], (record["_file"], record["_line"]))
        for warning in warnings:  # garbled text is not an error (it decodes), but it ruins a benchmark
            log.warning(f"data.encoding: {warning}")
        if problems:
            problems.sort(key=lambda p: (p.path, p.line))
            raise DataError(problems, what="data.files")
        self._loaded = self._to_dataset(records)
        self.stats["warnings"] = warnings
        if any(self.stats["dropped"].values()):
            log.info(f"data.drop_labels / labels mapped to null: dropped (target, text) examples per split: "
                     f"{ {split: dict(counts) for split, counts in self.stats['dropped'].items() if counts} }; "
                     f"rows kept: {self.stats['rows']}")
        return self._loaded

    def _map_row(self, path: Path, line: int, row: dict, fixed_split: str | None, problems: list[Problem],
                 unknown: dict, values_seen: dict) -> dict | None:
        c = self.columns
        record: dict[str, Any] = {"_file": str(path), "_line": line, "dropped": []}
        ok = True

        def label(key: str, column: str, kind: str, allowed: Sequence[str], mapping: dict[str, str | None]) -> Any:
            """Our label, None (not annotated) or _DROP (the config drops it)."""
            nonlocal ok
            raw = _as_str(row.get(column))
            if raw is None or raw.strip() == "":
                return None  # no label: this row is left out of that task
            raw = raw.strip()
            values_seen[(str(path), column)].add(raw)
            folded = {k.casefold(): v for k, v in mapping.items() if k is not None}
            if raw in mapping:
                value = mapping[raw]
            elif raw.casefold() in folded:
                value = folded[raw.casefold()]
            else:  # FAVOR, Positive, Train: our names in another case need no mapping
                value = raw.lower() if raw.lower() in allowed else raw
            if kind != "split" and (value is None or raw.casefold() in self.drop_labels
                                    or value.casefold() in self.drop_labels):
                record["dropped"].append(f"{kind}={raw}")
                return _DROP
            if value not in allowed:
                unknown[(str(path), key, column, raw, kind)].append(line)
                ok = False
            return value

        text = row.get(_as_str(c["text"]))
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem(str(path), line, f"columns.text={c['text']}", text, "must be a non-empty string"))
            ok = False
        record["text"] = text.strip() if isinstance(text, str) else ""
        record["id"] = _as_str(row.get(_as_str(c["id"]))) if "id" in c else f"{path.stem}-{line}"
        if record["id"] is None or not record["id"].strip():
            problems.append(Problem(str(path), line, f"columns.id={c.get('id')}", record["id"], "must be a non-empty id"))
            ok = False
        if fixed_split is not None:
            record["split"] = fixed_split
        elif "split" in c:
            record["split"] = label("columns.split", _as_str(c["split"]), "split", SPLITS, self.split_names)
            if record["split"] is None:
                problems.append(Problem(str(path), line, f"columns.split={c['split']}", "", f"must be one of {', '.join(SPLITS)}"))
                ok = False
        else:
            record["split"] = None  # drawn later from split_fractions
        record["stance"] = {}

        def stance(target: str, key: str, column: str) -> None:
            value = label(key, column, "stance", STANCE_LABELS, self.stance_labels)
            if value is not _DROP:
                record["stance"][target] = value

        if self.stance_wide:
            for target, column in c["stance"].items():
                stance(str(target), f"columns.stance.{target}", _as_str(column))
        elif "stance" in c:
            target = _as_str(row.get(_as_str(c["target"]))) if "target" in c else self.target
            if target is None or not target.strip():
                problems.append(Problem(str(path), line, f"columns.target={c.get('target')}", target, "must be a non-empty target name"))
                ok = False
            else:
                stance(self.target_names.get(target.strip(), target.strip()), "columns.stance", _as_str(c["stance"]))
        for i, slot in enumerate(self.slots):
            target = (_as_str(row.get(slot["target"])) or "").strip()
            if not target:  # an empty slot (a row with fewer targets); a label there has no target
                if (_as_str(row.get(slot["stance"])) or "").strip():
                    problems.append(Problem(str(path), line, f"columns.slots[{i}].target={slot['target']}", "",
                                            f"empty, but {slot['stance']} holds a stance label: which target is it for?"))
                    ok = False
                continue
            target = self.target_names.get(target, target)
            before = record["stance"].get(target, _DROP)
            stance(target, f"columns.slots[{i}].stance", slot["stance"])
            if before is not _DROP and before != record["stance"].get(target, before):
                problems.append(Problem(str(path), line, f"columns.slots[{i}].target={slot['target']}", target,
                                        f"this target is in an earlier slot too, with the label {before!r}"))
                ok = False
        sentiment = (label("columns.sentiment", _as_str(c["sentiment"]), "sentiment", SENTIMENT_LABELS,
                           self.sentiment_labels) if "sentiment" in c else None)
        record["sentiment"] = None if sentiment is _DROP else sentiment
        return record if ok else None

    def _to_dataset(self, records: list[dict]) -> _Loaded:
        # splits are drawn over every row, dropped ones too: dropping a label leaves the other rows' splits as they were
        if self.split_fractions and any(r["split"] is None for r in records):
            fractions = {str(k): float(v) for k, v in self.split_fractions.items()}
            if set(fractions) - {"dev", "test"} or sum(fractions.values()) >= 1:
                raise ValueError(f"data.split_fractions takes dev and test shares summing below 1; got {fractions}")
            order = np.random.default_rng(self.seed).permutation(len(records))
            n_dev, n_test = (round(fractions.get(s, 0) * len(records)) for s in ("dev", "test"))
            for rank, i in enumerate(order):
                records[i]["split"] = "test" if rank < n_test else "dev" if rank < n_test + n_dev else "train"
        dropped: dict[str, Counter] = {split: Counter() for split in SPLITS}
        for r in records:
            dropped[r["split"]].update(r["dropped"])
        # a row whose every label was dropped is no example of any task
        records = [r for r in records if not r["dropped"] or r["sentiment"] is not None
                   or any(v is not None for v in r["stance"].values())]
        targets = tuple(dict.fromkeys(t for r in records for t in r["stance"]))
        rows: dict[str, list[dict]] = {split: [] for split in SPLITS}
        for r in records:
            stance = r["stance"]
            row = {"id": r["id"], "text": r["text"], "text_en": r["text"],
                   "target": next(iter(stance)) if len(stance) == 1 else ""}
            for target in targets:
                value = stance.get(target)
                row[stance_column(target)] = STANCE_LABELS.index(value) if value is not None else -1
            row["sentiment"] = SENTIMENT_LABELS.index(r["sentiment"]) if r["sentiment"] is not None else -1
            rows[r["split"]].append(row)
        labels = {"stance": in_canonical_order("stance", (v for r in records for v in r["stance"].values() if v)),
                  "sentiment": in_canonical_order("sentiment", (r["sentiment"] for r in records if r["sentiment"]))}
        self.stats = {"rows": {split: len(part) for split, part in rows.items()},
                      "dropped": {split: dict(sorted(counts.items())) for split, counts in dropped.items()}}
        return _Loaded(build_dataset_dict(rows, row_features(targets), self.limit, self.seed), targets, labels)
