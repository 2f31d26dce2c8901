"""A -m sweep with the joblib launcher: every combination runs in parallel into one SQLite store."""

from __future__ import annotations

import subprocess
import sys

import mlflow

from stancebench.cli import main as cli


def test_joblib_sweep_reaches_sqlite_store(tmp_path, capsys):
    result = subprocess.run(
        [sys.executable, "-m", "stancebench.train", "-m", "model=tfidf_logreg,char_svm", "task=stance_us,sentiment",
         "debug=smoke", "hydra/launcher=joblib", "hydra.launcher.n_jobs=2",
         f"paths.log_dir={tmp_path}", f"tracking.uri=sqlite:///{tmp_path}/mlflow.db"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Joblib" in result.stdout + result.stderr  # the joblib launcher ran the jobs

    mlflow.set_tracking_uri(f"sqlite:///{tmp_path}/mlflow.db")
    runs = mlflow.search_runs(search_all_experiments=True)
    assert len(runs) == 4 and set(runs["status"]) == {"FINISHED"}
    combos = set(zip(runs["tags.model"], runs["tags.task"]))
    assert combos == {(m, t) for m in ("tfidf_logreg", "char_svm") for t in ("stance_us", "sentiment")}
    assert runs["tags.sweep"].nunique() == 1 and runs["tags.sweep"][0].startswith(str(tmp_path / "multirun"))

    assert cli(["report", "--tracking-uri", f"sqlite:///{tmp_path}/mlflow.db"]) == 0
    board = capsys.readouterr().out
    assert board.count("| leaders/") == 4 and "macro_recall" in board and "f_avg" in board
    assert cli(["report", "--experiment", "leaders/nothing", "--tracking-uri", f"sqlite:///{tmp_path}/mlflow.db"]) == 1
