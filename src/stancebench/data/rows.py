"""Rows on the leader corpus's columns, and the common ground of the public data sets.

Every public or table row gets the columns models and tasks read: `id`, `text`, `text_en` (the
same English text; the tasks' default `text_field`), `target` (the row's stance target), one
`stance_<target>` ClassLabel per target (favor/against/neutral/none; -1 where the row is about
another target, which `Task.frame` skips) and `sentiment` (positive/negative/neutral; -1 where the
set has no sentiment label). The ClassLabels always carry the full label sets, so every source's
columns look alike; `DataSource.labels()` says which labels a source actually has.

Public data sets are read in place from a local folder (their licences forbid copying them here):
`PublicSource` is their base, and `ExternalDataMissing` says what is missing and how to point
`data.root=` (or `STANCEBENCH_EXTERNAL`) at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import datasets

from stancebench.data.hashing import files_sha256
from stancebench.data.schema import SENTIMENT_LABELS, SPLITS, STANCE_LABELS, stance_column
from stancebench.data.source import LabelKind

EXTERNAL_ENV = "STANCEBENCH_EXTERNAL"


class ExternalDataMissing(FileNotFoundError):
    """A public data set is not where the config says; the message says how to fix it."""


def row_features(targets: Sequence[str], extra: Sequence[str] = ()) -> datasets.Features:
    """The columns every public or table source provides (plus string columns `extra`)."""
    features = {name: datasets.Value("string") for name in ("id", "text", "text_en", "target", *extra)}
    for target in targets:
        features[stance_column(target)] = datasets.ClassLabel(names=list(STANCE_LABELS))
    features["sentiment"] = datasets.ClassLabel(names=list(SENTIMENT_LABELS))
    return datasets.Features(features)


def make_row(id: str, text: str, targets: Sequence[str], target: str | None = None,
             stance: str | None = None, sentiment: str | None = None, **extra: str) -> dict:
    """A row with label indices; -1 marks "no label" (another target's row, no sentiment)."""
    row = {"id": id, "text": text, "text_en": text, "target": target or "", **extra}
    for t in targets:
        row[stance_column(t)] = STANCE_LABELS.index(stance) if (t == target and stance is not None) else -1
    row["sentiment"] = SENTIMENT_LABELS.index(sentiment) if sentiment is not None else -1
    return row


def build_dataset_dict(rows: dict[str, list[dict]], features: datasets.Features,
                       limit: int | None = None, seed: int = 0) -> datasets.DatasetDict:
    """Rows per split -> `DatasetDict` (train/dev/test, maybe empty).

    `limit` keeps a seeded random `limit` rows per split (the `debug=smoke` overlay): a random
    sample rather than the head, since public files are sorted by target.
    """
    splits = {}
    for split in SPLITS:
        dataset = datasets.Dataset.from_list(rows.get(split, []), features=features) if rows.get(split) else (
            datasets.Dataset.from_dict({name: [] for name in features}, features=features))
        if limit is not None and len(dataset) > limit:
            dataset = dataset.shuffle(seed=seed).select(range(limit))
        splits[split] = dataset
    return datasets.DatasetDict(splits)


class PublicSource:
    """Common ground: a root folder, the files read, the label sets, the missing-data message, the
    content hash. A subclass sets `folder`, `description`, `stance_labels` and `sentiment_labels`
    (the labels its release has, in canonical order; () where it has none of that kind)."""

    folder: str = ""
    description: str = ""
    stance_labels: tuple[str, ...] = ()
    sentiment_labels: tuple[str, ...] = ()

    def __init__(self, root: str | Path, name: str, limit: int | None = None):
        self.root = Path(root).expanduser()
        self.name = name
        self.limit = limit

    @property
    def targets(self) -> tuple[str, ...]:
        return ()

    def labels(self, kind: LabelKind) -> tuple[str, ...]:
        return {"stance": self.stance_labels, "sentiment": self.sentiment_labels}[kind]

    def files(self) -> list[Path]:
        """Every file `load()` reads."""
        raise NotImplementedError

    def require(self) -> None:
        """Raise `ExternalDataMissing` naming every file that is not there."""
        missing = [path for path in self.files() if not path.is_file()]
        if not missing:
            return
        folder = self.root / self.folder
        where = (f"the folder {folder} does not exist" if not folder.is_dir()
                 else f"{len(missing)} file(s) missing: " + ", ".join(str(p.relative_to(self.root)) for p in missing[:6])
                 + (" ..." if len(missing) > 6 else ""))
        raise ExternalDataMissing(
            f"public data set {self.name!r} ({self.description}) not found under data.root={self.root}: {where}. "
            f"The licences forbid shipping it with stancebench: get it from its source (README.md, section "
            f"\"Public benchmarks\") and point data.root=/path/to/external (or the {EXTERNAL_ENV} environment "
            f"variable) at the folder that holds {self.folder}/."
        )

    @property
    def content_hash(self) -> str:
        self.require()
        return files_sha256(self.files(), self.root)

    def available(self) -> bool:
        return all(path.is_file() for path in self.files())
