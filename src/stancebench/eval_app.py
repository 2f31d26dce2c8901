"""The evaluation app: a logged model -> any data set's split -> a RunResult in MLflow.

    stancebench-eval model_uri=runs:/<run_id>/model data=ungd task=stance_ukraine
    stancebench-eval model_uri=runs:/<run_id>/model data=tweeteval_stance task=stance split=dev

Train on A, test on B without a script: the result is its own run in experiment `<data>/<task>`,
tagged `evaluated_run` (the run that trained the model) and `trained_on` (its data). A task the model
cannot answer (another kind, or a stance target a single-target model never saw) is refused before
any scoring, with what would work instead.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import hydra
import mlflow
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

from stancebench import report, tracking
from stancebench._paths import conf_dir, register_resolvers
from stancebench.evaluation import RunResult, timed
from stancebench.tasks import Task
from stancebench.train import log_config, run_app, score_splits, start_result

log = logging.getLogger(__name__)
register_resolvers()


class ModelCannotAnswer(ValueError):
    """The model's labels or targets do not fit the task it is asked to answer."""


def check_answerable(config: dict[str, Any], task: Task, targets: tuple[str, ...], uri: str) -> tuple[str, ...]:
    """Raise `ModelCannotAnswer` unless the saved model (its `stancebench.json`) can answer `task`
    on `targets`; return the labels its predictions may take (those of the data set).

    Rules: a stance model needs favor and against among its labels, a sentiment model positive and
    negative; a model without a target input (single-target `stance_<t>`) answers only the target it
    was trained on; a per-target model only its own targets. A pair model (`task=stance`) is asked
    about any target: unseen ones are allowed (that is the transfer question) and logged.
    """
    labels = tuple(config["labels"])
    trained = config.get("task") or "an unknown task"
    needed = ("favor", "against") if task.kind == "stance" else ("positive", "negative")
    if not set(needed) <= set(labels):
        raise ModelCannotAnswer(
            f"model {uri} (trained for {trained}, labels {', '.join(labels)}) cannot answer task {task.name!r}: "
            f"a {task.kind} task needs the labels {' and '.join(needed)}. Pick a task of the kind the model was trained for.")
    trained_targets = tuple(config.get("trained_targets") or ())
    if task.kind == "stance":
        if config.get("format") == "per_target":
            trained_targets = tuple(config["targets"])
        elif not trained_targets:  # saved before 0.2: the task name says it for single-target tasks
            trained_targets = _targets_of_task(config.get("task"))
        if not trained_targets:
            log.warning(f"model {uri} does not record the targets it was trained on; not checked")
            trained_targets = targets
        unseen = [t for t in targets if t not in trained_targets]
        if unseen and (not config.get("pairs") or config.get("format") == "per_target"):
            raise ModelCannotAnswer(
                f"model {uri} was trained for {trained} on target(s) {', '.join(trained_targets) or '?'} and has "
                f"no target input, so it cannot answer stance toward {', '.join(unseen)} (task {task.name!r}). "
                f"Evaluate it with a task on its own target (e.g. task=stance task.target={trained_targets[0] if trained_targets else '<t>'}) "
                "or use a pair model trained with task=stance.")
        if unseen:
            log.warning(f"targets {unseen} are new to this model (trained on {list(trained_targets)}): "
                        "it answers from the target phrase alone")
    missing = [label for label in task.labels if label not in labels]
    if missing:
        log.warning(f"the model never predicts {missing}, which data has: those examples count as errors")
    return tuple(label for label in labels if label in task.labels)


def _targets_of_task(name: str | None) -> tuple[str, ...]:
    from stancebench.tasks import get_task

    try:
        return get_task(name).targets if name else ()
    except (KeyError, ValueError):
        return ()


def source_run_id(uri: str) -> str | None:
    """The id of the run that logged the model at `uri`, when MLflow knows it."""
    if match := re.match(r"runs:/([^/]+)/", uri):
        return match.group(1)
    if uri.startswith("models:/"):
        try:
            return mlflow.models.get_model_info(uri).run_id
        except mlflow.exceptions.MlflowException:
            return None
    return None


def evaluate_model(cfg: DictConfig) -> tuple[RunResult, dict[str, Any]]:
    """Evaluate the model at `cfg.model_uri` on `cfg.split` of `cfg.data` for `cfg.task`; log a run."""
    from stancebench.loading import downloaded_model_folder
    from stancebench.models import load_saved
    from stancebench.models.base import read_config

    timings: dict[str, float] = {}
    uri = tracking.connect(cfg.tracking.uri)
    model_uri = str(cfg.model_uri)
    if cfg.split not in ("train", "dev", "test"):
        raise ValueError(f"split must be train, dev or test; got {cfg.split!r}")
    with downloaded_model_folder(model_uri, uri) as folder:  # a downloaded copy goes when the model is loaded
        with timed(timings, "load_model"):
            config = read_config(folder)
        source = instantiate(cfg.data)
        with timed(timings, "load_data"):
            dataset = source.load()
        task: Task = instantiate(cfg.task).for_source(source)
        frame = task.frame(dataset[cfg.split], cfg.split, source.targets, config.get("input_fields", []))
        if frame.empty:
            raise ValueError(f"data {source.name!r} has no {cfg.split} examples for task {task.name!r}")
        allowed = check_answerable(config, task, tuple(frame["target"].unique()) if "target" in frame else (), model_uri)
        with timed(timings, "load_model"):
            model = load_saved(folder)

    run_id = source_run_id(model_uri)
    trained = mlflow.MlflowClient().get_run(run_id).data.tags if run_id else {}
    model_name = trained.get("model") or config.get("name") or config["format"]
    result = start_result(cfg, task, source, model_name, evaluated_run=run_id or model_uri,
                          trained_on=trained.get("data") or config.get("trained_on") or "unknown", eval_split=cfg.split)
    result.timings = timings
    output_dir = Path(cfg.paths.output_dir)
    experiment = cfg.tracking.experiment or f"{source.name}/{task.name}"
    tags = {**result.tags(), **{str(tag): "true" for tag in cfg.get("tags") or []}}
    with tracking.tracked_run(experiment_id=tracking.experiment_id(experiment, uri),
                              run_name=f"eval-{model_name}-from-{result.extra['trained_on']}", tags=tags) as run:
        result.run_id = run.info.run_id
        log_config(cfg, output_dir)
        predictions = score_splits(model, task, {cfg.split: frame}, result, cfg, output_dir, allowed=allowed,
                                   pairs=bool(config.get("pairs")) and task.kind == "stance",
                                   extra_scores=getattr(source, "contrast_scores", None),
                                   allow_new_targets=True)  # check_answerable refused what the model cannot read
        report.print_results(result, title=f"{model_name} (trained on {result.extra['trained_on']}) on "
                                           f"{source.name}/{task.name}, {cfg.split}",
                             confidence=cfg.bootstrap.confidence if cfg.get("bootstrap") else 0.95)
        log.info(f"MLflow run {run.info.run_id} in experiment {experiment!r} ({uri}); outputs in {output_dir}")
    return result, {"model": model, "task": task, "run_id": run.info.run_id, "predictions": predictions}


@hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="eval")
def main(cfg: DictConfig) -> float:
    """Console script `stancebench-eval`; returns the main score on the evaluated split."""
    tracking.end_on_signals()
    if OmegaConf.is_missing(cfg, "model_uri"):
        log.error("model_uri is required: stancebench-eval model_uri=runs:/<run_id>/model data=<data> task=<task> "
                  "(`stancebench report` lists run ids)")
        raise SystemExit(2)
    try:
        result, _ = run_app(evaluate_model, cfg)
    except (ModelCannotAnswer, FileNotFoundError) as err:
        log.error(str(err))
        raise SystemExit(1) from err
    return result.get_score(cfg.split)


if __name__ == "__main__":
    main()
