"""`load_corpus`: the leader-statement corpus as a `datasets.DatasetDict`, in one call."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datasets


def load_corpus(path: str | Path | None = None, split: str = "fixed") -> "datasets.DatasetDict":
    """The leader-statement corpus, validated, as train / dev / test.

    The label columns (`stance_us`, `stance_ukraine`, `stance_negotiations`, `sentiment`) are
    `ClassLabel`s; the rest are strings (`implicit_targets`: a list of strings). Most statements
    are constructed by language models, not quotes: see the data card, `data/leaders/README.md`.

    Args:
        path: a statements JSONL file in the corpus's format; default the bundled corpus.
        split: `fixed` (the stored `split` field), `speaker` (no test speaker in train) or
            `writer` (no test writing team in train), as `data.split=` in training.

    Raises:
        DataError: the file is invalid (every problem, with file, line, field and value).
        ValueError: an unknown split scheme.

    Examples:
        >>> corpus = load_corpus()
        >>> sorted(corpus)
        ['dev', 'test', 'train']
        >>> corpus["train"].features["stance_us"].names
        ['favor', 'against', 'neutral', 'none']
    """
    from stancebench._paths import data_dir
    from stancebench.data.leaders import LeadersCorpus

    return LeadersCorpus(path or data_dir() / "leaders" / "statements.jsonl", split=split).load()
