"""scikit-learn baselines: a text vectorizer and an estimator, stored with skops (never pickle)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.feature_extraction import text as sklearn_text
from sklearn.pipeline import Pipeline

from stancebench.models._skops import skops_io
from stancebench.models.base import (
    LabelsMixin,
    checked_labels,
    empty_proba,
    model_input,
    read_config,
    saved_targets,
    write_config,
    write_model_card,
)

# The types a saved baseline may contain. skops refuses anything else on load; an allow-list read
# from the file itself would be no safeguard (mlflow PR #25686).
TRUSTED_TYPES = [
    "stancebench.models.baselines.TargetAwareFeatures",
    "stancebench.models.baselines.MetadataFeatures",
    "sklearn.preprocessing._encoders.OneHotEncoder",
    "sklearn.pipeline.Pipeline",
    "sklearn.pipeline.FeatureUnion",
    "stancebench.models.baselines.TfidfVectorizer",
    "sklearn.feature_extraction.text.TfidfVectorizer",  # models saved before 0.3
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.dummy.DummyClassifier",
    "numpy.float64",
    "numpy.int64",
    "numpy.dtype",
    "builtins.slice",
]


class TfidfVectorizer(sklearn_text.TfidfVectorizer):
    """scikit-learn's `TfidfVectorizer`, with a state that saves fast.

    skops writes a dict into its JSON schema entry by entry: a 30k-term `vocabulary_` took 2 s,
    half the CPU time of a whole baseline run. Here the vocabulary is saved as one array of terms
    (term i has column i), and `stop_words_` (terms cut by min_df/max_df, kept by scikit-learn
    only for inspection) is not saved.
    """

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # a copy: Python's default state is the live __dict__
        state.pop("stop_words_", None)
        vocabulary = state.get("vocabulary_")
        if isinstance(vocabulary, dict):
            terms = np.empty(len(vocabulary), dtype=object)
            terms[list(vocabulary.values())] = list(vocabulary)
            state["vocabulary_"] = terms.astype(str)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        terms = state.get("vocabulary_")
        if isinstance(terms, np.ndarray):
            state = {**state, "vocabulary_": {term: i for i, term in enumerate(terms.tolist())}}
        super().__setstate__(state)


def tfidf(ngram_range: Sequence[int] = (1, 1), **kwargs: Any) -> TfidfVectorizer:
    """`TfidfVectorizer` taking `ngram_range` as a YAML list (sklearn insists on a tuple)."""
    return TfidfVectorizer(ngram_range=tuple(ngram_range), **kwargs)


class TargetAwareFeatures(TransformerMixin, BaseEstimator):
    """Text features, plus a copy per stance target for (target, text) inputs.

    Daumé's feature augmentation: the shared block learns what holds for every target, each
    target's block what holds for it alone. A target unseen in training (`stance_cross`) gets only
    the shared block.
    """

    def __init__(self, vectorizer: Any):
        self.vectorizer = vectorizer

    def fit(self, X: pd.DataFrame, y: Any = None) -> "TargetAwareFeatures":
        self.vectorizer_ = clone(self.vectorizer).fit(X["text"])
        self.targets_ = sorted(X["target"].unique()) if "target" in X else []
        return self

    def transform(self, X: pd.DataFrame) -> sp.csr_matrix:
        shared = sp.csr_matrix(self.vectorizer_.transform(X["text"]))
        if not self.targets_:
            return shared
        target = X["target"].to_numpy() if "target" in X else np.full(len(X), None)
        blocks = [shared] + [sp.diags((target == t).astype(float)) @ shared for t in self.targets_]
        return sp.hstack(blocks, format="csr")


class MetadataFeatures(TransformerMixin, BaseEstimator):
    """One-hot metadata fields (speaker, country, lang, ...), never the text: the shortcut baseline.

    For (target, text) inputs each field is also crossed with the target (`Putin|ukraine`), so a
    speaker's stance can differ per target, as the text models' target blocks allow.
    """

    def __init__(self, fields: Sequence[str]):
        self.fields = fields

    def _columns(self, X: pd.DataFrame) -> pd.DataFrame:
        missing = [f for f in self.fields if f not in X]
        if missing:
            raise ValueError(f"model.fields {missing} are not in the input; it has {list(X.columns)}")
        columns = {f: X[f].astype(str) for f in self.fields}
        if "target" in X:
            columns.update({f"{f}|target": X[f].astype(str) + "|" + X["target"].astype(str) for f in self.fields})
        return pd.DataFrame(columns)

    def fit(self, X: pd.DataFrame, y: Any = None) -> "MetadataFeatures":
        from sklearn.preprocessing import OneHotEncoder

        self.encoder_ = OneHotEncoder(handle_unknown="ignore").fit(self._columns(X))
        return self

    def transform(self, X: pd.DataFrame) -> sp.csr_matrix:
        return sp.csr_matrix(self.encoder_.transform(self._columns(X)))


class SklearnClassifier(LabelsMixin):
    """A vectorizer + estimator pipeline behind the stancebench `Classifier` interface.

    Args:
        vectorizer: a scikit-learn text vectorizer (or union of them).
        estimator: a scikit-learn classifier; without `predict_proba`, scores are a softmax over
            `decision_function` (not calibrated probabilities).
        name: the config name (`model=tfidf_svm`), kept in the saved model.
        fields: instead of a vectorizer, metadata fields to one-hot (`model=metadata`): a model
            that never reads the text, to show what metadata alone predicts.
    """

    format = "sklearn"
    # A target unseen in training gets only the shared feature block (TargetAwareFeatures), or only
    # the uncrossed metadata fields: a target-blind answer, which `task=stance_cross` scores as the
    # baseline for held-out targets (experiments/leaders_v1.md); asked for with allow_new_targets=True.
    new_targets = ("it has no features of its own for a new target, so only the features shared by all "
                   "targets apply and the answer ignores the target")

    def __init__(self, vectorizer: Any = None, estimator: Any = None, name: str = "sklearn",
                 fields: Sequence[str] | None = None):
        if estimator is None:
            raise ValueError("model.estimator is required (a scikit-learn classifier)")
        if (vectorizer is None) == (not fields):
            raise ValueError("a scikit-learn model needs either model.vectorizer (text) or model.fields (metadata), not both")
        self.name = name
        self.input_fields = list(fields or [])
        features = MetadataFeatures(self.input_fields) if fields else TargetAwareFeatures(vectorizer)
        self.pipeline = Pipeline([("features", features), ("classifier", estimator)])
        self.labels: list[str] = []
        self.pairs = False
        self.targets: list[str] | None = []
        self.task: str | None = None

    def fit(self, X: pd.DataFrame, y: Sequence[str], labels: Sequence[str],
            eval_set: Any = None) -> "SklearnClassifier":
        y = checked_labels(y, labels)
        self.labels = list(labels)
        self.pairs = "target" in X
        self.targets = sorted(X["target"].astype(str).unique()) if self.pairs else []
        self.pipeline.fit(X, y)
        return self

    def predict_proba(self, texts: Any, target: str | Sequence[str] | None = None,
                      allow_new_targets: bool = False) -> np.ndarray:
        """Class scores, one column per label in `self.labels` order (see `base.model_input` for
        the inputs taken and the targets a pair model accepts)."""
        X = model_input(self, texts, target, allow_new_targets)
        if X.empty:
            return empty_proba(self.labels)
        classifier = self.pipeline[-1]
        if hasattr(classifier, "predict_proba"):
            scores = self.pipeline.predict_proba(X)
        else:
            decision = self.pipeline.decision_function(X)
            if decision.ndim == 1:  # binary: sklearn returns the positive class's margin only
                decision = np.stack([-decision, decision], axis=1)
            scores = np.exp(decision - decision.max(axis=1, keepdims=True))
            scores /= scores.sum(axis=1, keepdims=True)
        # columns in task label order; a label never seen in training scores 0
        proba = np.zeros((len(X), len(self.labels)))
        for j, label in enumerate(classifier.classes_):
            proba[:, self.labels.index(label)] = scores[:, j]
        return proba

    def save(self, path: str | Path, task: str | None = None) -> Path:
        sio = skops_io()  # plain `import skops.io` imports torch (see _skops)

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        sio.dump(self.pipeline, path / "model.skops")
        config = {"format": self.format, "name": self.name, "labels": self.labels, "pairs": self.pairs, "task": task,
                  "input_fields": self.input_fields, **({"targets": self.targets} if self.pairs else {})}
        write_config(path, config)
        write_model_card(path, config, "Weights: `model.skops` (skops, loaded with a fixed allow-list of types).\n")
        return path

    @classmethod
    def load(cls, path: str | Path, trusted: Sequence[str] = ()) -> "SklearnClassifier":
        """Load a saved baseline; types outside `TRUSTED_TYPES` + `trusted` are refused."""
        sio = skops_io()  # plain `import skops.io` imports torch (see _skops)

        path = Path(path)
        config = read_config(path)
        file = path / "model.skops"
        allowed = [*TRUSTED_TYPES, *trusted]
        untrusted = [t for t in sio.get_untrusted_types(file=file) if t not in allowed]
        if untrusted:
            raise ValueError(
                f"{file} contains types outside stancebench's allow-list: {untrusted}. "
                "If you trust this file, pass them as load(..., trusted=[...])."
            )
        model = cls.__new__(cls)
        model.name, model.labels, model.pairs = config["name"], config["labels"], config["pairs"]
        model.input_fields = config.get("input_fields", [])
        model.task = config.get("task")
        model.pipeline = sio.load(file, trusted=allowed)
        model.targets = saved_targets(config, model.pipeline[0]) if model.pairs else []
        return model
