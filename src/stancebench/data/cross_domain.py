"""Several data sources as one: `data=cross_domain` (train and dev from one source, test from
another) and `data=union` (every split the union of several sources' splits).

    stancebench-train data=cross_domain data@data.train=leaders data@data.test=tweeteval_sentiment task=sentiment
    stancebench-train data=union task=stance_ukraine          (leaders + ungd: train on both)

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


class UnionSource:
    """Each split is the union of that split of every part (`data=union`: leaders + ungd).

    Rows keep their ids (parts must not share ids) and the string columns every part has (e.g.
    `speaker`, `country`, so `model=metadata` runs on the union). Test is the union of the parts'
    test sets; to score on one part's test alone, evaluate the trained model with
    `stancebench-eval data=<part>`.

    Args:
        parts: name -> data source (config: `data.parts`, one `/data@data.parts.<name>` each).
        name: tracked as experiment `{name}/{task}`; default the part names joined by `+`.
        limit: a seeded sample of `limit` rows per split (`debug=smoke`).
    """

    def __init__(self, parts: dict[str, DataSource], name: str | None = None, limit: int | None = None):
        if not parts:
            raise ValueError("data=union needs at least one part in data.parts")
        self.parts = dict(parts)
        self.name = name or "+".join(part.name for part in self.parts.values())
        self.limit = limit

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for part in self.parts.values() for t in part.targets))

    def labels(self, kind: LabelKind) -> tuple[str, ...]:
        return in_canonical_order(kind, (label for part in self.parts.values() for label in part.labels(kind)))

    @property
    def content_hash(self) -> str:
        return text_sha256(":".join(part.content_hash for part in self.parts.values()))

    def load(self) -> datasets.DatasetDict:
        loaded = [part.load() for part in self.parts.values()]
        common = set.intersection(*(set(data["train"].column_names) for data in loaded))
        extra = sorted(c for c in common if c not in ("id", "text", "text_en", "target", "sentiment", "split")
                       and isinstance(loaded[0]["train"].features[c], datasets.Value)
                       and loaded[0]["train"].features[c].dtype == "string")
        features = row_features(self.targets, extra=extra)
        splits = {}
        for split in ("train", "dev", "test"):
            dataset = datasets.concatenate_datasets([_conform(data[split], self.targets, features) for data in loaded])
            ids = dataset["id"]
            if len(set(ids)) != len(ids):
                raise ValueError(f"data=union: the parts share ids in {split} (ids must be unique across parts)")
            if self.limit is not None and len(dataset) > self.limit:
                dataset = dataset.shuffle(seed=0).select(range(self.limit))
            splits[split] = dataset
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
