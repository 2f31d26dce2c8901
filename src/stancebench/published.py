"""Our scores beside the published ones: a Hydra callback for the reproduction experiments.

An experiment config lists the published numbers under `published` and registers the callback:

    published:
      title: TweetEval stance
      metric: f_avg                    # the test metric the numbers are in (x 100)
      scores:                          # a list: MLflow param names cannot hold every system name
        - {system: "TweetEval: SVM", test: 67.3}
    hydra:
      callbacks:
        published:
          _target_: stancebench.published.PublishedComparison

After each job (and once more after a `-m` sweep, for all its jobs) the callback prints one table:
our runs (test score with its bootstrap 95% CI, from the run's `results.json`) and the published
rows, best first.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

from stancebench.evaluation import RunResult

log = logging.getLogger(__name__)


def ours_row(result: RunResult, metric: str) -> dict[str, Any]:
    """One of our runs as a table row: name, test score and CI in points (x 100)."""
    ci = result.get_ci("test", metric)
    return {"system": f"ours: {result.model} ({result.data})", "test": 100 * result.get_score("test", metric),
            "ci": f"[{100 * ci[0]:.1f}, {100 * ci[1]:.1f}]" if ci else "", "source": "this run"}


def comparison_rows(results: Sequence[RunResult], published: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Ours and the published rows, best test score first."""
    metric = published["metric"]
    rows = [ours_row(r, metric) for r in results]
    rows += [{"system": entry["system"], "test": float(entry["test"]), "ci": "", "source": "published"}
             for entry in published["scores"]]
    return sorted(rows, key=lambda row: -row["test"])


def print_comparison(results: Sequence[RunResult], published: Mapping[str, Any], title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{title}: test {published['metric']} (x 100)")
    for column in ("system", "test", "95% CI", "source"):
        table.add_column(column, justify="right" if column in ("test", "95% CI") else "left")
    for row in comparison_rows(results, published):
        style = "bold" if row["source"] == "this run" else None
        table.add_row(row["system"], f"{row['test']:.2f}", row["ci"], row["source"], style=style)
    Console().print(table)


class PublishedComparison(Callback):
    """Prints our test score beside the experiment's `published` numbers after each job and sweep."""

    def on_job_end(self, config: Any, job_return: Any, **kwargs: Any) -> None:
        from hydra.core.utils import JobStatus

        published = config.get("published")
        if published is None or job_return.status != JobStatus.COMPLETED:
            return
        results_file = Path(job_return.hydra_cfg.hydra.runtime.output_dir) / "results.json"
        if results_file.is_file():
            print_comparison([RunResult.read(results_file)], published, title=published.get("title", "ours vs published"))

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        published = config.get("published")
        if published is None:
            return
        files = sorted(Path(config.hydra.sweep.dir).glob("*/results.json"))
        if files:
            print_comparison([RunResult.read(f) for f in files], published,
                             title=f"{published.get('title', 'sweep')}: all jobs")
