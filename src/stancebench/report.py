"""What a person reads: the end-of-run table, the confusion-matrix plot, the leaderboard."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

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
    """One confusion matrix per stance target (or one for sentiment), counts in the cells."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    groups = list(predictions.groupby("target")) if "target" in predictions else [("", predictions)]
    figure, axes = plt.subplots(1, len(groups), figsize=(4.2 * len(groups), 4), squeeze=False)
    for axis, (target, rows) in zip(axes[0], groups):
        ConfusionMatrixDisplay.from_predictions(
            rows["label"], rows["predicted"], labels=list(labels), ax=axis, colorbar=False, cmap="Blues"
        )
        axis.set_title(f"target: {target}" if target else "sentiment")
        axis.set_xlabel("predicted")
        axis.set_ylabel("gold")
    figure.suptitle(title)
    figure.tight_layout()
    plt.close(figure)
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


def leaderboard(experiment: str | None = None, tracking_uri: str | None = None, tag: str | None = None) -> pd.DataFrame:
    """Finished runs of the store, best headline test score first within each experiment.

    `tag` keeps the runs of one named experiment config (`tags=[name]` sets `tags.name = true`).
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
    empty = pd.DataFrame(columns=["experiment", "task", "model", "trained_on", "metric", "test", "CI", "run_id"])
    if runs.empty:
        return empty
    names = {e.experiment_id: e.name for e in mlflow.search_experiments()}
    rows = []
    for _, run in runs.iterrows():
        metric = run.get("tags.main_score")
        score = run.get(f"metrics.test_{metric}") if isinstance(metric, str) else None
        if score is None or pd.isna(score):
            continue  # no test score in its main metric (a dev-only evaluation, or a run from before 0.2)
        low, high = run.get(f"metrics.test_{metric}_ci_low"), run.get(f"metrics.test_{metric}_ci_high")
        rows.append({
            "experiment": names.get(run["experiment_id"], run["experiment_id"]),
            "task": run.get("tags.task"), "model": run.get("tags.model"),
            "trained_on": run.get("tags.trained_on") or run.get("tags.data"), "metric": metric,
            "test": round(float(score), 4),
            "CI": f"[{low:.3f}, {high:.3f}]" if pd.notna(low) else "",
            "confidence": run.get("params.bootstrap.confidence"),
            "run_id": run["run_id"],
        })
    if not rows:
        return empty
    table = pd.DataFrame(rows)
    # the CI column says its confidence level (bootstrap.confidence of the runs; 0.95 unless set)
    levels = set(table.pop("confidence").dropna())
    heading = f"{100 * float(levels.pop()):g}% CI" if len(levels) == 1 else "CI (levels differ: see params)"
    table = table.rename(columns={"CI": heading})
    return table.sort_values(["experiment", "test"], ascending=[True, False]).reset_index(drop=True)
