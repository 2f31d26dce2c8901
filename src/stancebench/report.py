"""What a person reads: the end-of-run table, the confusion-matrix plot, the leaderboard."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from stancebench.evaluation import RunResult


def print_results(result: "RunResult", title: str, confidence: float = 0.95) -> None:
    """Every scored split's headline metrics (the main one first), with bootstrap CIs where computed.

    `confidence` is the level the CIs were computed at (`bootstrap.confidence`); it heads their
    columns ("90% CI"). With no CI in any split (`bootstrap=null`) the CI columns are left out.

    Where a split pools several stance targets, the main score is shown twice, pooled (the official
    SemEval-2016 number) and as the mean of the per-target scores, and then per target: a pooled
    score can flatter (a per-target majority guess scores well pooled on a set with one dominant
    label per target), and the per-target rows show which targets carry it.
    """
    from rich.console import Console
    from rich.table import Table

    from stancebench.evaluation import CONTRAST_METRICS
    from stancebench.metrics import headline_metrics

    main = result.main_score
    targets = list(dict.fromkeys(t for part in result.splits.values() for t in part.per_target))
    with_ci = any(part.ci for part in result.splits.values())
    table = Table(title=title, caption=(
        f"{main}, pooled: all targets' predictions scored together (SemEval-2016's official number); "
        f"mean of targets: each target scored alone, then averaged" if targets else None))
    table.add_column("metric")
    for split in result.splits:
        table.add_column(split, justify="right")
        if with_ci:
            table.add_column(f"{split} {100 * confidence:g}% CI", justify="right")

    def add_row(name: str, cells: list[str]) -> None:
        """`cells`: a (score, CI) pair per split; the CIs are dropped when no column shows them."""
        table.add_row(name, *(cells if with_ci else cells[::2]))

    def cell(value: float | None) -> list[str]:
        return ["" if value is None else f"{value:.3f}", ""]

    headline = headline_metrics(result.labels)
    halves = ("favor_f1", "against_f1") if main == "f_avg" else ()  # a rare class can hold F_avg down
    contrast = [m for m in CONTRAST_METRICS if any(m in part.scores for part in result.splits.values())]
    for metric in (*headline, *halves, *contrast):
        cells = []
        for split in result.splits:
            ci = result.get_ci(split, metric)
            value = result.splits[split].scores.get(metric)
            cells += ["" if value is None else f"{value:.3f}", f"[{ci[0]:.3f}, {ci[1]:.3f}]" if ci else ""]
        name = metric if metric in headline else f"  {metric}"
        add_row(f"{name}, pooled" if metric == main and targets else name, cells)
        if metric == main and targets:
            means = []
            for part in result.splits.values():
                means += cell(sum(part.per_target.values()) / len(part.per_target) if part.per_target else None)
            add_row(f"{main}, mean of {len(targets)} targets", means)
    for target in targets:
        add_row(f"  {target} {main}", [v for part in result.splits.values() for v in cell(part.per_target.get(target))])
    Console().print(table)


def confusion_figure(predictions: pd.DataFrame, labels: Sequence[str], title: str) -> "Figure":
    """One confusion matrix per stance target (or one for sentiment), counts in the cells.

    Drawn on a bare `Figure` (no pyplot: its backend and GUI machinery cost a training run ~0.3 s)."""
    from matplotlib.figure import Figure
    from sklearn.metrics import confusion_matrix

    groups = list(predictions.groupby("target")) if "target" in predictions else [("", predictions)]
    figure = Figure(figsize=(4.2 * len(groups), 4))
    axes = figure.subplots(1, len(groups), squeeze=False)[0]
    for axis, (target, rows) in zip(axes, groups):
        counts = confusion_matrix(rows["label"], rows["predicted"], labels=list(labels))
        axis.imshow(counts, cmap="Blues", vmin=0)
        for (i, j), count in np.ndenumerate(counts):  # dark text on light cells, light on dark
            axis.text(j, i, str(count), ha="center", va="center",
                      color="white" if count > counts.max() / 2 else "black")
        axis.set_xticks(range(len(labels)), labels, rotation=30)
        axis.set_yticks(range(len(labels)), labels)
        axis.set_title(f"target: {target}" if target else "sentiment")
        axis.set_xlabel("predicted")
        axis.set_ylabel("gold")
    figure.suptitle(title)
    figure.tight_layout()
    return figure


def label_distribution_figure(frame: pd.DataFrame, columns: Sequence[str]) -> "Figure":
    """Stacked bars: label counts per split for each label column."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(1, len(columns), figsize=(3.6 * len(columns), 3.6), sharey=True)
    for axis, column in zip(axes, columns):
        from stancebench.data.schema import SENTIMENT_LABELS, STANCE_LABELS

        labels = SENTIMENT_LABELS if column == "sentiment" else STANCE_LABELS
        counts = pd.crosstab(frame[column], frame["split"]).reindex(
            index=list(labels), columns=["train", "dev", "test"], fill_value=0)
        counts.plot.bar(stacked=True, ax=axis, rot=30, legend=axis is axes[-1], color=["#4c72b0", "#dd8452", "#55a868"])
        axis.set_title(column)
        axis.set_xlabel("")
    axes[0].set_ylabel("statements")
    figure.tight_layout()
    plt.close(figure)
    return figure


# --- the leaderboard ---------------------------------------------------------------------------------
#
# A row is a *system*: one run, or (the default) the runs that differ only by seed. Two runs are seed
# repeats when they share experiment, task, model, trained_on and every param apart from the ones
# `_varies_with_seed` names: `seed`, params named seed/random_state that hold the run's seed
# (`model.seed`, `model.estimator.random_state`), and where a run was written or tracked (`paths.*`,
# `hydra.*`, `tracking.*`, `sweep_id`). A group's `test` and `dev` are the means over its runs, `sd` their
# sample standard deviation (ddof=1), `n` the number of runs. Its CI, its `run_id` and its significance
# test are those of its median run (the lower median by test score), a real run that `--compare` takes.

SD_COLUMN = "sd (ddof=1)"
_WHERE_PARAMS = ("paths.", "hydra.", "tracking.")


class ComparisonError(ValueError):
    """Two runs cannot be compared: other tasks, label sets or test examples."""


def _varies_with_seed(name: str, value: object, seed: object) -> bool:
    last = name.rsplit(".", 1)[-1]
    if name in ("seed", "sweep_id") or name.startswith(_WHERE_PARAMS):
        return True
    return (last in ("seed", "random_state") or last.endswith("_seed")) and value == seed


def _params(run: pd.Series) -> dict[str, str]:
    return {k.removeprefix("params."): v for k, v in run.items()
            if k.startswith("params.") and isinstance(v, str)}


def _identity(run: pd.Series, with_seed: bool) -> dict[str, str]:
    """The params that make a system: all but where the run went and (unless `with_seed`) its seed."""
    params = _params(run)
    seed = params.get("seed")
    return {k: v for k, v in params.items()
            if not _varies_with_seed(k, v, seed) or (with_seed and k == "seed")}


def finished_runs(experiment: str | None = None, tracking_uri: str | None = None, tag: str | None = None) -> pd.DataFrame:
    """Finished runs with a test score in their main metric, as `mlflow.search_runs` rows plus
    `experiment` (its name), `_metric`, `_test` and `_dev` (scores in that metric).

    Raises:
        KeyError: `experiment` is not in the store (the message lists those that are).
    """
    import mlflow

    from stancebench.tracking import connect, default_tracking_uri

    connect(tracking_uri or default_tracking_uri(), create=False)  # a reading command never creates a store
    query = "attributes.status = 'FINISHED'" + (f" and tags.`{tag}` = 'true'" if tag else "")
    if experiment is not None:
        if mlflow.get_experiment_by_name(experiment) is None:
            names = [e.name for e in mlflow.search_experiments()]
            raise KeyError(f"no experiment {experiment!r} in {mlflow.get_tracking_uri()}; experiments: {names}")
        runs = mlflow.search_runs(experiment_names=[experiment], filter_string=query)
    else:
        runs = mlflow.search_runs(search_all_experiments=True, filter_string=query)
    if runs.empty:
        return runs
    names = {e.experiment_id: e.name for e in mlflow.search_experiments()}
    runs = runs.assign(experiment=runs["experiment_id"].map(lambda i: names.get(i, i)))
    metric = runs.get("tags.main_score", pd.Series(None, index=runs.index))
    runs["_metric"] = metric

    def score(split: str) -> pd.Series:
        return pd.Series([run.get(f"metrics.{split}_{m}") if isinstance(m, str) else None
                          for m, (_, run) in zip(metric, runs.iterrows())], index=runs.index, dtype=float)

    runs["_test"], runs["_dev"] = score("test"), score("dev")
    # no test score in its main metric: a dev-only evaluation, or a run from before 0.2
    return runs[runs["_test"].notna()].reset_index(drop=True)


def _differing(identities: list[dict[str, str]]) -> list[str]:
    """Param names whose value is not the same in every system (a missing param counts as a value)."""
    names = sorted({k for identity in identities for k in identity} - {"model.name"})
    return [k for k in names if len({identity.get(k) for identity in identities}) > 1]


def _short(name: str) -> str:
    return name.removeprefix("model.")


def leaderboard(experiment: str | None = None, tracking_uri: str | None = None, tag: str | None = None, *,
                group: bool = True, significance: bool = True, n_resamples: int = 1000,
                confidence: float = 0.95, runs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Finished runs of the store, best headline test score first within each experiment.

    Args:
        experiment: one experiment's runs (default: all).
        tag: keep the runs of one named experiment config (`tags=[name]` sets `tags.name = true`).
        group: one row per system, its seed repeats averaged (`n`, `sd (ddof=1)`); False: one row per run.
        significance: compare each system of an experiment with its best one (`compare_runs` on the
            saved test predictions): `vs best` is the difference, `p` its two-sided bootstrap p-value,
            `≈best` is `best` for the best, `≈` where the difference's CI holds 0 (not significantly
            worse), empty where it is significantly worse and `?` where the runs cannot be compared.
        runs: `finished_runs(...)` already read (the HTML report reads them once).

    Returns:
        Columns: experiment, task, model, trained_on, params (only those that differ between the
        experiment's systems), metric, dev, test, `sd (ddof=1)`, n, `{level}% CI`, [vs best, p, ≈best],
        run_id (the group's median run) and run_ids (all of its runs).

    Examples:
        >>> leaderboard("leaders/stance_us", "sqlite:///mlflow.db")  # doctest: +SKIP
    """
    if runs is None:
        runs = finished_runs(experiment, tracking_uri, tag)
    columns = ["experiment", "task", "model", "trained_on", "params", "metric", "dev", "test", SD_COLUMN, "n",
               f"{100 * confidence:g}% CI", *(("vs best", "p", "≈best") if significance else ()), "run_id", "run_ids"]
    if runs.empty:
        return pd.DataFrame(columns=columns)
    rows, identities = [], []
    keys = [json.dumps([run["experiment"], run.get("tags.task"), run.get("tags.model"),
                        run.get("tags.trained_on") or run.get("tags.data"), _identity(run, with_seed=not group)],
                       sort_keys=True, default=str) for _, run in runs.iterrows()]
    for _, members in runs.groupby(pd.Series(keys, index=runs.index), sort=False):
        members = members.sort_values("_test", kind="stable")
        median = members.iloc[(len(members) - 1) // 2]
        low, high = median.get(f"metrics.test_{median['_metric']}_ci_low"), median.get(f"metrics.test_{median['_metric']}_ci_high")
        identities.append(_identity(median, with_seed=not group))
        rows.append({
            "experiment": median["experiment"], "task": median.get("tags.task"), "model": median.get("tags.model"),
            "trained_on": median.get("tags.trained_on") or median.get("tags.data"), "metric": median["_metric"],
            "dev": members["_dev"].mean(), "test": members["_test"].mean(),
            SD_COLUMN: members["_test"].std(ddof=1) if len(members) > 1 else float("nan"), "n": len(members),
            "ci": (float(low), float(high)) if pd.notna(low) and pd.notna(high) else None,
            "confidence": median.get("params.bootstrap.confidence"),
            "run_id": median["run_id"], "run_ids": ",".join(members["run_id"]),
        })
    table = pd.DataFrame(rows)
    # params that differ: model params between the systems of one model (another model differs in all
    # of them, and the model column says so), other params (data, task, bootstrap, ...) across the experiment
    table["params"] = ""
    for _, part in table.groupby("experiment"):
        across = [k for k in _differing([identities[i] for i in part.index]) if not k.startswith("model.")]
        for _, same in part.groupby("model"):
            within = [k for k in _differing([identities[i] for i in same.index]) if k.startswith("model.")]
            for i in same.index:
                table.at[i, "params"] = ", ".join(f"{_short(k)}={identities[i][k]}" for k in sorted(across + within)
                                                  if k in identities[i])
    # the CI column says its level (bootstrap.confidence of the runs; 0.95 unless set)
    levels = set(table.pop("confidence").dropna())
    heading = f"{100 * float(levels.pop()):g}% CI" if len(levels) == 1 else "CI (levels differ: see params)"
    columns[columns.index(f"{100 * confidence:g}% CI")] = heading
    table[heading] = table.pop("ci")
    table = table.sort_values(["experiment", "test"], ascending=[True, False], kind="stable").reset_index(drop=True)
    if significance:
        _mark_best(table, tracking_uri, n_resamples, confidence)
    return table[columns]


def _mark_best(table: pd.DataFrame, tracking_uri: str | None, n_resamples: int, confidence: float) -> None:
    """Fill `vs best`, `p` and `≈best`: each system's median run against the best system's, per experiment."""
    import warnings

    table["vs best"], table["p"], table["≈best"] = float("nan"), float("nan"), ""
    cache: dict[str, pd.DataFrame] = {}
    for _, part in table.groupby("experiment", sort=False):
        best = part.index[0]  # sorted best first
        table.at[best, "≈best"] = "best"
        for i in part.index[1:]:
            try:
                c = compare_runs(table.at[i, "run_id"], table.at[best, "run_id"], tracking_uri,
                                 n_resamples=n_resamples, confidence=confidence, cache=cache)
            except (ComparisonError, OSError) as err:
                warnings.warn(f"{table.at[i, 'run_id']} not compared with the best run: {err}", stacklevel=3)
                table.at[i, "≈best"] = "?"
                continue
            table.at[i, "vs best"], table.at[i, "p"] = c.difference, c.p_value
            table.at[i, "≈best"] = "≈" if c.high >= 0 else ""


# --- significance of a difference between two runs -----------------------------------------------------

@dataclass
class Comparison:
    """Run A against run B on the same test examples, in the task's main metric.

    `difference` = score_a - score_b; (`low`, `high`) its paired percentile bootstrap CI
    (`metrics.paired_bootstrap_difference`); `p_value` the two-sided bootstrap p-value:
    2 x the smaller share of bootstrap differences on either side of 0 (ties count on both sides),
    at most 1. Identical predictions give difference 0 and p 1.
    """

    run_a: str
    run_b: str
    task: str
    metric: str
    examples: int
    score_a: float
    score_b: float
    difference: float
    low: float
    high: float
    p_value: float
    confidence: float
    n_resamples: int

    def to_markdown(self) -> str:
        level = f"{100 * self.confidence:g}%"
        verdict = ("not significant: the CI holds 0" if self.low <= 0 <= self.high
                   else f"{'A' if self.difference > 0 else 'B'} is significantly better at this level")
        return (f"# {self.task}, test, {self.metric}: A - B on {self.examples} paired examples "
                f"({self.n_resamples} bootstrap resamples)\n\n"
                + pd.DataFrame([{"run": "A", "run_id": self.run_a, self.metric: self.score_a},
                                {"run": "B", "run_id": self.run_b, self.metric: self.score_b}]).to_markdown(
                    index=False, floatfmt=".4f")
                + f"\n\ndifference A - B: {self.difference:+.4f}, {level} CI [{self.low:+.4f}, {self.high:+.4f}], "
                  f"p = {self.p_value:.4f} (two-sided: 2 x the share of bootstrap differences on the far side of 0); "
                  f"{verdict}\n")


def saved_test_predictions(run_id: str, tracking_uri: str | None = None) -> pd.DataFrame:
    """A run's saved test predictions (`predictions.jsonl`, split == test)."""
    import tempfile

    import mlflow

    with tempfile.TemporaryDirectory() as folder:
        path = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="predictions.jsonl", dst_path=folder,
                                                   tracking_uri=tracking_uri)
        frame = pd.read_json(path, lines=True, dtype={"id": str})
    return frame[frame["split"] == "test"].reset_index(drop=True) if "split" in frame else frame


def compare_runs(run_a: str, run_b: str, tracking_uri: str | None = None, n_resamples: int = 1000,
                 confidence: float = 0.95, seed: int = 0, cache: dict[str, pd.DataFrame] | None = None) -> Comparison:
    """Paired bootstrap test of the main metric on two runs' saved test predictions.

    Examples are aligned by `id` (and `target` for stance). Raises ComparisonError when the runs
    were tested on other tasks, label sets or examples, or their gold labels disagree.

    Examples:
        >>> compare_runs("3f2a...", "9b1c...").p_value  # doctest: +SKIP
    """
    import mlflow

    from stancebench import metrics as M
    from stancebench.tracking import connect, default_tracking_uri

    uri = connect(tracking_uri or default_tracking_uri(), create=False)
    client = mlflow.MlflowClient(uri)
    cache = {} if cache is None else cache
    runs = {}
    for run_id in (run_a, run_b):
        try:
            runs[run_id] = client.get_run(run_id)
        except mlflow.exceptions.MlflowException as err:
            raise ComparisonError(f"no run {run_id!r} in {uri}") from err
    tags_a, tags_b = runs[run_a].data.tags, runs[run_b].data.tags
    for tag in ("task", "labels", "main_score"):
        if tags_a.get(tag) != tags_b.get(tag):
            raise ComparisonError(f"the runs were evaluated on different tasks: {tag} {tags_a.get(tag)!r} (A, {run_a}) "
                                  f"vs {tags_b.get(tag)!r} (B, {run_b}); a paired test needs the same task and examples")
    if tags_a.get("main_score") is None or tags_a.get("labels") is None:
        raise ComparisonError(f"run {run_a} has no main_score/labels tags (a run from before stancebench 0.2)")
    labels, metric = tags_a["labels"].split(","), tags_a["main_score"]
    frames = {}
    for run_id in (run_a, run_b):
        if run_id not in cache:
            try:
                cache[run_id] = saved_test_predictions(run_id, uri)
            except Exception as err:  # noqa: BLE001 - an MLflow error of any kind: no artifact to read
                raise ComparisonError(f"run {run_id} has no readable predictions.jsonl: {err}") from err
        frames[run_id] = cache[run_id]
    for run_id, frame in frames.items():
        if missing := {"id", "label", "predicted"} - set(frame.columns):
            raise ComparisonError(f"run {run_id}'s predictions.jsonl lacks the columns {sorted(missing)}")
    key = ["id", "target"] if "target" in frames[run_a] and "target" in frames[run_b] else ["id"]
    a, b = (frames[r].set_index(key)[["label", "predicted"]] for r in (run_a, run_b))
    for name, frame in (("A", a), ("B", b)):
        if frame.index.duplicated().any():
            raise ComparisonError(f"run {name}'s test predictions repeat an example ({'+'.join(key)})")
    only_a, only_b = a.index.difference(b.index), b.index.difference(a.index)
    if len(only_a) or len(only_b) or a.empty:
        raise ComparisonError(
            f"the runs were tested on different examples: {len(a)} (A) and {len(b)} (B) test predictions, "
            f"{len(only_a)} only in A (e.g. {list(only_a[:3])}), {len(only_b)} only in B (e.g. {list(only_b[:3])})")
    b = b.loc[a.index]
    if (a["label"] != b["label"]).any():
        raise ComparisonError(f"the runs' gold labels differ on {int((a['label'] != b['label']).sum())} test examples "
                              "(another corpus version?)")
    gold, pa, pb = a["label"].tolist(), a["predicted"].tolist(), b["predicted"].tolist()
    difference, low, high, p = M.paired_bootstrap_difference(gold, pa, pb, labels, metric, n_resamples=n_resamples,
                                                             confidence=confidence, seed=seed)
    return Comparison(run_a, run_b, tags_a["task"], metric, len(a), M.scores(gold, pa, labels)[metric],
                      M.scores(gold, pb, labels)[metric], difference, low, high, p, confidence, n_resamples)


# --- writing the table -----------------------------------------------------------------------------------

def format_table(table: pd.DataFrame, fmt: str = "markdown") -> str:
    """The leaderboard as markdown (for a terminal; `run_ids` left out), csv or json (records)."""
    ci = next((c for c in table.columns if "CI" in c), None)
    if fmt == "json":
        records = table.to_dict("records")
        for record in records:
            record["run_ids"] = record["run_ids"].split(",")
            for name, value in record.items():
                if isinstance(value, float) and np.isnan(value):
                    record[name] = None
            if ci is not None and record[ci] is not None:
                record[ci] = list(record[ci])
        return json.dumps(records, indent=2, ensure_ascii=False) + "\n"
    shown = table.copy()
    if ci is not None:
        if fmt == "csv":
            shown[[f"{ci} low", f"{ci} high"]] = [list(v) if v else [None, None] for v in shown.pop(ci)]
        else:
            shown[ci] = [f"[{v[0]:.3f}, {v[1]:.3f}]" if v else "" for v in shown[ci]]
    if fmt == "csv":
        return shown.to_csv(index=False)
    if fmt != "markdown":
        raise ValueError(f"unknown format {fmt!r}: markdown, csv, json or html")
    shown = shown.drop(columns="run_ids")
    for column in ("dev", "test", SD_COLUMN, "vs best", "p"):
        if column in shown:
            shown[column] = [("" if pd.isna(v) else f"{v:+.3f}" if column == "vs best" else f"{v:.3f}")
                             for v in shown[column]]
    notes = (f"\ndev, test: mean over the n runs of a system (runs that differ only by seed); {SD_COLUMN}: their "
             f"sample standard deviation. CI: of the system's median run (run_id)")
    if "vs best" in shown:
        notes += ("; vs best: that run's test score minus the experiment's best one's on the same examples, p: its "
                  "two-sided paired bootstrap p-value; ≈best: not significantly worse than the best (the CI of the "
                  "difference holds 0)")
    return shown.to_markdown(index=False) + "\n" + notes + ".\n"
