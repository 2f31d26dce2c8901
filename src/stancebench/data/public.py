"""Public benchmarks, read in place from a local folder (their licences forbid copying them here).

Three data sources with the interface `train` uses (`name`, `content_hash`, `targets`, `load()`),
mapped onto the leader corpus's columns, labels and splits, so every model and task config runs
on them unchanged:

- `TweetEvalStance` (`data=tweeteval_stance`): TweetEval's five stance targets; val -> dev.
- `TweetEvalSentiment` (`data=tweeteval_sentiment`): TweetEval's sentiment val/test, trained on the
  SemEval-2017 Task 4A tweet pool minus every tweet that is in TweetEval's val or test.
- `SemEval2016` (`data=semeval2016`): the original SemEval-2016 Task 6 release, with stance per
  target and the per-tweet sentiment labels as a sentiment task.

The root holds `tweeteval/`, `semeval2016_task6/` and `semeval2017_task4a/` (each with a README:
source, licence, format quirks). Where it is absent, `load()` raises `ExternalDataMissing` saying
what is missing and how to point `data.root=` (or `STANCEBENCH_EXTERNAL`) at it.

Every public row gets the columns models and tasks read: `id`, `text`, `text_en` (the same English
text; the tasks' default `text_field`), `target` (the row's stance target), one
`stance_<target>` ClassLabel per target (favor/against/neutral/none; -1 where the row is about
another target, which `Task.frame` skips) and `sentiment` (positive/negative/neutral; -1 where the
set has no sentiment label).
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

import datasets
import numpy as np

from stancebench.data.schema import SENTIMENT_LABELS, SPLITS, STANCE_LABELS, DataError, Problem, stance_column

log = logging.getLogger(__name__)

EXTERNAL_ENV = "STANCEBENCH_EXTERNAL"
TWEETEVAL_TARGETS = ("abortion", "atheism", "climate", "feminist", "hillary")
# SemEval-2016 Task 6 target names -> TweetEval's short names (one vocabulary for both sources)
SEMEVAL2016_TARGETS = {
    "Legalization of Abortion": "abortion",
    "Atheism": "atheism",
    "Climate Change is a Real Concern": "climate",
    "Feminist Movement": "feminist",
    "Hillary Clinton": "hillary",
}
SEMEVAL2016_STANCE = {"FAVOR": "favor", "AGAINST": "against", "NONE": "none"}
SEMEVAL2016_SENTIMENT = {"POSITIVE": "positive", "NEGATIVE": "negative", "NEITHER": "neutral"}
# TweetEval's mapping.txt names -> ours (stance "none" is our `none`: no stance can be inferred)
TWEETEVAL_LABELS = {"none": "none", "against": "against", "favor": "favor",
                    "negative": "negative", "neutral": "neutral", "positive": "positive"}
TWEETEVAL_SPLITS = {"train": "train", "val": "dev", "test": "test"}


class ExternalDataMissing(FileNotFoundError):
    """A public data set is not where the config says; the message says how to fix it."""


def files_sha256(paths: Iterable[Path], root: Path) -> str:
    """One digest over the files read, each keyed by its path relative to the root."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


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
    """Common ground: a root folder, the files read, the missing-data message, the content hash."""

    folder: str = ""
    description: str = ""

    def __init__(self, root: str | Path, name: str, limit: int | None = None):
        self.root = Path(root).expanduser()
        self.name = name
        self.limit = limit

    @property
    def targets(self) -> tuple[str, ...]:
        return ()

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


def read_lines(path: Path, encoding: str = "utf-8", errors: str = "strict") -> list[str]:
    """Lines without their terminator (LF or CRLF); a final newline is not an extra line."""
    text = path.read_bytes().decode(encoding, errors=errors)
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _read_mapping(path: Path) -> dict[int, str]:
    """TweetEval's `mapping.txt`: `<id><TAB><name>` per line -> our label names."""
    mapping = {}
    for line in read_lines(path):
        if line.strip():
            index, name = line.split("\t")
            mapping[int(index)] = TWEETEVAL_LABELS[name.strip()]
    return mapping


def _read_tweeteval_split(text_file: Path, label_file: Path, mapping: dict[int, str],
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
        mapping = _read_mapping(self.root / self.folder / "stance" / "mapping.txt")
        rows: dict[str, list[dict]] = {split: [] for split in SPLITS}
        problems: list[Problem] = []
        for target in self._targets:
            for raw_split, split in TWEETEVAL_SPLITS.items():
                pairs = _read_tweeteval_split(self._dir(target) / f"{raw_split}_text.txt",
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
        mapping = _read_mapping(base / "mapping.txt")
        problems: list[Problem] = []
        official = {s: _read_tweeteval_split(base / f"{s}_text.txt", base / f"{s}_labels.txt", mapping, problems)
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
    TRAIN_FILES = ("trialdata-all-annotations.txt", "trainingdata-all-annotations.txt")
    TEST_FILE = "testdata-taskA-all-annotations.txt"
    HEADER = ["ID", "Target", "Tweet", "Stance", "Opinion towards", "Sentiment"]

    def __init__(self, root: str | Path, name: str = "semeval2016", targets: Sequence[str] = TWEETEVAL_TARGETS,
                 dev_fraction: float = 0.1, seed: int = 0, dev_in_train: bool = False, strip_semst: bool = False,
                 encoding: str = "cp1252", limit: int | None = None):
        super().__init__(root, name, limit)
        unknown = sorted(set(targets) - set(SEMEVAL2016_TARGETS.values()))
        if unknown:
            raise ValueError(f"data.targets {unknown} are not SemEval-2016 Task A targets; "
                             f"known: {', '.join(SEMEVAL2016_TARGETS.values())}")
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


# --- the reference numbers the evaluator must reproduce ---------------------------------------

def tweeteval_reference_predictions(root: str | Path) -> dict[str, dict[str, list[str]]]:
    """Gold and RoBERTa-retrained example predictions (TweetEval's `predictions_roberta_rt/`).

    Returns:
        `{"stance": {"target", "gold", "predicted"}, "sentiment": {"gold", "predicted"}}`, the stance
        lists pooled over the five targets in TweetEval's order.
    """
    root = Path(root)
    base = root / "tweeteval"
    predictions = base / "predictions_roberta_rt"
    needed = [predictions / "sentiment.txt", *(predictions / "stance" / f"{t}.txt" for t in TWEETEVAL_TARGETS)]
    missing = [p for p in needed if not p.is_file()]
    if missing:
        raise ExternalDataMissing(f"TweetEval example predictions not found under data.root={root}: "
                                  f"{', '.join(str(p) for p in missing[:3])}; point data.root= (or {EXTERNAL_ENV}) "
                                  "at the folder that holds tweeteval/")
    problems: list[Problem] = []
    stance_map = _read_mapping(base / "stance" / "mapping.txt")
    stance: dict[str, list[str]] = {"target": [], "gold": [], "predicted": []}
    for target in TWEETEVAL_TARGETS:
        gold = _read_tweeteval_split(base / "stance" / target / "test_text.txt",
                                     base / "stance" / target / "test_labels.txt", stance_map, problems)
        predicted = [stance_map[int(v)] for v in read_lines(predictions / "stance" / f"{target}.txt")]
        if len(predicted) != len(gold):
            problems.append(Problem(str(predictions / "stance" / f"{target}.txt"), len(predicted), None, None,
                                    f"{len(predicted)} predictions for {len(gold)} test tweets"))
        stance["target"] += [target] * len(gold)
        stance["gold"] += [label for _, label in gold]
        stance["predicted"] += predicted
    sentiment_map = _read_mapping(base / "sentiment" / "mapping.txt")
    gold = _read_tweeteval_split(base / "sentiment" / "test_text.txt", base / "sentiment" / "test_labels.txt",
                                 sentiment_map, problems)
    predicted = [sentiment_map[int(v)] for v in read_lines(predictions / "sentiment.txt")]
    if problems:
        raise DataError(problems, what="TweetEval prediction files")
    return {"stance": stance, "sentiment": {"gold": [label for _, label in gold], "predicted": predicted}}


def majority_class_predictions(source: SemEval2016 | TweetEvalStance) -> dict[str, list[str]]:
    """SemEval-2016's "Majority class" row: each target's most frequent training (+dev) stance,
    predicted for every test tweet of that target. Returns pooled `target`, `gold`, `predicted`."""
    dataset = source.load()
    majority = {}
    for target in source.targets:
        column = stance_column(target)
        counts = Counter(v for split in ("train", "dev") for v in dataset[split][column] if v != -1)
        majority[target] = STANCE_LABELS[counts.most_common(1)[0][0]]
    out: dict[str, list[str]] = {"target": [], "gold": [], "predicted": []}
    test = dataset["test"]
    for target in source.targets:
        gold = [STANCE_LABELS[v] for v in test[stance_column(target)] if v != -1]
        out["target"] += [target] * len(gold)
        out["gold"] += gold
        out["predicted"] += [majority[target]] * len(gold)
    return out
