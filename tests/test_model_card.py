"""The model card (`README.md` in every saved model folder), the data a run logs with
`mlflow.log_input`, and the registry alias and description (issue 13)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
import yaml
from mlflow.tracking import MlflowClient

import stancebench
from conftest import CORPUS
from stancebench.data import file_sha256
from stancebench.models.base import write_config, write_model_card
from stancebench.train import train


def card(folder: Path) -> tuple[dict, str]:
    """(front matter, body) of a model card."""
    text = (Path(folder) / "README.md").read_text(encoding="utf-8")
    assert text.startswith("---\n")
    _, header, body = text.split("---\n", 2)
    return yaml.safe_load(header), body


def snippet(body: str) -> str:
    match = re.search(r"## Use\n\n```python\n(.*?)```", body, flags=re.DOTALL)
    assert match, body
    return match.group(1)


def logged_card_folder(run_id: str) -> Path:
    """The model folder inside the logged MLflow model (downloaded from the test's store)."""
    import tempfile

    root = Path(mlflow.artifacts.download_artifacts(f"runs:/{run_id}/model", dst_path=tempfile.mkdtemp()))
    return root / "artifacts" / "model"


def test_card_of_a_trained_pair_model_and_its_snippet_runs(cfg_factory, small_corpus, tmp_path):
    cfg = cfg_factory(f"data.path={small_corpus}", "task=stance", "model=tfidf_logreg", "bootstrap.n_resamples=50")
    _, objects = train(cfg)
    folder = objects["output_dir"] / "model"
    header, body = card(folder)
    assert header["library_name"] == "sklearn" and header["pipeline_tag"] == "text-classification"
    assert header["license"] == "other"  # a file of unknown origin: no data card beside it
    assert "base_model" not in header
    assert {"stancebench", "stance-detection", "task-stance", "model-tfidf_logreg"} <= set(header["tags"])
    assert f"`{file_sha256(small_corpus)}`" in body and "not the bundled corpus" in body
    assert "`negotiations`, `ukraine`, `us`" in body
    assert "## Intended use and limits" in body
    assert card(logged_card_folder(objects["run_id"])) == (header, body)  # the logged model carries the same card

    code = snippet(body)
    assert f"runs:/{objects['run_id']}/model" in code and "target='negotiations'" in code
    env = {**os.environ, "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/mlflow.db"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    model = stancebench.load_model(folder)
    assert done.stdout.splitlines()[0] == str(model.predict(["We are ready for talks."], target="negotiations"))


def run_snippet(body: str, tracking_uri: str) -> list[str]:
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri}
    done = subprocess.run([sys.executable, "-c", snippet(body)], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.splitlines()


def test_snippet_of_a_metadata_model_passes_its_fields(cfg_factory, tmp_path):
    cfg = cfg_factory("debug=smoke", "task=stance_us", "model=metadata", "model.fields=[speaker,lang]")
    _, objects = train(cfg)
    _, body = card(objects["output_dir"] / "model")
    assert "'speaker': ['...'], 'lang': ['...']" in snippet(body)
    labels = run_snippet(body, f"sqlite:///{tmp_path}/mlflow.db")
    assert labels[0].startswith("['") and labels[0].strip("[]'") in ("favor", "against", "neutral", "none")


def test_card_of_a_model_trained_on_the_bundled_corpus_says_it_is_constructed(cfg_factory):
    cfg = cfg_factory("debug=smoke", "task=sentiment", "model=tfidf_logreg")
    _, objects = train(cfg)
    header, body = card(objects["output_dir"] / "model")
    assert header["license"] == "cc-by-4.0"  # data/leaders/README.md
    assert "statements are constructed, not quotes" in body and "language models" in body
    assert f"`{file_sha256(CORPUS)}`" in body
    assert "input: texts only" in body and "target=" not in snippet(body)
    assert "sentiment-analysis" in header["tags"]


def test_card_lists_test_scores_with_their_cis(cfg_factory, small_corpus, tmp_path):
    """`tracking.log_model(..., result=)` writes the scores of a scored RunResult into the card."""
    from stancebench import tracking

    cfg = cfg_factory(f"data.path={small_corpus}", "task=stance", "model=tfidf_logreg", "bootstrap.n_resamples=50")
    result, objects = train(cfg)
    folder = objects["output_dir"] / "model"
    example = objects["task"].inputs(objects["predictions"]).head(2)
    with mlflow.start_run(experiment_id=MlflowClient().get_run(objects["run_id"]).info.experiment_id) as run:
        tracking.log_model(folder, objects["model"], example, result=result)
    header, body = card(logged_card_folder(run.info.run_id))
    low, high = result.splits["test"].ci["f_avg"]
    value = result.splits["test"].scores["f_avg"]
    assert f"| test | f_avg (main) | {value:.3f} | [{low:.3f}, {high:.3f}] | {result.splits['test'].examples} |" in body
    assert "| dev | f_avg (main) |" in body and "95% CI" in body


def test_train_writes_the_scores_into_the_logged_card(cfg_factory, small_corpus):
    cfg = cfg_factory(f"data.path={small_corpus}", "task=stance", "model=tfidf_logreg", "bootstrap.n_resamples=50")
    result, objects = train(cfg)
    _, body = card(logged_card_folder(objects["run_id"]))
    assert f"| test | f_avg (main) | {result.splits['test'].scores['f_avg']:.3f} |" in body


@pytest.mark.parametrize("fmt,config,base", [
    ("transformer", {"pretrained": None}, "sentence-transformers/all-MiniLM-L6-v2"),
    ("transformer", {"pretrained": "distilroberta-base"}, None),
    ("transformer", {"pretrained": "FacebookAI/roberta-base"}, "FacebookAI/roberta-base"),
    ("embed_logreg", {"encoder": {"bundled": "minilm", "sha256": "x"}}, "sentence-transformers/all-MiniLM-L6-v2"),
])
def test_encoder_cards_name_library_and_base_model(tmp_path, fmt, config, base):
    config = {"format": fmt, "name": fmt, "labels": ["favor", "against", "neutral", "none"], "pairs": True,
              "task": "stance", "targets": ["us", "ukraine"], **config}
    write_config(tmp_path, config)
    write_model_card(tmp_path, config, "Weights: safetensors.\n")
    header, body = card(tmp_path)
    assert header["library_name"] == "transformers" and header.get("base_model") == base
    assert "target='us'" in snippet(body) and "Weights: safetensors." in body
    write_model_card(tmp_path, results=None)  # rewritten from stancebench.json: the details stay
    assert card(tmp_path) == (header, body)


def test_runs_log_their_data_as_inputs(cfg_factory, small_corpus, tmp_path):
    cfg = cfg_factory(f"data.path={small_corpus}", "task=stance", "model=tfidf_logreg", "bootstrap.n_resamples=50")
    _, objects = train(cfg)
    run = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db").get_run(objects["run_id"])
    inputs = {i.dataset.name: i for i in run.inputs.dataset_inputs}
    assert set(inputs) == {"leaders/train", "leaders/dev", "leaders/test"}
    train_input = inputs["leaders/train"]
    tags = {t.key: t.value for t in train_input.tags}
    assert tags["corpus_sha256"] == file_sha256(small_corpus) and tags["mlflow.data.context"] == "training"
    assert json.loads(train_input.dataset.source)["uri"] == str(small_corpus)
    assert json.loads(train_input.dataset.profile)["num_rows"] == 48 * 3  # 48 train statements x 3 targets
    assert "Statement" not in train_input.dataset.profile + train_input.dataset.schema  # no texts stored


def test_registry_gets_the_alias_and_the_description(cfg_factory, small_corpus, tmp_path):
    cfg = cfg_factory(f"data.path={small_corpus}", "task=stance", "model=tfidf_logreg", "bootstrap.n_resamples=50",
                      "tracking.register_as=stance-tfidf", "tracking.alias=champion",
                      "tracking.description=TF-IDF pair baseline")
    _, objects = train(cfg)
    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    version = client.get_model_version_by_alias("stance-tfidf", "champion")
    assert version.run_id == objects["run_id"] and version.description == "TF-IDF pair baseline"
    model = stancebench.load_model("models:/stance-tfidf@champion", tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    assert model.targets == ["negotiations", "ukraine", "us"]
