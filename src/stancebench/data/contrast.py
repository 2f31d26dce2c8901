"""`data=contrast`: minimal edits of test statements (Gardner et al. 2020, contrast sets).

Each line of `data/leaders/contrast.jsonl` pairs an original test statement with an edit of it:
`label_change` edits change the gold stance toward one `target` (negation, a swapped target, a
hedge); `invariant` edits must change no label but remove a shortcut (a name variant, the same words
from a speaker of the other side). The source is a test split only (original and edited rows), for
`stancebench-eval`; `contrast_scores` says how a model's predictions hold up:

- `contrast_original_accuracy`, `contrast_edit_accuracy`: accuracy on the originals and on the edits;
- `contrast_consistency`: share of (original, edit) pairs with both predictions right;
- `contrast_label_change_consistency`: the same, on label-changing edits (their edited target);
- `contrast_invariant_flip_rate`: share of invariant pairs whose prediction changes (it should not).
"""

from __future__ import annotations

from pathlib import Path

import datasets
import pandas as pd

from stancebench.data.hashing import file_sha256
from stancebench.data.problems import DataError, Problem
from stancebench.data.readers import read_jsonl
from stancebench.data.rows import build_dataset_dict, row_features
from stancebench.data.schema import SENTIMENT_LABELS, STANCE_LABELS, TARGETS, stance_column
from stancebench.data.source import LABELS_OF_KIND, LabelKind

KINDS = ("label_change", "invariant")
SIDES = {"original": "original", "edited": "edit"}
META = ("speaker", "country", "lang")


def _check(path: str, line: int, item: dict) -> list[Problem]:
    problems = []
    for field in ("id", "source_id", "kind", "edit", "target", "original", "edited"):
        if field not in item:
            problems.append(Problem(path, line, field, None, "missing required field"))
    if item.get("kind") not in KINDS:
        problems.append(Problem(path, line, "kind", item.get("kind"), f"must be one of {', '.join(KINDS)}"))
    if item.get("target") not in TARGETS:
        problems.append(Problem(path, line, "target", item.get("target"), f"must be one of {', '.join(TARGETS)}"))
    for side in SIDES:
        record = item.get(side)
        if not isinstance(record, dict):
            continue
        if not isinstance(record.get("text_en"), str) or not record["text_en"].strip():
            problems.append(Problem(path, line, f"{side}.text_en", record.get("text_en"), "must be a non-empty string"))
        for column, allowed in (*((stance_column(t), STANCE_LABELS) for t in TARGETS), ("sentiment", SENTIMENT_LABELS)):
            if record.get(column) not in allowed:
                problems.append(Problem(path, line, f"{side}.{column}", record.get(column), f"must be one of {', '.join(allowed)}"))
    if not problems and item["kind"] == "label_change":
        column = stance_column(item["target"])
        if item["original"][column] == item["edited"][column]:
            problems.append(Problem(path, line, f"edited.{column}", item["edited"][column],
                                    "a label_change edit must change the label of its target"))
    if not problems and item["kind"] == "invariant":
        changed = [c for c in (*(stance_column(t) for t in TARGETS), "sentiment") if item["original"][c] != item["edited"][c]]
        if changed:
            problems.append(Problem(path, line, f"edited.{changed[0]}", item["edited"][changed[0]],
                                    "an invariant edit must keep every label"))
    return problems


class ContrastSet:
    """Originals and their minimal edits, as a test-only data source.

    Args:
        path: the contrast JSONL file (`data/leaders/contrast.jsonl`).
        name: tracked as experiment `{name}/{task}`.
        limit: keep the first `limit` contrast pairs (`debug=smoke`).
    """

    def __init__(self, path: str | Path, name: str = "contrast", limit: int | None = None):
        self.path = Path(path)
        self.name = name
        self.limit = limit
        self._items: list[dict] | None = None

    @property
    def targets(self) -> tuple[str, ...]:
        return TARGETS

    def labels(self, kind: LabelKind) -> tuple[str, ...]:
        return LABELS_OF_KIND[kind]

    @property
    def content_hash(self) -> str:
        return file_sha256(self.path)

    def items(self) -> list[dict]:
        """The validated contrast pairs; raises DataError listing every problem."""
        if self._items is None:
            rows, problems = read_jsonl(self.path)
            seen: dict[str, int] = {}
            for line, item in rows:
                problems += _check(str(self.path), line, item)
                if item.get("id") in seen:
                    problems.append(Problem(str(self.path), line, "id", item["id"], f"duplicate id (first on line {seen[item['id']]})"))
                seen.setdefault(item.get("id"), line)
            if problems:
                raise DataError(sorted(problems, key=lambda p: p.line), what="contrast set")
            self._items = [item for _, item in rows][: self.limit]
        return self._items

    def load(self) -> datasets.DatasetDict:
        rows = []
        for item in self.items():
            for side, role in SIDES.items():
                record = item[side]
                rows.append({"id": f"{item['id']}:{role}", "text": record["text_en"], "text_en": record["text_en"],
                             "target": "", **{m: str(record.get(m, "")) for m in META},
                             **{stance_column(t): STANCE_LABELS.index(record[stance_column(t)]) for t in TARGETS},
                             "sentiment": SENTIMENT_LABELS.index(record["sentiment"])})
        return build_dataset_dict({"test": rows}, row_features(TARGETS, extra=META))

    def contrast_scores(self, predictions: pd.DataFrame) -> dict[str, float]:
        """The contrast metrics of a test-split predictions frame (`id`, `label`, `predicted`, and
        `target` for stance), and how many pairs each is over (`..._pairs`)."""
        items = {item["id"]: item for item in self.items()}
        frame = predictions.assign(
            contrast_id=predictions["id"].str.rsplit(":", n=1).str[0],
            role=predictions["id"].str.rsplit(":", n=1).str[1],
            correct=predictions["label"] == predictions["predicted"],
            target=predictions["target"] if "target" in predictions else "",
        )
        pairs = frame.pivot_table(index=["contrast_id", "target"], columns="role",
                                  values=["correct", "predicted"], aggfunc="first").dropna()
        kind = pairs.index.get_level_values("contrast_id").map(lambda i: items[i]["kind"])
        about = pairs.index.get_level_values("contrast_id").map(lambda i: items[i]["target"])
        target = pairs.index.get_level_values("target")
        # a label change is scored on the target it changes (sentiment rows: every pair)
        changing = (kind == "label_change") & ((target == "") | (target == about))
        invariant = kind == "invariant"
        both = (pairs[("correct", "original")].astype(bool) & pairs[("correct", "edit")].astype(bool)).to_numpy()
        flipped = (pairs[("predicted", "original")] != pairs[("predicted", "edit")]).to_numpy()
        scored = changing | invariant
        result = {
            "contrast_original_accuracy": float(pairs[("correct", "original")][scored].astype(bool).mean()),
            "contrast_edit_accuracy": float(pairs[("correct", "edit")][scored].astype(bool).mean()),
            "contrast_consistency": float(both[scored].mean()),
            "contrast_label_change_consistency": float(both[changing].mean()) if changing.any() else float("nan"),
            "contrast_invariant_flip_rate": float(flipped[invariant].mean()) if invariant.any() else float("nan"),
        }
        return {name: value for name, value in result.items() if value == value}  # NaN: no such pair here
