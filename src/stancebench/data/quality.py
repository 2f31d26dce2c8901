"""Corpus quality checks: leakage across splits, and agreement between two annotations."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from stancebench.data.problems import DataError, Problem
from stancebench.data.readers import read_jsonl
from stancebench.data.schema import FIELDS, SENTIMENT_LABELS, STANCE_LABELS, TARGETS, stance_column

LABEL_COLUMNS = {**{stance_column(t): STANCE_LABELS for t in TARGETS}, "sentiment": SENTIMENT_LABELS}


# --- leakage ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LeakPair:
    id_a: str
    split_a: str
    id_b: str
    split_b: str
    similarity: float
    text_a: str
    text_b: str


def _normalized(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[\W_]+", " ", text).strip()


def find_leakage(records: list[dict], threshold: float = 0.6, field: str = "text_en") -> list[LeakPair]:
    """Pairs of statements in different splits that are exact (after normalisation) or near
    duplicates: cosine similarity of word 1-2-gram TF-IDF vectors at or above `threshold`.
    Statements of one `family` must share a split, so a family straddling splits is reported too."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [_normalized(r[field]) for r in records]
    splits = np.array([r["split"] for r in records])
    vectors = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True).fit_transform(texts)
    similarity = (vectors @ vectors.T).toarray()
    pairs = []
    rows, cols = np.nonzero(np.triu(similarity >= threshold - 1e-9, k=1) & (splits[:, None] != splits[None, :]))
    for i, j in zip(rows, cols):
        pairs.append(LeakPair(records[i]["id"], splits[i], records[j]["id"], splits[j],
                              float(similarity[i, j]), records[i][field], records[j][field]))
    families: dict[str, list[int]] = {}
    for i, record in enumerate(records):
        families.setdefault(record.get("family") or record["id"], []).append(i)
    for members in families.values():
        for i in members[1:]:
            first = members[0]
            if splits[i] != splits[first] and not any({p.id_a, p.id_b} == {records[first]["id"], records[i]["id"]} for p in pairs):
                pairs.append(LeakPair(records[first]["id"], splits[first], records[i]["id"], splits[i],
                                      float(similarity[first, i]), "(same family)", records[i].get("family", "")))
    return sorted(pairs, key=lambda p: -p.similarity)


# --- composition ---------------------------------------------------------------------------


def hard_case_shares(records: list[dict]) -> dict[str, float]:
    """Shares of the hard cases the corpus is built to contain (GUIDELINES.md)."""
    stances = [[r[stance_column(t)] for t in TARGETS] for r in records]
    n = len(records)
    return {
        "mentions a target without a stance (some target neutral)": sum("neutral" in s for s in stances) / n,
        "takes a stance toward an unnamed target (implicit_targets)": sum(bool(r.get("implicit_targets")) for r in records) / n,
        "favor toward one target, against another": sum({"favor", "against"} <= set(s) for s in stances) / n,
    }


# --- agreement -------------------------------------------------------------------------------


def load_annotations(path: str | Path, ids: set[str] | None = None) -> pd.DataFrame:
    """An annotation file: one JSON object per line with `id` and the four label fields (a full
    statements file works too). Every problem is reported at once, as `data validate` does;
    with `ids`, an id outside that set is a problem."""
    rows, problems = read_jsonl(path)
    allowed = set(FIELDS)
    seen: dict[str, int] = {}
    records = []
    for line, record in rows:
        where = (str(path), line)
        for field in ("id", *LABEL_COLUMNS):
            if field not in record:
                problems.append(Problem(*where, field, None, "missing required field"))
        for field, value in record.items():
            if field in LABEL_COLUMNS and value not in LABEL_COLUMNS[field]:
                problems.append(Problem(*where, field, value, f"must be one of {', '.join(LABEL_COLUMNS[field])}"))
            elif field not in allowed:
                problems.append(Problem(*where, field, value, f"unknown field; allowed: id, {', '.join(LABEL_COLUMNS)}"))
        rid = record.get("id")
        if rid in seen:
            problems.append(Problem(*where, "id", rid, f"duplicate id (first on line {seen[rid]})"))
        elif ids is not None and rid not in ids:
            problems.append(Problem(*where, "id", rid, "unknown id: not in the other annotation file"))
        if isinstance(rid, str):
            seen.setdefault(rid, line)
        records.append(record)
    if problems:
        raise DataError(sorted(problems, key=lambda p: p.line), what="annotation file")
    return pd.DataFrame(records).set_index("id")[list(LABEL_COLUMNS)]


def agreement(a: pd.DataFrame, b: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """Cohen's kappa, Krippendorff's alpha (nominal) and raw agreement per label column on the
    statements both annotated, plus the label confusion between annotators (rows A, columns B).

    `b_vs_a_score` is B scored as if it were a model's predictions against A with the task's
    headline metric (`metric`: F_avg for stance, macro recall for sentiment), to set beside model
    scores. It measures agreement between two annotations; when both are made by language models
    (as in this project) it is not a human ceiling.
    """
    import krippendorff
    from sklearn.metrics import cohen_kappa_score

    from stancebench.metrics import main_metric, scores

    common = a.index.intersection(b.index)
    if common.empty:
        raise ValueError("the two annotation files share no statement id")
    rows, confusions = [], {}
    for column, labels in LABEL_COLUMNS.items():
        x, y = a.loc[common, column], b.loc[common, column]
        codes = {label: i for i, label in enumerate(labels)}
        data = np.array([x.map(codes), y.map(codes)], dtype=float)
        # alpha is undefined (0/0) when both annotators used one single label throughout
        alpha = (krippendorff.alpha(reliability_data=data, value_domain=list(codes.values()),
                                    level_of_measurement="nominal")
                 if len(np.unique(data)) > 1 else float("nan"))
        headline = main_metric(labels)
        rows.append({"labels": column, "n": len(common), "agreement": float((x == y).mean()),
                     "cohen_kappa": cohen_kappa_score(x, y, labels=list(labels)), "krippendorff_alpha": alpha,
                     "b_vs_a_score": scores(list(x), list(y), labels)[headline], "metric": headline})
        confusions[column] = pd.crosstab(pd.Categorical(x, labels), pd.Categorical(y, labels),
                                         rownames=["A"], colnames=["B"], dropna=False)
    return pd.DataFrame(rows).set_index("labels"), confusions


def annotator_scores(first: pd.DataFrame, second: pd.DataFrame, ids: set[str] | None = None) -> dict[str, float]:
    """The second annotation scored as if it were a model's predictions against the first, per
    task, on the units both annotated (and in `ids`): the four single tasks with their headline
    metric, and `stance` (F_avg over the three targets pooled)."""
    from stancebench.metrics import scores

    table, _ = agreement(*(frame.loc[frame.index.isin(ids)] if ids is not None else frame for frame in (first, second)))
    result = {column: float(table.loc[column, "b_vs_a_score"]) for column in LABEL_COLUMNS}
    common = first.index.intersection(second.index)
    if ids is not None:
        common = common[common.isin(list(ids))]
    stance_columns = [stance_column(t) for t in TARGETS]
    pooled_a = [label for c in stance_columns for label in first.loc[common, c]]
    pooled_b = [label for c in stance_columns for label in second.loc[common, c]]
    result["stance"] = scores(pooled_a, pooled_b, STANCE_LABELS)["f_avg"]
    return result
