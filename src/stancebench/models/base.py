"""What every classifier offers, and the saved-model layout they share."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import pandas as pd

CONFIG_NAME = "stancebench.json"


_TEXTS_TYPES = "a str, a list or tuple of str, a pandas Series of str or a DataFrame with a 'text' column"


def _first_non_string(values: Sequence[Any] | pd.Series) -> tuple[Any, Any] | None:
    """(index label, value) of the first value that is not a str (None and NaN included), or None."""
    if isinstance(values, pd.Series):
        # fast path; pandas' "str" dtype reports "string" even with missing values, hence isna
        if pd.api.types.infer_dtype(values, skipna=False) in ("string", "empty") and not values.isna().any():
            return None
        items = values.items()
    else:
        items = enumerate(values)
    return next(((i, v) for i, v in items if not isinstance(v, str)), None)


def _check_strings(values: Sequence[Any] | pd.Series, name: str) -> None:
    bad = _first_non_string(values)
    if bad is not None:
        index, value = bad
        where = f"{name}[{index!r}]" if not isinstance(values, pd.Series) else f"{name} at row {index!r}"
        raise TypeError(f"{where} is {type(value).__name__} ({value!r:.60}), not str: every element must be a string")


def _sequence(values: Any) -> bool:
    return isinstance(values, (list, tuple, pd.Series)) or (isinstance(values, np.ndarray) and values.ndim == 1)


def as_frame(texts: Any, target: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Model input as a frame with a `text` column (and `target` for pair models).

    The one entry for every model's `predict`/`predict_proba` (through `model_input`) and for the
    fine-tuned models' `fit`.

    Args:
        texts: one string, a list or tuple (or 1-D array) of strings, a pandas Series of strings or a
            DataFrame with a `text` column (and any others: `target`, metadata fields).
        target: one target for every row, or one per row; replaces a `target` column.

    Returns:
        A new frame (the caller's is never modified); empty when `texts` is.

    Raises:
        TypeError: `texts` (or `target`) is of another type (a dict, None, bytes, a number), or an
            element is not a string; the message names the type and the index of the first bad element.
        ValueError: a DataFrame without a `text` column, or one target per row of the wrong length.
    """
    if isinstance(texts, str):
        frame = pd.DataFrame({"text": [texts]})
    elif isinstance(texts, pd.DataFrame):
        if "text" not in texts.columns:
            raise ValueError(f"input needs a 'text' column; got columns {list(texts.columns)}")
        _check_strings(texts["text"], "the 'text' column")
        frame = texts.copy()
    elif _sequence(texts):
        _check_strings(texts if isinstance(texts, pd.Series) else list(texts), "texts")
        frame = pd.DataFrame({"text": pd.Series(list(texts), dtype=None if len(texts) else object)})
    else:
        raise TypeError(f"texts must be {_TEXTS_TYPES}; got {type(texts).__name__}")
    if target is not None:
        if isinstance(target, str):
            frame["target"] = target
        elif _sequence(target):
            _check_strings(target if isinstance(target, pd.Series) else list(target), "target")
            if len(target) != len(frame):
                raise ValueError(f"got {len(target)} targets for {len(frame)} texts: pass one target, or one per text")
            frame["target"] = list(target)
        else:
            raise TypeError(f"target must be a str or a list of str (one per text); got {type(target).__name__}")
    elif "target" in frame:
        _check_strings(frame["target"], "the 'target' column")
    return frame


def _known(targets: Sequence[str]) -> str:
    return ", ".join(targets) if targets else "none recorded"


def model_input(model: Any, texts: Any, target: str | Sequence[str] | None = None,
                allow_new_targets: bool = False) -> pd.DataFrame:
    """`as_frame(texts, target)`, checked against what `model` reads.

    A model without a target input (`model.pairs` false) refuses a target. A pair model needs one
    per row, among the targets it was trained on (`model.targets`, matched ignoring case and
    surrounding spaces, and rewritten to the trained spelling: "US" -> "us"). A target it was not
    trained on is refused unless `allow_new_targets` is true and the model can read one
    (`model.new_targets`, a sentence saying how, or None).

    Raises:
        TypeError, ValueError: see `as_frame`; ValueError for a target the model cannot take, with
            the targets it knows.
    """
    X = as_frame(texts, target)
    task = getattr(model, "task", None)
    if not getattr(model, "pairs", False):
        if "target" in X:
            given = "target=" if target is not None else "the 'target' column"
            trained = f"; it was trained for task {task}" if task else ""
            raise ValueError(f"this model reads texts only{trained}; drop {given}")
        return X
    known: list[str] | None = getattr(model, "targets", None)
    trained = f"trained for task {task}" if task else "trained"
    if "target" not in X:
        if X.empty:
            return X
        example = known[0] if known else "us"
        raise ValueError(f"this model reads (target, text) pairs: pass target={example!r} (or a 'target' column); "
                         f"it was {trained} on the targets {_known(known or [])}")
    if known is None:
        # saved before models recorded their targets (stancebench.json without "targets" or
        # "trained_targets"): any target is taken, as it was then
        return X
    spelling = {t.strip().lower(): t for t in known}
    mapping = {value: value if value in known else spelling.get(value.strip().lower(), None)
               for value in X["target"].unique()}
    unknown = sorted(value for value, match in mapping.items() if match is None)
    if unknown:
        reads = getattr(model, "new_targets", None)
        if not (allow_new_targets and reads):
            if reads:
                hint = f"To ask it about a new target anyway, pass allow_new_targets=True ({reads})."
            else:
                why = getattr(model, "no_new_targets", None) or "it cannot answer a target it was not trained on"
                hint = f"{why[0].upper()}{why[1:]}; allow_new_targets=True does not change that."
            raise ValueError(f"unknown target(s) {unknown}: this model was {trained} on the targets "
                             f"{_known(known)} (matched ignoring case). {hint}")
        mapping.update({value: value for value in unknown})
    if any(value != match for value, match in mapping.items()):
        X["target"] = X["target"].map(mapping)
    return X


def empty_proba(labels: Sequence[str]) -> np.ndarray:
    """`predict_proba` of no input: shape (0, number of labels)."""
    return np.zeros((0, len(labels)))


@runtime_checkable
class Classifier(Protocol):
    """fit / predict_proba / predict / save / load, with string labels throughout.

    `pairs`: whether the model reads (target, text) pairs; `targets`: the targets a pair model was
    trained on (None: not recorded, any target taken); `new_targets`: how a pair model reads a
    target it was not trained on (None: it cannot; `no_new_targets` may say why); `task`: the task
    it was trained for, when known.
    """

    labels: list[str]
    pairs: bool

    def fit(self, X: pd.DataFrame, y: Sequence[str], labels: Sequence[str],
            eval_set: tuple[pd.DataFrame, Sequence[str]] | None = None) -> "Classifier": ...

    def predict_proba(self, texts: Any, target: str | None = None, allow_new_targets: bool = False) -> np.ndarray: ...

    def predict(self, texts: Any, target: str | None = None, allow_new_targets: bool = False) -> list[str]: ...

    def save(self, path: str | Path) -> Path: ...


class LabelsMixin:
    """`predict` and `__call__` from `predict_proba` over `self.labels`, and the target attributes."""

    labels: list[str]
    pairs: bool = False
    targets: list[str] | None = None
    new_targets: str | None = None
    task: str | None = None

    def predict(self, texts: Any, target: str | Sequence[str] | None = None,
                allow_new_targets: bool = False) -> list[str]:
        """The most probable label of each input (see `predict_proba`); `[]` for no input."""
        proba = self.predict_proba(texts, target=target, allow_new_targets=allow_new_targets)
        return [self.labels[i] for i in proba.argmax(axis=1)]

    def __call__(self, texts: Any, target: str | Sequence[str] | None = None,
                 allow_new_targets: bool = False) -> list[str]:
        return self.predict(texts, target=target, allow_new_targets=allow_new_targets)


def checked_labels(y: Sequence[str], labels: Sequence[str]) -> list[str]:
    """The training labels as a list; raises if one is outside the task's label set."""
    y = list(y)
    unknown = sorted(set(y) - set(labels))
    if unknown:
        raise ValueError(f"training labels {unknown} are not in the task's label set {list(labels)}")
    return y



def saved_targets(config: dict, features: Any = None) -> list[str] | None:
    """The targets a saved pair model was trained on: `targets` in stancebench.json; for a model
    saved before that, `trained_targets` (written by the training app) or the target blocks of its
    features; None when none of these says (then any target is taken)."""
    targets = config.get("targets") or config.get("trained_targets") or getattr(features, "targets_", None)
    return [str(t) for t in targets] if targets else None


def write_config(path: Path, config: dict) -> None:
    (path / CONFIG_NAME).write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def read_config(path: Path) -> dict:
    file = Path(path) / CONFIG_NAME
    if not file.is_file():
        raise FileNotFoundError(f"{path} is not a saved stancebench model: no {CONFIG_NAME}")
    return json.loads(file.read_text(encoding="utf-8"))


# what the card says about the data a model was trained on, by data source class (recorded by
# `stancebench.tracking.record_training` into stancebench.json as `training_data`)
TRAINING_DATA = {
    "LeadersCorpus": (
        "the stancebench leader corpus (`data/leaders/`, see its data card). **Its statements are constructed, "
        "not quotes**: 1,680 of its 1,690 statements were written by language models for this corpus, to be "
        "realistic for each speaker's publicly known positions (10 are translations of reported statements); "
        "they must not be cited as things the speakers said. No human labelled it: every label was made by "
        "language models (two annotations, then adjudication).",
        "cc-by-4.0"),
    "UNGDSource": (
        "paragraphs of real speeches at the General Debate of the UN General Assembly (2021-2023, UN General "
        "Debate Corpus, CC0), labelled by language models with the leader corpus's guidelines (no human labels). "
        "The texts are read from a local copy of that corpus; stancebench stores only stand-off annotations.",
        "cc0-1.0"),
    "SemEval2016": ("SemEval-2016 Task 6 stance tweets (research use; tweets under Twitter/X terms).", "other"),
    "TweetEvalStance": ("TweetEval's stance tweets (from SemEval-2016 Task 6; research use).", "other"),
    "TweetEvalSentiment": ("TweetEval's sentiment tweets (from SemEval-2017 Task 4; research use).", "other"),
    "TableSource": ("a user's own table of statements (`data=table`).", "other"),
}
# Hugging Face ids of the encoders stancebench's shorthands name
BASE_MODELS = {"minilm": "sentence-transformers/all-MiniLM-L6-v2", None: "sentence-transformers/all-MiniLM-L6-v2",
               "mpnet": "sentence-transformers/all-mpnet-base-v2"}
CARD_EXAMPLE = "We are ready for talks."
_DETAILS_START, _DETAILS_END = "<!-- details -->", "<!-- /details -->"


def _base_model(config: dict) -> str | None:
    """The encoder a transformer or embed_logreg model starts from, as a Hugging Face id when known."""
    if config["format"] == "transformer":
        source = config.get("pretrained")
    elif config["format"] == "embed_logreg":
        encoder = config.get("encoder", {})
        source = encoder.get("bundled", encoder.get("source"))
    else:
        return None
    if source in BASE_MODELS:
        return BASE_MODELS[source]
    source = str(source)
    # a hub id (owner/name) is kept; a local folder is not a base_model the hub could link
    return source if source.count("/") == 1 and not Path(source).exists() else None


def _front_matter(config: dict) -> str:
    library = "transformers" if config["format"] in ("transformer", "embed_logreg") else "sklearn"
    data = config.get("training_data") or {}
    tags = ["stancebench", "stance-detection" if config.get("labels") and "favor" in config["labels"] else "sentiment-analysis",
            f"model-{config.get('name') or config['format']}"]
    if config.get("task"):
        tags.append(f"task-{config['task']}")
    if data.get("name"):
        tags.append(f"data-{data['name']}")
    lines = ["---", f"library_name: {library}", "pipeline_tag: text-classification",
             f"license: {data.get('license') or 'other'}"]
    if (base := _base_model(config)) is not None:
        lines.append(f"base_model: {base}")
    lines.append("tags:")
    lines += [f"  - {tag}" for tag in tags]
    lines.append("---")
    return "\n".join(lines) + "\n"


def _snippet(config: dict, uri: str | None) -> str:
    """Python that loads this model and predicts; a pair model gets a target it was trained on."""
    known = config.get("targets")
    target = ""
    if config.get("pairs"):
        first = (list(known) if isinstance(known, (list, dict)) else []) or (config.get("trained_targets") or ["us"])
        target = f", target={first[0]!r}"
    where = uri or "<this folder, or runs:/<run_id>/model>"
    fields = list(config.get("input_fields") or [])
    if fields:  # a model that reads metadata columns (model=metadata) takes a frame with them
        columns = ", ".join(f"{name!r}: [{'...'!r}]" for name in fields)
        head = f"import pandas as pd\nimport stancebench\n\ninputs = pd.DataFrame({{'text': [{CARD_EXAMPLE!r}], {columns}}})\n"
        inputs = "inputs"
    else:
        head, inputs = "import stancebench\n\n", f"[{CARD_EXAMPLE!r}]"
    return ("```python\n" + head
            + f"model = stancebench.load_model({where!r})  # or this folder\n"
            f"print(model.predict({inputs}{target}))\n"
            f"print(model.predict_proba({inputs}{target}))  # columns: {', '.join(config['labels'])}\n"
            "```\n")


def _metrics_table(results: dict) -> str:
    """`results`: {"main_score": name, "confidence": 0.95, "splits": {split: {"examples": n,
    "scores": {metric: value}, "ci": {metric: [low, high]}}}}."""
    main = results.get("main_score")
    confidence = results.get("confidence", 0.95)
    rows = []
    for split in ("test", "dev"):
        part = results.get("splits", {}).get(split)
        if not part:
            continue
        names = [main, *(m for m in part.get("ci", {}) if m != main)]
        names += [m for m in ("macro_f1", "accuracy") if m not in names and m in part["scores"]]
        for name in names:
            if name not in part["scores"]:
                continue
            low, high = part.get("ci", {}).get(name, (None, None))
            ci = f"[{low:.3f}, {high:.3f}]" if low is not None else "-"
            rows.append(f"| {split} | {name}{' (main)' if name == main else ''} | {part['scores'][name]:.3f} | {ci} | "
                        f"{part.get('examples', '')} |")
    if not rows:
        return ""
    return (f"| split | metric | value | {confidence:.0%} CI (bootstrap) | examples |\n"
            "|---|---|---|---|---|\n" + "\n".join(rows) + "\n")


def training_data(source: Any) -> dict[str, str]:
    """What a model card and `mlflow.log_input` say about a data source: `name`, `sha256`, `path`
    (where it is one file or folder), `license` and `description` (see `models.base.TRAINING_DATA`).
    A source of several (`data=cross_domain`: its train part; `data=union`: all parts) is described
    by its parts."""
    parts = [source.train] if hasattr(source, "train") and hasattr(source, "test") else \
        list(getattr(source, "parts", {}).values()) or [source]
    descriptions, licenses = [], []
    for part in parts:
        description, license_ = TRAINING_DATA.get(type(part).__name__, ("a data source of type "
                                                                         f"{type(part).__name__}.", "other"))
        card_license = _card_license(part)
        if type(part).__name__ == "LeadersCorpus" and card_license is None:
            # a file in the corpus's format, without the bundled corpus's data card beside it
            description, license_ = ("a statements file in the leader corpus's format (not the bundled corpus: no "
                                     "data card beside it), of unknown origin.", "other")
        descriptions.append(description if len(parts) == 1 else f"`{part.name}`: {description}")
        licenses.append(card_license or license_)
    path = getattr(source, "path", None) or getattr(source, "units", None)  # ungd: its stand-off annotations
    info = {"name": str(source.name), "sha256": str(source.content_hash), "description": " ".join(descriptions),
            "license": licenses[0] if len(set(licenses)) == 1 else "other"}
    if path is not None:
        info["path"] = str(path)
    return info


def _card_license(source: Any) -> str | None:
    """`license:` of the data card (README.md front matter) beside the source's file, if any."""
    path = getattr(source, "path", None) or getattr(source, "units", None)
    if path is None:
        return None
    card = Path(path).parent / "README.md"
    try:
        text = card.read_text(encoding="utf-8")
    except OSError:
        return None
    if not text.startswith("---"):
        return None
    match = re.search(r"^license:\s*(\S+)\s*$", text.split("\n---", 1)[0], flags=re.MULTILINE)
    return match.group(1) if match else None


def card_results(result: Any, confidence: float = 0.95) -> dict | None:
    """The scores of a `RunResult` as `models.base.write_model_card` takes them; None before scoring."""
    splits = getattr(result, "splits", None)
    if not splits:
        return None
    return {"main_score": result.main_score, "confidence": confidence,
            "splits": {name: {"scores": dict(part.scores), "ci": {m: list(ci) for m, ci in part.ci.items()},
                              "examples": part.examples} for name, part in splits.items()}}


def write_model_card(path: Path, config: dict | None = None, details: str | None = None,
                     results: dict | None = None, uri: str | None = None) -> None:
    """Write the model folder's `README.md`: Hugging Face front matter (library, pipeline tag, the
    training data's license, base model, tags), what the model reads and answers, its training
    data (name, sha256, what it is), test scores with CIs when `results` is given, intended use and
    limits, and a snippet that works for this model.

    Called by each model's `save` (with `details` on its weights) and again by
    `stancebench.tracking.log_model` once the training data and scores are known; `config` None =
    the folder's stancebench.json, `details` None = the details of the card already there.
    """
    path = Path(path)
    config = read_config(path) if config is None else config
    if details is None:
        old = path / "README.md"
        text = old.read_text(encoding="utf-8") if old.is_file() else ""
        start, end = text.find(_DETAILS_START), text.find(_DETAILS_END)
        details = text[start + len(_DETAILS_START):end].strip("\n") + "\n" if 0 <= start < end else ""
    labels = ", ".join(config["labels"])
    known = config.get("targets")
    known = list(known) if isinstance(known, (list, dict)) else (config.get("trained_targets") or [])
    if config.get("pairs"):
        reads = ("(target, text) pairs: pass `target=` (or a `target` column). It was trained on the targets "
                 f"{', '.join(f'`{t}`' for t in known) or '(not recorded)'} and refuses any other target"
                 + (" unless asked with `allow_new_targets=True`" if config["format"] in ("transformer", "embed_logreg", "sklearn")
                    else "") + ".")
    else:
        reads = "texts only (no target)."
    data = config.get("training_data") or {}
    if data:
        training = (f"- data: `{data.get('name')}`" + (f" ({data['path']})" if data.get("path") else "") + "\n"
                    f"- sha256 of what was read: `{data.get('sha256', '?')}`\n"
                    f"- license: {data.get('license') or 'other'}\n\n{data.get('description', '')}\n")
    else:
        training = "Not recorded (saved outside `stancebench-train`).\n"
    scores = _metrics_table(results) if results else ""
    if not scores:
        scores = "Not recorded here; see the MLflow run's `results.json`.\n"
    text = (
        _front_matter(config)
        + f"\n# stancebench model: {config.get('name', config['format'])}\n\n"
        f"- task: {config.get('task') or '?'}\n- format: {config['format']}\n- labels: {labels}\n- input: {reads}\n\n"
        + _DETAILS_START + "\n" + details + _DETAILS_END + "\n\n"
        "## Use\n\n" + _snippet(config, uri)
        + "\nWithout stancebench installed: `mlflow.pyfunc.load_model(uri).predict(pd.DataFrame({\"text\": [...]"
        + (", \"target\": [...]" if config.get("pairs") else "") + "}))`, or serve it with `mlflow models serve`.\n\n"
        "## Training data\n\n" + training
        + "\n## Scores\n\n" + scores
        + "\n## Intended use and limits\n\n"
        "A research baseline of the stancebench benchmark: it compares methods for stance and sentiment of "
        "political leaders' statements. It is not meant to judge what a real person thinks or said, to monitor "
        "people, or to make decisions about them. Its labels come from language-model annotation, and a model "
        "trained on constructed statements has not been shown to transfer to real speech (see the benchmark's "
        "transfer experiments); scores on other text types, languages or targets will differ. A pair model "
        "answers only for its trained targets unless explicitly allowed.\n"
    )
    (path / "README.md").write_text(text, encoding="utf-8")
