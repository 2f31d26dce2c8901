"""`stancebench report --html report.html`: the leaderboard and its evidence as ONE self-contained page.

The page holds, per experiment: the leaderboard (CIs, seed mean/sd/n, the `≈best` marks), the
per-target scores, one confusion matrix per system (from its saved test predictions), the per-epoch
curves of runs that logged them (the transformer) and the label distribution of the scored splits.
Every image is an inline base64 PNG and there is no script, stylesheet or font to fetch, so the file
can be mailed or attached to an issue as it is.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from stancebench.report import SD_COLUMN, confusion_figure, saved_test_predictions

if TYPE_CHECKING:
    from matplotlib.figure import Figure

STYLE = """
body { font-family: system-ui, sans-serif; margin: 1.5em 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.25em; margin-top: 2em; border-bottom: 1px solid #ccc; }
h3 { font-size: 1.05em; margin-top: 1.4em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0; }
th, td { border: 1px solid #ddd; padding: 3px 7px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.best td { background: #e3f2e1; } tr.tied td { background: #f4f9f3; }
td.params { max-width: 28em; font-size: 0.9em; color: #444; } code { font-size: 0.9em; }
.note { color: #555; font-size: 0.85em; max-width: 60em; }
figure { display: inline-block; margin: 0.5em 1em 0.5em 0; vertical-align: top; }
figcaption { font-size: 0.8em; color: #555; } img { max-width: 100%; }
"""


def png(figure: "Figure", dpi: int = 90) -> str:
    """A matplotlib figure as a data: URI."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _img(uri: str, caption: str) -> str:
    return f'<figure><img src="{uri}" alt="{html.escape(caption)}"><figcaption>{html.escape(caption)}</figcaption></figure>'


def _number(value: object, fmt: str = ".3f") -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else format(value, fmt)


def leaderboard_html(part: pd.DataFrame) -> str:
    """One experiment's leaderboard rows as an HTML table (class `leaderboard`, one `<tr>` per system)."""
    ci = next(c for c in part.columns if "CI" in c)
    significance = "≈best" in part
    heads = ["model", "params", "dev", "test", SD_COLUMN, "n", ci, *(("vs best", "p", "≈best") if significance else ()),
             "run_id"]
    rows = []
    for _, row in part.iterrows():
        mark = row.get("≈best", "")
        cls = {"best": "best", "≈": "tied"}.get(mark, "")
        interval = row[ci]
        cells = [html.escape(str(row["model"])), f'<td class="params">{html.escape(row["params"])}</td>',
                 _number(row["dev"]), _number(row["test"]), _number(row[SD_COLUMN]), str(row["n"]),
                 f"[{interval[0]:.3f}, {interval[1]:.3f}]" if interval else ""]
        if significance:
            cells += [_number(row["vs best"], "+.3f"), _number(row["p"]), html.escape(mark)]
        cells.append(f"<code>{row['run_id']}</code>")
        tds = "".join(c if c.startswith("<td") else (f'<td class="num">{c}</td>' if i in (2, 3, 4, 5, 6, 7, 8)
                                                      else f"<td>{c}</td>") for i, c in enumerate(cells))
        rows.append(f'<tr class="{cls}" data-run="{row["run_id"]}">{tds}</tr>')
    header = "".join(f"<th>{html.escape(h)}</th>" for h in heads)
    return f'<table class="leaderboard"><thead><tr>{header}</tr></thead><tbody>{"".join(rows)}</tbody></table>'


def per_target_html(part: pd.DataFrame, runs: pd.DataFrame) -> str:
    """The main metric per stance target of each system's median run (empty when no run has targets)."""
    by_id = runs.set_index("run_id")
    rows = {}
    for _, row in part.iterrows():
        run = by_id.loc[row["run_id"]]
        prefix, suffix = "metrics.test_", f"_{row['metric']}"
        # test_<target>_<metric>, e.g. test_us_f_avg; test_f_avg itself is the pooled score
        targets = {name[len(prefix):-len(suffix)]: value for name, value in run.items()
                   if name.startswith(prefix) and name.endswith(suffix) and pd.notna(value)
                   and name != f"{prefix}{row['metric']}"}
        if targets:
            rows[f"{row['model']} {row['params']}".strip()] = targets
    if not rows:
        return ""
    table = pd.DataFrame(rows).T
    return (f"<h3>Per-target test {html.escape(part['metric'].iloc[0])}</h3>"
            + table.to_html(float_format=lambda v: f"{v:.3f}", classes="per-target", border=0))


def label_distribution(frame: pd.DataFrame, title: str, labels: Sequence[str] = ()) -> "Figure":
    """Gold label counts per target (or per split) in a run's saved predictions (`labels`: the task's
    label set, in its order)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    column = "target" if "target" in frame and frame["target"].nunique() > 1 else "split"
    counts = pd.crosstab(frame["label"], frame[column])
    if labels:
        counts = counts.reindex(list(labels), fill_value=0)
    figure, axis = plt.subplots(figsize=(1.2 + 1.1 * len(counts), 3.2))
    counts.plot.bar(ax=axis, rot=0)
    axis.set_xlabel("gold label")
    axis.set_ylabel("examples")
    axis.set_title(title, fontsize=9)
    figure.tight_layout()
    plt.close(figure)
    return figure


def epoch_figure(histories: dict[str, list[tuple[int, float]]], title: str) -> "Figure":
    """Per-epoch curves (`epoch_*` metrics logged with step=epoch) of one run."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    loss = {k: v for k, v in histories.items() if "loss" in k}
    scores = {k: v for k, v in histories.items() if k not in loss}
    panels = [p for p in (scores, loss) if p]
    figure, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 3.2), squeeze=False)
    for axis, panel in zip(axes[0], panels):
        for name, points in panel.items():
            steps, values = zip(*sorted(points))
            axis.plot(steps, values, marker="o", label=name.removeprefix("epoch_"))
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.legend(fontsize=8)
    figure.suptitle(title, fontsize=9)
    figure.tight_layout()
    plt.close(figure)
    return figure


def _histories(client, run_id: str, run: pd.Series) -> dict[str, list[tuple[int, float]]]:
    names = [c.removeprefix("metrics.") for c in run.index
             if c.startswith("metrics.epoch_") and pd.notna(run[c])]
    return {name: [(m.step, m.value) for m in client.get_metric_history(run_id, name)] for name in names}


def html_report(table: pd.DataFrame, runs: pd.DataFrame, tracking_uri: str, title: str = "stancebench report") -> str:
    """The whole page for a `leaderboard(...)` table and the `finished_runs(...)` it was built from."""
    import mlflow

    client = mlflow.MlflowClient(tracking_uri)
    by_id = runs.set_index("run_id")
    ci = next(c for c in table.columns if "CI" in c)
    body = [f"<h1>{html.escape(title)}</h1>",
            f'<p class="note">{len(runs)} finished runs in <code>{html.escape(tracking_uri)}</code>, '
            f"{len(table)} leaderboard rows. A row is a system: runs that differ only by seed are one row; dev and test "
            f"are their means, {SD_COLUMN} their sample standard deviation, n their count. {html.escape(ci)}, vs best "
            f"and p are those of the system's median run (run_id): vs best is its test score minus the best "
            f"system's on the same examples, p the two-sided paired bootstrap p-value (2 x the share of bootstrap "
            f"differences on the far side of 0); ≈best marks a system not significantly worse than the best "
            f"(the CI of the difference holds 0). params: only those that differ between the rows.</p>"]
    for experiment, part in table.groupby("experiment", sort=False):
        first = part.iloc[0]
        body.append(f"<h2>{html.escape(str(experiment))}</h2>"
                    f'<p class="note">task {html.escape(str(first["task"]))}, trained on '
                    f'{html.escape(str(first["trained_on"]))}, ranked by test {html.escape(str(first["metric"]))}</p>')
        body.append(leaderboard_html(part))
        body.append(per_target_html(part, runs))
        figures, curves, gold = [], [], None  # gold: the first system's test predictions, for the label counts
        for _, row in part.iterrows():
            run = by_id.loc[row["run_id"]]
            labels = str(run.get("tags.labels", "")).split(",")
            name = f"{row['model']} {row['params']}".strip()
            try:
                test = saved_test_predictions(row["run_id"], tracking_uri)
            except Exception as err:  # noqa: BLE001 - any MLflow error: the run has no predictions to show
                body.append(f'<p class="note">{html.escape(name)}: no predictions.jsonl ({html.escape(str(err))})</p>')
                continue
            if gold is None:
                gold, gold_labels = test, labels
            figure = confusion_figure(test, labels, title=f"{name} (test, run {row['run_id'][:8]})")
            figures.append(_img(png(figure), f"confusion matrix, test: {name}"))
            histories = _histories(client, row["run_id"], run)
            if histories:
                curves.append(_img(png(epoch_figure(histories, f"{name} (run {row['run_id'][:8]})")),
                                   f"per-epoch curves: {name}"))
        if figures:
            body.append("<h3>Confusion matrices (test; rows gold, columns predicted)</h3>" + "".join(figures))
        if curves:
            body.append("<h3>Training curves</h3>" + "".join(curves))
        if gold is not None:
            body.append("<h3>Label distribution (gold labels of the test split)</h3>"
                        + _img(png(label_distribution(gold, f"{experiment}: test gold labels", gold_labels)),
                               f"label distribution: {experiment}"))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head><body>\n" + "\n".join(b for b in body if b) + "\n</body></html>\n")
