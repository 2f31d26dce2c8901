"""A `-m` sweep that ends cleanly: a Hydra callback (conf/hydra/default.yaml) for the parent process.

When the sweep's parent gets SIGTERM or Ctrl-C, its job processes (joblib workers) get SIGTERM too,
so each running job ends its MLflow run KILLED and removes its temporary folders; a worker still
alive after `grace_s` is killed, and a run it left RUNNING is marked KILLED here. However the sweep
ends, `sweep_status.json` in the sweep folder lists every job with its state (finished, stopped,
never ran) and the log names the jobs that never ran, with the command that runs them.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import time
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig

log = logging.getLogger(__name__)


def planned_jobs(config: DictConfig) -> list[list[str]] | None:
    """Each job's overrides, in Hydra's job-number order, for the basic sweeper (None for others:
    an Optuna study decides its trials as it goes)."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if not str(config.hydra.sweeper.get("_target_", "")).endswith("BasicSweeper"):
        return None
    overrides = OverridesParser.create().parse_overrides(list(config.hydra.overrides.task))
    return [job for batch in BasicSweeper.split_arguments(overrides, None) for job in batch]


STARTED, STOPPING = ".job_started", ".sweep_stopping"  # markers in a job's folder and in the sweep folder


def job_states(sweep_dir: Path, jobs: list[list[str]]) -> list[dict[str, Any]]:
    """A job that wrote `results.json` finished; one that started but wrote no results stopped
    (failed or killed: its MLflow run says which); any other never ran."""
    states = []
    for num, overrides in enumerate(jobs):
        folder = sweep_dir / str(num)
        state = ("finished" if (folder / "results.json").is_file() else
                 "stopped" if (folder / STARTED).is_file() else "never ran")
        states.append({"num": num, "overrides": overrides, "state": state})
    return states


class SweepGuard(Callback):
    """Stops a sweep's workers with it and reports the jobs that never ran."""

    def __init__(self, grace_s: float = 60.0) -> None:
        self.grace_s = grace_s
        self.config: DictConfig | None = None
        self.ended_by: str | None = None
        self.reported = False

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self.config = config
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop)
        atexit.register(self.report)  # also when the sweep ends by an exception

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        self.report()

    def on_job_start(self, config: DictConfig, **kwargs: Any) -> None:
        """In the job's process: a job dispatched after the sweep was told to stop does not start, and
        its worker ends (Hydra turns an exception raised here into a warning, and the job would run)."""
        if config.hydra.mode != RunMode.MULTIRUN:
            return
        job_dir = Path(config.hydra.runtime.output_dir)  # sweep.dir's ${now:} would resolve anew here
        if (job_dir.parent / STOPPING).exists():
            log.warning(f"the sweep is stopping: job {job_dir.name} does not start")
            logging.shutdown()
            os._exit(128 + signal.SIGTERM)
        (job_dir / STARTED).touch()

    def _stop(self, signum: int, frame: Any) -> None:
        import psutil

        self.ended_by = signal.Signals(signum).name
        (self.sweep_dir / STOPPING).touch()  # joblib may still hand out jobs while the workers stop
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the cleanup short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        # joblib's resource trackers end by themselves once this process is gone
        workers = [p for p in psutil.Process().children(recursive=True) if "resource_tracker" not in _cmdline(p)]
        log.warning(f"{self.ended_by}: stopping the sweep and its {len(workers)} worker process(es)")
        for worker in workers:
            _quietly(worker.terminate)  # a job ends its run KILLED and cleans up; an idle worker exits
        deadline, alive = time.monotonic() + self.grace_s, workers
        while alive and time.monotonic() < deadline:
            _, alive = psutil.wait_procs(alive, timeout=1)
            if alive and not self._runs_left_running():
                for worker in alive:  # a worker outlives its job's exception: the second SIGTERM ends it
                    _quietly(worker.terminate)
                _, alive = psutil.wait_procs(alive, timeout=5)
        for worker in alive:
            _quietly(worker.kill)
        self._end_runs_left_running()
        self.report()
        (self.sweep_dir / STOPPING).unlink(missing_ok=True)
        raise SystemExit(128 + signum)

    def _runs_left_running(self) -> list[str]:
        from stancebench import tracking

        uri = str(self.config.tracking.uri)
        runs = tracking.unfinished_runs(uri)
        return [r for r in runs["run_id"] if Path(_sweep_tag(uri, r) or "/-").resolve() == self.sweep_dir]

    def _end_runs_left_running(self) -> None:
        """Runs of this sweep that a killed worker could not end."""
        from stancebench import tracking

        try:
            tracking.mark_ended(str(self.config.tracking.uri), self._runs_left_running(),
                                f"the sweep was stopped by {self.ended_by}; its worker was killed")
        except Exception as err:  # noqa: BLE001 - the report must still be written
            log.error(f"could not end this sweep's unfinished runs ({err}); run `stancebench runs cleanup`")

    @property
    def sweep_dir(self) -> Path:
        return Path(str(self.config.hydra.sweep.dir)).resolve()

    def report(self) -> None:
        if self.reported or self.config is None:
            return
        self.reported = True
        jobs = planned_jobs(self.config)
        if jobs is None:
            return
        states = job_states(self.sweep_dir, jobs)
        counts = {s: sum(j["state"] == s for j in states) for s in ("finished", "stopped", "never ran")}
        self.sweep_dir.mkdir(parents=True, exist_ok=True)
        (self.sweep_dir / "sweep_status.json").write_text(json.dumps(
            {"ended_by": self.ended_by, "pid": os.getpid(), "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
             "counts": counts, "jobs": states}, indent=2) + "\n", encoding="utf-8")
        summary = ", ".join(f"{n} {s}" for s, n in counts.items() if n)
        message = f"sweep {self.sweep_dir}: {len(states)} jobs: {summary} (sweep_status.json)"
        missing = [j for j in states if j["state"] != "finished"]
        if not missing:
            log.info(message)
            return
        log.warning(message)
        for job in missing:
            log.warning(f"  job {job['num']} {job['state']}: {' '.join(job['overrides'])}")
        if any(j["state"] == "never ran" for j in missing):
            log.warning("  a job runs alone with its overrides: stancebench-train <overrides above>")


def _sweep_tag(uri: str, run_id: str) -> str | None:
    import mlflow

    return mlflow.MlflowClient(tracking_uri=uri).get_run(run_id).data.tags.get("sweep")


def _cmdline(process: Any) -> str:
    import psutil

    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def _quietly(action: Any) -> None:
    import psutil

    try:
        action()
    except psutil.NoSuchProcess:
        pass
