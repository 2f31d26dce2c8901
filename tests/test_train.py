"""The real pipeline end to end: Hydra config -> train -> temporary MLflow store -> reload."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

import stancebench
from conftest import CORPUS, statement, write_jsonl
from stancebench.data import DataError, file_sha256
from stancebench.evaluation import RunResult
from stancebench.tracking import TrackingUnavailable
from stancebench.train import get_metric_value, train


def runs_of(tmp_path: Path) -> pd.DataFrame:
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    return mlflow.search_runs(search_all_experiments=True)


def test_train_logs_everything_and_reloads_identically(cfg_factory, small_corpus, tmp_path):
    cfg = cfg_factory(f"data.path={small_corpus}", "task=stance", "model=tfidf_logreg", "bootstrap.n_resamples=200")
    result, objects = train(cfg)
    metrics = result.metrics()

    for name in ["test_f_avg", "test_f_avg_ci_low", "test_f_avg_ci_high", "test_macro_f1", "test_accuracy",
                 "dev_f_avg", "dev_macro_f1", "test_us_f_avg", "test_favor_f1"]:
        assert 0.0 <= metrics[name] <= 1.0, name
    assert metrics["test_f_avg_ci_low"] <= metrics["test_f_avg"] <= metrics["test_f_avg_ci_high"]

    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    run = client.get_run(objects["run_id"])
    assert run.info.status == "FINISHED"
    assert client.get_experiment(run.info.experiment_id).name == "leaders/stance"
    assert run.data.tags["corpus_sha256"] == file_sha256(small_corpus)
    assert run.data.tags["git_commit"] != "" and run.data.tags["task"] == "stance"
    assert run.data.params["model.estimator.C"] == str(cfg.model.estimator.C)
    assert run.data.params["seed"] == "42"
    assert run.data.metrics["test_f_avg"] == pytest.approx(metrics["test_f_avg"])
    artifacts = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"config.yaml", "predictions.jsonl", "confusion_test.png", "results.json"} <= artifacts

    logged = pd.read_json(objects["output_dir"] / "predictions.jsonl", lines=True)
    test = logged[logged["split"] == "test"].reset_index(drop=True)
    assert len(test) == 3 * 16  # 16 test statements x 3 targets
    # a wrong prediction file would not reproduce the logged metric
    from stancebench.metrics import scores

    assert scores(test["label"], test["predicted"], cfg_labels := ["favor", "against", "neutral", "none"])[
        "f_avg"] == pytest.approx(metrics["test_f_avg"])

    inputs = test[["target", "text"]]
    model = stancebench.load_model(f"runs:/{objects['run_id']}/model", tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    assert model.labels == cfg_labels
    assert model.predict(inputs) == test["predicted"].tolist()
    proba_columns = [f"proba_{label}" for label in cfg_labels]
    np.testing.assert_allclose(model.predict_proba(inputs), test[proba_columns].to_numpy(), rtol=1e-6)

    pyfunc = mlflow.pyfunc.load_model(f"runs:/{objects['run_id']}/model")
    out = pyfunc.predict(inputs)
    assert out["label"].tolist() == test["predicted"].tolist()
    np.testing.assert_allclose(out[proba_columns].to_numpy(), test[proba_columns].to_numpy(), rtol=1e-6)

    # results.json and the MLflow run hold the same RunResult
    saved = RunResult.read(objects["output_dir"] / "results.json")
    assert saved == result
    from_run = RunResult.from_mlflow(objects["run_id"], tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    assert from_run.splits == result.splits and from_run.labels == result.labels == tuple(cfg_labels)
    assert from_run.get_score() == result.get_score("test", "f_avg") == metrics["test_f_avg"]
    assert run.data.tags["main_score"] == "f_avg" and run.data.tags["labels"] == "favor,against,neutral,none"

    local = stancebench.load_model(objects["output_dir"] / "model")
    assert local.predict(inputs) == test["predicted"].tolist()
    with pytest.raises(ValueError, match="pass target="):
        local.predict(["no target given"])


def test_invalid_corpus_is_refused_before_any_run(cfg_factory, tmp_path):
    bad = write_jsonl(tmp_path / "bad.jsonl", [statement(i) for i in range(20)] + [statement(20, stance_us="pro")])
    with pytest.raises(DataError, match=r"bad.jsonl:21: field 'stance_us'"):
        train(cfg_factory(f"data.path={bad}"))
    assert runs_of(tmp_path).empty


def test_crash_marks_run_failed(cfg_factory, small_corpus, tmp_path):
    # a value no config rule knows, so the crash comes from scikit-learn inside the run
    cfg = cfg_factory(f"data.path={small_corpus}", "model=tfidf_logreg", "model.estimator.class_weight=bogus")
    with pytest.raises(ValueError, match="class_weight"):
        train(cfg)
    runs = runs_of(tmp_path)
    assert runs["status"].tolist() == ["FAILED"]
    assert "class_weight" in runs["tags.stancebench.end_reason"][0]


def test_unreachable_server_fails_before_training(cfg_factory, small_corpus):
    cfg = cfg_factory(f"data.path={small_corpus}", "tracking=server", "tracking.uri=http://127.0.0.1:9")
    with pytest.raises(TrackingUnavailable, match="127.0.0.1:9 is unreachable"):
        train(cfg)


def test_register_as_and_models_uri(cfg_factory, small_corpus, tmp_path):
    cfg = cfg_factory(f"data.path={small_corpus}", "task=sentiment", "model=tfidf_svm",
                      "tracking.register_as=sentiment-svm", "bootstrap.n_resamples=50")
    result, objects = train(cfg)
    metrics = result.metrics()
    model = stancebench.load_model("models:/sentiment-svm/1", tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    frame = pd.read_json(objects["output_dir"] / "predictions.jsonl", lines=True)
    test = frame[frame["split"] == "test"]
    assert model.labels == ["positive", "negative", "neutral"]
    assert model.predict(test[["text"]]) == test["predicted"].tolist()
    assert "test_macro_recall_ci_high" in metrics


def test_optimized_metric_error_names_the_key():
    with pytest.raises(KeyError, match="set `optimized_metric` to one of: dev_f_avg"):
        get_metric_value({"dev_f_avg": 0.5, "dev_f_avg_ci_low": 0.1}, "dev_f1")


def test_hydra_app_from_another_directory(tmp_path):
    """The console entry point finds conf/ from any working directory and logs .hydra/."""
    result = subprocess.run(
        [sys.executable, "-m", "stancebench.train", "debug=smoke", "task=stance_us", "model=char_svm",
         f"paths.log_dir={tmp_path}", f"tracking.uri=sqlite:///{tmp_path}/mlflow.db"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "f_avg" in result.stdout and "test 95% CI" in result.stdout
    runs = runs_of(tmp_path)
    assert runs["status"].tolist() == ["FINISHED"] and runs["tags.model"].tolist() == ["char_svm"]
    client = MlflowClient(f"sqlite:///{tmp_path}/mlflow.db")
    hydra_files = {a.path for a in client.list_artifacts(runs["run_id"][0], "hydra")}
    assert {"hydra/config.yaml", "hydra/overrides.yaml"} <= hydra_files
    assert runs["tags.corpus_sha256"][0] == file_sha256(CORPUS)


def test_baseline_modules_never_import_torch(tmp_path):
    code = (
        "import sys; from stancebench.train import train; from stancebench.cli import main; "
        "import stancebench.models.baselines, stancebench.tracking, stancebench.loading; "
        "bad = [m for m in ('torch', 'transformers') if m in sys.modules]; print(bad); sys.exit(bool(bad))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr[-2000:]


def test_app_reports_bad_corpus_without_traceback(tmp_path):
    bad = write_jsonl(tmp_path / "bad.jsonl", [statement(0), statement(1, sentiment="furious")])
    result = subprocess.run(
        [sys.executable, "-m", "stancebench.train", f"data.path={bad}", f"paths.log_dir={tmp_path}",
         f"tracking.uri=sqlite:///{tmp_path}/mlflow.db"],
        capture_output=True, text=True, timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1
    assert f"{bad}:2: field 'sentiment': must be one of positive, negative, neutral (got 'furious')" in output
    assert "Traceback" not in output


def test_metadata_model_reads_only_its_fields_and_reloads(cfg_factory, small_corpus, tmp_path):
    cfg = cfg_factory(f"data.path={small_corpus}", "task=stance_us", "model=metadata", "model.fields=[speaker]",
                      "bootstrap.n_resamples=20")
    result, objects = train(cfg)
    assert result.model == "metadata_speaker"
    model = stancebench.load_model(f"runs:/{objects['run_id']}/model", tracking_uri=f"sqlite:///{tmp_path}/mlflow.db")
    test = objects["predictions"].query("split == 'test'")
    assert model.predict(test[["text", "speaker"]]) == test["predicted"].tolist()
    # the text is never read: the same speaker gets the same answer whatever is said
    same = model.predict(pd.DataFrame({"text": ["We support the talks.", "Sanctions now!"], "speaker": ["A", "A"]}))
    assert same[0] == same[1]
    with pytest.raises(ValueError, match=r"metadata field\(s\) \['party'\], which this data set does not have"):
        train(cfg_factory(f"data.path={small_corpus}", "model=metadata", "model.fields=[party]"))


def test_union_trains_on_every_part(cfg_factory, small_corpus, tmp_path):
    from stancebench.data import LeadersCorpus, UnionSource

    other = write_jsonl(tmp_path / "other.jsonl", [statement(i, id=f"o-{i:04d}") for i in range(40)])
    union = UnionSource({"a": LeadersCorpus(small_corpus), "b": LeadersCorpus(other, name="other")})
    data = union.load()
    assert union.name == "leaders+other" and data["train"].num_rows == 48 + 24
    assert {"speaker", "country", "lang"} <= set(data["train"].column_names)
    with pytest.raises(ValueError, match="the parts share ids in train"):
        UnionSource({"a": LeadersCorpus(small_corpus), "b": LeadersCorpus(small_corpus)}).load()
    cfg = cfg_factory("data=union", f"data.parts.leaders.path={small_corpus}", "~data.parts.ungd",
                      "task=stance_us", "bootstrap.n_resamples=20", "save_model=false")
    result, _ = train(cfg)
    assert result.data == "leaders" and result.splits["test"].examples == 16


def test_stance_cross_scores_the_held_out_target(cfg_factory, small_corpus):
    """The model never saw the test target: scoring asks it with allow_new_targets (a pair model
    refuses unseen targets otherwise)."""
    cfg = cfg_factory(f"data.path={small_corpus}", "task=stance_cross", "task.held_out=us", "model=tfidf_logreg",
                      "bootstrap.n_resamples=20")
    result, objects = train(cfg)
    predictions = objects["predictions"]
    assert set(predictions[predictions["split"] == "test"]["target"]) == {"us"}
    assert set(predictions[predictions["split"] == "dev"]["target"]) == {"ukraine", "negotiations"}
    assert 0 <= result.get_score("test") <= 1
    with pytest.raises(ValueError, match="allow_new_targets"):
        objects["model"].predict(["A text."], target="us")


def test_tfidf_vocabulary_saves_as_one_array_and_old_models_still_load(tmp_path):
    """skops wrote a vocabulary dict entry by entry into its JSON schema (2 s for 30k terms);
    ours saves one array. A model saved with scikit-learn's own TfidfVectorizer still loads."""
    import json
    import zipfile

    from sklearn.feature_extraction.text import TfidfVectorizer as SklearnTfidf
    from sklearn.linear_model import LogisticRegression

    from stancebench.models.baselines import SklearnClassifier, tfidf

    texts = [f"talks on {w} with kyiv and washington number {i}" for i, w in enumerate(["peace", "war", "aid"] * 20)]
    labels = ["favor", "against", "none"] * 20
    compact = SklearnClassifier(tfidf(ngram_range=[1, 2]), LogisticRegression())
    compact.fit(pd.DataFrame({"text": texts}), labels, labels=["favor", "against", "none", "neutral"])
    saved = SklearnClassifier.load(compact.save(tmp_path / "compact"))
    vectorizer = compact.pipeline[0].vectorizer_
    assert saved.pipeline[0].vectorizer_.vocabulary_ == vectorizer.vocabulary_ and len(vectorizer.vocabulary_) > 60
    assert isinstance(vectorizer.vocabulary_, dict)  # saving did not change the live model
    np.testing.assert_array_equal(saved.predict_proba(texts), compact.predict_proba(texts))
    with zipfile.ZipFile(tmp_path / "compact" / "model.skops") as archive:
        schema = archive.read("schema.json").decode()
    assert "washington" not in schema  # the terms are in a .npy member, not one JSON node each
    json.loads(schema)

    old = SklearnClassifier(SklearnTfidf(), LogisticRegression())
    old.fit(pd.DataFrame({"text": texts}), labels, labels=["favor", "against", "none", "neutral"])
    reloaded = SklearnClassifier.load(old.save(tmp_path / "old"))
    assert type(reloaded.pipeline[0].vectorizer_) is SklearnTfidf
    np.testing.assert_array_equal(reloaded.predict_proba(texts), old.predict_proba(texts))


def test_baseline_run_draws_its_plot_without_pyplot(cfg_factory, small_corpus):
    """pyplot's backend machinery costs a run ~0.3 s; the confusion plot is drawn on a bare Figure."""
    import sys

    sys.modules.pop("matplotlib.pyplot", None)
    result, objects = train(cfg_factory(f"data.path={small_corpus}", "task=stance_us", "model=tfidf_logreg",
                                        "save_model=false"))
    assert "matplotlib.pyplot" not in sys.modules
    artifacts = [a.path for a in MlflowClient().list_artifacts(objects["run_id"])]
    assert "confusion_test.png" in artifacts
