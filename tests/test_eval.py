"""`stancebench-eval`: a logged model evaluated on another data set, task or split, as its own run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mlflow
import pandas as pd
import pytest
from mlflow.tracking import MlflowClient

from conftest import statement, write_jsonl
from stancebench.eval_app import ModelCannotAnswer, evaluate_model
from stancebench.evaluation import RunResult
from stancebench.metrics import scores
from stancebench.train import train


def store(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/mlflow.db"


@pytest.fixture
def trained(cfg_factory, small_corpus):
    """Train one model per call; returns (result, objects)."""

    def make(*overrides: str):
        return train(cfg_factory(f"data.path={small_corpus}", "bootstrap.n_resamples=20", *overrides))

    return make


def test_eval_scores_a_logged_model_on_another_split_and_target(trained, cfg_factory, small_corpus, tmp_path):
    trained_result, objects = trained("task=stance", "model=tfidf_logreg")
    cfg = cfg_factory(f"model_uri=runs:/{objects['run_id']}/model", f"data.path={small_corpus}", "task=stance_us",
                      "split=dev", "bootstrap.n_resamples=20", config_name="eval")
    result, eval_objects = evaluate_model(cfg)

    assert list(result.splits) == ["dev"] and result.task == "stance_us" and result.model == "tfidf_logreg"
    assert result.extra["evaluated_run"] == objects["run_id"] and result.extra["trained_on"] == "leaders"
    # the same model's dev predictions on target us, scored independently
    predictions = pd.read_json(Path(cfg.paths.output_dir) / "predictions.jsonl", lines=True)
    assert set(predictions["target"]) == {"us"} and len(predictions) == 16
    expected = scores(predictions["label"], predictions["predicted"], result.labels)["f_avg"]
    assert result.get_score("dev") == pytest.approx(expected)
    trained_dev_us = objects["predictions"].query("split == 'dev' and target == 'us'")
    assert predictions["predicted"].tolist() == trained_dev_us["predicted"].tolist()

    client = MlflowClient(store(tmp_path))
    run = client.get_run(eval_objects["run_id"])
    assert run.info.status == "FINISHED" and run.data.tags["evaluated_run"] == objects["run_id"]
    assert client.get_experiment(run.info.experiment_id).name == "leaders/stance_us"
    assert RunResult.from_mlflow(run) == RunResult.read(Path(cfg.paths.output_dir) / "results.json")


def test_eval_refuses_a_target_a_single_target_model_never_saw(trained, cfg_factory, small_corpus, tmp_path):
    _, objects = trained("task=stance_us", "model=tfidf_svm")
    before = len(mlflow.search_runs(search_all_experiments=True))
    cfg = cfg_factory(f"model_uri=runs:/{objects['run_id']}/model", f"data.path={small_corpus}",
                      "task=stance_ukraine", config_name="eval")
    with pytest.raises(ModelCannotAnswer, match=r"trained for stance_us on target\(s\) us .*cannot answer stance toward ukraine"):
        evaluate_model(cfg)
    cfg = cfg_factory(f"model_uri=runs:/{objects['run_id']}/model", f"data.path={small_corpus}",
                      "task=sentiment", config_name="eval")
    with pytest.raises(ModelCannotAnswer, match="a sentiment task needs the labels positive and negative"):
        evaluate_model(cfg)
    assert len(mlflow.search_runs(search_all_experiments=True)) == before  # nothing logged


def test_eval_on_a_set_without_neutral_scores_over_its_own_labels(trained, cfg_factory, tmp_path):
    """A leaders model (4 stance labels) on a favor/against/none table: never predicts neutral there,
    and macro scores average the three classes the set has."""
    _, objects = trained("task=stance_us", "model=tfidf_logreg")
    rows = [{"text": statement(i)["text"], "label": ["favor", "against", "none"][i % 3], "split": "test"}
            for i in range(30)]
    table = write_jsonl(tmp_path / "three.jsonl", rows)
    cfg = cfg_factory(f"model_uri=runs:/{objects['run_id']}/model", "data=table", f"data.files={table}",
                      "data.columns.stance=label", "data.columns.split=split", "data.target=us",
                      "task=stance_us", "bootstrap.n_resamples=20", config_name="eval")
    result, eval_objects = evaluate_model(cfg)
    assert result.labels == ("favor", "against", "none") and "neutral_f1" not in result.splits["test"].scores
    predictions = eval_objects["predictions"]
    assert "neutral" not in set(predictions["predicted"])
    assert result.get_score("test", "macro_f1") == pytest.approx(
        scores(predictions["label"], predictions["predicted"], ("favor", "against", "none"))["macro_f1"])


def test_eval_app_refusal_is_one_clear_line(trained, tmp_path, small_corpus):
    _, objects = trained("task=sentiment", "model=tfidf_svm")
    result = subprocess.run(
        [sys.executable, "-m", "stancebench.eval_app", f"model_uri=runs:/{objects['run_id']}/model",
         f"data.path={small_corpus}", "task=stance_us", f"paths.log_dir={tmp_path}", f"tracking.uri={store(tmp_path)}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1
    assert "cannot answer task 'stance_us'" in result.stderr + result.stdout
    assert "Traceback" not in result.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "stancebench.eval_app", "model_uri=runs:/0123456789abcdef/model",
         f"paths.log_dir={tmp_path}", f"tracking.uri={store(tmp_path)}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert missing.returncode == 1 and "no model at runs:/0123456789abcdef/model" in missing.stderr + missing.stdout
    assert "Traceback" not in missing.stderr
    no_uri = subprocess.run([sys.executable, "-m", "stancebench.eval_app", f"paths.log_dir={tmp_path}"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert no_uri.returncode == 2 and "model_uri is required" in no_uri.stderr + no_uri.stdout


def test_run_result_round_trips_through_a_dict_and_flat_metrics():
    from stancebench.evaluation import SplitScores

    result = RunResult(
        task="stance", data="d", model="m", main_score="f_avg", labels=("favor", "against", "none"),
        corpus_sha256="abc", version="0", commit="c",
        splits={"test": SplitScores({"f_avg": 0.5, "macro_f1": 0.4, "favor_f1": 0.6}, {"f_avg": (0.3, 0.7)},
                                    {"us": 0.2, "new_target": 0.9}, examples=12)},
        timings={"time_fit_s": 1.5}, run_id="r", extra={"trained_on": "x"})
    assert RunResult.from_dict(json.loads(json.dumps(result.to_dict()))) == result
    flat = result.metrics()
    assert flat["test_f_avg_ci_low"] == 0.3 and flat["test_new_target_f_avg"] == 0.9 and flat["test_examples"] == 12
    assert RunResult.from_metrics(flat, result.tags(), run_id="r") == result
    with pytest.raises(KeyError, match="no 'dev' scores"):
        result.get_score("dev")
    with pytest.raises(ValueError, match=r"tags \['main_score', 'labels'\] missing"):
        RunResult.from_metrics(flat, {k: v for k, v in result.tags().items() if k not in ("main_score", "labels")})


def contrast_item(i: int, source: dict, kind: str, **edited) -> dict:
    labels = {k: source[k] for k in ("stance_us", "stance_ukraine", "stance_negotiations", "sentiment")}
    original = {"text_en": source["text_en"], "speaker": source["speaker"], "country": "XX", "lang": "en", **labels}
    return {"id": f"contrast-{i:04d}", "source_id": source["id"], "kind": kind, "edit": "negation", "target": "us",
            "original": original, "edited": {**original, **edited}, "note": "test"}


def test_eval_on_a_contrast_set_reports_consistency(trained, cfg_factory, tmp_path):
    from stancebench.data import DataError

    _, objects = trained("task=stance", "model=tfidf_logreg")
    sources = [statement(i) for i in range(80) if statement(i)["split"] == "test"][:8]
    flip = {"favor": "against", "against": "favor", "neutral": "none", "none": "favor"}
    items = [contrast_item(i, s, "label_change", text_en="Not " + s["text_en"], stance_us=flip[s["stance_us"]])
             for i, s in enumerate(sources[:4])]
    items += [contrast_item(i + 4, s, "invariant", speaker="Z") for i, s in enumerate(sources[4:])]
    path = write_jsonl(tmp_path / "contrast.jsonl", items)
    cfg = cfg_factory(f"model_uri=runs:/{objects['run_id']}/model", "data=contrast", f"data.path={path}",
                      "task=stance", "bootstrap.n_resamples=20", config_name="eval")
    result, out = evaluate_model(cfg)
    scores_ = result.splits["test"].scores
    p = out["predictions"].assign(pair=lambda f: f["id"].str.split(":").str[0], role=lambda f: f["id"].str.split(":").str[1])
    wide = p.pivot_table(index=["pair", "target"], columns="role", values=["label", "predicted"], aggfunc="first")
    right = wide["label"] == wide["predicted"]
    pair = wide.index.get_level_values("pair")
    changing = (pair < "contrast-0004") & (wide.index.get_level_values("target") == "us")
    scored = changing | (pair >= "contrast-0004")
    assert scores_["contrast_edit_accuracy"] == pytest.approx(right["edit"][scored].mean())
    assert scores_["contrast_label_change_consistency"] == pytest.approx((right["edit"] & right["original"])[changing].mean())
    invariant = pair >= "contrast-0004"
    flips = (wide["predicted"]["original"] != wide["predicted"]["edit"])[invariant].mean()
    assert scores_["contrast_invariant_flip_rate"] == pytest.approx(flips)
    assert RunResult.from_mlflow(result.run_id, store(tmp_path)).splits["test"].scores == scores_

    bad = write_jsonl(tmp_path / "bad.jsonl", [contrast_item(0, sources[0], "label_change")])  # nothing changed
    cfg = cfg_factory(f"model_uri=runs:/{objects['run_id']}/model", "data=contrast", f"data.path={bad}",
                      "task=stance", config_name="eval")
    with pytest.raises(DataError, match=r"bad.jsonl:1: field 'edited.stance_us': a label_change edit must change"):
        evaluate_model(cfg)


def test_eval_of_a_model_saved_before_targets_were_recorded(trained, cfg_factory, small_corpus, tmp_path):
    """Models logged before 0.2 have no `trained_targets`: the task name stands in for them."""
    from stancebench.models.base import read_config, write_config

    _, objects = trained("task=stance_us", "model=tfidf_svm", "save_model=true")
    folder = objects["output_dir"] / "model"
    config = read_config(folder)
    del config["trained_targets"]
    write_config(folder, config)
    ok = cfg_factory(f"model_uri={folder}", f"data.path={small_corpus}", "task=stance_us", "bootstrap.n_resamples=20",
                     config_name="eval")
    assert evaluate_model(ok)[0].task == "stance_us"
    wrong = cfg_factory(f"model_uri={folder}", f"data.path={small_corpus}", "task=stance_ukraine", config_name="eval")
    with pytest.raises(ModelCannotAnswer, match=r"on target\(s\) us"):
        evaluate_model(wrong)
