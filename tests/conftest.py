"""Shared fixtures: the real config composed once, pointed at temporary folders per test."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from omegaconf import DictConfig

from stancebench._paths import register_resolvers
from stancebench.config import compose_config

os.environ.setdefault("HF_HUB_OFFLINE", "1")
register_resolvers()

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO / "data" / "leaders" / "statements.jsonl"

LABELS = ("favor", "against", "neutral", "none")
SENTIMENTS = ("positive", "negative", "neutral")


def statement(i: int, **fields) -> dict:
    """A valid statement whose labels cycle, so every class shows up in a few dozen rows."""
    words = ["talks", "ceasefire", "aid", "sanctions", "peace", "war", "deal", "pressure"]
    record = {
        "id": f"t-{i:04d}",
        "text": f"Statement {i} about {words[i % len(words)]} and {words[(i * 3) % len(words)]}.",
        "lang": "en",
        "speaker": ["A", "B", "C"][i % 3],
        "speaker_role": "Leader",
        "country": "XX",
        "date": "2025-03",
        "source": "test",
        "origin": "constructed",
        "stance_us": LABELS[i % 4],
        "stance_ukraine": LABELS[(i // 2) % 4],
        "stance_negotiations": LABELS[(i // 3) % 4],
        "sentiment": SENTIMENTS[i % 3],
        "split": ["train"] * 6 + ["dev"] * 2 + ["test"] * 2,
    }
    record["split"] = record["split"][i % 10]
    record["text_en"] = record["text"]
    record.update(fields)
    return record


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """80 valid synthetic statements."""
    return write_jsonl(tmp_path / "statements.jsonl", [statement(i) for i in range(80)])


def compose_train(overrides: list[str], tmp_path: Path, config_name: str = "train") -> DictConfig:
    """The real config (train or eval), the MLflow store under tmp_path and a new output folder
    under tmp_path/runs/ for each config (a test that trains and then evaluates keeps both)."""
    runs = tmp_path / "runs"
    runs.mkdir(exist_ok=True)
    output_dir = runs / f"{config_name}-{len(list(runs.iterdir()))}"
    return compose_config([f"paths.log_dir={tmp_path}", f"tracking.uri=sqlite:///{tmp_path}/mlflow.db", *overrides],
                          config_name=config_name, output_dir=output_dir)


def train_logged_pair_model(tmp: Path) -> dict:
    """A pair baseline (task=stance, tfidf_logreg) trained and logged through the real `train` into
    a store under `tmp`: what a model's users (pyfunc, REST, a fresh venv) start from."""
    from stancebench.train import train

    corpus = write_jsonl(tmp / "statements.jsonl", [statement(i) for i in range(80)])
    cfg = compose_train([f"data.path={corpus}", "task=stance", "model=tfidf_logreg", "bootstrap.n_resamples=50"], tmp)
    _, objects = train(cfg)
    return {"tmp": tmp, "tracking_uri": f"sqlite:///{tmp}/mlflow.db", "model_uri": f"runs:/{objects['run_id']}/model",
            "objects": objects}


@pytest.fixture
def cfg_factory(tmp_path: Path):
    def make(*overrides: str, config_name: str = "train") -> DictConfig:
        return compose_train(list(overrides), tmp_path, config_name)

    return make
