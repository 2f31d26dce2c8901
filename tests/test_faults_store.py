"""Fault injection on the tracking store and on runs: nothing lost, nothing stuck.

Each test does to a real process what a user, a scheduler or a full disk does: several training
jobs and report loops opening one new SQLite store at once; SIGTERM and SIGKILL to a training
run; SIGTERM to a joblib sweep's parent; a corrupt, read-only, locked or mistyped store; a
tracking server that never answers. Each asserts the outcome: every run ends FINISHED or KILLED
(or is found by `stancebench runs cleanup`), and every fault ends in one clear message.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import mlflow
import pandas as pd
import psutil
import pytest

from stancebench import tracking
from stancebench.cli import main as cli

TRAIN = [sys.executable, "-m", "stancebench.train"]
SMOKE = ["debug=smoke", "model=tfidf_logreg", "task=stance_us"]
SLOW_SCORING = "bootstrap.n_resamples=300000"  # keeps a smoke run RUNNING for ~10 s: time to signal it mid-run


def train_command(tmp: Path, *overrides: str, store: Path | None = None) -> list[str]:
    store = store or tmp / "mlflow.db"
    return [*TRAIN, *SMOKE, *overrides, f"paths.log_dir={tmp}", f"tracking.uri=sqlite:///{store}"]


def runs_in(store: Path):
    return mlflow.MlflowClient(f"sqlite:///{store}").search_runs(
        [e.experiment_id for e in mlflow.MlflowClient(f"sqlite:///{store}").search_experiments()])


def wait_for_running(store: Path, process: subprocess.Popen, timeout: float = 120) -> None:
    """Until a run of the store is RUNNING (read with plain sqlite3, as a monitor would)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the job ended before its run started: {process.communicate()}"
        if store.exists():
            try:
                with sqlite3.connect(store) as db:
                    if db.execute("select count(*) from runs where status = 'RUNNING'").fetchone()[0]:
                        return
            except sqlite3.Error:
                pass  # the schema is still being created
        time.sleep(0.1)
    raise AssertionError("no run started")


# -- no lost runs ----------------------------------------------------------------------------------

REPORT_LOOP = textwrap.dedent("""
    import contextlib, io, sys, time
    from stancebench.cli import main
    outcomes, deadline = [], time.monotonic() + float(sys.argv[2])
    while time.monotonic() < deadline:
        err = io.StringIO()
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            try:
                code = main(["report", "--tracking-uri", sys.argv[1]])
            except BaseException as exc:  # a crash is what this loop looks for
                code = repr(exc)
        outcomes.append((code, err.getvalue()))
        time.sleep(0.05)
    crashes = [o for o in outcomes if o[0] not in (0, 1) or "Traceback" in o[1]]
    print(f"{len(outcomes)} reports, {len(crashes)} crashed: {crashes[:2]}")
    sys.exit(1 if crashes else 0)
""")


@pytest.mark.parametrize("round_", [1, 2])
def test_new_store_opened_by_training_jobs_and_report_loops_at_once(tmp_path, round_):
    """3 training jobs and 2 report loops start together on a store that does not exist yet."""
    store = tmp_path / "mlflow.db"
    reports = [subprocess.Popen([sys.executable, "-c", REPORT_LOOP, f"sqlite:///{store}", "25"], cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    jobs = [subprocess.Popen(train_command(tmp_path, f"seed={seed}"), cwd=tmp_path,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for seed in range(3)]
    for job in jobs:
        out, err = job.communicate(timeout=300)
        assert job.returncode == 0, err[-3000:]
    for loop in reports:
        out, err = loop.communicate(timeout=300)
        assert loop.returncode == 0, out + err[-3000:]
        assert "0 crashed" in out
    runs = runs_in(store)
    assert len(runs) == 3 and {r.info.status for r in runs} == {"FINISHED"}


def test_reading_commands_never_create_a_store(tmp_path, capsys):
    mistyped = tmp_path / "typo" / "mlfow.db"
    assert cli(["report", "--tracking-uri", f"sqlite:///{mistyped}"]) == 1
    assert cli(["runs", "cleanup", "--tracking-uri", f"sqlite:///{mistyped}"]) == 1
    assert f"no MLflow store at {mistyped}" in capsys.readouterr().err
    assert not mistyped.parent.exists()


# -- no stuck runs ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("signum", "code", "reason"), [(signal.SIGTERM, 143, "Terminated: SIGTERM"),
                                                         (signal.SIGINT, 130, "KeyboardInterrupt")])
def test_sigterm_or_ctrl_c_ends_the_run_killed_with_its_reason(tmp_path, signum, code, reason):
    store = tmp_path / "mlflow.db"
    job = subprocess.Popen(train_command(tmp_path, SLOW_SCORING), cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    wait_for_running(store, job)
    job.send_signal(signum)
    out, err = job.communicate(timeout=120)
    assert job.returncode == code, err[-3000:]
    assert "stopped by" in out + err and "Traceback" not in out + err
    [run] = runs_in(store)
    assert run.info.status == "KILLED"
    assert run.data.tags[tracking.END_REASON_TAG].startswith(reason)


def test_sigkill_leaves_a_run_that_report_lists_and_cleanup_ends(tmp_path, capsys):
    store, uri = tmp_path / "mlflow.db", f"sqlite:///{tmp_path / 'mlflow.db'}"
    job = subprocess.Popen(train_command(tmp_path, SLOW_SCORING), cwd=tmp_path, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    wait_for_running(store, job)
    job.kill()
    job.wait(timeout=60)
    [run] = runs_in(store)
    assert run.info.status == "RUNNING"  # nothing in the process could end it

    # a live run of this process, and one of another machine started 30 minutes ago: neither is dead
    client = mlflow.MlflowClient(uri)
    experiment = run.info.experiment_id
    live = client.create_run(experiment, tags={tracking.HOST_TAG: socket.gethostname(), tracking.PID_TAG: str(os.getpid())})
    elsewhere = client.create_run(experiment, start_time=int((time.time() - 1800) * 1000),
                                  tags={tracking.HOST_TAG: "another-machine", tracking.PID_TAG: "1"})

    cli(["report", "--tracking-uri", uri])
    err = capsys.readouterr().err
    assert "3 unfinished run(s)" in err and run.info.run_id in err and "dead" in err and "alive" in err

    assert cli(["runs", "cleanup", "--dry-run", "--tracking-uri", uri]) == 0
    assert "1 run(s) would be marked KILLED" in capsys.readouterr().out
    assert client.get_run(run.info.run_id).info.status == "RUNNING"

    assert cli(["runs", "cleanup", "--tracking-uri", uri]) == 0  # default --older-than 1h: the dead one only
    assert client.get_run(run.info.run_id).info.status == "KILLED"
    assert "stancebench runs cleanup" in client.get_run(run.info.run_id).data.tags[tracking.END_REASON_TAG]
    assert client.get_run(live.info.run_id).info.status == "RUNNING"
    assert client.get_run(elsewhere.info.run_id).info.status == "RUNNING"

    assert cli(["runs", "cleanup", "--older-than", "10min", "--tracking-uri", uri]) == 0
    assert client.get_run(elsewhere.info.run_id).info.status == "KILLED"  # unknown process, old enough
    assert client.get_run(live.info.run_id).info.status == "RUNNING"  # its process is this test
    capsys.readouterr()
    assert cli(["runs", "cleanup", "--older-than", "soon", "--tracking-uri", uri]) == 2
    assert "not a duration" in capsys.readouterr().err


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_sweep_stops_its_workers_and_reports_jobs_that_never_ran(tmp_path, signum):
    store = tmp_path / "mlflow.db"
    sweep = subprocess.Popen(
        [*TRAIN, "-m", "model=tfidf_logreg,char_svm,majority", "task=stance_us,sentiment", "debug=smoke",
         "hydra/launcher=joblib", "hydra.launcher.n_jobs=2", f"paths.log_dir={tmp_path}", f"tracking.uri=sqlite:///{store}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    wait_for_running(store, sweep)
    workers = psutil.Process(sweep.pid).children(recursive=True)
    sweep.send_signal(signum)
    out, _ = sweep.communicate(timeout=180)
    assert sweep.returncode == 128 + signum, out[-3000:]

    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, [p.cmdline() for p in alive]  # the workers died with their parent
    assert {r.info.status for r in runs_in(store)} <= {"FINISHED", "KILLED"}  # none left RUNNING
    [status_file] = (tmp_path / "multirun").rglob("sweep_status.json")
    status = json.loads(status_file.read_text())
    assert status["ended_by"] == signal.Signals(signum).name and len(status["jobs"]) == 6
    never = [job for job in status["jobs"] if job["state"] == "never ran"]
    assert never and sum(status["counts"].values()) == 6
    for job in never:  # each named in the log with its overrides
        assert f"job {job['num']} never ran: {' '.join(job['overrides'])}" in out
    assert "Traceback" not in out


# -- store faults: one clear message ---------------------------------------------------------------

def test_corrupt_store_is_named_with_what_to_do(tmp_path, capsys):
    store = tmp_path / "mlflow.db"
    store.write_bytes(b"this was a store once\n" * 200)
    result = subprocess.run(train_command(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=300)
    log = result.stdout + result.stderr  # the app logs to stdout, Python's tracebacks go to stderr
    assert result.returncode == 1, log[-3000:]
    assert f"{store} is not a readable SQLite database" in log and "Move it aside" in log
    assert "Traceback" not in log
    assert cli(["report", "--tracking-uri", f"sqlite:///{store}"]) == 1
    assert "not a readable SQLite database" in capsys.readouterr().err


def test_locked_store_is_named_with_what_to_do(tmp_path):
    store = tmp_path / "mlflow.db"
    tracking.connect(f"sqlite:///{store}")  # a store that exists, then another process locks it
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        result = subprocess.run(train_command(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=300)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    log = result.stdout + result.stderr
    assert result.returncode == 1, log[-3000:]
    assert "stayed locked by another process" in log and "Traceback" not in log
    assert runs_in(store) == []


def run_without_override(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """Run as root without CAP_DAC_OVERRIDE: root then obeys file modes like any user (with it,
    nothing is read-only to root, and CI runs as root)."""
    drop = "-dac_override,-dac_read_search"
    return subprocess.run(["setpriv", "--bounding-set", drop, "--inh-caps", drop, "--", *command], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("what", ["folder", "file"])
def test_read_only_store_is_named_with_what_to_do(tmp_path, what):
    store_dir = tmp_path / "store"
    store = store_dir / "mlflow.db"
    tracking.connect(f"sqlite:///{store}")
    (store_dir / "mlflow.db.lock").unlink()
    read_only = store_dir if what == "folder" else store
    read_only.chmod(0o555 if what == "folder" else 0o444)
    try:
        result = run_without_override(train_command(tmp_path, store=store), tmp_path)
        # reading needs no write: report works (no finished runs here, so exit 1 saying that)
        report = run_without_override([sys.executable, "-m", "stancebench.cli", "report", "--tracking-uri",
                                       f"sqlite:///{store}"], tmp_path)
    finally:
        read_only.chmod(0o755 if what == "folder" else 0o644)
    log = result.stdout + result.stderr
    assert result.returncode == 1, log[-3000:]
    assert "is read-only" in log and f"{read_only} is not writable" in log and "Traceback" not in log
    assert report.returncode == 1 and "no finished runs" in report.stderr, report.stderr[-3000:]
    assert runs_in(store) == []


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers (a hung server, a firewall)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()


@pytest.mark.parametrize("command", [["report"], ["runs", "cleanup"], ["predict", "runs:/0123/model", "A text."]])
def test_a_server_that_never_answers_ends_a_command_with_a_clear_message(silent_server, capsys, command):
    assert cli([*command, "--tracking-uri", silent_server]) == 1
    err = capsys.readouterr().err
    assert f"MLflow tracking server {silent_server} is unreachable" in err and "timed out" in err


def test_two_jobs_logging_the_same_dataset_at_once_do_not_lose_a_run(monkeypatch, tmp_path, small_corpus):
    """MLflow checks for a dataset, then inserts it: the job that loses that race gets a UNIQUE
    constraint error (seen in a 2-job sweep into a server) and must retry, finding the dataset."""
    from stancebench.data import LeadersCorpus

    source = LeadersCorpus(small_corpus)
    frames = {"train": pd.DataFrame({"text": ["a", "b"], "label": ["favor", "none"]})}
    calls = []

    def log_input(dataset, context, tags):
        calls.append(context)
        if len(calls) == 1:
            raise mlflow.exceptions.MlflowException("(sqlite3.IntegrityError) UNIQUE constraint failed: datasets.experiment_id")

    monkeypatch.setattr(mlflow, "log_input", log_input)
    tracking.log_inputs(source, frames)
    assert calls == ["training", "training"]

    def broken(dataset, context, tags):
        raise mlflow.exceptions.MlflowException("something else")

    monkeypatch.setattr(mlflow, "log_input", broken)
    with pytest.raises(mlflow.exceptions.MlflowException, match="something else"):
        tracking.log_inputs(source, frames)
