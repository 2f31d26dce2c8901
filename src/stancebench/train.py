"""The training app: data -> task -> model -> evaluate -> MLflow.

    stancebench-train model=tfidf_svm task=stance_us
    python -m stancebench.train -m model=tfidf_logreg,char_svm task=stance_us,sentiment

`main` is the thin Hydra layer; `train(cfg)` does the work and is what tests call.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import hydra
import mlflow
import pandas as pd
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

import stancebench
from stancebench import report, tracking
from stancebench._paths import conf_dir, register_resolvers
from stancebench.data.checks import check_data
from stancebench.evaluation import RunResult, evaluate, timed
from stancebench.tasks import Task

log = logging.getLogger(__name__)
register_resolvers()

EVAL_SPLITS = ("dev", "test")


def get_metric_value(metrics: dict[str, float], name: str) -> float:
    if name not in metrics:
        raise KeyError(
            f"optimized_metric {name!r} was not logged by this run; set `optimized_metric` to one of: "
            f"{', '.join(sorted(k for k in metrics if not k.endswith(('_ci_low', '_ci_high'))))}"
        )
    return metrics[name]


def start_result(cfg: DictConfig, task: Task, source: Any, model_name: str, **extra: str) -> RunResult:
    """A RunResult with what is known before any scoring: the run's identity and provenance."""
    if cfg.get("sweep_id"):
        extra["sweep"] = str(cfg.sweep_id)
    return RunResult(task=task.name, data=source.name, model=model_name, main_score=task.main_score,
                     labels=task.labels, corpus_sha256=source.content_hash, version=stancebench.__version__,
                     commit=tracking.git_commit(), extra=extra)


def log_config(cfg: DictConfig, output_dir: Path) -> None:
    resolved = OmegaConf.to_container(cfg, resolve=True)
    mlflow.log_params({k: str(v)[:6000] for k, v in tracking.flatten(resolved).items()})
    mlflow.log_text(OmegaConf.to_yaml(resolved), "config.yaml")
    if (output_dir / ".hydra").is_dir():
        mlflow.log_artifacts(str(output_dir / ".hydra"), "hydra")


def score_splits(model: Any, task: Task, frames: dict[str, pd.DataFrame], result: RunResult, cfg: DictConfig,
                 output_dir: Path, allowed: tuple[str, ...] | None = None, pairs: bool | None = None,
                 extra_scores: Callable[[pd.DataFrame], dict[str, float]] | None = None,
                 allow_new_targets: bool | None = None) -> pd.DataFrame:
    """Predict and score each split of `frames` into `result`; write and log the predictions, a
    confusion plot of the last split and `results.json`; log the metrics. Returns the predictions.

    `allowed`: the labels a prediction may take (`stancebench-eval` of a model whose label set
    differs from the data's); None = every label of the model. `pairs`: whether the model reads
    (target, text) pairs, when that differs from the task's view (a pair model on `stance_us`).
    `extra_scores`: more scores of a split from its predictions (a contrast set's consistency).
    `allow_new_targets`: let a pair model answer targets it was not trained on; None = when the task
    tests on other targets than it trains on (`stance_cross`).
    """
    if allow_new_targets is None:
        allow_new_targets = task.test_targets is not None
    timings = result.timings
    bootstrap = OmegaConf.to_container(cfg.bootstrap) if cfg.get("bootstrap") else None
    predictions = []
    for split, frame in frames.items():
        with timed(timings, "predict"):
            scored = tracking.predictions_frame(model, task.inputs(frame, pairs, getattr(model, "input_fields", [])),
                                                allowed=allowed, allow_new_targets=allow_new_targets)
        with timed(timings, "score"):
            result.splits[split] = evaluate(task, frame, scored["label"].tolist(), bootstrap=bootstrap, seed=cfg.seed)
        predictions.append(pd.concat([frame.assign(split=split), scored.rename(columns={"label": "predicted"})], axis=1))
        if extra_scores is not None:
            result.splits[split].scores.update(extra_scores(predictions[-1]))
    predictions = pd.concat(predictions, ignore_index=True)
    output_dir.mkdir(parents=True, exist_ok=True)
    predictions.to_json(output_dir / "predictions.jsonl", orient="records", lines=True, force_ascii=False)
    mlflow.log_artifact(str(output_dir / "predictions.jsonl"))
    last = list(frames)[-1]
    with timed(timings, "plot"):
        figure = report.confusion_figure(predictions[predictions["split"] == last], task.labels,
                                         title=f"{result.model} on {result.data}/{task.name} ({last})")
        mlflow.log_figure(figure, f"confusion_{last}.png")
    mlflow.log_metrics(result.metrics())
    mlflow.log_artifact(str(result.write(output_dir / "results.json")))
    return predictions


def train(cfg: DictConfig) -> tuple[RunResult, dict[str, Any]]:
    """Train, evaluate on dev and test, log everything to MLflow.

    Everything comes from `cfg`: outputs go to `cfg.paths.output_dir`, and `cfg.sweep_id` (set by
    `main` in a `-m` run) tags the run with its sweep.

    Returns:
        The run's result and the objects made: `model`, `task`, `model_uri`, `output_dir`, `predictions`.
    """
    timings: dict[str, float] = {}
    uri = tracking.connect(cfg.tracking.uri)  # an unreachable server fails before any work
    source = instantiate(cfg.data)
    with timed(timings, "load_data"):
        dataset = source.load()  # raises DataError with every problem of an invalid corpus
    dataset, data_checks = check_data(source, dataset, on_duplicates=cfg.get("on_duplicates") or "warn")
    task: Task = instantiate(cfg.task).for_source(source)
    log.info(f"Instantiating model <{cfg.model._target_}> (model={cfg.model.get('name')})")
    model = instantiate(cfg.model)
    fields = getattr(model, "input_fields", [])
    frames = {split: task.frame(dataset[split], split, source.targets, fields) for split in ("train", *EVAL_SPLITS)}
    for split, frame in frames.items():
        if frame.empty:
            raise ValueError(f"data {source.name!r} has no {split} examples for task {task.name!r}")

    output_dir = Path(cfg.paths.output_dir)
    confidence = cfg.bootstrap.confidence if cfg.get("bootstrap") else 0.95
    experiment = cfg.tracking.experiment or f"{source.name}/{task.name}"
    result = start_result(cfg, task, source, cfg.model.get("name", cfg.model._target_), trained_on=source.name)
    result.timings = timings
    tags = {**result.tags(), **{str(tag): "true" for tag in cfg.get("tags") or []}}

    with timed(timings, "tracking_setup"):
        experiment_id = tracking.experiment_id(experiment, uri)
    from stancebench.sweep import parent_run_tags  # a search's trial: a child of the search's MLflow run

    tags.update(parent_run_tags(cfg))
    with tracking.tracked_run(experiment_id=experiment_id, run_name=f"{result.model}-{task.name}", tags=tags) as run:
        result.run_id = run.info.run_id
        log_config(cfg, output_dir)
        tracking.log_inputs(source, frames)
        mlflow.log_dict(data_checks, "data_checks.json")  # duplicates, conflicts, leakage, dropped labels
        with timed(timings, "fit"):
            model.fit(task.inputs(frames["train"], fields=fields), frames["train"]["label"].tolist(), labels=task.labels,
                      eval_set=(task.inputs(frames["dev"], fields=fields), frames["dev"]["label"].tolist()))
        model_dir = None
        if cfg.get("save_model", True):
            with timed(timings, "save_model"):
                model_dir = model.save(output_dir / "model", task=task.name)
                tracking.record_training(model_dir, task, source)
        predictions = score_splits(model, task, {split: frames[split] for split in EVAL_SPLITS}, result, cfg, output_dir)
        model_uri = None
        if model_dir is not None:  # logged after scoring: its model card lists the test scores
            with timed(timings, "log_model"):
                # from train: a stance_cross test target is one the model was not trained on
                example = task.inputs(frames["train"], fields=fields).head(3).reset_index(drop=True)
                model_uri = tracking.log_model(model_dir, model, example, result=result, confidence=confidence,
                                               register_as=cfg.tracking.register_as, alias=cfg.tracking.get("alias"),
                                               description=cfg.tracking.get("description"))
            mlflow.log_metric("time_log_model_s", timings["time_log_model_s"])
            mlflow.log_artifact(str(result.write(output_dir / "results.json")))  # with the log_model time
        report.print_results(result, title=f"{result.model} on {source.name}/{task.name}", confidence=confidence)
        log.info(f"MLflow run {run.info.run_id} in experiment {experiment!r} ({uri}); outputs in {output_dir}")

    return result, {"model": model, "task": task, "run_id": run.info.run_id, "model_uri": model_uri,
                    "output_dir": output_dir, "predictions": predictions}


def sweep_id() -> str | None:
    """The sweep folder of a `-m` run (a tag shared by all its jobs); None for a single run."""
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    hydra_cfg = HydraConfig.get()
    return str(Path(hydra_cfg.runtime.output_dir).parent) if hydra_cfg.mode == RunMode.MULTIRUN else None


def run_app(work: Any, cfg: DictConfig) -> Any:
    """Hydra's globals are read here only; the user's input errors print without a traceback.

    The config is checked first (`stancebench.config.check_config`): a value of the wrong type or
    out of range stops the app before the tracking store, the data or the model is touched.
    """
    from stancebench.config import ConfigError, check_config
    from stancebench.data import DataError, ExternalDataMissing

    cfg.sweep_id = sweep_id()
    try:
        check_config(cfg)
        return work(cfg)
    except (ConfigError, DataError, ExternalDataMissing, tracking.TrackingUnavailable) as err:
        log.error(str(err))
        raise SystemExit(1) from err
    except KeyboardInterrupt as err:  # Ctrl-C, or SIGTERM (tracking.Terminated): the run is already KILLED
        log.error(f"stopped by {err or 'SIGINT'}; the MLflow run (if one had started) is marked KILLED")
        raise SystemExit(143 if isinstance(err, tracking.Terminated) else 130) from err
    except Exception as err:
        if (message := tracking.store_fault(str(cfg.tracking.uri), err)) is None:
            raise
        log.error(message)  # the store failed mid-run (locked, made read-only, removed)
        raise SystemExit(1) from err


@hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="train")
def main(cfg: DictConfig) -> float:
    """Console script `stancebench-train`; returns the optimized metric for sweepers."""
    tracking.end_on_signals()  # SIGTERM ends the run KILLED and cleans up, as Ctrl-C does
    result, _ = run_app(train, cfg)
    return get_metric_value(result.metrics(), cfg.get("optimized_metric") or f"dev_{result.main_score}")


if __name__ == "__main__":
    main()
