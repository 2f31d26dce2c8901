"""Everything MLflow: the store, experiments, runs, params, artifacts and model logging."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import mlflow
import pandas as pd
from filelock import FileLock

from stancebench._paths import PACKAGE_DIR, project_root

if TYPE_CHECKING:
    from collections.abc import Sequence

    from stancebench.models.base import Classifier
    from stancebench.tasks import Task

PYFUNC_MODEL_FILE = PACKAGE_DIR / "_mlflow_model.py"
# a progress bar per artifact download is noise in a training log
os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


class TrackingUnavailable(RuntimeError):
    """The tracking store cannot be reached; raised before any training starts."""


def default_tracking_uri() -> str:
    """`MLFLOW_TRACKING_URI`, else the SQLite store `mlflow.db` at the project root."""
    return os.environ.get("MLFLOW_TRACKING_URI") or f"sqlite:///{project_root() / 'mlflow.db'}"


def _sqlite_path(uri: str) -> Path | None:
    return Path(uri.removeprefix("sqlite:///")) if uri.startswith("sqlite:///") else None


def connect(uri: str, timeout: float = 5.0) -> str:
    """Point MLflow at `uri` and make sure it answers (a server) or can be created (SQLite)."""
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
        try:
            db.parent.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise TrackingUnavailable(f"cannot create the MLflow store folder {db.parent}: {err}") from err
    mlflow.set_tracking_uri(uri)
    return uri


def _lock_for(uri: str) -> FileLock:
    db = _sqlite_path(uri)
    if db is not None:
        return FileLock(str(db) + ".lock")
    digest = hashlib.sha1(uri.encode()).hexdigest()[:12]
    return FileLock(Path(tempfile.gettempdir()) / f"stancebench-mlflow-{digest}.lock")


def experiment_id(name: str, uri: str) -> str:
    """Get or create an experiment. Under a file lock, so parallel sweep jobs do not race to
    create it (or to create the SQLite schema); SQLite stores keep artifacts beside the db."""
    with _lock_for(uri):
        experiment = mlflow.get_experiment_by_name(name)
        if experiment is not None:
            return experiment.experiment_id
        location = None
        if (db := _sqlite_path(uri)) is not None:
            slug = re.sub(r"[^A-Za-z0-9_.-]+", "__", name)
            location = (db.parent / "mlartifacts" / slug).resolve().as_uri()
        return mlflow.create_experiment(name, artifact_location=location)


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


def predictions_frame(model: "Classifier", inputs: pd.DataFrame, allowed: "Sequence[str] | None" = None) -> pd.DataFrame:
    """`label` and one `proba_<label>` column per label: what the pyfunc model returns.

    `allowed` restricts `label` to the most probable of those labels (a model scored on a data set
    that lacks one of its classes); the probabilities stay the model's own.
    """
    proba = model.predict_proba(inputs)
    choices = [i for i, label in enumerate(model.labels) if allowed is None or label in allowed]
    frame = pd.DataFrame(proba, columns=[f"proba_{label}" for label in model.labels])
    frame.insert(0, "label", [model.labels[choices[i]] for i in proba[:, choices].argmax(axis=1)])
    return frame


def record_training(model_dir: Path, task: "Task", source: Any) -> None:
    """Write what the model was trained for into its `stancebench.json` (task, data, targets), so
    `stancebench-eval` can refuse a task it cannot answer."""
    from stancebench.models.base import read_config, write_config

    targets = task.split_targets("train", source.targets)
    write_config(model_dir, {**read_config(model_dir), "task": task.name, "trained_on": source.name,
                             "trained_targets": list(targets)})


def log_model(model_dir: Path, model: "Classifier", input_example: pd.DataFrame,
              register_as: str | None = None) -> str:
    """Log a saved model folder as a models-from-code pyfunc (no pickled Python object).

    Returns the model URI. The package code travels with the model (`code_paths`), so
    `mlflow.pyfunc.load_model` works where stancebench is not installed.
    """
    import shutil

    from mlflow.models import infer_signature

    signature = infer_signature(input_example, predictions_frame(model, input_example))
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
    return info.model_uri


def _requirements(model: "Classifier") -> list[str]:
    from importlib.metadata import version

    packages = ["mlflow", "pandas", "scikit-learn", "skops", "scipy", "omegaconf", "filelock"]
    parts = [model, *([model.inner] if hasattr(model, "inner") else [])]  # a wrapper (per_target) and its model
    if any(getattr(part, "format", "") in ("transformer", "embed_logreg") for part in parts):
        packages += ["torch", "transformers", "safetensors", "tokenizers"]
    for part in parts:
        packages += getattr(part, "extra_requirements", [])  # e.g. the package of a referenced encoder
    return [f"{name}=={version(name)}" for name in dict.fromkeys(packages)]
