"""A `-m` sweep that ends cleanly: a Hydra callback (conf/hydra/default.yaml) for the parent process.

When the sweep's parent gets SIGTERM or Ctrl-C, its job processes (joblib workers, submitit_local
jobs) get SIGTERM too, so each running job ends its MLflow run KILLED and removes its temporary
folders; a worker still alive after `grace_s` is killed, and a run it left RUNNING is marked KILLED
here. However the sweep ends, `sweep_status.json` in the sweep folder lists every job with its state
(finished, stopped, never ran) and the log names the jobs that never ran, with the command that runs
them. While it runs, the parent logs its progress (`sweep progress: 3/6 jobs done`) as jobs write
their `results.json`.

A search (a sweeper other than the basic one: `hparams_search=...`, Optuna) is also one MLflow parent
run: `on_multirun_start` opens it and writes its id to `mlflow_parent_run.json` in the sweep folder,
where each trial's job finds it (`parent_run_tags`: the tag `mlflow.parentRunId`, read from a file so
that jobs on other machines of a cluster find it too); at the end it gets the best trial's params and
value (the sweeper's `optimization_results.yaml`) and ends FINISHED, or KILLED when the sweep is
stopped, or FAILED when the sweep raised.

Jobs run elsewhere (`hydra/launcher=submitit_slurm`) are not this process's children: stopping the
parent leaves them to the cluster (`scancel`), but the stop marker stays in the sweep folder, so a
queued job that starts later exits at once, and their runs are not marked KILLED from here.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import signal
import threading
import time
import warnings
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

log = logging.getLogger(__name__)

STARTED, STOPPING = ".job_started", ".sweep_stopping"  # markers in a job's folder and in the sweep folder
PARENT_FILE = "mlflow_parent_run.json"  # in the sweep folder: the search's MLflow parent run
PARENT_TAG = "mlflow.parentRunId"  # MLflow's own tag: the UI nests a child run under its parent
SWEEP_DIR_TAG = "stancebench.sweep_dir"  # on a parent run (its children carry `sweep`)


def is_basic(config: DictConfig) -> bool:
    return str(config.hydra.sweeper.get("_target_", "")).endswith("BasicSweeper")


def planned_jobs(config: DictConfig) -> list[list[str]] | None:
    """Each job's overrides, in Hydra's job-number order, for the basic sweeper (None for others:
    an Optuna study decides its trials as it goes). Like the basic sweeper, `hydra.sweeper.params`
    (an experiment's grid) comes first and the command line's overrides win over it."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    if not is_basic(config):
        return None
    params = [f"{key}={value}" for key, value in (config.hydra.sweeper.get("params") or {}).items()]
    overrides = OverridesParser.create().parse_overrides([*params, *config.hydra.overrides.task])
    return [job for batch in BasicSweeper.split_arguments(overrides, None) for job in batch]


def expected_jobs(config: DictConfig) -> int | None:
    """How many jobs this sweep launches: the basic sweeper's grid, a search's `n_trials`."""
    jobs = planned_jobs(config)
    if jobs is not None:
        return len(jobs)
    trials = config.hydra.sweeper.get("n_trials")
    return int(trials) if isinstance(trials, int) else None


def ran_jobs(sweep_dir: Path) -> list[list[str]]:
    """The overrides of each job folder of a sweep whose jobs are not known in advance (a search),
    from the job's `.hydra/overrides.yaml`, in job-number order."""
    folders = sorted((p for p in sweep_dir.iterdir() if p.is_dir() and p.name.isdigit()), key=lambda p: int(p.name)) \
        if sweep_dir.is_dir() else []
    jobs = []
    for folder in folders:
        overrides = folder / ".hydra" / "overrides.yaml"
        jobs.append([str(o) for o in OmegaConf.load(overrides)] if overrides.is_file() else [])
    return jobs


def jobs_done(sweep_dir: Path) -> int:
    return sum(1 for _ in sweep_dir.glob("*/results.json"))


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


def parent_run_tags(cfg: DictConfig) -> dict[str, str]:
    """In a search's job: the tag that makes its MLflow run a child of the search's parent run; {}
    outside a search, or when the job tracks to another store than the parent (a stale id there
    would point at nothing)."""
    if not cfg.get("sweep_id"):
        return {}
    try:
        parent = json.loads((Path(str(cfg.sweep_id)) / PARENT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if parent.get("tracking_uri") != str(cfg.tracking.uri):
        log.warning(f"the search's parent run {parent.get('run_id')} is in {parent.get('tracking_uri')}, this run "
                    f"goes to tracking.uri={cfg.tracking.uri}: it is not attached to it")
        return {}
    return {PARENT_TAG: str(parent["run_id"])}


class SweepGuard(Callback):
    """Stops a sweep's workers with it, reports its progress and the jobs that never ran, and makes a
    search one MLflow parent run.

    Args:
        grace_s: seconds the workers get to end their runs after SIGTERM before they are killed.
        parent_run: `search` (a parent run for sweepers other than the basic one), `always`, `never`.
        progress_s: seconds between two looks at the jobs done (0: no progress lines).
    """

    def __init__(self, grace_s: float = 60.0, parent_run: str = "search", progress_s: float = 5.0) -> None:
        if parent_run not in ("search", "always", "never"):
            raise ValueError(f"hydra.callbacks.sweep_guard.parent_run={parent_run!r}: must be search, always or never")
        self.grace_s = grace_s
        self.parent_run = parent_run
        self.progress_s = progress_s
        self.config: DictConfig | None = None
        self.ended_by: str | None = None
        self.reported = False
        self.parent_run_id: str | None = None
        self._progress: threading.Thread | None = None
        self._progress_stop = threading.Event()
        self._done = 0

    def __getstate__(self) -> dict[str, Any]:
        """Launchers pickle the callbacks into their jobs (joblib, submitit): without the parent's thread."""
        state = dict(self.__dict__)
        state["_progress"], state["_progress_stop"] = None, None
        return state

    def on_multirun_start(self, config: DictConfig, **kwargs: Any) -> None:
        self.config = config
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._stop)
        atexit.register(self.report)  # also when the sweep ends by an exception
        if not is_basic(config):
            # hydra-optuna-sweeper 1.3 builds samplers and distributions with arguments optuna >= 4
            # deprecates (removal in optuna 6, hence the pin optuna<6): one warning per trial otherwise
            warnings.filterwarnings("ignore", category=FutureWarning, module=r"optuna(\.|$)")
            warnings.filterwarnings("ignore", category=FutureWarning, module=r"hydra_plugins\.hydra_optuna_sweeper")
        if self.parent_run == "always" or (self.parent_run == "search" and not is_basic(config)):
            try:
                self._open_parent_run()
            except Exception as err:  # noqa: BLE001 - the jobs still run (and say what is wrong with the store)
                log.error(f"no MLflow parent run for this sweep: {err}")
        if self.progress_s > 0:
            self._progress = threading.Thread(target=self._watch, args=(expected_jobs(config),), daemon=True,
                                              name="sweep-progress")
            self._progress.start()

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        self._stop_progress(final=True)
        self._close_parent_run("FINISHED")
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

    # -- progress -------------------------------------------------------------------------------

    def _watch(self, total: int | None) -> None:
        while not self._progress_stop.wait(self.progress_s):
            self._log_progress(total)

    def _log_progress(self, total: int | None, always: bool = False) -> None:
        try:
            done = jobs_done(self.sweep_dir)
        except OSError:
            return
        if done != self._done or always:
            self._done = done
            log.info(f"sweep progress: {done}/{total if total is not None else '?'} jobs done ({self.sweep_dir})")

    def _stop_progress(self, final: bool = False) -> None:
        if self._progress is None:
            return
        self._progress_stop.set()
        self._progress.join(timeout=10)
        self._progress = None
        if final:  # the last jobs may have ended since the thread last looked
            self._log_progress(expected_jobs(self.config), always=self._done == 0)

    # -- the search's MLflow parent run -----------------------------------------------------------

    def _open_parent_run(self) -> None:
        """Create the parent run (not the process's active run: the basic launcher runs jobs here)."""
        import mlflow

        from stancebench import tracking

        config = self.config
        uri = tracking.connect(str(config.tracking.uri))
        name = config.tracking.get("experiment") or f"{_data_name(config)}/{_task_name(config)}"
        sweeper = config.hydra.sweeper
        study = sweeper.get("study_name")
        # not the tags of its jobs' runs (`model`, `sweep`, `tags=[...]`): searches by those find results
        tags = {SWEEP_DIR_TAG: str(self.sweep_dir), "sweeper": str(sweeper.get("_target_", "")).rsplit(".", 1)[-1],
                tracking.HOST_TAG: _hostname(), tracking.PID_TAG: str(os.getpid()),
                **({"study_name": str(study)} if study else {})}
        client = mlflow.MlflowClient(tracking_uri=uri)
        run = client.create_run(tracking.experiment_id(name, uri), run_name=f"search-{study or self.sweep_dir.name}",
                                tags=tags)
        self.parent_run_id = run.info.run_id
        client.log_param(run.info.run_id, "overrides", " ".join(config.hydra.overrides.task)[:6000])
        if sweeper.get("params"):
            client.log_dict(run.info.run_id, OmegaConf.to_container(sweeper.params), "search_space.json")
        self.sweep_dir.mkdir(parents=True, exist_ok=True)
        (self.sweep_dir / PARENT_FILE).write_text(json.dumps(
            {"run_id": run.info.run_id, "tracking_uri": str(config.tracking.uri), "experiment": name}) + "\n",
            encoding="utf-8")
        log.info(f"sweep {self.sweep_dir}: MLflow parent run {run.info.run_id} in experiment {name!r} ({uri})")
        # the sweep raised, or a job in this process (basic launcher) was stopped: no on_multirun_end
        atexit.register(self._close_parent_run, None)

    def _close_parent_run(self, status: str | None) -> None:
        """Log the best trial (FINISHED) or why it ended, and end the parent run with `status` (None, at
        exit without on_multirun_end: KILLED when a trial was, as a stopped job of the basic launcher is
        (its SIGTERM went to the job's handler); else FAILED)."""
        if self.parent_run_id is None:
            return
        run_id, self.parent_run_id = self.parent_run_id, None
        import mlflow

        from stancebench import tracking

        client = mlflow.MlflowClient(tracking_uri=str(self.config.tracking.uri))
        try:
            children = client.search_runs([client.get_run(run_id).info.experiment_id],
                                          filter_string=f"tags.`{PARENT_TAG}` = '{run_id}'", max_results=50000)
            client.log_metric(run_id, "trials", len(children))
            client.log_metric(run_id, "trials_finished", sum(c.info.status == "FINISHED" for c in children))
            if status is None:
                status = "KILLED" if any(c.info.status == "KILLED" for c in children) else "FAILED"
            if status == "FINISHED":
                self._log_best(client, run_id, children)
            else:
                client.set_tag(run_id, tracking.END_REASON_TAG,
                               "the sweep was stopped" + (f" by {self.ended_by}" if self.ended_by else "")
                               if status == "KILLED" else "the sweep raised (see its log)")
        except Exception as err:  # noqa: BLE001 - the run must still end
            log.error(f"could not log the results of the sweep's parent run {run_id}: {err}")
        status = status or "FAILED"
        try:
            client.set_terminated(run_id, status=status)
        except Exception as err:  # noqa: BLE001
            log.error(f"could not end the sweep's parent run {run_id} ({err}); run `stancebench runs cleanup`")

    def _log_best(self, client: Any, run_id: str, children: list[Any]) -> None:
        results = self.sweep_dir / "optimization_results.yaml"
        if not results.is_file():
            return
        best = OmegaConf.to_container(OmegaConf.load(results))
        client.log_artifact(run_id, str(results))
        if "best_value" not in best:  # a multi-objective study: its Pareto front is the artifact
            return
        for key, value in (best.get("best_params") or {}).items():
            client.log_param(run_id, f"best.{key}", value)
        metric = self.config.get("optimized_metric")
        if not metric and children:
            metric = f"dev_{children[0].data.tags.get('main_score')}"
        client.log_metric(run_id, "best_value", float(best["best_value"]))
        client.set_tag(run_id, "optimized_metric", str(metric))
        if metric:
            client.log_metric(run_id, f"best_{metric}", float(best["best_value"]))
        # the best trial may be from an earlier run of the same command (a resumed study)
        for child in children:
            if child.data.metrics.get(str(metric)) == float(best["best_value"]):
                client.set_tag(run_id, "best_run_id", child.info.run_id)
                break
        trials = self._study_trials()
        if trials is not None:
            client.log_metric(run_id, "study_trials", trials)
        log.info(f"sweep {self.sweep_dir}: best {metric} {best['best_value']:.4f} with {best.get('best_params')} "
                 f"(MLflow parent run {run_id})")

    def _study_trials(self) -> int | None:
        """Trials in the study so far, this sweep's and earlier ones' (a resumed study)."""
        sweeper = self.config.hydra.sweeper
        if not isinstance(sweeper.get("storage"), str) or not sweeper.get("study_name"):
            return None
        try:
            import optuna

            return len(optuna.load_study(study_name=str(sweeper.study_name), storage=str(sweeper.storage)).trials)
        except Exception:  # noqa: BLE001 - only a number on the parent run
            return None

    # -- stopping ---------------------------------------------------------------------------------

    def _stop(self, signum: int, frame: Any) -> None:
        import psutil

        self.ended_by = signal.Signals(signum).name
        (self.sweep_dir / STOPPING).touch()  # joblib may still hand out jobs while the workers stop
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not cut the cleanup short
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        self._stop_progress()
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
        self._close_parent_run("KILLED")
        self.report()
        if self._remote_jobs():
            log.warning("this sweep's jobs run on a cluster (hydra.launcher): cancel those still queued or running "
                        "there (scancel); any that starts from now on exits at once (.sweep_stopping stays)")
        else:
            (self.sweep_dir / STOPPING).unlink(missing_ok=True)
        raise SystemExit(128 + signum)

    def _remote_jobs(self) -> bool:
        """Whether the launcher runs jobs on other machines (submitit_slurm), not as this process's children."""
        target = str(self.config.hydra.launcher.get("_target_", ""))
        return "submitit" in target.lower() and "local" not in target.lower()

    def _runs_left_running(self) -> list[str]:
        """RUNNING runs of this sweep's jobs started on this machine (runs on cluster nodes go on there)."""
        from stancebench import tracking

        runs = tracking.unfinished_runs(str(self.config.tracking.uri))
        here = _hostname()
        return [run.run_id for run in runs.itertuples()
                if Path(run.sweep or "/-").resolve() == self.sweep_dir and (run.host or here) == here]

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
        self._stop_progress()
        jobs = planned_jobs(self.config)
        if jobs is None:  # a search: the trials it ran
            jobs = ran_jobs(self.sweep_dir)
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


def _data_name(config: DictConfig) -> str:
    """The name the jobs' runs file their experiment under (`<data>/<task>`), without loading data."""
    from hydra.utils import instantiate

    try:
        return str(instantiate(config.data).name)
    except Exception:  # noqa: BLE001 - a data set that cannot be built here: its config name
        return str(config.data.get("name"))


def _task_name(config: DictConfig) -> str:
    from hydra.utils import instantiate

    try:
        return str(instantiate(config.task).name)
    except Exception:  # noqa: BLE001
        return str(config.task.get("name"))


def _hostname() -> str:
    import socket

    return socket.gethostname()


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
