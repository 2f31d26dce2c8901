"""The leader-statement corpus: JSONL -> validated records -> `datasets.DatasetDict`."""

from __future__ import annotations

import logging
from collections import defaultdict
from pathlib import Path

import datasets

from stancebench.data.hashing import file_sha256
from stancebench.data.schema import (
    OPTIONAL,
    REQUIRED,
    SENTIMENT_LABELS,
    SPLITS,
    STANCE_LABELS,
    TARGETS,
    load_statements,
    stance_column,
)
from stancebench.data.source import LABELS_OF_KIND, LabelKind

log = logging.getLogger(__name__)

# the stored split (v1.1) and the held-out-speaker / held-out-writer schemes share these proportions
SPLIT_SHARES = {"test": 0.2, "dev": 0.1, "train": 0.7}
SPLIT_SCHEMES = ("fixed", "speaker", "writer")


def writer_group(record: dict) -> str:
    """The team that wrote a statement: its id prefix (`ru-0012` -> `ru`; `seed` = the seed article)."""
    return record["id"].split("-")[0]


def gold_splits(records: list[dict], group: str = "family", seed: int = 0) -> list[str]:
    """A split per record, stratified on the gold labels, whole groups at a time.

    `group`: `family` (how the stored split was made: paraphrases and one speech event stay
    together), `speaker` (every speaker in one split) or `writer` (every writing team in one split).
    """
    from stancebench.data.splits import iterative_group_splits

    keyed = [{**r, "_group": writer_group(r) if group == "writer" else r.get(group) or r["id"]} for r in records]
    return iterative_group_splits(keyed, "_group", SPLIT_SHARES, seed=seed)


def statement_features() -> datasets.Features:
    """Label columns are `ClassLabel`s; everything else is a string."""
    features = {field: datasets.Value("string") for field in REQUIRED}
    for target in TARGETS:
        features[stance_column(target)] = datasets.ClassLabel(names=list(STANCE_LABELS))
    features["sentiment"] = datasets.ClassLabel(names=list(SENTIMENT_LABELS))
    features["family"] = datasets.Value("string")
    features["implicit_targets"] = datasets.List(datasets.Value("string"))
    assert set(features) == set(REQUIRED) | set(OPTIONAL)
    return datasets.Features(features)


def records_to_dataset_dict(records: list[dict]) -> datasets.DatasetDict:
    """Group validated records by their `split` field (every split present, maybe empty)."""
    features = statement_features()
    by_split: dict[str, list[dict]] = {split: [] for split in SPLITS}
    for record in records:
        row = {"family": record.get("id"), "implicit_targets": [], **record}
        by_split[record["split"]].append(row)
    return datasets.DatasetDict(
        {
            split: datasets.Dataset.from_list(rows, features=features) if rows
            else features_empty(features)
            for split, rows in by_split.items()
        }
    )


def features_empty(features: datasets.Features) -> datasets.Dataset:
    return datasets.Dataset.from_dict({name: [] for name in features}, features=features)


class LeadersCorpus:
    """The bundled corpus (or any file in its format), as a data source for `train`.

    Args:
        path: the statements JSONL file.
        name: the name runs are tracked under (experiment `{name}/{task}`).
        limit: keep only the first `limit` statements of each split (the `debug=smoke` overlay).
        split: `fixed` (the stored `split` field), or a scheme that holds out who speaks:
            `speaker` (no test speaker in train) or `writer` (no test writing team in train; the
            id prefix), both stratified on gold labels by `gold_splits`. Tracked as `{name}_{split}`.

    Examples:
        >>> corpus = LeadersCorpus("data/leaders/statements.jsonl")
        >>> corpus.load()["train"].features["stance_us"].names
        ['favor', 'against', 'neutral', 'none']
    """

    def __init__(self, path: str | Path, name: str = "leaders", limit: int | None = None, split: str = "fixed"):
        if split not in SPLIT_SCHEMES:
            raise ValueError(f"data.split must be one of {', '.join(SPLIT_SCHEMES)}; got {split!r}")
        self.path = Path(path)
        self.name = name if split == "fixed" else f"{name}_{split}"
        self.limit = limit
        self.split = split

    @property
    def content_hash(self) -> str:
        return file_sha256(self.path)

    @property
    def targets(self) -> tuple[str, ...]:
        return TARGETS

    def labels(self, kind: LabelKind) -> tuple[str, ...]:
        """The schema's full label sets: the guidelines use every one of them."""
        return LABELS_OF_KIND[kind]

    def load(self) -> datasets.DatasetDict:
        """Validate and load; raises `DataError` listing every problem of an invalid file."""
        records = load_statements(self.path)
        if self.split != "fixed":
            records = [{**r, "split": s} for r, s in zip(records, gold_splits(records, group=self.split))]
            _warn_split_families(records, self.split)
        dataset = records_to_dataset_dict(records)
        if self.limit is not None:
            dataset = datasets.DatasetDict(
                {split: ds.select(range(min(self.limit, len(ds)))) for split, ds in dataset.items()}
            )
        return dataset


def _warn_split_families(records: list[dict], scheme: str) -> None:
    """Whole speakers (or writers) per split can put a family's statements (paraphrases, one speech
    event with two speakers) on both sides: the scheme allows it, and the log says how often."""
    splits_of = defaultdict(set)
    for record in records:
        if record.get("family"):
            splits_of[record["family"]].add(record["split"])
    crossing = sorted(family for family, splits in splits_of.items() if len(splits) > 1)
    if crossing:
        families = "1 family spans" if len(crossing) == 1 else f"{len(crossing)} families span"
        log.warning(f"data.split={scheme}: {families} splits "
                    f"(whole {scheme}s per split come first): {', '.join(crossing[:5])}{' ...' if len(crossing) > 5 else ''}")
