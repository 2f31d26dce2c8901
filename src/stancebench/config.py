"""The real Hydra config composed outside the apps (tests, experiment scripts, notebooks), and the
check every composed config passes before any heavy work.

    cfg = compose_config(["model=tfidf_svm", "task=stance_us"], output_dir="outputs/x")
    result, objects = train(cfg)

`check_config` holds one rule per config key (`RULES`, and `MODEL_RULES` for every model node): a
value of the wrong type or out of range raises `ConfigError` naming the key, the value and what is
allowed, e.g. `model.lr=-1.0: must be a number > 0`. Both apps run it first (`train.run_app`), before
the tracking store, the data or the model is touched, so a bad value leaves no MLflow run behind.
"""

from __future__ import annotations

import math
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from omegaconf import DictConfig, OmegaConf

from stancebench._paths import conf_dir, register_resolvers


class ConfigError(ValueError):
    """A config value of the wrong type or out of its allowed range; the message names every such key."""


@dataclass(frozen=True)
class Rule:
    """What one config key may hold: a `kind` and, for numbers, bounds (`gt`/`ge` below, `lt`/`le`
    above), or the `choices` of a string; `nullable` also allows null. Booleans are not numbers."""

    kind: Literal["int", "number", "bool", "choice"]
    ge: float | None = None
    gt: float | None = None
    le: float | None = None
    lt: float | None = None
    choices: tuple[str, ...] = ()
    nullable: bool = False
    hint: str = ""

    def accepts(self, value: Any) -> bool:
        if value is None:
            return self.nullable
        if self.kind == "bool":
            return isinstance(value, bool)
        if self.kind == "choice":
            return isinstance(value, str) and value in self.choices
        number = (int,) if self.kind == "int" else (int, float)
        if isinstance(value, bool) or not isinstance(value, number) or not math.isfinite(value):
            return False
        return ((self.ge is None or value >= self.ge) and (self.gt is None or value > self.gt)
                and (self.le is None or value <= self.le) and (self.lt is None or value < self.lt))

    def describe(self) -> str:
        """`a number in (0, 1)`, `an integer >= 1`, `one of warn, drop, error`, `true or false`."""
        if self.kind == "bool":
            text = "true or false"
        elif self.kind == "choice":
            text = f"one of {', '.join(self.choices)}"
        else:
            text = "an integer" if self.kind == "int" else "a number"
            low = f"[{_num(self.ge)}" if self.ge is not None else f"({_num(self.gt)}" if self.gt is not None else None
            high = f"{_num(self.le)}]" if self.le is not None else f"{_num(self.lt)})" if self.lt is not None else None
            if low and high:
                text += f" in {low}, {high}"
            elif low:
                text += f" {'>=' if low[0] == '[' else '>'} {low[1:]}"
            elif high:
                text += f" {'<=' if high[-1] == ']' else '<'} {high[:-1]}"
        text += " or null" if self.nullable else ""
        return f"{text} ({self.hint})" if self.hint else text


def _num(bound: float) -> str:
    return f"{bound:g}" if abs(bound) < 1e6 else str(int(bound))


SEED = Rule("int", ge=0, le=2**32 - 1, hint="what numpy and scikit-learn accept")
# keys of the whole config; a key the chosen config lacks (`split` in train, `model_uri` ...) is skipped
RULES: dict[str, Rule] = {
    "seed": SEED,
    # stats.bootstrap needs at least one resample
    "bootstrap.n_resamples": Rule("int", ge=1, hint="bootstrap=null computes no CIs"),
    "bootstrap.confidence": Rule("number", gt=0, lt=1, hint="a fraction, e.g. 0.95"),
    # stancebench.data.checks.ON_DUPLICATES (not imported: it pulls in `datasets`)
    "on_duplicates": Rule("choice", choices=("warn", "drop", "error")),
    "save_model": Rule("bool"),
    "split": Rule("choice", choices=("train", "dev", "test")),  # conf/eval.yaml
}
# keys of each model node (`model`, and `model.inner` of model=per_target), for every conf/model/*.yaml
# that has them: transformer, embed_logreg (C, max_iter, ...) and the scikit-learn `estimator`s
MODEL_RULES: dict[str, Rule] = {
    "lr": Rule("number", gt=0),
    "epochs": Rule("int", ge=1),
    "batch_size": Rule("int", ge=1),
    "eval_batch_size": Rule("int", ge=1),
    "max_length": Rule("int", ge=1, hint="tokens"),
    "warmup_ratio": Rule("number", ge=0, lt=1, hint="a fraction of the training steps"),
    "weight_decay": Rule("number", ge=0),
    "early_stopping_patience": Rule("int", ge=1, nullable=True, hint="null runs every epoch"),
    "class_weighted": Rule("bool"),
    "normalize": Rule("bool"),
    "progress": Rule("bool"),
    "C": Rule("number", gt=0),
    "max_iter": Rule("int", ge=1),
    "seed": SEED,
    "estimator.C": Rule("number", gt=0),
    "estimator.max_iter": Rule("int", ge=1),
    "estimator.random_state": Rule("int", ge=0, le=2**32 - 1, nullable=True),
}

_ABSENT = object()
_REFERENCE = re.compile(r"^\$\{([\w.]+)\}$")


def model_nodes(cfg: DictConfig) -> list[str]:
    """`model`, then the models wrappers hold: `model.inner` of per_target, `model.members.<name>`
    of ensemble, and so on down."""
    nodes, queue = [], ["model"]
    while queue:
        node = queue.pop(0)
        if not isinstance(OmegaConf.select(cfg, node, default=None, throw_on_missing=False), DictConfig):
            continue
        nodes.append(node)
        queue.append(f"{node}.inner")
        members = OmegaConf.select(cfg, f"{node}.members", default=None, throw_on_missing=False)
        if isinstance(members, DictConfig):
            queue += [f"{node}.members.{name}" for name in members]
    return nodes


def config_problems(cfg: DictConfig) -> list[str]:
    """One line per value of `cfg` that breaks its rule: `key=value: must be ...`. Keys absent from
    `cfg` are skipped; so is a key that only repeats a checked one (`model.seed: ${seed}`)."""
    rules = dict(RULES)
    for node in model_nodes(cfg):
        rules.update({f"{node}.{key}": rule for key, rule in MODEL_RULES.items()})
    problems = []
    for key, rule in rules.items():
        parent, _, leaf = key.rpartition(".")
        container = OmegaConf.select(cfg, parent, default=None, throw_on_missing=False) if parent else cfg
        if not isinstance(container, DictConfig) or leaf not in container:
            continue
        if OmegaConf.is_interpolation(container, leaf):
            ref = _REFERENCE.match(str(OmegaConf.to_container(container, resolve=False)[leaf]))
            if ref and ref.group(1) in rules:
                continue
        value = OmegaConf.select(cfg, key, default=_ABSENT, throw_on_missing=False)
        if value is _ABSENT or rule.accepts(value):
            continue
        problems.append(f"{key}={_show(value)}: must be {rule.describe()}")
    return problems


def _show(value: Any) -> str:
    """A value as an override would write it; a string quoted, so that `epochs='3'` reads as text."""
    if OmegaConf.is_config(value):
        value = OmegaConf.to_container(value, resolve=True)
    if value is None or isinstance(value, bool):
        return {None: "null", True: "true", False: "false"}[value]
    return repr(value)


def check_config(cfg: DictConfig) -> DictConfig:
    """Raise `ConfigError` naming every key of `cfg` whose value breaks its rule (`RULES`,
    `MODEL_RULES`); return `cfg` unchanged when all pass.

    Examples:
        >>> check_config(compose_config(["model=transformer", "model.lr=-1"]))  # doctest: +SKIP
        ConfigError: model.lr=-1: must be a number > 0
    """
    problems = config_problems(cfg)
    if len(problems) == 1:
        raise ConfigError(problems[0])
    if problems:
        raise ConfigError(f"{len(problems)} config values are invalid:\n  " + "\n  ".join(problems))
    return cfg


def compose_config(overrides: Sequence[str] = (), config_name: str = "train",
                   output_dir: str | Path | None = None, return_hydra_config: bool = False) -> DictConfig:
    """`conf/<config_name>.yaml` with `overrides`, as the app would compose it, checked by
    `check_config` (raises `ConfigError` on a value of the wrong type or out of range).

    Outside an app there is no Hydra run folder, so `paths.output_dir` is `output_dir` (default: a
    new temporary folder); everything else resolves as in `stancebench-train` / `stancebench-eval`.
    `return_hydra_config` keeps the `hydra` node (to inspect callbacks or launchers; not for `train`).
    """
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    register_resolvers()
    output_dir = output_dir or tempfile.mkdtemp(prefix="stancebench-")
    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(conf_dir()), version_base="1.3"):
            cfg = compose(config_name=config_name, overrides=[f"paths.output_dir={output_dir}", *overrides],
                          return_hydra_config=return_hydra_config)
    finally:
        GlobalHydra.instance().clear()
    return check_config(cfg)
