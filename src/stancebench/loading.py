"""`load_model`: one call from a saved folder or an MLflow URI to a classifier."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from stancebench.models.base import CONFIG_NAME

if TYPE_CHECKING:
    from stancebench.models.base import Classifier


def load_model(uri: str | Path, tracking_uri: str | None = None, quantize: bool = False) -> "Classifier":
    """Load a trained stancebench model.

    A model in a store that keeps its artifacts on this machine is read where it is; from any other
    store it is downloaded into a temporary folder, removed once the model is in memory (every
    model kind reads its files fully on load).

    Args:
        uri: `runs:/<run_id>/model`, `models:/<name>/<version>` (or `@alias`), `models:/<model_id>`,
            a folder written by `model.save()`, or a downloaded MLflow model folder.
        tracking_uri: the MLflow store to resolve `runs:/` and `models:/` against; default
            `MLFLOW_TRACKING_URI`, else `mlflow.db` at the project root.
        quantize: a transformer model (`model=transformer`) gets dynamic int8 Linear layers and runs
            on the CPU: 3-4x faster CPU inference, nearly the same predictions
            (`TransformerClassifier.quantize`). Any other kind of model raises a ValueError.

    Returns:
        A classifier with `labels`, `predict(texts)` and `predict_proba(texts)`.

    Examples:
        >>> model = load_model("runs:/3f2a.../model")  # doctest: +SKIP
        >>> model.predict(["We are ready for negotiations."], target="negotiations")  # doctest: +SKIP
        ['favor']
    """
    from stancebench.models import load_saved

    with downloaded_model_folder(uri, tracking_uri) as folder:
        if not quantize:
            return load_saved(folder)
        from stancebench.models.base import read_config

        kind = read_config(folder)["format"]
        if kind != "transformer":
            raise ValueError(f"quantize=True is for transformer models (model=transformer); {uri} is a {kind!r} "
                             "model: load it without quantize")
        from stancebench.models.transformer import TransformerClassifier

        return TransformerClassifier.load(folder, quantize=True)


@contextmanager
def downloaded_model_folder(uri: str | Path, tracking_uri: str | None = None) -> Iterator[Path]:
    """The saved stancebench model folder (holding `stancebench.json`) behind `uri`, for the
    duration of a `with` block.

    A local path is used where it is, and so is an MLflow URI whose artifacts are on this machine's
    disk (a local store); any other MLflow URI is downloaded into a temporary folder that is
    removed when the block exits, however it exits.

    Examples:
        >>> with downloaded_model_folder("runs:/3f2a.../model") as folder:  # doctest: +SKIP
        ...     config = read_config(folder)
        ...     model = load_saved(folder)
    """
    path = Path(uri)
    if path.exists():
        yield _stancebench_folder(path, uri)
        return
    if not _is_mlflow_uri(str(uri)):
        raise FileNotFoundError(f"no model folder at {uri}, and it is not an MLflow URI (runs:/<run_id>/model, "
                                "models:/<name>/<version>)")
    from stancebench.tracking import connect, default_tracking_uri

    tracking_uri = connect(tracking_uri or default_tracking_uri(), create=False)  # a reading call never creates a store
    local = _local_artifacts(str(uri))
    if local is not None:
        yield _stancebench_folder(local, uri)
        return
    with tempfile.TemporaryDirectory(prefix="stancebench-model-") as tmp:
        yield _stancebench_folder(_download(uri, tmp), uri)


def _is_mlflow_uri(uri: str) -> bool:
    return re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:/", uri) is not None  # runs:/, models:/, s3://, ... (not C:/)


def _local_artifacts(uri: str) -> Path | None:
    """The folder behind a `runs:/` or `models:/` URI when the store keeps it on this machine's disk
    (read in place: nothing to copy, nothing left behind); None otherwise, or on any doubt."""
    from mlflow.store.artifact.models_artifact_repo import ModelsArtifactRepository
    from mlflow.store.artifact.runs_artifact_repo import RunsArtifactRepository

    try:
        if RunsArtifactRepository.is_runs_uri(uri):
            underlying = RunsArtifactRepository.get_underlying_uri(uri)
        elif ModelsArtifactRepository.is_models_uri(uri):
            underlying = ModelsArtifactRepository.get_underlying_uri(uri)
        else:
            return None
    except Exception:  # noqa: BLE001 - no such run or model, or an MLflow without these helpers: download
        return None
    if not underlying.startswith("file:"):
        return None
    from urllib.parse import urlparse
    from urllib.request import url2pathname

    path = Path(url2pathname(urlparse(underlying).path))
    return path if path.is_dir() else None


def _download(uri: str | Path, destination: str) -> Path:
    """Download `uri` (from the store `connect` chose) into `destination`."""
    import mlflow

    try:
        return Path(mlflow.artifacts.download_artifacts(artifact_uri=str(uri), dst_path=destination))
    except mlflow.exceptions.MlflowException as err:
        raise FileNotFoundError(f"no model at {uri} in the MLflow store {mlflow.get_tracking_uri()}: "
                                f"{err.message.splitlines()[0]}") from err


def _stancebench_folder(path: Path, uri: str | Path) -> Path:
    """`path` itself, or the stancebench model inside an MLflow model folder."""
    if (path / CONFIG_NAME).is_file():
        return path
    if (path / "MLmodel").is_file():
        from mlflow.models import Model

        artifacts = Model.load(str(path)).flavors["python_function"].get("artifacts", {})
        if "model" in artifacts:
            return path / artifacts["model"]["path"]
    raise ValueError(f"{uri} is neither a saved stancebench model nor an MLflow model logged by stancebench")
