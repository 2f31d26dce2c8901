"""SemEval-2016 Task 6 (`data=semeval2016`), the original release, read in place from
`<data.root>/semeval2016_task6/` (its licence forbids copying it here): stance per target
(favor/against/none; no `neutral`) and the per-tweet sentiment labels as a sentiment task.
Rows are built as `rows` describes; target names are TweetEval's short ones.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import datasets
import numpy as np

from stancebench.data.problems import DataError, Problem
from stancebench.data.readers import read_lines
from stancebench.data.rows import PublicSource, build_dataset_dict, make_row, row_features
from stancebench.data.source import in_canonical_order

# SemEval-2016 Task 6 target names -> TweetEval's short names (one vocabulary for both sources)
SEMEVAL2016_TARGETS = {
    "Legalization of Abortion": "abortion",
    "Atheism": "atheism",
    "Climate Change is a Real Concern": "climate",
    "Feminist Movement": "feminist",
    "Hillary Clinton": "hillary",
}
SHORT_TARGETS = tuple(SEMEVAL2016_TARGETS.values())  # abortion, atheism, climate, feminist, hillary
SEMEVAL2016_STANCE = {"FAVOR": "favor", "AGAINST": "against", "NONE": "none"}
SEMEVAL2016_SENTIMENT = {"POSITIVE": "positive", "NEGATIVE": "negative", "NEITHER": "neutral"}


class SemEval2016(PublicSource):
    """The original SemEval-2016 Task 6 (Task A) release: stance per target and sentiment per tweet.

    The official training set is trial + training (2,914 tweets); SemEval has no dev split, so a
    seeded `dev_fraction` of it, stratified by target and stance, becomes dev. The test set is the
    Task A test set (1,249 tweets, the same as TweetEval's). Files are CRLF, tab-separated, with a
    header; `trainingdata-all-annotations.txt` is not valid UTF-8 (two tweets carry mojibake bytes),
    so files are decoded as `encoding` with undecodable bytes replaced.

    Args:
        root: the folder holding `semeval2016_task6/` (config: `data.root`).
        name: tracked as experiment `{name}/{task}`.
        targets: a subset of abortion, atheism, climate, feminist, hillary.
        dev_fraction: share of the official training set held out as dev.
        seed: the dev split's seed.
        dev_in_train: train on the whole official training set (dev rows too, as the organisers
            did); dev scores are then in-sample.
        strip_semst: drop the `#SemST` tag the organisers appended to every tweet.
        encoding: how to decode the files.
        limit: a seeded sample of `limit` rows per split (`debug=smoke`).
    """

    folder = "semeval2016_task6"
    description = "SemEval-2016 Task 6 Task A, stance + sentiment"
    stance_labels = in_canonical_order("stance", SEMEVAL2016_STANCE.values())
    sentiment_labels = in_canonical_order("sentiment", SEMEVAL2016_SENTIMENT.values())
    TRAIN_FILES = ("trialdata-all-annotations.txt", "trainingdata-all-annotations.txt")
    TEST_FILE = "testdata-taskA-all-annotations.txt"
    HEADER = ["ID", "Target", "Tweet", "Stance", "Opinion towards", "Sentiment"]

    def __init__(self, root: str | Path, name: str = "semeval2016", targets: Sequence[str] = SHORT_TARGETS,
                 dev_fraction: float = 0.1, seed: int = 0, dev_in_train: bool = False, strip_semst: bool = False,
                 encoding: str = "cp1252", limit: int | None = None):
        super().__init__(root, name, limit)
        unknown = sorted(set(targets) - set(SHORT_TARGETS))
        if unknown:
            raise ValueError(f"data.targets {unknown} are not SemEval-2016 Task A targets; "
                             f"known: {', '.join(SHORT_TARGETS)}")
        if not 0 < dev_fraction < 1:
            raise ValueError(f"data.dev_fraction must be between 0 and 1 (exclusive); got {dev_fraction}")
        self._targets = tuple(targets)
        self.dev_fraction, self.seed, self.strip_semst, self.encoding = dev_fraction, seed, strip_semst, encoding
        self.dev_in_train = dev_in_train

    @property
    def targets(self) -> tuple[str, ...]:
        return self._targets

    def files(self) -> list[Path]:
        return [self.root / self.folder / name for name in (*self.TRAIN_FILES, self.TEST_FILE)]

    def read(self, path: Path) -> tuple[list[dict], list[Problem]]:
        """Rows of one annotation file as dicts with our target and label names."""
        lines = read_lines(path, self.encoding, errors="replace")
        problems = []
        if not lines or lines[0].split("\t") != self.HEADER:
            problems.append(Problem(str(path), 1, None, lines[0] if lines else "", f"header must be {self.HEADER}"))
            return [], problems
        records = []
        for number, line in enumerate(lines[1:], start=2):
            fields = line.split("\t")
            if len(fields) != len(self.HEADER):
                problems.append(Problem(str(path), number, None, line, f"expected {len(self.HEADER)} tab-separated fields, got {len(fields)}"))
                continue
            record = dict(zip(self.HEADER, fields))
            bad = [(field, record[field], allowed) for field, allowed in
                   (("Target", SEMEVAL2016_TARGETS), ("Stance", SEMEVAL2016_STANCE), ("Sentiment", SEMEVAL2016_SENTIMENT))
                   if record[field] not in allowed]
            for field, value, allowed in bad:
                problems.append(Problem(str(path), number, field, value, f"must be one of {', '.join(allowed)}"))
            if bad:
                continue
            text = record["Tweet"].strip()
            if self.strip_semst:
                text = re.sub(r"\s*#SemST\b", "", text).strip()
            records.append({
                "id": f"semeval2016-{record['ID']}", "text": text, "target": SEMEVAL2016_TARGETS[record["Target"]],
                "stance": SEMEVAL2016_STANCE[record["Stance"]], "sentiment": SEMEVAL2016_SENTIMENT[record["Sentiment"]],
                "opinion_towards": record["Opinion towards"],
            })
        return records, problems

    def load(self) -> datasets.DatasetDict:
        from sklearn.model_selection import train_test_split

        self.require()
        problems: list[Problem] = []
        parts = {}
        for key, names in (("train", self.TRAIN_FILES), ("test", (self.TEST_FILE,))):
            parts[key] = []
            for name in names:
                records, found = self.read(self.root / self.folder / name)
                parts[key] += records
                problems += found
        if problems:
            raise DataError(problems, what="SemEval-2016 Task 6 files")
        official = [r for r in parts["train"] if r["target"] in self._targets]
        # stratified by target and stance; by target alone (or not at all) where a small file has too few rows
        for strata in ([f"{r['target']}|{r['stance']}" for r in official], [r["target"] for r in official], None):
            try:
                train_idx, dev_idx = train_test_split(np.arange(len(official)), test_size=self.dev_fraction,
                                                      random_state=self.seed, stratify=strata)
                break
            except ValueError:
                continue
        if self.dev_in_train:
            train_idx = np.arange(len(official))
        selected = {"train": [official[i] for i in sorted(train_idx)], "dev": [official[i] for i in sorted(dev_idx)],
                    "test": [r for r in parts["test"] if r["target"] in self._targets]}
        rows = {split: [make_row(r["id"], r["text"], self._targets, r["target"], r["stance"], r["sentiment"],
                                 opinion_towards=r["opinion_towards"]) for r in records]
                for split, records in selected.items()}
        return build_dataset_dict(rows, row_features(self._targets, extra=("opinion_towards",)), self.limit)
