"""What a person reads: the end-of-run table, the confusion-matrix plot, the leaderboard."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from stancebench.tasks import Task


def print_results(metrics: dict[str, float], task: "Task", title: str) -> None:
    """Dev and test headline metrics, test with its bootstrap confidence interval."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in ("metric", "dev", "test", "test 95% CI"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for metric in task.headline_metrics:
        low, high = metrics.get(f"test_{metric}_ci_low"), metrics.get(f"test_{metric}_ci_high")
        ci = f"[{low:.3f}, {high:.3f}]" if low is not None else ""
        table.add_row(metric, f"{metrics[f'dev_{metric}']:.3f}", f"{metrics[f'test_{metric}']:.3f}", ci)
    if task.main_score == "f_avg":  # F_avg's two halves: a rare class can hold it down
        for half in ("favor_f1", "against_f1"):
            table.add_row(f"  {half}", f"{metrics[f'dev_{half}']:.3f}", f"{metrics[f'test_{half}']:.3f}", "")
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

    from stancebench.tracking import default_tracking_uri

    mlflow.set_tracking_uri(tracking_uri or default_tracking_uri())
    query = "attributes.status = 'FINISHED'" + (f" and tags.`{tag}` = 'true'" if tag else "")
    if experiment is not None:
        if mlflow.get_experiment_by_name(experiment) is None:
            names = [e.name for e in mlflow.search_experiments()]
            raise KeyError(f"no experiment {experiment!r} in {mlflow.get_tracking_uri()}; experiments: {names}")
        runs = mlflow.search_runs(experiment_names=[experiment], filter_string=query)
    else:
        runs = mlflow.search_runs(search_all_experiments=True, filter_string=query)
    if runs.empty:
        return pd.DataFrame(columns=["experiment", "task", "model", "metric", "test", "95% CI", "run_id"])
    names = {e.experiment_id: e.name for e in mlflow.search_experiments()}
    rows = []
    for _, run in runs.iterrows():
        metric = "f_avg" if pd.notna(run.get("metrics.test_f_avg")) else "macro_recall"
        score = run.get(f"metrics.test_{metric}")
        if pd.isna(score):
            continue
        low, high = run.get(f"metrics.test_{metric}_ci_low"), run.get(f"metrics.test_{metric}_ci_high")
        rows.append({
            "experiment": names.get(run["experiment_id"], run["experiment_id"]),
            "task": run.get("tags.task"), "model": run.get("tags.model"), "metric": metric,
            "test": round(float(score), 4),
            "95% CI": f"[{low:.3f}, {high:.3f}]" if pd.notna(low) else "",
            "run_id": run["run_id"],
        })
    table = pd.DataFrame(rows)
    return table.sort_values(["experiment", "test"], ascending=[True, False]).reset_index(drop=True)
