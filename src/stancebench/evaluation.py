"""Scoring a run and the one typed result every reader uses: `RunResult`.

A run (training, or `stancebench-eval` of a logged model) produces one `RunResult`: what was run
(task, data, model, label set, corpus hash, version, commit), its scores per split with bootstrap
CIs, per-target scores and timings. It is written as `results.json` beside the run's outputs,
logged to MLflow as flat metrics (`test_f_avg`, `test_f_avg_ci_low`, `test_us_f_avg`, ...) and
tags, and read back from either:

    result = RunResult.read("outputs/.../results.json")
    result = RunResult.from_mlflow("3f2a...")      # a run id (or an mlflow Run)
    result.get_score()                            # test score in the run's main metric
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stancebench import metrics as M

if TYPE_CHECKING:
    import pandas as pd
    from mlflow.entities import Run

    from stancebench.tasks import Task

SPLITS = ("train", "dev", "test")
# scores a contrast set adds (stancebench.data.contrast)
CONTRAST_METRICS = ("contrast_original_accuracy", "contrast_edit_accuracy", "contrast_consistency",
                    "contrast_label_change_consistency", "contrast_invariant_flip_rate")
HEADLINE = ("accuracy", "macro_f1", "macro_recall", "f_avg")
CLASS_METRICS = ("precision", "recall", "f1")
CI_SUFFIXES = ("_ci_low", "_ci_high")
# tags that carry RunResult fields (besides the free-form `extra` tags)
META_TAGS = {"task": "task", "data": "data", "model": "model", "main_score": "main_score",
             "corpus_sha256": "corpus_sha256", "stancebench_version": "version", "git_commit": "commit"}
# tags that `from_metrics` keeps in `extra`
EXTRA_TAGS = ("evaluated_run", "trained_on", "eval_split", "sweep")


@dataclass
class SplitScores:
    """Scores of one split: every metric of `metrics.scores`, CIs of the headline ones, and the main
    metric per stance target when the split pools several targets."""

    scores: dict[str, float]
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)
    per_target: dict[str, float] = field(default_factory=dict)
    examples: int = 0


@dataclass
class RunResult:
    """What one run measured. `main_score` is the metric its task is ranked by (`Task.main_score`).

    `extra` holds the tags that say where a result comes from beyond the fields, e.g. the run a
    `stancebench-eval` result evaluated (`evaluated_run`) and the data it was trained on.
    """

    task: str
    data: str
    model: str
    main_score: str
    labels: tuple[str, ...]
    corpus_sha256: str
    version: str
    commit: str
    splits: dict[str, SplitScores] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    run_id: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def get_score(self, split: str = "test", metric: str | None = None) -> float:
        """A split's score in `metric` (default: the main metric)."""
        metric = metric or self.main_score
        if split not in self.splits:
            raise KeyError(f"run {self.run_id or ''} has no {split!r} scores; splits: {', '.join(self.splits)}")
        scores = self.splits[split].scores
        if metric not in scores:
            raise KeyError(f"no {metric!r} on {split}; metrics: {', '.join(sorted(scores))}")
        return scores[metric]

    def get_ci(self, split: str = "test", metric: str | None = None) -> tuple[float, float] | None:
        """The bootstrap CI of a split's score, None when it was not computed."""
        return self.splits[split].ci.get(metric or self.main_score) if split in self.splits else None

    # --- MLflow: flat metric names and tags -------------------------------------------------------

    def metrics(self) -> dict[str, float]:
        """Flat MLflow metrics: `{split}_{metric}`, `{split}_{metric}_ci_low/_high`,
        `{split}_{target}_{main}`, `{split}_examples` and the `time_*_s` timings."""
        flat: dict[str, float] = {}
        for split, part in self.splits.items():
            flat.update({f"{split}_{name}": value for name, value in part.scores.items()})
            for name, (low, high) in part.ci.items():
                flat[f"{split}_{name}_ci_low"], flat[f"{split}_{name}_ci_high"] = low, high
            flat.update({f"{split}_{target}_{self.main_score}": value for target, value in part.per_target.items()})
            flat[f"{split}_examples"] = part.examples
        return {**flat, **self.timings}

    def tags(self) -> dict[str, str]:
        """The MLflow tags a run carries so that `from_mlflow` can rebuild this result."""
        fields = {tag: str(getattr(self, name)) for tag, name in META_TAGS.items()}
        return {**fields, "labels": ",".join(self.labels), **self.extra}

    @classmethod
    def from_metrics(cls, metrics: Mapping[str, float], tags: Mapping[str, str], run_id: str | None = None) -> "RunResult":
        """Rebuild from a run's flat metrics and tags (the inverse of `metrics()` and `tags()`)."""
        missing = [tag for tag in (*META_TAGS, "labels") if tag not in tags]
        if missing:
            raise ValueError(f"run {run_id} was not logged as a RunResult: tags {missing} missing "
                             "(runs from before stancebench 0.2 lack `main_score` and `labels`)")
        labels = tuple(tags["labels"].split(","))
        main = tags["main_score"]
        per_class = {f"{label}_{kind}" for label in labels for kind in CLASS_METRICS}
        splits: dict[str, SplitScores] = {}
        timings = {}
        for name, value in metrics.items():
            if name.startswith("time_"):
                timings[name] = value
                continue
            split, _, rest = name.partition("_")
            if split not in SPLITS or not rest:
                continue  # e.g. the transformer's per-epoch curves (`epoch_dev_f_avg`)
            part = splits.setdefault(split, SplitScores({}))
            if rest.endswith(CI_SUFFIXES):
                base, _, side = rest.rpartition("_ci_")
                low, high = part.ci.get(base, (float("nan"), float("nan")))
                part.ci[base] = (value, high) if side == "low" else (low, value)
            elif rest == "examples":
                part.examples = int(value)
            elif rest in HEADLINE or rest in per_class or rest in CONTRAST_METRICS:
                part.scores[rest] = value
            elif rest.endswith(f"_{main}"):
                part.per_target[rest.removesuffix(f"_{main}")] = value
        fields = {name: tags[tag] for tag, name in META_TAGS.items()}
        extra = {k: v for k, v in tags.items() if k in EXTRA_TAGS}
        return cls(**fields, labels=labels, splits={s: p for s, p in splits.items() if p.scores},
                   timings=timings, run_id=run_id, extra=extra)

    @classmethod
    def from_mlflow(cls, run: "str | Run", tracking_uri: str | None = None) -> "RunResult":
        """From an MLflow run (a run id, or a `Run` from `mlflow.search_runs(output_format="list")`)."""
        if isinstance(run, str):
            import mlflow

            from stancebench.tracking import connect, default_tracking_uri

            uri = connect(tracking_uri or default_tracking_uri(), create=False)
            run = mlflow.MlflowClient(uri).get_run(run)
        return cls.from_metrics(run.data.metrics, run.data.tags, run_id=run.info.run_id)

    # --- results.json ----------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RunResult":
        data = dict(data)
        splits = {split: SplitScores(part["scores"], {k: tuple(v) for k, v in part.get("ci", {}).items()},
                                     dict(part.get("per_target", {})), int(part.get("examples", 0)))
                  for split, part in data.pop("splits", {}).items()}
        return cls(**{**data, "labels": tuple(data["labels"])}, splits=splits)

    def write(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: str | Path) -> "RunResult":
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def search_results(filter_string: str, tracking_uri: str | None = None) -> list[RunResult]:
    """The results of the finished runs matching an MLflow filter (e.g. `tags.ungd_v1 = 'true'`),
    newest first."""
    import mlflow

    from stancebench.tracking import connect, default_tracking_uri

    connect(tracking_uri or default_tracking_uri(), create=False)
    runs = mlflow.search_runs(search_all_experiments=True, output_format="list", order_by=["attributes.start_time DESC"],
                              filter_string=f"attributes.status = 'FINISHED' and {filter_string}")
    return [RunResult.from_mlflow(run) for run in runs]


def score_cell(result: RunResult, split: str = "test", metric: str | None = None) -> str:
    """`66.1 [58.6, 73.3]`: a score and its CI in points (x 100), as the results tables print them."""
    ci = result.get_ci(split, metric)
    score = f"{100 * result.get_score(split, metric):.1f}"
    return f"{score} [{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]" if ci else score



def evaluate(task: "Task", frame: "pd.DataFrame", predicted: Sequence[str],
             bootstrap: Mapping[str, Any] | None = None, seed: int = 0) -> SplitScores:
    """Score one split's predictions against `frame["label"]` over the task's label set.

    For stance, predictions of every target are pooled before scoring (SemEval's way); each target
    is also scored alone when there are several. With `bootstrap` (`n_resamples`, `confidence`),
    the task's headline metrics get percentile CIs.
    """
    gold = frame["label"].tolist()
    predicted = list(predicted)
    part = SplitScores(M.scores(gold, predicted, task.labels), examples=len(gold))
    if bootstrap:
        for metric in task.headline_metrics:
            part.ci[metric] = M.bootstrap_ci(gold, predicted, task.labels, metric, seed=seed, **bootstrap)
    if "target" in frame and frame["target"].nunique() > 1:
        for target, rows in frame.groupby("target").groups.items():
            scores = M.scores([gold[i] for i in rows], [predicted[i] for i in rows], task.labels)
            part.per_target[str(target)] = scores[task.main_score]
    return part


@contextmanager
def timed(timings: dict[str, float], phase: str) -> Iterator[None]:
    """Add the wall time of a phase to `timings[f"time_{phase}_s"]` (logged with the metrics)."""
    started = time.perf_counter()
    yield
    timings[f"time_{phase}_s"] = timings.get(f"time_{phase}_s", 0.0) + time.perf_counter() - started
