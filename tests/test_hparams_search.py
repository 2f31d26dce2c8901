"""Optuna searches from `conf/hparams_search/` (a resumable study, an MLflow parent run with a child per
trial), seed repeats, and what the sweep callback knows of a sweep's jobs (stancebench.sweep)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import mlflow
import pytest
from omegaconf import OmegaConf

from stancebench.config import compose_config
from stancebench.sweep import PARENT_FILE, PARENT_TAG, SweepGuard, expected_jobs, planned_jobs

CONF = Path(__file__).resolve().parents[1] / "conf"
SEARCHES = sorted(p.stem for p in (CONF / "hparams_search").glob("*.yaml"))


def train_cli(tmp_path: Path, *overrides: str) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "stancebench.train", "-m", *overrides, "debug=smoke", "save_model=false",
         f"paths.log_dir={tmp_path}", f"tracking.uri=sqlite:///{tmp_path}/mlflow.db"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    return result


@pytest.mark.parametrize("search", SEARCHES)
def test_search_configs_compose(search, tmp_path):
    """Each search is an Optuna multirun whose searched keys exist in the config it runs, named in its
    first comment's command, with its study in a file under paths.log_dir."""
    cfg = compose_config([f"hparams_search={search}", f"paths.log_dir={tmp_path}"], return_hydra_config=True)
    assert cfg.hydra.mode.name == "MULTIRUN" and cfg.hydra.sweeper._target_.endswith("OptunaSweeper")
    assert cfg.hydra.sweeper.direction == "maximize" and "optimized_metric" in cfg
    for key in cfg.hydra.sweeper.params:
        assert OmegaConf.select(cfg, key) is not None, f"{search} searches {key}, which {cfg.model.name} lacks"
    # a trial Optuna draws from the search space is a valid config (check_config: an int stays an int)
    import optuna
    from hydra_plugins.hydra_optuna_sweeper._impl import create_params_from_overrides

    space, fixed = create_params_from_overrides([f"{k}={v}" for k, v in cfg.hydra.sweeper.params.items()])
    assert space and not fixed
    trial = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0)).ask()
    drawn = [f"{name}={trial._suggest(name, distribution)}" for name, distribution in space.items()]
    compose_config([f"hparams_search={search}", *drawn])
    assert cfg.hydra.sweeper.storage == f"sqlite:///{tmp_path}/optuna.db"
    assert cfg.hydra.sweeper.study_name.endswith("-leaders-stance")
    lines = (CONF / "hparams_search" / f"{search}.yaml").read_text().splitlines()
    assert lines[0] == "# @package _global_" and f"stancebench-train -m hparams_search={search}" in "\n".join(lines[:5])


def test_optuna_search_resumes_its_study_under_a_parent_run(tmp_path):
    """Two trials, then the same command again: the study has four; each sweep is a FINISHED parent
    run with its trials as children and the best trial's params and score."""
    command = ("hparams_search=tfidf_logreg_optuna", "task=stance_us", "hydra.sweeper.n_trials=2")
    first = train_cli(tmp_path, *command)
    assert "sweep progress: 2/2 jobs done" in first.stdout + first.stderr
    train_cli(tmp_path, *command)

    import optuna

    study = optuna.load_study(study_name="tfidf_logreg-leaders-stance_us", storage=f"sqlite:///{tmp_path}/optuna.db")
    assert len(study.trials) == 4 and {t.state for t in study.trials} == {optuna.trial.TrialState.COMPLETE}

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    runs = mlflow.search_runs(search_all_experiments=True)
    assert len(runs) == 6 and set(runs["status"]) == {"FINISHED"}
    parents = runs[runs["tags.mlflow.runName"] == "search-tfidf_logreg-leaders-stance_us"]
    assert len(parents) == 2 and set(parents["tags.optimized_metric"]) == {"dev_f_avg"}
    assert parents["tags.sweep"].isna().all()  # a search by its jobs' tags finds results only
    for _, parent in parents.iterrows():
        children = runs[runs[f"tags.{PARENT_TAG}"] == parent["run_id"]]
        assert len(children) == 2 and parent["metrics.trials"] == 2
        assert children["tags.sweep"].nunique() == 1  # the children of one parent are one sweep's jobs
        sweep_dir = Path(children["tags.sweep"].iloc[0])
        assert json.loads((sweep_dir / PARENT_FILE).read_text())["run_id"] == parent["run_id"]
        best = OmegaConf.load(sweep_dir / "optimization_results.yaml")
        assert parent["metrics.best_value"] == pytest.approx(best.best_value)
        assert parent["metrics.best_dev_f_avg"] == pytest.approx(best.best_value)
        assert float(parent["params.best.model.estimator.C"]) == pytest.approx(best.best_params["model.estimator.C"])
        status = json.loads((sweep_dir / "sweep_status.json").read_text())
        assert status["counts"] == {"finished": 2, "stopped": 0, "never ran": 0}
        assert all("model.estimator.C=" in " ".join(job["overrides"]) for job in status["jobs"])
    assert sorted(parents["metrics.study_trials"]) == [2, 4]  # the rerun continued the study
    assert max(parents["metrics.best_value"]) == pytest.approx(study.best_value)
    # a trial's C is its run's param, its score the value Optuna was told
    assert sorted(runs["metrics.dev_f_avg"].dropna()) == pytest.approx(sorted(t.value for t in study.trials))


def test_seed_repeats(tmp_path):
    """`-m experiment=seed_repeats seed=1,2`: one run per seed, the seed a param, one shared tag."""
    result = train_cli(tmp_path, "experiment=seed_repeats", "model=majority", "seed=1,2")
    assert "sweep progress: 2/2 jobs done" in result.stdout + result.stderr
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    runs = mlflow.search_runs(search_all_experiments=True)
    assert sorted(runs["params.seed"]) == ["1", "2"] and set(runs["status"]) == {"FINISHED"}
    assert set(runs["tags.seed_repeats"]) == {"true"} and set(runs["tags.task"]) == {"stance_us"}
    assert f"tags.{PARENT_TAG}" not in runs  # a grid has no parent run (parent_run: search)


def test_planned_jobs_follow_the_basic_sweeper(tmp_path):
    """An experiment's `hydra.sweeper.params` grid, with the command line winning over it."""
    cfg = compose_config(["experiment=leaders_v1_baselines"], return_hydra_config=True)
    cfg.hydra.overrides.task = ["experiment=leaders_v1_baselines", "task=sentiment,stance_us", "seed=1"]
    jobs = planned_jobs(cfg)
    assert len(jobs) == expected_jobs(cfg) == 4 * 2
    assert jobs[0] == ["model=majority", "task=sentiment", "experiment=leaders_v1_baselines", "seed=1"]
    search = compose_config(["hparams_search=char_svm_optuna", "hydra.sweeper.n_trials=7"], return_hydra_config=True)
    assert planned_jobs(search) is None and expected_jobs(search) == 7


def test_sweep_guard_pickles_without_its_thread(tmp_path):
    """Launchers (joblib, submitit) pickle the callbacks into each job."""
    import pickle
    import threading

    guard = SweepGuard(progress_s=0.01)
    guard.config = compose_config(["model=majority", f"paths.log_dir={tmp_path}"], return_hydra_config=True)
    guard.config.hydra.sweep.dir = str(tmp_path / "sweep")
    guard._progress = threading.Thread(target=guard._watch, args=(2,), daemon=True)
    guard._progress.start()
    try:
        copy = pickle.loads(pickle.dumps(guard))
    finally:
        guard._stop_progress()
    assert copy.grace_s == guard.grace_s and copy._progress is None and guard._progress is None
    with pytest.raises(ValueError, match="parent_run"):
        SweepGuard(parent_run="sometimes")
