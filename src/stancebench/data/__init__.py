"""Data: the statement schema and validator, the corpus loader, UN General Debate units, public benchmarks,
`data=table`."""

from stancebench.data.cross_domain import CrossDomain
from stancebench.data.leaders import LeadersCorpus, file_sha256
from stancebench.data.public import ExternalDataMissing, SemEval2016, TweetEvalSentiment, TweetEvalStance
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
from stancebench.data.table import TableSource
from stancebench.data.ungd import UNGDSource

__all__ = [
    "SENTIMENT_LABELS",
    "SPLITS",
    "STANCE_LABELS",
    "TARGETS",
    "CrossDomain",
    "DataError",
    "ExternalDataMissing",
    "LeadersCorpus",
    "Problem",
    "SemEval2016",
    "TableSource",
    "TweetEvalSentiment",
    "TweetEvalStance",
    "UNGDSource",
    "file_sha256",
    "load_statements",
    "validate_statements",
]
