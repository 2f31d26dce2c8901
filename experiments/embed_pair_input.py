"""How `embed_logreg` should read (target, text) pairs: the target written into the embedded text
("target: <phrase>. <text>", what the model does) or the text's embedding beside a one-hot target.

    PYTHONPATH=src python experiments/embed_pair_input.py

Same encoder (bundled MiniLM), same logistic regression, tasks `stance` and `stance_cross` x3; test
F_avg with bootstrap 95% CIs, no MLflow. The one-hot variant is built here from the model's own
pieces, so it differs from `embed_logreg` in the pair input only.
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # see bench_transformer.py

import numpy as np  # noqa: E402


def main() -> None:
    from sklearn.linear_model import LogisticRegression

    from stancebench._paths import data_dir
    from stancebench.data import LeadersCorpus
    from stancebench.metrics import bootstrap_ci, scores
    from stancebench.models import _hf
    from stancebench.models.embed_logreg import EmbedLogregClassifier
    from stancebench.tasks import get_task

    corpus = LeadersCorpus(data_dir() / "leaders" / "statements.jsonl")
    dataset = corpus.load()
    encoder = EmbedLogregClassifier()
    encoder._load_encoder(_hf.resolve_pretrained("minilm"))
    cache: dict[str, np.ndarray] = {}

    def embed(strings: list[str]) -> np.ndarray:
        missing = [s for s in dict.fromkeys(strings) if s not in cache]
        if missing:
            cache.update(zip(missing, encoder.embed(missing)))
        return np.stack([cache[s] for s in strings])

    print(f"corpus sha256 {corpus.content_hash}\n")
    print("| task | prefix: test F_avg [95% CI] | one-hot: test F_avg [95% CI] |")
    print("| --- | --- | --- |")
    for name, held_out in (("stance", None), ("stance_cross", "us"), ("stance_cross", "ukraine"),
                           ("stance_cross", "negotiations")):
        task = get_task(name, held_out=held_out)
        train, test = (task.frame(dataset[s], s, corpus.targets) for s in ("train", "test"))
        targets = sorted(train["target"].unique())
        encoder.pairs = True
        cells = []
        for variant in ("prefix", "one-hot"):
            if variant == "prefix":
                X_train, X_test = embed(encoder.inputs(train)), embed(encoder.inputs(test))
            else:  # a target unseen in training gets an all-zero one-hot
                def features(frame):
                    onehot = np.array([[t == target for target in targets] for t in frame["target"]], dtype=float)
                    return np.hstack([embed(frame["text"].tolist()), onehot])
                X_train, X_test = features(train), features(test)
            head = LogisticRegression(C=10.0, class_weight="balanced", max_iter=2000, random_state=42)
            predicted = head.fit(X_train, train["label"]).predict(X_test).tolist()
            gold = test["label"].tolist()
            low, high = bootstrap_ci(gold, predicted, task.labels, "f_avg", seed=42)
            cells.append(f"{scores(gold, predicted, task.labels)['f_avg']:.3f} [{low:.3f}, {high:.3f}]")
        print(f"| {task.name} | {cells[0]} | {cells[1]} |")


if __name__ == "__main__":
    main()
