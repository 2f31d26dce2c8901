"""`load_model`: one call from a saved folder or an MLflow URI to a classifier."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from stancebench.models.base import CONFIG_NAME

if TYPE_CHECKING:
    from stancebench.models.base import Classifier


def load_model(uri: str | Path, tracking_uri: str | None = None) -> "Classifier":
    """Load a trained stancebench model.

    Args:
        uri: `runs:/<run_id>/model`, `models:/<name>/<version>` (or `@alias`), `models:/<model_id>`,
            a folder written by `model.save()`, or a downloaded MLflow model folder.
        tracking_uri: the MLflow store to resolve `runs:/` and `models:/` against; default
            `MLFLOW_TRACKING_URI`, else `mlflow.db` at the project root.

    Returns:
        A classifier with `labels`, `predict(texts)` and `predict_proba(texts)`.

    Examples:
        >>> model = load_model("runs:/3f2a.../model")  # doctest: +SKIP
        >>> model.predict(["We are ready for negotiations."], target="negotiations")  # doctest: +SKIP
        ['favor']
    """
    from stancebench.models import load_saved

    return load_saved(model_folder(uri, tracking_uri))


def model_folder(uri: str | Path, tracking_uri: str | None = None) -> Path:
    """The saved stancebench model folder (holding `stancebench.json`) behind `uri`, downloaded
    from MLflow when `uri` is not a local path."""
    path = Path(uri)
    if not path.exists():
        import mlflow

        from stancebench.tracking import default_tracking_uri

        mlflow.set_tracking_uri(tracking_uri or default_tracking_uri())
        try:
            path = Path(mlflow.artifacts.download_artifacts(artifact_uri=str(uri)))
        except mlflow.exceptions.MlflowException as err:
            raise FileNotFoundError(f"no model at {uri} in the MLflow store {mlflow.get_tracking_uri()}: "
                                    f"{err.message.splitlines()[0]}") from err
    if (path / CONFIG_NAME).is_file():
        return path
    if (path / "MLmodel").is_file():
        from mlflow.models import Model

        artifacts = Model.load(str(path)).flavors["python_function"].get("artifacts", {})
        if "model" in artifacts:
            return path / artifacts["model"]["path"]
    raise ValueError(f"{uri} is neither a saved stancebench model nor an MLflow model logged by stancebench")
