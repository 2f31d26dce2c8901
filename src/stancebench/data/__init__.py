"""Data: the statement schema and validator, the data-source contract (`DataSource`) and its
sources: the leader corpus, UN General Debate units, the public benchmarks (TweetEval, SemEval-2016),
`data=table` and `data=cross_domain`."""

from stancebench.data.contrast import ContrastSet
from stancebench.data.cross_domain import CrossDomain, UnionSource
from stancebench.data.hashing import file_sha256
from stancebench.data.leaders import LeadersCorpus
from stancebench.data.problems import DataError, Problem
from stancebench.data.rows import ExternalDataMissing
from stancebench.data.schema import (
    SENTIMENT_LABELS,
    SPLITS,
    STANCE_LABELS,
    TARGETS,
    load_statements,
    validate_statements,
)
from stancebench.data.semeval2016 import SemEval2016
from stancebench.data.source import DataSource
from stancebench.data.table import TableSource
from stancebench.data.tweeteval import TweetEvalSentiment, TweetEvalStance
from stancebench.data.ungd import UNGDSource

__all__ = [
    "SENTIMENT_LABELS",
    "SPLITS",
    "STANCE_LABELS",
    "TARGETS",
    "ContrastSet",
    "CrossDomain",
    "DataError",
    "DataSource",
    "ExternalDataMissing",
    "LeadersCorpus",
    "Problem",
    "SemEval2016",
    "TableSource",
    "TweetEvalSentiment",
    "TweetEvalStance",
    "UNGDSource",
    "UnionSource",
    "file_sha256",
    "load_statements",
    "validate_statements",
]
