"""Checks every data source gets once it is loaded: duplicated texts, conflicting labels, leakage.

Public and home-made stance sets often hold the same text twice in a training file (sometimes with
two different labels) or the same text in train and test; both inflate or blur a benchmark score
without any error. `check_data` counts them per label column, logs counts and the first examples,
and returns a report that `train` logs as the run artifact `data_checks.json`.

The unit checked is an example: a (label column, text) pair with a label (`stance_<target>` or
`sentiment`), so a text labelled for two targets (two rows of a long-format file, or two slots of
one row) is not a duplicate. Texts are compared after collapsing whitespace and case.

`on_duplicates` decides what happens:

- `warn` (default): log and keep everything;
- `drop`: keep the first of each duplicated example within a split, drop every example of a text
  whose labels conflict within a split, and drop from train (and dev) the examples whose text is in
  a later split (test before dev before train), so nothing held out is trained on; a row left with
  no label goes;
- `error`: raise `DuplicateTexts` (a `DataError`) with the report.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from typing import Any, Literal

import datasets

from stancebench.data.problems import DataError, Problem
from stancebench.data.schema import SPLITS

log = logging.getLogger(__name__)

OnDuplicates = Literal["warn", "drop", "error"]
ON_DUPLICATES = ("warn", "drop", "error")
EXAMPLES = 5  # examples kept per finding in the log and the report


class DuplicateTexts(DataError):
    """`on_duplicates=error` and the data holds duplicated, conflicting or shared texts."""

    def __init__(self, message: str, problems: list[Problem]):
        self.problems = problems
        ValueError.__init__(self, message)


def normalise(text: str) -> str:
    """What two texts must share to count as the same: words, not whitespace or case."""
    return " ".join(str(text).split()).casefold()


def label_columns(dataset: datasets.Dataset) -> list[str]:
    """The columns holding labels: `stance_<target>` and `sentiment`, ClassLabels."""
    return [name for name, feature in dataset.features.items()
            if isinstance(feature, datasets.ClassLabel) and (name == "sentiment" or name.startswith("stance_"))]


def _label(value: Any) -> int | None:
    return None if value is None or value == -1 else int(value)


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_data(source: Any, dataset: datasets.DatasetDict,
               on_duplicates: OnDuplicates = "warn") -> tuple[datasets.DatasetDict, dict[str, Any]]:
    """Duplicated texts within a split, one text with different labels, texts shared across splits.

    Args:
        source: the data source (its `name` and, where it has them, its `stats` go in the report).
        dataset: what `source.load()` returned (train/dev/test).
        on_duplicates: warn, drop or error (see the module docstring).

    Returns:
        The dataset (with duplicates removed when `on_duplicates="drop"`) and a JSON-ready report:
        `within_split` (per split: duplicated texts, extra copies, conflicting texts),
        `across_splits` (texts shared per pair of splits, and how many of them with another label),
        `examples` (the first few of each finding), `dropped` (with `drop`) and `source_stats`.

    Examples:
        >>> dataset, report = check_data(source, source.load(), on_duplicates="warn")  # doctest: +SKIP
        >>> report["across_splits"]["train/test"]["texts"]  # doctest: +SKIP
        8
    """
    if on_duplicates not in ON_DUPLICATES:
        raise ValueError(f"on_duplicates must be one of {', '.join(ON_DUPLICATES)}; got {on_duplicates!r}")
    name = getattr(source, "name", "data")
    splits = [split for split in SPLITS if split in dataset]
    # (split, column) -> normalised text -> [(row index, label, id, text)]
    groups: dict[tuple[str, str], dict[str, list[tuple[int, int, str, str]]]] = {}
    for split in splits:
        part = dataset[split]
        columns = label_columns(part)
        if not columns or part.num_rows == 0:
            continue
        data = part.select_columns([c for c in ("id", "text", *columns) if c in part.column_names]).to_dict()
        texts, ids = data["text"], data.get("id") or list(map(str, range(part.num_rows)))
        keys = [normalise(text) for text in texts]
        for column in columns:
            by_text: dict[str, list[tuple[int, int, str, str]]] = defaultdict(list)
            for i, value in enumerate(data[column]):
                label = _label(value)
                if label is not None:
                    by_text[keys[i]].append((i, label, str(ids[i]), texts[i]))
            groups[(split, column)] = by_text

    def names(split: str, column: str, labels: set[int]) -> list[str]:
        feature = dataset[split].features[column]
        return sorted(feature.int2str(v) for v in labels)

    within: dict[str, dict[str, int]] = {}
    examples: dict[str, list[dict[str, Any]]] = {"duplicated": [], "conflicting": [], "shared": []}
    drop: dict[tuple[str, str], set[int]] = defaultdict(set)  # (split, column) -> row indices to unlabel
    for split in splits:
        conflicting: set[str] = set()
        copies: dict[str, int] = {}  # text -> extra copies (the most over its label columns)
        for (part, column), by_text in groups.items():
            if part != split:
                continue
            for text, rows in by_text.items():
                if len(rows) < 2:
                    continue
                labels = {label for _, label, _, _ in rows}
                copies[text] = max(copies.get(text, 0), len(rows) - 1)
                if len(labels) > 1:
                    if text not in conflicting and len(examples["conflicting"]) < EXAMPLES:
                        examples["conflicting"].append({"split": split, "column": column, "text": _short(rows[0][3]),
                                                        "ids": [r[2] for r in rows][:10],
                                                        "labels": names(split, column, labels)})
                    conflicting.add(text)
                    drop[(split, column)].update(i for i, _, _, _ in rows)
                else:
                    if len(examples["duplicated"]) < EXAMPLES and not any(
                            e["text"] == _short(rows[0][3]) for e in examples["duplicated"]):
                        examples["duplicated"].append({"split": split, "column": column, "text": _short(rows[0][3]),
                                                       "ids": [r[2] for r in rows][:10], "copies": len(rows)})
                    drop[(split, column)].update(i for i, _, _, _ in rows[1:])
        within[split] = {"duplicated_texts": len(copies), "extra_copies": sum(copies.values()),
                         "conflicting_texts": len(conflicting)}

    across: dict[str, dict[str, int]] = {}
    # the later split keeps a shared text: test before dev before train
    for earlier, later in (("train", "dev"), ("train", "test"), ("dev", "test")):
        if earlier not in splits or later not in splits:
            continue
        shared, other_label = set(), set()
        for (part, column), by_text in groups.items():
            if part != earlier or (later, column) not in groups:
                continue
            held_out = groups[(later, column)]
            for text in by_text.keys() & held_out.keys():
                shared.add(text)
                mine, theirs = {r[1] for r in by_text[text]}, {r[1] for r in held_out[text]}
                if mine != theirs:
                    other_label.add(text)
                drop[(earlier, column)].update(r[0] for r in by_text[text])
                if len(examples["shared"]) < EXAMPLES and not any(e["text"] == _short(by_text[text][0][3])
                                                                  for e in examples["shared"]):
                    examples["shared"].append({"splits": f"{earlier}/{later}", "column": column,
                                               "text": _short(by_text[text][0][3]),
                                               "ids": [r[2] for r in by_text[text] + held_out[text]][:10],
                                               "labels": {earlier: names(earlier, column, mine),
                                                          later: names(later, column, theirs)}})
        across[f"{earlier}/{later}"] = {"texts": len(shared), "with_other_labels": len(other_label)}

    found = any(v["duplicated_texts"] for v in within.values()) or any(v["texts"] for v in across.values())
    report: dict[str, Any] = {"data": name, "on_duplicates": on_duplicates, "within_split": within,
                              "across_splits": across, "examples": examples}
    stats = getattr(source, "stats", None)
    if isinstance(stats, dict) and stats:
        report["source_stats"] = stats
    summary = _summary(name, within, across)
    if not found:
        log.info(f"Data checks ({name}): no duplicated texts within a split, none shared across splits")
        return dataset, report
    if on_duplicates == "error":
        problems = [Problem(f"{name} {e.get('split') or e.get('splits')}", 0, e["column"], e["text"], kind)
                    for kind, found_examples in examples.items() for e in found_examples]
        raise DuplicateTexts(f"{summary}\n{_examples_text(examples)}\nSet on_duplicates=warn to train anyway, or "
                             f"on_duplicates=drop to drop them (see stancebench.data.checks).", problems)
    log.warning(f"{summary}\n{_examples_text(examples)}")
    if on_duplicates == "warn":
        log.warning("Kept as they are (on_duplicates=warn); on_duplicates=drop removes them, on_duplicates=error stops")
        return dataset, report
    dataset, report["dropped"] = _drop(dataset, drop)
    log.warning(f"on_duplicates=drop: removed labels per split {report['dropped']}")
    return dataset, report


def _summary(name: str, within: dict[str, dict[str, int]], across: dict[str, dict[str, int]]) -> str:
    parts = [f"{split}: {v['duplicated_texts']} duplicated texts ({v['extra_copies']} extra copies), "
             f"{v['conflicting_texts']} with different labels" for split, v in within.items() if v["duplicated_texts"]]
    parts += [f"{pair}: {v['texts']} texts in both ({v['with_other_labels']} labelled differently)"
              for pair, v in across.items() if v["texts"]]
    return f"Data checks ({name}): " + "; ".join(parts)


def _examples_text(examples: dict[str, list[dict[str, Any]]]) -> str:
    lines = []
    for kind, found in examples.items():
        for e in found:
            where = e.get("split") or e.get("splits")
            detail = e.get("labels") if "labels" in e else f"{e.get('copies')} copies"
            lines.append(f"  {kind} [{where}, {e['column']}] {e['text']!r}: {detail}; ids {', '.join(e['ids'][:5])}")
    return "\n".join(lines)


def _drop(dataset: datasets.DatasetDict,
          drop: dict[tuple[str, str], set[int]]) -> tuple[datasets.DatasetDict, dict[str, dict[str, int]]]:
    """Unlabel the (row, column) examples in `drop`; remove rows left with no label."""
    counts: dict[str, dict[str, int]] = {}
    parts = dict(dataset)
    for split in dataset:
        columns = {column: rows for (part, column), rows in drop.items() if part == split and rows}
        if not columns:
            continue
        part = dataset[split]
        data = part.to_dict()
        for column, rows in columns.items():
            data[column] = [-1 if i in rows else v for i, v in enumerate(data[column])]
        all_columns = label_columns(part)
        keep = [i for i in range(part.num_rows) if any(_label(data[c][i]) is not None for c in all_columns)]
        counts[split] = {"examples": sum(len(rows) for rows in columns.values()), "rows": part.num_rows - len(keep)}
        parts[split] = datasets.Dataset.from_dict(data, features=part.features).select(keep)
    return datasets.DatasetDict(parts), counts
