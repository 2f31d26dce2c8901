"""Everything MLflow: the store, experiments, runs, params, artifacts and model logging."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import mlflow
import pandas as pd
from filelock import FileLock, Timeout

from stancebench._paths import PACKAGE_DIR, project_root

if TYPE_CHECKING:
    from collections.abc import Sequence

    from stancebench.models.base import Classifier
    from stancebench.tasks import Task

PYFUNC_MODEL_FILE = PACKAGE_DIR / "_mlflow_model.py"
# a progress bar per artifact download is noise in a training log
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
# MLflow's defaults (120 s per request, 7 retries with backoff) leave a command silent for minutes
# when a server goes away; `connect` checks the server first, these bound every later call
os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "20")
os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "2")


class TrackingUnavailable(RuntimeError):
    """The tracking store cannot be reached, created or written; raised before any training starts."""


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: raised in the main thread so that `with` blocks and `finally` clean up (the
    MLflow run ends KILLED, temporary folders go). A KeyboardInterrupt, so `except Exception` does
    not swallow it."""


def end_on_signals() -> None:
    """Turn the first SIGTERM into `Terminated` (SIGINT already raises KeyboardInterrupt) in this
    process; a second one ends it (a sweep worker whose job has ended, or an impatient user)."""
    import signal
    import threading

    def terminate(signum: int, frame: Any) -> None:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second SIGTERM ends the process at once
        raise Terminated(signal.Signals(signum).name)

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, terminate)


def default_tracking_uri() -> str:
    """`MLFLOW_TRACKING_URI`, else the SQLite store `mlflow.db` at the project root."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{project_root() / 'mlflow.db'}"


def _sqlite_path(uri: str) -> Path | None:
    return Path(uri.removeprefix("sqlite:///")) if uri.startswith("sqlite:///") else None


def store_fault(uri: str, err: BaseException) -> str | None:
    """One sentence on what is wrong with the store and what to do, for the faults a user can fix;
    None for anything else (a bug: keep its traceback)."""
    text = str(err)
    where = f"the MLflow store {uri}"
    if "file is not a database" in text or "malformed" in text:
        return (f"{where} is not a readable SQLite database (corrupt, or another kind of file). Move it "
                "aside (a new store is created on the next training run), or point tracking.uri / "
                "MLFLOW_TRACKING_URI at another store.")
    if "readonly database" in text or "not writable" in text:
        return (f"{where} is read-only ({text.splitlines()[0]}). Make the file and its folder writable, or "
                "point tracking.uri / MLFLOW_TRACKING_URI at a store you can write.")
    if "database is locked" in text:
        return (f"{where} stayed locked by another process for too long. Retry when the other jobs end, "
                "run fewer parallel jobs (hydra.launcher.n_jobs), or use a tracking server (tracking=server).")
    if "out-of-date database schema" in text:
        return f"{where} was written by an older MLflow: {text.splitlines()[0]}"
    return None


def connect(uri: str, timeout: float = 5.0, create: bool = True) -> str:
    """Point MLflow at `uri` and make sure it answers: a server must be up; a SQLite store must be
    readable and initialised (`create`: made if absent, and writable; otherwise it must exist, so a
    mistyped path is refused instead of becoming a new empty store). Raises TrackingUnavailable."""
    parsed = urlparse(uri)
    if parsed.scheme in ("http", "https"):
        try:
            with urllib.request.urlopen(f"{uri.rstrip('/')}/health", timeout=timeout) as response:
                response.read()
        except (urllib.error.URLError, OSError) as err:
            raise TrackingUnavailable(
                f"MLflow tracking server {uri} is unreachable ({err}). Start it (mlflow server "
                "--backend-store-uri sqlite:///mlflow.db), fix tracking.uri, or use tracking=local."
            ) from err
    elif (db := _sqlite_path(uri)) is not None:
        _check_sqlite_file(uri, db, create)
        _initialise(uri)
    mlflow.set_tracking_uri(uri)
    return uri


def _check_sqlite_file(uri: str, db: Path, create: bool) -> None:
    if not create and not db.is_file():
        raise TrackingUnavailable(f"no MLflow store at {db}: check --tracking-uri / MLFLOW_TRACKING_URI "
                                  "(stancebench-train creates the store on its first run)")
    if create:
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise TrackingUnavailable(f"cannot create the MLflow store folder {db.parent}: {err}") from err
        # SQLite writes a journal beside the file, so the folder must be writable too
        for path in (db.parent, *([db] if db.exists() else [])):
            if not os.access(path, os.W_OK):
                raise TrackingUnavailable(store_fault(uri, OSError(f"{path} is not writable")))


_initialised: set[str] = set()


def _initialise(uri: str) -> None:
    """Create (or check) the store's schema under the store's file lock, once per process: MLflow
    creates the SQLite schema without a lock, and two processes opening a new store at once crash
    (`table ... already exists`)."""
    if uri in _initialised:
        return
    lock: FileLock | None = _lock_for(uri)
    try:
        lock.acquire(timeout=120)
    except PermissionError:  # a read-only folder: no schema can be created there; read without a lock
        lock = None
    except Timeout as err:
        raise TrackingUnavailable(store_fault(uri, RuntimeError("database is locked"))) from err
    try:
        client = mlflow.MlflowClient(tracking_uri=uri, registry_uri=uri)
        client.search_experiments(max_results=1)  # the tracking tables
        client.search_registered_models(max_results=1)  # the registry's
    except Exception as err:  # noqa: BLE001 - sqlalchemy's and MLflow's errors, classified here
        message = store_fault(uri, err)
        if message is None:
            raise
        raise TrackingUnavailable(message) from err
    finally:
        if lock is not None:
            lock.release()
    _initialised.add(uri)


def _lock_for(uri: str) -> FileLock:
    db = _sqlite_path(uri)
    if db is not None:
        return FileLock(str(db) + ".lock")
    digest = hashlib.sha1(uri.encode()).hexdigest()[:12]
    return FileLock(Path(tempfile.gettempdir()) / f"stancebench-mlflow-{digest}.lock")


def experiment_id(name: str, uri: str) -> str:
    """Get or create an experiment. Under a file lock, so parallel sweep jobs do not race to
    create it; SQLite stores keep artifacts beside the db."""
    with _lock_for(uri):
        experiment = mlflow.get_experiment_by_name(name)
        if experiment is not None:
            return experiment.experiment_id
        location = None
        if (db := _sqlite_path(uri)) is not None:
            slug = re.sub(r"[^A-Za-z0-9_.-]+", "__", name)
            location = (db.parent / "mlartifacts" / slug).resolve().as_uri()
        return mlflow.create_experiment(name, artifact_location=location)


# tags that let `stancebench runs cleanup` tell a dead run from a long one
HOST_TAG, PID_TAG, END_REASON_TAG = "stancebench.host", "stancebench.pid", "stancebench.end_reason"


@contextmanager
def tracked_run(**kwargs: Any) -> Iterator[Any]:
    """`mlflow.start_run(**kwargs)` that never leaves the run RUNNING when this process can still
    act: Ctrl-C and SIGTERM (see `end_on_signals`) end it KILLED, an error FAILED, each with the
    reason in the tag `stancebench.end_reason`. (SIGKILL cannot be caught: `stancebench runs
    cleanup` finds those runs by their host and pid tags.)"""
    tags = {**kwargs.pop("tags", {}), HOST_TAG: socket.gethostname(), PID_TAG: str(os.getpid())}
    with mlflow.start_run(tags=tags, **kwargs) as run:
        try:
            yield run
        except BaseException as err:
            status = "KILLED" if isinstance(err, KeyboardInterrupt | SystemExit) else "FAILED"
            try:
                mlflow.set_tag(END_REASON_TAG, f"{type(err).__name__}: {err}"[:5000])
                mlflow.end_run(status)
            except Exception:  # noqa: BLE001 - the store itself failed; mlflow's own exit still tries FAILED
                pass
            raise


def process_alive(host: str | None, pid: str | None) -> bool | None:
    """Whether the process that started a run still runs; None when it cannot be told from here
    (another machine, or no pid recorded)."""
    if host != socket.gethostname() or not (pid or "").isdigit():
        return None
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def unfinished_runs(uri: str, older_than_s: float | None = None) -> pd.DataFrame:
    """RUNNING runs of every experiment: `run_id`, `experiment`, `name`, `started`, `age_s`,
    `process` (alive / dead / unknown), `stale` (dead, or older than `older_than_s` when the
    process cannot be checked), and the tags `host` and `sweep` (for a sweep's own runs)."""
    import time

    client = mlflow.MlflowClient(tracking_uri=uri)
    names = {e.experiment_id: e.name for e in client.search_experiments()}
    rows = []
    for run in client.search_runs(list(names), filter_string="attributes.status = 'RUNNING'", max_results=50000):
        age = time.time() - run.info.start_time / 1000
        alive = process_alive(run.data.tags.get(HOST_TAG), run.data.tags.get(PID_TAG))
        rows.append({"run_id": run.info.run_id, "experiment": names[run.info.experiment_id],
                     "name": run.info.run_name, "started": pd.Timestamp(run.info.start_time, unit="ms").floor("s"),
                     "age_s": round(age), "process": {True: "alive", False: "dead", None: "unknown"}[alive],
                     "stale": alive is False or (alive is None and older_than_s is not None and age > older_than_s),
                     "host": run.data.tags.get(HOST_TAG), "sweep": run.data.tags.get("sweep")})
    return pd.DataFrame(rows, columns=["run_id", "experiment", "name", "started", "age_s", "process", "stale", "host",
                                       "sweep"])


def mark_ended(uri: str, run_ids: "Sequence[str]", reason: str, status: str = "KILLED") -> None:
    """End runs that their process can no longer end, with the reason as a tag."""
    client = mlflow.MlflowClient(tracking_uri=uri)
    for run_id in run_ids:
        client.set_tag(run_id, END_REASON_TAG, reason)
        client.set_terminated(run_id, status=status)


def git_commit() -> str:
    """The checkout's commit (with `-dirty` when it has changes), or "unknown"."""
    cwd = project_root()
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=cwd, capture_output=True, text=True,
                                check=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=cwd,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def flatten(config: dict, prefix: str = "") -> dict[str, Any]:
    """`{"model": {"C": 1}}` -> `{"model.C": 1}`; lists stay values."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, f"{name}."))
        else:
            flat[name] = value
    return flat


def predictions_frame(model: "Classifier", inputs: Any, allowed: "Sequence[str] | None" = None,
                      allow_new_targets: bool = False) -> pd.DataFrame:
    """`label` and one `proba_<label>` column per label: what the pyfunc model returns.

    Args:
        model: a stancebench classifier.
        inputs: what `model.predict_proba` takes (a DataFrame with `text`, and `target` for a pair
            model); no rows give an empty frame with the same columns.
        allowed: restricts `label` to the most probable of those labels (a model scored on a data
            set that lacks one of its classes); the probabilities stay the model's own.
        allow_new_targets: let a pair model answer targets it was not trained on
            (`task=stance_cross` tests on a held-out target), where it can (`model.new_targets`:
            the transformer and embed_logreg read a target as a phrase, TF-IDF models answer
            target-blind, a per-target model cannot); otherwise those are refused with the
            targets it knows.
    """
    if allow_new_targets:
        proba = model.predict_proba(inputs, allow_new_targets=True)
    else:  # any classifier with the plain predict_proba(inputs) works here
        proba = model.predict_proba(inputs)
    choices = [i for i, label in enumerate(model.labels) if allowed is None or label in allowed]
    if not choices:
        raise ValueError(f"none of the model's labels {model.labels} is among the allowed labels {list(allowed or [])}")
    frame = pd.DataFrame(proba, columns=[f"proba_{label}" for label in model.labels])
    labels = [model.labels[choices[i]] for i in proba[:, choices].argmax(axis=1)]
    frame.insert(0, "label", pd.Series(labels, dtype=str))  # str even when empty
    return frame


def record_training(model_dir: Path, task: "Task", source: Any) -> None:
    """Write what the model was trained for into its `stancebench.json` (task, data, targets, and
    `training_data`: the source's name, sha256, path, license and what it is), so `stancebench-eval`
    can refuse a task it cannot answer and the model card can say what the model learned from."""
    from stancebench.models.base import read_config, training_data, write_config, write_model_card

    targets = task.split_targets("train", source.targets)
    write_config(model_dir, {**read_config(model_dir), "task": task.name, "trained_on": source.name,
                             "trained_targets": list(targets), "training_data": training_data(source)})
    write_model_card(model_dir)  # the card now names the training data; log_model adds the scores


def log_model(model_dir: Path, model: "Classifier", input_example: pd.DataFrame, register_as: str | None = None,
              result: Any = None, confidence: float = 0.95, alias: str | None = None, description: str | None = None) -> str:
    """Log a saved model folder as a models-from-code pyfunc (no pickled Python object).

    Returns the model URI. The package code travels with the model (`code_paths`), so
    `mlflow.pyfunc.load_model` works where stancebench is not installed, with only the packages of
    `_requirements` (the pyfunc path imports no datasets, hydra, matplotlib, nor torch for a
    baseline). The model card (`README.md`) is rewritten first: its snippet names this run's model
    URI, and with a scored `result` (a `RunResult`) it lists the scores with their CIs.
    `register_as` registers the model; `alias` and `description` go to the new version.
    """
    import shutil

    from mlflow.models import infer_signature

    from stancebench.models.base import card_results, write_model_card

    run = mlflow.active_run()
    write_model_card(model_dir, results=card_results(result, confidence),
                     uri=f"runs:/{run.info.run_id}/model" if run is not None else None)

    # REST callers may send params={"allow_new_targets": true} (see _mlflow_model.py)
    signature = infer_signature(input_example, predictions_frame(model, input_example), params={"allow_new_targets": False})
    with tempfile.TemporaryDirectory() as tmp:
        code = shutil.copytree(PACKAGE_DIR, Path(tmp) / "stancebench",
                               ignore=shutil.ignore_patterns("__pycache__", "conf", "_bundled"))
        info = mlflow.pyfunc.log_model(
            name="model",
            python_model=str(PYFUNC_MODEL_FILE),
            artifacts={"model": str(model_dir)},
            code_paths=[str(code)],
            signature=signature,
            input_example=input_example,
            registered_model_name=register_as,
            pip_requirements=_requirements(model),
        )
    if register_as and (alias or description):
        client = mlflow.MlflowClient()
        version = info.registered_model_version
        if description:
            client.update_model_version(register_as, version, description=str(description))
        if alias:
            client.set_registered_model_alias(register_as, str(alias), version)
    return info.model_uri


def log_inputs(source: Any, frames: dict[str, pd.DataFrame]) -> None:
    """Each split the run read, as an MLflow dataset input (name, source path, sha256, row count,
    columns, license); the texts themselves are not stored."""
    import warnings

    from stancebench.models.base import training_data

    data_info = training_data(source)
    for split, frame in frames.items():
        with warnings.catch_warnings():  # MLflow finds two local-file source types for a path and warns it picks one
            warnings.filterwarnings("ignore", message="The specified dataset source can be interpreted")
            dataset = mlflow.data.from_pandas(frame, source=data_info.get("path"), name=f"{source.name}/{split}",
                                              targets="label")
        context = "training" if split == "train" else f"evaluation_{split}"
        tags = {"corpus_sha256": data_info["sha256"], "license": data_info["license"]}
        for attempt in range(3):
            try:
                mlflow.log_input(dataset, context=context, tags=tags)
                break
            except Exception as err:  # noqa: BLE001 - MLflow's or the server's wrapping of the same IntegrityError
                # two jobs logging the same dataset at once race to insert it (MLflow checks, then
                # inserts); the loser finds it on the next try
                if "UNIQUE constraint failed: datasets" not in str(err) or attempt == 2:
                    raise


def _requirements(model: "Classifier") -> list[str]:
    from importlib.metadata import version

    # everything the pyfunc load path imports (_mlflow_model -> models.load_saved ->
    # tracking.predictions_frame, with stancebench/_paths.py and tracking.py's own imports);
    # tests/test_load_anywhere.py builds a fresh venv from this list and loads a model there
    packages = ["mlflow", "numpy", "pandas", "scikit-learn", "skops", "scipy", "omegaconf", "filelock"]
    parts = [model, *([model.inner] if hasattr(model, "inner") else [])]  # a wrapper (per_target) and its model
    if any(getattr(part, "format", "") in ("transformer", "embed_logreg") for part in parts):
        packages += ["torch", "transformers", "safetensors", "tokenizers"]
    for part in parts:
        packages += getattr(part, "extra_requirements", [])  # e.g. the package of a referenced encoder
    return [f"{name}=={version(name)}" for name in dict.fromkeys(packages)]
