"""stancebench: stance and sentiment classification of political leaders' statements.

Examples:
    >>> import stancebench
    >>> model = stancebench.load_model("runs:/<run_id>/model")  # doctest: +SKIP
    >>> model.predict(["Russia cannot be pressured."], target="negotiations")  # doctest: +SKIP
"""

from stancebench.loading import load_model
from stancebench.tasks import get_task

__version__ = "0.2.0"
__all__ = ["__version__", "get_task", "load_model"]
