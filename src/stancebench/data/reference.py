"""The reference numbers the evaluator must reproduce: TweetEval's example RoBERTa predictions
and SemEval-2016's majority-class baseline (`experiments/reproduce_public.py`, `tests/test_public.py`)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from stancebench.data.problems import DataError, Problem
from stancebench.data.readers import read_lines
from stancebench.data.rows import EXTERNAL_ENV, ExternalDataMissing
from stancebench.data.schema import STANCE_LABELS, stance_column
from stancebench.data.tweeteval import TWEETEVAL_TARGETS, read_mapping, read_split

if TYPE_CHECKING:
    from stancebench.data.semeval2016 import SemEval2016
    from stancebench.data.tweeteval import TweetEvalStance


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
    stance_map = read_mapping(base / "stance" / "mapping.txt")
    stance: dict[str, list[str]] = {"target": [], "gold": [], "predicted": []}
    for target in TWEETEVAL_TARGETS:
        gold = read_split(base / "stance" / target / "test_text.txt",
                          base / "stance" / target / "test_labels.txt", stance_map, problems)
        predicted = [stance_map[int(v)] for v in read_lines(predictions / "stance" / f"{target}.txt")]
        if len(predicted) != len(gold):
            problems.append(Problem(str(predictions / "stance" / f"{target}.txt"), len(predicted), None, None,
                                    f"{len(predicted)} predictions for {len(gold)} test tweets"))
        stance["target"] += [target] * len(gold)
        stance["gold"] += [label for _, label in gold]
        stance["predicted"] += predicted
    sentiment_map = read_mapping(base / "sentiment" / "mapping.txt")
    gold = read_split(base / "sentiment" / "test_text.txt", base / "sentiment" / "test_labels.txt",
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
