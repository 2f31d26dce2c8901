"""The reference the benchmark compares against: plain scikit-learn, no Hydra, no MLflow.

Loads the same JSONL, fits the same pipeline as `model=tfidf_logreg task=stance_ukraine`, prints F_avg.
"""

import json
import sys

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline

path = sys.argv[1] if len(sys.argv) > 1 else "data/leaders/statements.jsonl"
rows = [json.loads(line) for line in open(path, encoding="utf-8")]
train = [r for r in rows if r["split"] == "train"]
test = [r for r in rows if r["split"] == "test"]
model = make_pipeline(
    TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=1),
    LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000, random_state=42),
)
model.fit([r["text_en"] for r in train], [r["stance_ukraine"] for r in train])
predicted = model.predict([r["text_en"] for r in test])
favor, against = f1_score([r["stance_ukraine"] for r in test], predicted, labels=["favor", "against"], average=None)
print(f"test_f_avg {(favor + against) / 2:.4f}")
