"""`data=cross_domain`: train (and select on dev) on one data source, test on another.

    stancebench-train data=cross_domain data@data.train=leaders data@data.test=tweeteval_sentiment task=sentiment

Both sources go through their own loaders; their splits are put on one set of columns (every
stance target of either, -1 where a row has no label for it), so the usual tasks, models and
metrics apply. For stance, the test targets are usually not the training targets: a pooled
(target, text) model then scores the test tweets with the features it shares across targets.
"""

from __future__ import annotations

import datasets

from stancebench.data.hashing import text_sha256
from stancebench.data.rows import row_features
from stancebench.data.schema import SENTIMENT_LABELS, STANCE_LABELS, stance_column
from stancebench.data.source import DataSource, LabelKind, in_canonical_order


class CrossDomain:
    """Train and dev from `train`, test from `test` (any two data sources).

    Args:
        train: the source of the train and dev splits.
        test: the source of the test split.
        name: tracked as experiment `{name}/{task}`; default `<train>_to_<test>`.
        limit: a seeded sample of `limit` rows per split (`debug=smoke`).
    """

    def __init__(self, train: DataSource, test: DataSource, name: str | None = None, limit: int | None = None):
        self.train, self.test = train, test
        self.name = name or f"{train.name}_to_{test.name}"
        self.limit = limit

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys((*self.train.targets, *self.test.targets)))

    def labels(self, kind: LabelKind) -> tuple[str, ...]:
        """The union of both sources' labels: the model is trained on the train source's labels
        and scored on the test source's, so the task must know every label either side has."""
        return in_canonical_order(kind, (*self.train.labels(kind), *self.test.labels(kind)))

    @property
    def content_hash(self) -> str:
        return text_sha256(f"{self.train.content_hash}:{self.test.content_hash}")

    def load(self) -> datasets.DatasetDict:
        source = self.train.load()
        parts = {"train": source["train"], "dev": source["dev"], "test": self.test.load()["test"]}
        targets = self.targets
        features = row_features(targets)
        splits = {}
        for split, dataset in parts.items():
            if self.limit is not None and len(dataset) > self.limit:
                dataset = dataset.shuffle(seed=0).select(range(self.limit))
            splits[split] = _conform(dataset, targets, features)
        return datasets.DatasetDict(splits)


def _conform(dataset: datasets.Dataset, targets: tuple[str, ...], features: datasets.Features) -> datasets.Dataset:
    """The dataset on the shared columns: missing stance columns are all -1 (no label)."""
    for column, expected in (*((stance_column(t), STANCE_LABELS) for t in targets), ("sentiment", SENTIMENT_LABELS)):
        feature = dataset.features.get(column)
        if feature is not None and list(feature.names) != list(expected):
            raise ValueError(f"column {column!r} has labels {feature.names}, expected {list(expected)}")
    columns = {}
    n = len(dataset)
    for name in features:
        if name in dataset.column_names:
            columns[name] = dataset[name]
        elif name == "target":
            columns[name] = [""] * n
        elif name == "text":
            columns[name] = dataset["text_en"]
        else:
            columns[name] = [-1] * n
    return datasets.Dataset.from_dict({k: list(v) for k, v in columns.items()}, features=features)
