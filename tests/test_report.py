"""`stancebench report`: seed groups, significance against the best, --compare, output formats and
the self-contained HTML report (opened in headless Chromium)."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from conftest import compose_train, statement, write_jsonl
from stancebench.cli import main as cli
from stancebench.report import SD_COLUMN, ComparisonError, compare_runs, finished_runs, format_table, leaderboard
from stancebench.train import train

FAST = ["bootstrap.n_resamples=200", "save_model=false"]


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> dict:
    """One store: tfidf_logreg x 3 seeds, tfidf_logreg C=1 and majority on `stance`; tfidf_logreg on
    `sentiment`. Returns the URI and the run ids by name."""
    tmp_path = tmp_path_factory.mktemp("report")
    corpus = write_jsonl(tmp_path / "statements.jsonl", [statement(i) for i in range(80)])
    runs = {}
    for name, overrides in {
        "seed1": ["task=stance", "model=tfidf_logreg", "seed=1"],
        "seed2": ["task=stance", "model=tfidf_logreg", "seed=2"],
        "seed3": ["task=stance", "model=tfidf_logreg", "seed=3"],
        "c1": ["task=stance", "model=tfidf_logreg", "model.estimator.C=1.0", "seed=1"],
        "majority": ["task=stance", "model=majority", "seed=1"],
        "sentiment": ["task=sentiment", "model=tfidf_logreg", "seed=1"],
    }.items():
        _, objects = train(compose_train([f"data.path={corpus}", *FAST, *overrides], tmp_path))
        runs[name] = objects["run_id"]
    uri = f"sqlite:///{tmp_path}/mlflow.db"
    client = mlflow.MlflowClient(uri)
    for name in ("seed1", "seed2", "seed3"):  # per-epoch curves, as the transformer logs them
        for epoch, (score, loss) in enumerate([(0.3, 1.2), (0.5, 0.8), (0.6, 0.5)], start=1):
            client.log_metric(runs[name], "epoch_dev_f_avg", score, step=epoch)
            client.log_metric(runs[name], "epoch_train_loss", loss, step=epoch)
    scores = mlflow.search_runs(search_all_experiments=True).set_index("run_id")
    return {"uri": uri, "runs": runs, "scores": scores, "tmp": tmp_path}


def row_of(table: pd.DataFrame, run_id: str) -> pd.Series:
    (row,) = [row for _, row in table.iterrows() if run_id in row["run_ids"].split(",")]
    return row


def test_seed_repeats_are_one_row_with_mean_sd_and_n(store):
    table = leaderboard(tracking_uri=store["uri"])
    ids = store["runs"]
    group = row_of(table, ids["seed1"])
    assert group["n"] == 3 and set(group["run_ids"].split(",")) == {ids["seed1"], ids["seed2"], ids["seed3"]}
    tests = [store["scores"].loc[ids[s], "metrics.test_f_avg"] for s in ("seed1", "seed2", "seed3")]
    devs = [store["scores"].loc[ids[s], "metrics.dev_f_avg"] for s in ("seed1", "seed2", "seed3")]
    assert group["test"] == pytest.approx(np.mean(tests)) and group["dev"] == pytest.approx(np.mean(devs))
    assert group[SD_COLUMN] == pytest.approx(np.std(tests, ddof=1))
    # another C is another system, not a seed repeat; one row per system and task
    assert row_of(table, ids["c1"])["n"] == 1
    assert len(table) == 4 and table["experiment"].tolist().count("leaders/stance") == 3
    # --no-group: one row per run, and the seed is then among the params that differ
    single = leaderboard(tracking_uri=store["uri"], group=False, significance=False)
    assert len(single) == 6 and (single["n"] == 1).all()
    assert "seed=2" in row_of(single, ids["seed2"])["params"]


def test_group_statistics_on_distinct_scores(store):
    """The arithmetic on scores that differ (the tiny corpus gives every seed the same score)."""
    runs = finished_runs(tracking_uri=store["uri"])
    seeds = runs[runs["run_id"].isin([store["runs"][s] for s in ("seed1", "seed2", "seed3")])].index
    runs.loc[seeds, "_test"] = [0.50, 0.60, 0.75]
    table = leaderboard(tracking_uri=store["uri"], runs=runs, significance=False)
    group = row_of(table, store["runs"]["seed1"])
    assert group["test"] == pytest.approx(np.mean([0.5, 0.6, 0.75]))
    assert group[SD_COLUMN] == pytest.approx(np.std([0.5, 0.6, 0.75], ddof=1))
    median = runs.loc[seeds].sort_values("_test").iloc[1]["run_id"]  # its CI and run_id are the median run's
    assert group["run_id"] == median


def test_params_column_shows_only_what_differs(store):
    table = leaderboard(tracking_uri=store["uri"], significance=False)
    ids = store["runs"]
    assert row_of(table, ids["c1"])["params"] == "estimator.C=1.0"
    assert row_of(table, ids["seed1"])["params"] == "estimator.C=10.0"
    assert row_of(table, ids["majority"])["params"] == ""  # the only majority system: its model column says it all
    assert row_of(table, ids["sentiment"])["params"] == ""


def test_compare_difference_ci_and_p(store):
    ids, scores = store["runs"], store["scores"]
    result = compare_runs(ids["seed1"], ids["majority"], store["uri"], n_resamples=300)
    expected = scores.loc[ids["seed1"], "metrics.test_f_avg"] - scores.loc[ids["majority"], "metrics.test_f_avg"]
    assert result.difference == pytest.approx(expected)
    assert result.low <= result.difference <= result.high and 0 <= result.p_value <= 1
    assert result.examples == 3 * 16 and result.metric == "f_avg"

    same = compare_runs(ids["seed1"], ids["seed1"], store["uri"], n_resamples=300)
    assert same.difference == 0 and same.low == same.high == 0 and same.p_value == 1


def test_compare_refuses_runs_of_other_tasks(store, capsys):
    with pytest.raises(ComparisonError, match="different tasks"):
        compare_runs(store["runs"]["seed1"], store["runs"]["sentiment"], store["uri"])
    assert cli(["report", "--tracking-uri", store["uri"], "--compare", store["runs"]["seed1"],
                store["runs"]["sentiment"]]) == 1
    assert "different tasks: task 'stance' (A" in capsys.readouterr().err

    assert cli(["report", "--tracking-uri", store["uri"], "--compare", store["runs"]["seed1"],
                store["runs"]["majority"], "--n-resamples", "200"]) == 0
    out = capsys.readouterr().out
    assert cli(["report", "--tracking-uri", store["uri"], "--compare", store["runs"]["seed1"],
                store["runs"]["majority"], "--n-resamples", "200", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["difference"] == pytest.approx(
        compare_runs(store["runs"]["seed1"], store["runs"]["majority"], store["uri"], n_resamples=200).difference)
    assert re.search(r"difference A - B: [+-]\d\.\d{4}, 95% CI \[.*\], p = \d\.\d{4}", out), out


def test_compare_refuses_other_examples(store, tmp_path):
    """Same task, but one run tested on another corpus: the examples differ."""
    corpus = write_jsonl(tmp_path / "other.jsonl", [statement(i) for i in range(100, 180)])
    _, objects = train(compose_train([f"data.path={corpus}", *FAST, "task=stance", "model=majority",
                                      f"tracking.uri={store['uri']}"], tmp_path))
    with pytest.raises(ComparisonError, match="different examples"):
        compare_runs(store["runs"]["majority"], objects["run_id"], store["uri"])
    mlflow.MlflowClient(store["uri"]).delete_run(objects["run_id"])  # leave the module's store as it was


def test_each_system_is_marked_against_the_best(store):
    table = leaderboard(tracking_uri=store["uri"], n_resamples=300)
    for _, part in table.groupby("experiment"):
        assert part.iloc[0]["≈best"] == "best" and pd.isna(part.iloc[0]["vs best"])
        assert part["test"].is_monotonic_decreasing
        for _, row in part.iloc[1:].iterrows():
            c = compare_runs(row["run_id"], part.iloc[0]["run_id"], store["uri"], n_resamples=300)
            assert row["vs best"] == pytest.approx(c.difference) and row["p"] == pytest.approx(c.p_value)
            assert row["≈best"] == ("≈" if c.high >= 0 else "")
    # on this corpus tf-idf finds the label words: the majority baseline is significantly worse
    majority = row_of(table, store["runs"]["majority"])
    assert majority["≈best"] == "" and majority["p"] < 0.05


def test_formats_parse_back(store, capsys, tmp_path):
    table = leaderboard(tracking_uri=store["uri"], n_resamples=200)
    assert cli(["report", "--tracking-uri", store["uri"], "--format", "csv", "--n-resamples", "200"]) == 0
    csv = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert len(csv) == len(table) and csv["test"].tolist() == pytest.approx(table["test"].tolist())
    assert {"95% CI low", "95% CI high", SD_COLUMN, "n", "params", "dev", "≈best"} <= set(csv.columns)

    out = tmp_path / "board.json"
    assert cli(["report", "--tracking-uri", store["uri"], "--format", "json", "--output", str(out),
                "--n-resamples", "200"]) == 0
    records = json.loads(out.read_text())
    assert [r["test"] for r in records] == pytest.approx(table["test"].tolist())
    group = next(r for r in records if store["runs"]["seed2"] in r["run_ids"])
    assert group["n"] == 3 and len(group["95% CI"]) == 2

    assert cli(["report", "--tracking-uri", store["uri"], "--n-resamples", "200"]) == 0
    markdown = capsys.readouterr().out
    assert "sd (ddof=1)" in markdown.splitlines()[0]
    assert markdown.count("| leaders/") == len(table)
    assert format_table(table, "markdown") == markdown


def html_of(store, tmp_path) -> tuple[Path, str]:
    path = tmp_path / "report.html"
    assert cli(["report", "--tracking-uri", store["uri"], "--html", str(path), "--n-resamples", "200"]) == 0
    return path, path.read_text(encoding="utf-8")


def test_html_report_is_self_contained(store, tmp_path):
    path, page = html_of(store, tmp_path)
    references = re.findall(r"""(?:src|href)\s*=\s*["']([^"']*)""", page) + re.findall(r"url\(([^)]*)\)", page)
    assert references and all(ref.startswith("data:image/png;base64,") for ref in references), references
    assert not re.search(r"https?://|file:|<link|<script", page)
    # one leaderboard row per system, the per-target table of the stance runs, one confusion matrix per system
    table = leaderboard(tracking_uri=store["uri"], n_resamples=200)
    assert page.count("<tr class=") == len(table)
    assert "Per-target test f_avg" in page and page.count("confusion matrix, test:") == 2 * len(table)
    assert page.count("per-epoch curves:") == 2  # the seed group's median run (alt text and caption)


def test_html_report_renders_in_chromium(store, tmp_path):
    # `make test` installs Chromium (Debian package); a missing browser fails here instead of hiding a gap
    assert shutil.which("chromium"), "the HTML report test needs Chromium: apt-get install -y chromium"
    path, page = html_of(store, tmp_path)
    table = leaderboard(tracking_uri=store["uri"], n_resamples=200)
    # a copy with a script that writes what the browser loaded into the DOM (the report itself has none)
    check = """<script>window.addEventListener("load", function () {
      var images = Array.prototype.slice.call(document.images);
      document.body.setAttribute("data-images", JSON.stringify(images.map(function (i) {
        return i.complete ? i.naturalWidth : 0; })));
      document.body.setAttribute("data-rows", document.querySelectorAll("table.leaderboard tbody tr").length);
    });</script>"""
    probe = tmp_path / "probe.html"
    probe.write_text(page.replace("</body>", check + "</body>"), encoding="utf-8")
    browser = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    dom = subprocess.run([*browser, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    body = re.search(r"<body[^>]*>", dom).group(0)
    widths = json.loads(re.search(r'data-images="([^"]*)"', body).group(1).replace("&quot;", '"'))
    assert len(widths) == page.count("<img ") and all(w > 0 for w in widths), widths
    assert int(re.search(r'data-rows="(\d+)"', body).group(1)) == len(table)

    shot = tmp_path / "report.png"
    subprocess.run([*browser, f"--screenshot={shot}", "--window-size=1200,1600", path.as_uri()], capture_output=True,
                   timeout=120, check=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
