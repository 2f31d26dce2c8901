"""The contract every data source (`data=` config group) keeps, so `train` runs on any of them.

A source has a `name` (runs are tracked as experiment `{name}/{task}`), its stance `targets`, the
`labels()` it has for each task kind, a `content_hash` of what it reads (logged as the run's
`corpus_sha256`) and `load()`, which returns train/dev/test on the leader corpus's columns.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from stancebench.data.schema import SENTIMENT_LABELS, STANCE_LABELS

if TYPE_CHECKING:
    import datasets

LabelKind = Literal["stance", "sentiment"]
LABELS_OF_KIND: dict[str, tuple[str, ...]] = {"stance": STANCE_LABELS, "sentiment": SENTIMENT_LABELS}


def in_canonical_order(kind: LabelKind, labels: Iterable[str]) -> tuple[str, ...]:
    """`labels` in STANCE_LABELS / SENTIMENT_LABELS order (the order metrics and reports use)."""
    present = set(labels)
    return tuple(label for label in LABELS_OF_KIND[kind] if label in present)


@runtime_checkable
class DataSource(Protocol):
    """What `train` needs from a data source.

    The loaded datasets' ClassLabel columns always carry the full STANCE_LABELS / SENTIMENT_LABELS,
    so every source's columns look alike; `labels()` declares which of those labels exist on this
    source, and tasks score over that set (a macro average must not count a class a data set does
    not have, such as `neutral` stance in TweetEval).

    `isinstance(x, DataSource)` only checks that the members exist; before Python 3.12 it reads the
    properties to do so, which for a public source checks that its files are there.
    """

    name: str

    @property
    def targets(self) -> tuple[str, ...]:
        """The stance targets; () for a sentiment-only set."""
        ...

    def labels(self, kind: LabelKind) -> tuple[str, ...]:
        """The labels of that task kind on this source, in canonical order; () where it has none."""
        ...

    @property
    def content_hash(self) -> str:
        """sha256 hex digest of what `load()` reads."""
        ...

    def load(self) -> datasets.DatasetDict:
        """The splits train, dev and test."""
        ...
