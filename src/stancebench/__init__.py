"""stancebench: stance and sentiment classification of political leaders' statements.

Examples:
    >>> import stancebench
    >>> model = stancebench.load_model("runs:/<run_id>/model")  # doctest: +SKIP
    >>> model.predict(["Russia cannot be pressured."], target="negotiations")  # doctest: +SKIP
    >>> corpus = stancebench.load_corpus()  # doctest: +SKIP

`import stancebench` is cheap: the public names are imported on first use, so a logged model loads
(`mlflow.pyfunc.load_model`) without the training stack (datasets, hydra, matplotlib, torch).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stancebench.corpus import load_corpus
    from stancebench.loading import load_model
    from stancebench.tasks import get_task

__version__ = "0.2.0"
__all__ = ["__version__", "get_task", "load_corpus", "load_model"]

_LAZY = {"get_task": "stancebench.tasks", "load_corpus": "stancebench.corpus", "load_model": "stancebench.loading"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value  # later lookups skip this function
        return value
    raise AttributeError(f"module 'stancebench' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
