"""Data: the statement schema and validator, the corpus loader."""

from stancebench.data.leaders import LeadersCorpus, file_sha256
from stancebench.data.schema import (
    SENTIMENT_LABELS,
    SPLITS,
    STANCE_LABELS,
    TARGETS,
    DataError,
    Problem,
    load_statements,
    validate_statements,
)

__all__ = [
    "SENTIMENT_LABELS",
    "SPLITS",
    "STANCE_LABELS",
    "TARGETS",
    "DataError",
    "LeadersCorpus",
    "Problem",
    "file_sha256",
    "load_statements",
    "validate_statements",
]
