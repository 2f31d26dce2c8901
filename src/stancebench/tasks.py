"""Tasks: which label column(s) a model learns, its label set, its input view and headline metric.

`task=stance` is ONE model over (target, text) pairs rather than one model per target: evidence is
shared across targets (a speaker's hostile vocabulary says something about every target), one model
is logged and loaded, and the same model can be tested on a target it never saw (`stance_cross`).
The baselines still learn target-specific weights through feature augmentation (see
`stancebench.models.baselines.TargetAwareFeatures`).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

from stancebench.data.schema import SENTIMENT_LABELS, STANCE_LABELS, TARGETS, stance_column
from stancebench.metrics import headline_metrics, main_metric

if TYPE_CHECKING:
    import datasets  # only for annotations: `import stancebench.tasks` stays light (no datasets, no pyarrow)

    from stancebench.data.source import DataSource

Split = Literal["train", "dev", "test"]


@dataclass(frozen=True)
class Task:
    """A classification task over a statements `DatasetDict`.

    Args:
        name: registry name, also the MLflow experiment suffix (`leaders/stance_us`).
        kind: "stance" (labels favor/against/neutral/none) or "sentiment".
        description: one line for reports.
        targets: stance targets trained (and evaluated) on; () means every target of the data.
        test_targets: targets evaluated on the test split instead (held-out target transfer).
        text_field: the column models read.
        labels: the label set scored over; () = the kind's full set (the leader corpus's). A data
            source narrows it to the labels it has (`for_source`): TweetEval stance has no
            `neutral`, and a macro average must not count a class that does not exist.
    """

    name: str
    kind: Literal["stance", "sentiment"]
    description: str
    targets: tuple[str, ...] = ()
    test_targets: tuple[str, ...] | None = None
    text_field: str = "text_en"
    labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.labels:
            object.__setattr__(self, "labels", STANCE_LABELS if self.kind == "stance" else SENTIMENT_LABELS)

    def for_source(self, source: "DataSource") -> "Task":
        """This task over the label set `source` has for its kind."""
        labels = tuple(source.labels(self.kind))
        if not labels:
            raise ValueError(f"data {source.name!r} has no {self.kind} labels, so it cannot serve task {self.name!r}")
        unknown = [t for t in (*self.targets, *(self.test_targets or ())) if t not in source.targets]
        if self.kind == "stance" and unknown:
            raise ValueError(f"task {self.name!r} asks about target(s) {unknown}, which data {source.name!r} does not "
                             f"have; its targets: {', '.join(source.targets) or 'none'}")
        return dataclasses.replace(self, labels=labels)

    @property
    def main_score(self) -> str:
        """SemEval-2016 Task 6's F_avg for stance; TweetEval's macro recall for sentiment."""
        return main_metric(self.labels)

    @property
    def headline_metrics(self) -> tuple[str, ...]:
        """The test metrics that get bootstrap confidence intervals."""
        return headline_metrics(self.labels)

    @property
    def pairs(self) -> bool:
        """Whether inputs are (target, text) pairs rather than texts alone."""
        return self.kind == "stance" and (len(self.targets) != 1 or self.test_targets is not None)

    def split_targets(self, split: Split, data_targets: tuple[str, ...]) -> tuple[str, ...]:
        if self.kind != "stance":
            return ()
        if split == "test" and self.test_targets is not None:
            return self.test_targets
        return self.targets or data_targets

    def frame(self, dataset: datasets.Dataset, split: Split, data_targets: tuple[str, ...],
              fields: Sequence[str] = ()) -> pd.DataFrame:
        """One row per example: `id`, `text`, `target` (stance), the metadata `fields` a model reads
        (`model=metadata`) and the gold `label` string.

        Rows whose label is missing (-1 or None, as in public sets that label one target per
        text) are left out of that target's view only.
        """
        missing = [f for f in fields if f not in dataset.column_names]
        if missing:
            raise ValueError(f"the model reads metadata field(s) {missing}, which this data set does not have; "
                             f"its columns: {', '.join(dataset.column_names)}")
        columns = ["id", self.text_field, *fields]
        if self.kind == "sentiment":
            frame = _decoded(dataset, "sentiment", columns)
        else:
            parts = []
            for target in self.split_targets(split, data_targets):
                part = _decoded(dataset, stance_column(target), columns)
                part.insert(1, "target", target)
                parts.append(part)
            frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        return frame.rename(columns={self.text_field: "text"})

    def inputs(self, frame: pd.DataFrame, pairs: bool | None = None, fields: Sequence[str] = ()) -> pd.DataFrame:
        """What a model sees: `text`, plus `target` for pair tasks (or when `pairs`: a pair model
        asked about one target), plus the metadata `fields` it reads."""
        pair = self.pairs if pairs is None else pairs
        return frame[[*(["target"] if pair else []), "text", *fields]]


def _decoded(dataset: datasets.Dataset, label_column: str, columns: list[str]) -> pd.DataFrame:
    feature = dataset.features[label_column]
    frame = dataset.select_columns([*columns, label_column]).to_pandas()
    frame = frame[frame[label_column].notna() & (frame[label_column] != -1)]
    frame["label"] = [feature.int2str(int(v)) for v in frame.pop(label_column)]
    return frame.reset_index(drop=True)


def _build_registry(tasks: list[Task]) -> dict[str, Task]:
    registry: dict[str, Task] = {}
    for task in tasks:
        if task.name in registry:
            raise ValueError(f"duplicate task name {task.name!r}")
        registry[task.name] = task
    return registry


TASKS = _build_registry(
    [
        Task("stance_us", "stance", "Stance toward the United States", targets=("us",)),
        Task("stance_ukraine", "stance", "Stance toward Ukraine", targets=("ukraine",)),
        Task("stance_negotiations", "stance", "Stance toward the negotiations", targets=("negotiations",)),
        Task("stance", "stance", "Stance toward every target, one model over (target, text) pairs"),
        Task("sentiment", "sentiment", "Sentiment of the whole statement"),
    ]
)
TASK_NAMES = (*TASKS, "stance_cross")


def get_task(name: str, held_out: str | None = None, target: str | None = None,
             text_field: str = "text_en") -> Task:
    """A task by name; `stance_cross` trains on two targets and tests on the held-out third.

    `stance` with `target=` is the single-target task for any target of the data (public sets:
    `task=stance task.target=abortion`).

    Examples:
        >>> get_task("stance_us").labels
        ('favor', 'against', 'neutral', 'none')
        >>> get_task("stance_cross", held_out="negotiations").name
        'stance_cross_negotiations'
    """
    if name == "stance_cross":
        if held_out not in TARGETS:
            raise ValueError(f"task stance_cross needs task.held_out, one of {', '.join(TARGETS)}; got {held_out!r}")
        trained = tuple(t for t in TARGETS if t != held_out)
        return Task(
            f"stance_cross_{held_out}", "stance",
            f"Stance: train on {' and '.join(trained)}, test on the held-out target {held_out}",
            targets=trained, test_targets=(held_out,), text_field=text_field,
        )
    if held_out is not None:
        raise ValueError(f"task.held_out is only for task stance_cross, not {name!r}")
    if target is not None:
        if name != "stance":
            raise ValueError(f"task.target is only for task stance, not {name!r}")
        return Task(f"stance_{target}", "stance", f"Stance toward {target}", targets=(target,), text_field=text_field)
    if name not in TASKS:
        close = difflib.get_close_matches(name, TASK_NAMES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise KeyError(f"unknown task {name!r}{hint} Known tasks: {', '.join(TASK_NAMES)}")
    task = TASKS[name]
    return task if text_field == task.text_field else dataclasses.replace(task, text_field=text_field)
