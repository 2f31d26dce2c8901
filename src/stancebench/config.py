"""The real Hydra config composed outside the apps (tests, experiment scripts, notebooks).

    cfg = compose_config(["model=tfidf_svm", "task=stance_us"], output_dir="outputs/x")
    result, objects = train(cfg)
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

from omegaconf import DictConfig

from stancebench._paths import conf_dir, register_resolvers


def compose_config(overrides: Sequence[str] = (), config_name: str = "train",
                   output_dir: str | Path | None = None, return_hydra_config: bool = False) -> DictConfig:
    """`conf/<config_name>.yaml` with `overrides`, as the app would compose it.

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
            return compose(config_name=config_name, overrides=[f"paths.output_dir={output_dir}", *overrides],
                           return_hydra_config=return_hydra_config)
    finally:
        GlobalHydra.instance().clear()
