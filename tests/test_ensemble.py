"""model=ensemble: members fitted on train, weights chosen on dev, saved and loaded as one model (issue 14)."""

from __future__ import annotations

import json

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient
from sklearn.linear_model import LogisticRegression

import stancebench
from stancebench.models import SklearnClassifier, load_saved, tfidf
from stancebench.models.ensemble import EnsembleClassifier, simplex_grid
from stancebench.train import train


def logreg() -> SklearnClassifier:
    return SklearnClassifier(tfidf(), LogisticRegression(max_iter=500), name="logreg")


TEXTS = pd.DataFrame({"text": ["good day", "bad day", "fine talks", "awful war", "good talks", "bad war"]})
SENTIMENT = ["positive", "negative", "positive", "negative", "positive", "negative"]


def test_stance_us_trains_logs_chooses_weights_on_dev_and_reloads(cfg_factory, small_corpus, tmp_path):
    cfg = cfg_factory(f"data.path={small_corpus}", "model=ensemble", "task=stance_us", "bootstrap.n_resamples=20")
    result, objects = train(cfg)
    model = objects["model"]

    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    run = client.get_run(objects["run_id"])
    assert run.info.status == "FINISHED"
    assert run.data.params["model.weights"] == "dev"
    svm_c = cfg.model.members.word_char_svm.estimator.C
    assert run.data.params["model.members.word_char_svm.estimator.C"] == str(svm_c)

    assert list(model.members) == ["word_char_svm", "tfidf_logreg"]
    assert sum(model.weights) == pytest.approx(1.0) and all(w >= 0 for w in model.weights)
    # the grid holds each member alone, so the chosen weights never score below the best member on dev
    members = {k: v for k, v in model.dev_scores.items() if k != "ensemble"}
    assert set(members) == {"word_char_svm", "tfidf_logreg"}
    assert model.dev_scores["ensemble"] >= max(members.values()) - 1e-12
    assert result.get_score("dev", "f_avg") == pytest.approx(model.dev_scores["ensemble"])

    folder = objects["output_dir"] / "model"
    config = json.loads((folder / "stancebench.json").read_text())
    assert config["format"] == "ensemble" and config["weights"] == model.weights
    assert set(model.temperatures) == {"word_char_svm", "tfidf_logreg"}
    assert [m["temperature"] for m in config["members"]] == [model.temperatures[k] for k in model.members]
    assert config["metric"] == "f_avg" and config["dev_score"] == pytest.approx(model.dev_scores["ensemble"])
    assert [(m["name"], m["format"]) for m in config["members"]] == [("word_char_svm", "sklearn"),
                                                                      ("tfidf_logreg", "sklearn")]
    for m in config["members"]:
        assert (folder / m["folder"] / "model.skops").is_file()  # each member in its own format, no pickle
    assert "tfidf_logreg" in (folder / "README.md").read_text()

    logged = pd.read_json(objects["output_dir"] / "predictions.jsonl", lines=True)
    test = logged[logged["split"] == "test"].reset_index(drop=True)
    columns = [f"proba_{label}" for label in model.labels]
    uri = f"runs:/{objects['run_id']}/model"
    loaded = stancebench.load_model(uri, tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    assert isinstance(loaded, EnsembleClassifier) and loaded.weights == model.weights
    np.testing.assert_array_equal(loaded.predict_proba(test[["text"]]), model.predict_proba(test[["text"]]))
    np.testing.assert_allclose(loaded.predict_proba(test[["text"]]), test[columns].to_numpy(), rtol=1e-6)
    assert loaded.predict(test[["text"]]) == test["predicted"].tolist()

    out = mlflow.pyfunc.load_model(uri).predict(test[["text"]])
    assert out["label"].tolist() == test["predicted"].tolist()
    # a text-only model (single-target task) refuses a target, as its members do
    with pytest.raises(ValueError, match="reads texts only"):
        loaded.predict(["We want talks."], target="us")


def test_pair_task_reads_targets_like_its_members(cfg_factory, small_corpus, tmp_path):
    cfg = cfg_factory(f"data.path={small_corpus}", "model=ensemble", "task=stance", "bootstrap.n_resamples=20",
                      "model.grid_step=0.25")
    _, objects = train(cfg)
    model = load_saved(objects["output_dir"] / "model")
    assert model.pairs and sorted(model.targets) == ["negotiations", "ukraine", "us"]
    assert len(simplex_grid(2, 0.25)) == 5 and sum(model.weights) == pytest.approx(1.0)

    texts = ["We are ready for talks.", "No deal with them."]
    proba = model.predict_proba(texts, target="US")  # matched ignoring case, as by every pair model
    assert proba.shape == (2, 4) and np.allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(proba, objects["model"].predict_proba(texts, target="us"))
    with pytest.raises(ValueError, match="pairs"):
        model.predict(texts)
    with pytest.raises(ValueError, match="unknown target"):
        model.predict(texts, target="china")
    # both members are TF-IDF models, which answer a new target target-blind when asked
    assert model.predict_proba(texts, target="china", allow_new_targets=True).shape == (2, 4)

    out = mlflow.pyfunc.load_model(objects["model_uri"]).predict(pd.DataFrame({"target": ["us", "ukraine"],
                                                                               "text": texts}))
    assert out["label"].tolist() == model.predict(texts, target=["us", "ukraine"])


def test_members_with_different_label_sets_are_refused(tmp_path):
    sentiment = logreg().fit(TEXTS, SENTIMENT, labels=["positive", "negative", "neutral"])
    stance = logreg().fit(TEXTS, ["favor", "against"] * 3, labels=["favor", "against", "neutral", "none"])
    a, b = sentiment.save(tmp_path / "sentiment"), stance.save(tmp_path / "stance")
    with pytest.raises(ValueError, match=r"share one label set \(that of sentiment: .*\), but stance has another"):
        EnsembleClassifier({"sentiment": str(a), "stance": str(b)})
    # a trained member of another task than the one the ensemble is fitted for
    ensemble = EnsembleClassifier({"sentiment": str(a), "new": logreg()})
    with pytest.raises(ValueError, match="sentiment has another"):
        ensemble.fit(TEXTS, ["favor", "against"] * 3, labels=["favor", "against", "neutral", "none"])


def test_trained_members_are_not_refit_and_fixed_weights_are_kept(tmp_path):
    trained = logreg().fit(TEXTS, SENTIMENT, labels=["positive", "negative"])
    folder = trained.save(tmp_path / "trained")
    ensemble = EnsembleClassifier({"trained": str(folder), "fresh": logreg()}, weights=[3, 1], calibrate=False)
    ensemble.fit(TEXTS, SENTIMENT[::-1], labels=["negative", "positive"], eval_set=(TEXTS, SENTIMENT))
    assert ensemble.weights == [0.75, 0.25] and ensemble.weights_source == "given"
    np.testing.assert_array_equal(ensemble.members["trained"].predict_proba(TEXTS), trained.predict_proba(TEXTS))
    # columns follow the ensemble's label order even where a member's differs
    expected = 0.75 * trained.predict_proba(TEXTS)[:, ::-1] + 0.25 * ensemble.members["fresh"].predict_proba(TEXTS)
    np.testing.assert_allclose(ensemble.predict_proba(TEXTS), expected)
    reloaded = load_saved(ensemble.save(tmp_path / "ens"))
    np.testing.assert_array_equal(reloaded.predict_proba(TEXTS), ensemble.predict_proba(TEXTS))


def test_calibration_rescales_members_without_changing_their_predictions(tmp_path):
    from stancebench.models.ensemble import _scaled

    X = pd.DataFrame({"text": [f"{w} {i}" for i, w in enumerate(["good", "bad", "fine", "awful"] * 5)]})
    y = ["positive", "negative", "positive", "negative"] * 5
    ensemble = EnsembleClassifier({"a": logreg(), "b": logreg()}).fit(X, y, labels=["positive", "negative"],
                                                                      eval_set=(X, y))
    assert set(ensemble.temperatures) == {"a", "b"} and all(0.01 <= t <= 100 for t in ensemble.temperatures.values())
    raw = ensemble.members["a"].predict_proba(X)
    scaled = _scaled(raw, ensemble.temperatures["a"])
    assert (scaled.argmax(axis=1) == raw.argmax(axis=1)).all()
    gold = np.array([0, 1] * 10)
    assert -np.log(scaled[np.arange(20), gold]).mean() <= -np.log(raw[np.arange(20), gold]).mean() + 1e-9
    reloaded = load_saved(ensemble.save(tmp_path / "ens"))
    assert reloaded.temperatures == ensemble.temperatures
    np.testing.assert_array_equal(reloaded.predict_proba(X), ensemble.predict_proba(X))


def test_without_a_dev_set_weights_are_equal_and_said(caplog):
    ensemble = EnsembleClassifier([logreg(), logreg()])
    assert list(ensemble.members) == ["logreg", "logreg_2"]
    ensemble.fit(TEXTS, SENTIMENT, labels=["positive", "negative"])
    assert ensemble.weights == [0.5, 0.5] and "no dev set" in ensemble.weights_source
    assert ensemble.temperatures == {}
    assert "equal weights" in caplog.text


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"weights": [1.0]}, "1 values for 2 members"),
    ({"weights": [-1, 2]}, "non-negative"),
    ({"weights": "best"}, "'dev' or one number per member"),
    ({"grid_step": 0.3}, "must divide 1"),
])
def test_bad_settings_are_refused_before_training(kwargs, message):
    with pytest.raises(ValueError, match=message):
        EnsembleClassifier([logreg(), logreg()], **kwargs)
    with pytest.raises(ValueError, match="at least one member"):
        EnsembleClassifier({})


def test_simplex_grid_holds_the_vertices_in_a_fixed_order():
    grid = simplex_grid(3, 0.1)
    assert grid.shape == (66, 3) and np.allclose(grid.sum(axis=1), 1.0)
    for vertex in np.eye(3):
        assert any(np.array_equal(point, vertex) for point in grid)
    np.testing.assert_array_equal(grid, simplex_grid(3, 0.1))


def test_requirements_follow_the_members():
    from stancebench.tracking import _requirements

    class Encoder:  # stands in for a fine-tuned transformer member (no torch needed to check)
        format, labels, pairs = "transformer", ["positive", "negative"], False

    baseline = EnsembleClassifier([logreg(), logreg()])
    assert not any(r.startswith("torch==") for r in _requirements(baseline))
    with_encoder = EnsembleClassifier({"svm": logreg(), "encoder": Encoder()})
    names = [r.split("==")[0] for r in _requirements(with_encoder)]
    assert {"torch", "transformers", "safetensors", "skops", "scikit-learn"} <= set(names)


@pytest.mark.slow
def test_transformer_member_saved_as_safetensors_with_torch_requirements(cfg_factory, small_corpus, tmp_path):
    """A fine-tuned (tiny) encoder as a member, added as the yaml says: its folder holds safetensors,
    the logged model asks for torch, and both loaders reproduce the run's probabilities."""
    pytest.importorskip("torch")
    from test_transformer import build_tiny_bert

    encoder = build_tiny_bert(tmp_path / "tiny-bert")
    cfg = cfg_factory(f"data.path={small_corpus}", "model=ensemble", "task=stance", "bootstrap.n_resamples=20",
                      "+model@model.members.transformer=transformer", f"model.members.transformer.pretrained={encoder}",
                      "model.members.transformer.epochs=1", "model.members.transformer.progress=false")
    _, objects = train(cfg)
    model, folder = objects["model"], objects["output_dir"] / "model"
    assert list(model.members) == ["word_char_svm", "tfidf_logreg", "transformer"]
    assert sum(model.weights) == pytest.approx(1.0)
    assert (folder / "members" / "transformer" / "model.safetensors").is_file()
    assert not [p for p in folder.rglob("*") if p.suffix in {".bin", ".pkl", ".pickle", ".pt", ".joblib"}]

    uri = objects["model_uri"]
    requirements = mlflow.pyfunc.get_model_dependencies(uri)
    names = {line.split("==")[0] for line in open(requirements).read().split()}
    assert {"torch", "transformers", "safetensors", "skops"} <= names

    logged = pd.read_json(objects["output_dir"] / "predictions.jsonl", lines=True)
    test = logged[logged["split"] == "test"].reset_index(drop=True)
    columns = [f"proba_{label}" for label in model.labels]
    loaded = stancebench.load_model(uri, tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    np.testing.assert_allclose(loaded.predict_proba(test[["target", "text"]]), test[columns].to_numpy(), atol=1e-7)
    out = mlflow.pyfunc.load_model(uri).predict(test[["target", "text"]])
    assert out["label"].tolist() == test["predicted"].tolist()
