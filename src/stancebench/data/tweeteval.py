"""TweetEval, read in place from `<data.root>/tweeteval/` (its licence forbids copying it here).

- `TweetEvalStance` (`data=tweeteval_stance`): TweetEval's five stance targets (SemEval-2016 Task 6
  re-split); val -> dev. Labels: favor/against/none (no `neutral`); no sentiment.
- `TweetEvalSentiment` (`data=tweeteval_sentiment`): TweetEval's sentiment val/test, trained on the
  SemEval-2017 Task 4A tweet pool (`<data.root>/semeval2017_task4a/`) minus every tweet that is in
  TweetEval's val or test. Labels: positive/negative/neutral; no stance targets.

Each folder has a README (source, licence, format quirks); rows are built as `rows` describes.
"""

from __future__ import annotations

import html
import logging
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import datasets

from stancebench.data.problems import DataError, Problem
from stancebench.data.readers import read_lines
from stancebench.data.rows import PublicSource, build_dataset_dict, make_row, row_features
from stancebench.data.schema import SENTIMENT_LABELS, SPLITS

log = logging.getLogger(__name__)

TWEETEVAL_TARGETS = ("abortion", "atheism", "climate", "feminist", "hillary")
# TweetEval's mapping.txt names -> ours (stance "none" is our `none`: no stance can be inferred)
TWEETEVAL_LABELS = {"none": "none", "against": "against", "favor": "favor",
                    "negative": "negative", "neutral": "neutral", "positive": "positive"}
TWEETEVAL_SPLITS = {"train": "train", "val": "dev", "test": "test"}


def read_mapping(path: Path) -> dict[int, str]:
    """TweetEval's `mapping.txt`: `<id><TAB><name>` per line -> our label names."""
    mapping = {}
    for line in read_lines(path):
        if line.strip():
            index, name = line.split("\t")
            mapping[int(index)] = TWEETEVAL_LABELS[name.strip()]
    return mapping


def read_split(text_file: Path, label_file: Path, mapping: dict[int, str],
               problems: list[Problem]) -> list[tuple[str, str]]:
    """(text, label) pairs of one TweetEval split; mismatches and bad labels go to `problems`."""
    texts = read_lines(text_file)
    labels = read_lines(label_file)
    if len(texts) != len(labels):
        problems.append(Problem(str(label_file), len(labels), None, None,
                                f"{len(labels)} labels for {len(texts)} texts in {text_file.name}"))
    pairs = []
    for number, (text, raw) in enumerate(zip(texts, labels), start=1):
        try:
            pairs.append((text.strip(), mapping[int(raw)]))
        except (ValueError, KeyError):
            problems.append(Problem(str(label_file), number, "label", raw,
                                    f"must be one of the ids in mapping.txt: {sorted(mapping)}"))
    return pairs


class TweetEvalStance(PublicSource):
    """TweetEval stance (SemEval-2016 Task 6 re-split): five targets, train/val/test -> train/dev/test.

    Args:
        root: the folder holding `tweeteval/` (config: `data.root`).
        name: tracked as experiment `{name}/{task}`.
        targets: a subset of abortion, atheism, climate, feminist, hillary.
        dev_in_train: train on train + val (all 2,914 tweets of SemEval's training set, as the
            SemEval-2016 organisers did); dev stays val, so dev scores are then in-sample.
        limit: a seeded sample of `limit` rows per split (`debug=smoke`).

    Examples:
        >>> source = TweetEvalStance("../shared/external")  # doctest: +SKIP
        >>> source.load()["test"].num_rows  # doctest: +SKIP
        1249
    """

    folder = "tweeteval"
    description = "TweetEval stance, 5 targets"
    stance_labels = ("favor", "against", "none")  # mapping.txt: 0 none, 1 against, 2 favor

    def __init__(self, root: str | Path, name: str = "tweeteval_stance",
                 targets: Sequence[str] = TWEETEVAL_TARGETS, dev_in_train: bool = False, limit: int | None = None):
        super().__init__(root, name, limit)
        unknown = sorted(set(targets) - set(TWEETEVAL_TARGETS))
        if unknown:
            raise ValueError(f"data.targets {unknown} are not TweetEval stance targets; known: {', '.join(TWEETEVAL_TARGETS)}")
        self._targets = tuple(targets)
        self.dev_in_train = dev_in_train

    @property
    def targets(self) -> tuple[str, ...]:
        return self._targets

    def _dir(self, target: str) -> Path:
        return self.root / self.folder / "stance" / target

    def files(self) -> list[Path]:
        files = [self.root / self.folder / "stance" / "mapping.txt"]
        for target in self._targets:
            for split in TWEETEVAL_SPLITS:
                files += [self._dir(target) / f"{split}_text.txt", self._dir(target) / f"{split}_labels.txt"]
        return files

    def load(self) -> datasets.DatasetDict:
        self.require()
        mapping = read_mapping(self.root / self.folder / "stance" / "mapping.txt")
        rows: dict[str, list[dict]] = {split: [] for split in SPLITS}
        problems: list[Problem] = []
        for target in self._targets:
            for raw_split, split in TWEETEVAL_SPLITS.items():
                pairs = read_split(self._dir(target) / f"{raw_split}_text.txt",
                                   self._dir(target) / f"{raw_split}_labels.txt", mapping, problems)
                rows[split] += [make_row(f"{target}-{raw_split}-{i}", text, self._targets, target, label)
                                for i, (text, label) in enumerate(pairs)]
        if problems:
            raise DataError(problems, what="TweetEval stance files")
        if self.dev_in_train:
            rows["train"] = rows["train"] + rows["dev"]
        return build_dataset_dict(rows, row_features(self._targets), self.limit)


_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_MENTION = re.compile(r"@\w+")
_URL = re.compile(r"https?://\S*")


def unescape_json(text: str) -> str:
    """`\\u2019` -> `'`: older SemEval-2017 files keep JSON-style escapes in the text."""
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)


def match_key(text: str) -> str:
    """A key under which a pool tweet and its TweetEval copy agree.

    TweetEval anonymised mentions (`@user`), sometimes kept CSV quote artefacts and JSON escapes,
    and the pool keeps real user names and URLs: drop mentions, URLs, escapes, entities, case and
    everything but letters and digits.
    """
    text = html.unescape(unescape_json(text))
    text = _URL.sub(" ", _MENTION.sub(" ", text))
    return " ".join(re.sub(r"[^a-z0-9]+", " ", text.lower()).split())


def tweeteval_style(text: str) -> str:
    """Pool text the way TweetEval's texts look: escapes decoded, user mentions -> `@user`."""
    return _MENTION.sub("@user", unescape_json(text)).strip()


class TweetEvalSentiment(PublicSource):
    """TweetEval sentiment: dev/test are TweetEval's val/test; train is the SemEval-2017 4A pool.

    TweetEval's own training text is not in the external folder (see its README), so training uses
    the pool it was drawn from: every `twitter-*.tsv` of `semeval2017_task4a/`, one row per tweet
    id (ids labelled differently in two files are dropped), minus every tweet whose text matches a
    TweetEval val or test tweet (`match_key`). Texts are rewritten as TweetEval's are (`@user`).
    `self.stats` says how many rows each step kept.

    Args:
        root: the folder holding `tweeteval/` and `semeval2017_task4a/` (config: `data.root`).
        name: tracked as experiment `{name}/{task}`.
        pool: file name globs inside `semeval2017_task4a/` to train on.
        limit: a seeded sample of `limit` rows per split (`debug=smoke`).
    """

    folder = "tweeteval"
    pool_folder = "semeval2017_task4a"
    description = "TweetEval sentiment val/test + SemEval-2017 4A training pool"
    sentiment_labels = SENTIMENT_LABELS

    def __init__(self, root: str | Path, name: str = "tweeteval_sentiment",
                 pool: Sequence[str] = ("twitter-*.tsv",), limit: int | None = None):
        super().__init__(root, name, limit)
        self.pool = tuple(pool)
        self.stats: dict[str, int] = {}

    def _pool_files(self) -> list[Path]:
        return sorted({p for pattern in self.pool for p in (self.root / self.pool_folder).glob(pattern)})

    def files(self) -> list[Path]:
        base = self.root / self.folder / "sentiment"
        files = [base / "mapping.txt"] + [base / f"{s}_{kind}.txt" for s in ("val", "test") for kind in ("text", "labels")]
        pool = self._pool_files()
        return files + (pool or [self.root / self.pool_folder / "twitter-2016train-A.tsv"])

    def read_pool(self) -> tuple[list[tuple[str, str, str]], list[Problem]]:
        """(tweet id, label, text) of every pool file, in file order."""
        rows, problems = [], []
        for path in self._pool_files():
            for number, line in enumerate(read_lines(path), start=1):
                fields = line.split("\t")
                # twitter-2016test-A.tsv has a 4th field: empty, or a timestamp on 10 rows
                if len(fields) == 4 and path.name == "twitter-2016test-A.tsv":
                    fields = fields[:3]
                if len(fields) != 3:
                    problems.append(Problem(str(path), number, None, line, f"expected 3 tab-separated fields, got {len(fields)}"))
                elif fields[1] not in SENTIMENT_LABELS:
                    problems.append(Problem(str(path), number, "label", fields[1], f"must be one of {', '.join(SENTIMENT_LABELS)}"))
                else:
                    rows.append((fields[0], fields[1], fields[2]))
        return rows, problems

    def load(self) -> datasets.DatasetDict:
        self.require()
        base = self.root / self.folder / "sentiment"
        mapping = read_mapping(base / "mapping.txt")
        problems: list[Problem] = []
        official = {s: read_split(base / f"{s}_text.txt", base / f"{s}_labels.txt", mapping, problems)
                    for s in ("val", "test")}
        pool, pool_problems = self.read_pool()
        problems += pool_problems
        if problems:
            raise DataError(problems, what="TweetEval sentiment / SemEval-2017 files")

        labels_of: dict[str, set[str]] = {}
        first: dict[str, tuple[str, str]] = {}
        for tweet_id, label, text in pool:
            labels_of.setdefault(tweet_id, set()).add(label)
            first.setdefault(tweet_id, (label, text))
        held_out = {split: {match_key(text) for text, _ in pairs} for split, pairs in official.items()}
        train, conflicting, removed = [], 0, Counter()
        for tweet_id, (label, text) in first.items():
            key = match_key(text)
            if len(labels_of[tweet_id]) > 1:
                conflicting += 1
            elif key in held_out["val"] or key in held_out["test"]:
                removed["in_tweeteval_test" if key in held_out["test"] else "in_tweeteval_val"] += 1
            else:
                train.append(make_row(f"semeval2017-{tweet_id}", tweeteval_style(text), (), sentiment=label))
        self.stats = {"pool_rows": len(pool), "pool_ids": len(first), "conflicting_labels": conflicting,
                      "in_tweeteval_val": removed["in_tweeteval_val"], "in_tweeteval_test": removed["in_tweeteval_test"],
                      "train": len(train)}
        log.info(f"data={self.name}: SemEval-2017 pool {self.stats}")
        rows = {"train": train}
        for raw_split, split in (("val", "dev"), ("test", "test")):
            rows[split] = [make_row(f"tweeteval-{raw_split}-{i}", text, (), sentiment=label)
                           for i, (text, label) in enumerate(official[raw_split])]
        return build_dataset_dict(rows, row_features(()), self.limit)
