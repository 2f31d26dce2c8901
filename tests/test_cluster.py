"""Beyond one machine: sweeps whose jobs are separate submitit jobs (`hydra/launcher=submitit_local`, the
local stand-in for `submitit_slurm`), tracked into a real MLflow tracking server."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest

from stancebench.sweep import PARENT_TAG


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """`mlflow server` on a SQLite store and a local artifact root (its URI and folder); killed (its whole
    process group) at the end."""
    root = tmp_path_factory.mktemp("server")
    port = free_port()
    uri = f"http://127.0.0.1:{port}"
    log = (root / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "mlflow", "server", "--backend-store-uri", f"sqlite:///{root}/mlflow.db",
         "--default-artifact-root", str(root / "artifacts"), "--host", "127.0.0.1", "--port", str(port)],
        cwd=root, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:  # bounded polling of /health
            try:
                with urllib.request.urlopen(f"{uri}/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"mlflow server did not come up: {(root / 'server.log').read_text()[-3000:]}")
            time.sleep(0.5)
        yield uri, root
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        log.close()


def submitit_sweep(tmp_path: Path, uri: str, *overrides: str) -> tuple[subprocess.CompletedProcess, Path]:
    result = subprocess.run(
        [sys.executable, "-m", "stancebench.train", "-m", *overrides, "debug=smoke", "tracking=server",
         f"tracking.uri={uri}", "hydra/launcher=submitit_local", "hydra.launcher.timeout_min=10",
         f"paths.log_dir={tmp_path}"],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, (result.stdout + result.stderr)[-4000:]
    sweeps = list((tmp_path / "multirun").glob("*/*"))
    assert len(sweeps) == 1
    return result, sweeps[0]


def test_submitit_sweep_into_tracking_server(server, tmp_path):
    uri, root = server
    result, sweep_dir = submitit_sweep(tmp_path, uri, "model=tfidf_logreg,majority", "task=stance_us")
    assert "Submitit 'local' sweep" in result.stdout + result.stderr  # submitit ran the jobs
    assert "sweep progress: 2/2 jobs done" in result.stdout + result.stderr

    client = mlflow.MlflowClient(tracking_uri=uri)
    runs = client.search_runs([e.experiment_id for e in client.search_experiments()],
                              filter_string=f"tags.sweep = '{sweep_dir}'")
    assert len(runs) == 2 and {r.info.status for r in runs} == {"FINISHED"}
    assert {r.data.tags["model"] for r in runs} == {"tfidf_logreg", "majority"}
    # each job's model reached the server's artifact store
    assert len(list(root.glob("artifacts/*/models/*/artifacts/MLmodel"))) == 2
    # each job ran in its own process (submitit), and the sweep callback saw them all
    assert len({r.data.tags["stancebench.pid"] for r in runs}) == 2
    status = json.loads((sweep_dir / "sweep_status.json").read_text())
    assert status["counts"] == {"finished": 2, "stopped": 0, "never ran": 0}
    assert all((sweep_dir / str(n) / ".job_started").is_file() for n in (0, 1))


def test_optuna_search_through_submitit_into_tracking_server(server, tmp_path):
    """A search whose trials are submitit jobs: each finds its parent run in the sweep folder."""
    uri, _ = server
    _, sweep_dir = submitit_sweep(tmp_path, uri, "hparams_search=char_svm_optuna", "task=stance_us",
                                  "hydra.sweeper.n_trials=2", "hydra.sweeper.n_jobs=2", "save_model=false")
    client = mlflow.MlflowClient(tracking_uri=uri)
    parent_id = json.loads((sweep_dir / "mlflow_parent_run.json").read_text())["run_id"]
    parent = client.get_run(parent_id)
    assert parent.info.status == "FINISHED" and parent.data.metrics["trials"] == 2
    assert "best.model.estimator.C" in parent.data.params and "best_dev_f_avg" in parent.data.metrics
    children = client.search_runs([parent.info.experiment_id], filter_string=f"tags.`{PARENT_TAG}` = '{parent_id}'")
    assert len(children) == 2 and {c.info.status for c in children} == {"FINISHED"}
    assert max(c.data.metrics["dev_f_avg"] for c in children) == pytest.approx(parent.data.metrics["best_value"])
