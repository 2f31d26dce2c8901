"""The training app: data -> task -> model -> evaluate -> MLflow.

    stancebench-train model=tfidf_svm task=stance_us
    python -m stancebench.train -m model=tfidf_logreg,char_svm task=stance_us,sentiment

`main` is the thin Hydra layer; `train(cfg)` does the work and is what tests call.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import hydra
import mlflow
import pandas as pd
from hydra.core.hydra_config import HydraConfig
from hydra.types import RunMode
from hydra.utils import instantiate
from omegaconf import DictConfig, OmegaConf

import stancebench
from stancebench import metrics as M
from stancebench import report, tracking
from stancebench._paths import conf_dir, register_resolvers
from stancebench.tasks import Task

log = logging.getLogger(__name__)
register_resolvers()

EVAL_SPLITS = ("dev", "test")


def evaluate(task: Task, frame: pd.DataFrame, predicted: list[str], split: str,
             bootstrap: dict | None = None, seed: int = 0) -> dict[str, float]:
    """Scores named `{split}_{metric}`; with `bootstrap`, `_ci_low`/`_ci_high` for headline metrics.

    For stance, predictions of every target are pooled before scoring (SemEval's way); each target
    is also scored alone when there are several (`test_us_f_avg`).
    """
    gold = frame["label"].tolist()
    result = {f"{split}_{k}": v for k, v in M.scores(gold, predicted, task.labels).items()}
    if bootstrap:
        for metric in task.headline_metrics:
            low, high = M.bootstrap_ci(gold, predicted, task.labels, metric, seed=seed, **bootstrap)
            result[f"{split}_{metric}_ci_low"], result[f"{split}_{metric}_ci_high"] = low, high
    if "target" in frame and frame["target"].nunique() > 1:
        for target, rows in frame.groupby("target").groups.items():
            part = M.scores([gold[i] for i in rows], [predicted[i] for i in rows], task.labels)
            result[f"{split}_{target}_{task.main_score}"] = part[task.main_score]
    return result


@contextmanager
def timed(timings: dict[str, float], phase: str) -> Iterator[None]:
    """Add the wall time of a phase to `timings[f"time_{phase}_s"]` (logged with the metrics)."""
    started = time.perf_counter()
    yield
    timings[f"time_{phase}_s"] = timings.get(f"time_{phase}_s", 0.0) + time.perf_counter() - started


def get_metric_value(metrics: dict[str, float], name: str) -> float:
    if name not in metrics:
        raise KeyError(
            f"optimized_metric {name!r} was not logged by this run; set `optimized_metric` to one of: "
            f"{', '.join(sorted(k for k in metrics if not k.endswith(('_ci_low', '_ci_high'))))}"
        )
    return metrics[name]


def _run_context() -> dict[str, str]:
    """Output folder, and the sweep this run belongs to (a tag shared by every job of a -m run)."""
    if not HydraConfig.initialized():
        return {"output_dir": tempfile.mkdtemp(prefix="stancebench-")}
    hydra_cfg = HydraConfig.get()
    context = {"output_dir": hydra_cfg.runtime.output_dir}
    if hydra_cfg.mode == RunMode.MULTIRUN:
        context["sweep"] = str(Path(hydra_cfg.runtime.output_dir).parent)
    return context


def train(cfg: DictConfig) -> tuple[dict[str, float], dict[str, Any]]:
    """Train, evaluate on dev and test, log everything to MLflow.

    Returns:
        The metrics and the objects made: `model`, `task`, `run_id`, `model_uri`, `output_dir`.
    """
    timings: dict[str, float] = {}
    uri = tracking.connect(cfg.tracking.uri)  # an unreachable server fails before any work
    source = instantiate(cfg.data)
    with timed(timings, "load_data"):
        dataset = source.load()  # raises DataError with every problem of an invalid corpus
    task: Task = instantiate(cfg.task)
    frames = {split: task.frame(dataset[split], split, source.targets) for split in ("train", *EVAL_SPLITS)}
    for split, frame in frames.items():
        if frame.empty:
            raise ValueError(f"data {source.name!r} has no {split} examples for task {task.name!r}")

    context = _run_context()
    output_dir = Path(context["output_dir"])
    experiment = cfg.tracking.experiment or f"{source.name}/{task.name}"
    tags = {
        "task": task.name, "model": cfg.model.get("name", cfg.model._target_), "data": source.name,
        "corpus_sha256": source.content_hash, "git_commit": tracking.git_commit(),
        "stancebench_version": stancebench.__version__, **({"sweep": context["sweep"]} if "sweep" in context else {}),
        **{str(tag): "true" for tag in cfg.get("tags") or []},
    }
    log.info(f"Instantiating model <{cfg.model._target_}> (model={tags['model']})")
    model = instantiate(cfg.model)

    with timed(timings, "tracking_setup"):
        experiment_id = tracking.experiment_id(experiment, uri)
    with mlflow.start_run(experiment_id=experiment_id, run_name=f"{tags['model']}-{task.name}", tags=tags) as run:
        resolved = OmegaConf.to_container(cfg, resolve=True)
        mlflow.log_params({k: str(v)[:6000] for k, v in tracking.flatten(resolved).items()})
        mlflow.log_text(OmegaConf.to_yaml(resolved), "config.yaml")
        if (output_dir / ".hydra").is_dir():
            mlflow.log_artifacts(str(output_dir / ".hydra"), "hydra")

        with timed(timings, "fit"):
            model.fit(task.inputs(frames["train"]), frames["train"]["label"].tolist(), labels=task.labels,
                      eval_set=(task.inputs(frames["dev"]), frames["dev"]["label"].tolist()))
        metrics: dict[str, float] = {}
        predictions = []
        for split in EVAL_SPLITS:
            frame = frames[split]
            with timed(timings, "predict"):
                scored = tracking.predictions_frame(model, task.inputs(frame))
            with timed(timings, "score"):
                metrics.update(evaluate(task, frame, scored["label"].tolist(), split,
                                        bootstrap=OmegaConf.to_container(cfg.bootstrap), seed=cfg.seed))
            predictions.append(pd.concat([frame.assign(split=split), scored.rename(columns={"label": "predicted"})], axis=1))

        predictions = pd.concat(predictions, ignore_index=True)
        output_dir.mkdir(parents=True, exist_ok=True)
        predictions.to_json(output_dir / "predictions.jsonl", orient="records", lines=True, force_ascii=False)
        mlflow.log_artifact(str(output_dir / "predictions.jsonl"))
        with timed(timings, "plot"):
            figure = report.confusion_figure(predictions[predictions["split"] == "test"], task.labels,
                                             title=f"{tags['model']} on {task.name} (test)")
            mlflow.log_figure(figure, "confusion_test.png")

        model_uri = None
        if cfg.get("save_model", True):
            with timed(timings, "save_model"):
                model_dir = model.save(output_dir / "model", task=task.name)
            with timed(timings, "log_model"):
                example = task.inputs(frames["test"]).head(3).reset_index(drop=True)
                model_uri = tracking.log_model(model_dir, model, example, register_as=cfg.tracking.register_as)
        metrics.update(timings)
        mlflow.log_metrics(metrics)
        result = {
            "task": task.name, "data": source.name, "model": tags["model"], "corpus_sha256": source.content_hash,
            "stancebench_version": stancebench.__version__, "main_score": task.main_score, "metrics": metrics,
        }
        (output_dir / "results.json").write_text(json.dumps(result, indent=2) + "\n")
        mlflow.log_artifact(str(output_dir / "results.json"))
        report.print_results(metrics, task, title=f"{tags['model']} on {source.name}/{task.name}")
        log.info(f"MLflow run {run.info.run_id} in experiment {experiment!r} ({uri}); outputs in {output_dir}")

    return metrics, {"model": model, "task": task, "run_id": run.info.run_id, "model_uri": model_uri,
                     "output_dir": output_dir, "predictions": predictions}


@hydra.main(version_base="1.3", config_path=str(conf_dir()), config_name="train")
def main(cfg: DictConfig) -> float:
    """Console script `stancebench-train`; returns the optimized metric for sweepers."""
    from stancebench.data import DataError
    from stancebench.data.public import ExternalDataMissing

    try:
        metrics, objects = train(cfg)
    except (DataError, ExternalDataMissing, tracking.TrackingUnavailable) as err:
        # the user's input is wrong, not the code: the report alone, no traceback
        log.error(str(err))
        raise SystemExit(1) from err
    name = cfg.get("optimized_metric") or f"dev_{objects['task'].main_score}"
    return get_metric_value(metrics, name)


if __name__ == "__main__":
    main()
