"""Every config file composes, and every model/task/data config instantiates."""

from __future__ import annotations

import pytest
from hydra.utils import instantiate

from stancebench._paths import conf_dir
from stancebench.models import Classifier

CONF = conf_dir()


def names(group: str) -> list[str]:
    return sorted(p.stem for p in (CONF / group).glob("*.yaml"))


def test_default_config_composes(cfg_factory):
    cfg = cfg_factory()
    assert cfg.model.name == "tfidf_logreg" and cfg.task.name == "stance" and cfg.data.name == "leaders"
    assert cfg.tracking.uri.startswith("sqlite:///")
    assert cfg.data.path.endswith("data/leaders/statements.jsonl")


@pytest.mark.parametrize("model", names("model"))
def test_model_configs_instantiate(cfg_factory, model):
    cfg = cfg_factory(f"model={model}")
    built = instantiate(cfg.model)
    assert isinstance(built, Classifier)


@pytest.mark.parametrize("task", names("task"))
def test_task_configs_instantiate(cfg_factory, task):
    built = instantiate(cfg_factory(f"task={task}").task)
    assert built.name.startswith(task)


@pytest.mark.parametrize("data", names("data"))
def test_data_configs_instantiate(cfg_factory, data):
    from omegaconf import OmegaConf
    from omegaconf.errors import MissingMandatoryValue

    cfg = cfg_factory(f"data={data}")
    missing = OmegaConf.missing_keys(cfg.data)
    if missing:  # a config the user must complete (data=table needs data.files) says which key
        with pytest.raises(MissingMandatoryValue, match=sorted(missing)[0]):
            instantiate(cfg.data)
        return
    source = instantiate(cfg.data)
    assert hasattr(source, "load") and source.name


def test_env_var_sets_tracking_uri(monkeypatch, tmp_path):
    from conftest import compose_train

    monkeypatch.setenv("MLFLOW_TRACKING_URI", "sqlite:////elsewhere/x.db")
    cfg = compose_train([], tmp_path)
    # the test fixture's own override wins; without it the env var does
    assert cfg.tracking.uri == f"sqlite:///{tmp_path}/mlflow.db"
    from stancebench.config import compose_config

    assert compose_config().tracking.uri == "sqlite:////elsewhere/x.db"


def test_smoke_overlay_shrinks_data(cfg_factory):
    cfg = cfg_factory("debug=smoke")
    assert cfg.data.limit == 40 and cfg.bootstrap.n_resamples == 100


@pytest.mark.parametrize("experiment", names("experiment"))
def test_experiment_configs_compose(experiment, tmp_path):
    """Each experiment composes, says how to run it in its first comment, and tags its runs."""
    from conftest import compose_train

    cfg = compose_train([f"experiment={experiment}"], tmp_path)
    assert any(experiment in tag for tag in cfg.tags)  # runs of one experiment are found by tag
    first_lines = (CONF / "experiment" / f"{experiment}.yaml").read_text().splitlines()[:4]
    assert first_lines[0] == "# @package _global_" and any("stancebench-train" in line for line in first_lines)


# -- the config check (stancebench.config.check_config) ---------------------------------------


def _sweeps(experiment: str) -> list[list[str]]:
    """The experiment alone, then with each model its sweep (`hydra.sweeper.params.model`) runs."""
    from stancebench.config import compose_config

    cfg = compose_config([f"experiment={experiment}"], return_hydra_config=True)
    params = cfg.hydra.sweeper.get("params") or {}
    return [[f"experiment={experiment}"]] + [[f"experiment={experiment}", f"model={m}"]
                                              for m in str(params.get("model", "")).split(",") if m]


@pytest.mark.parametrize("overrides", [
    *([f"model={m}"] for m in names("model")),
    *(["model=per_target", f"model@model.inner={m}"] for m in names("model") if m != "per_target"),
    *(o for e in names("experiment") for o in _sweeps(e)),
    ["debug=smoke"],
], ids=" ".join)
def test_shipped_configs_pass_the_check(overrides):
    from stancebench.config import check_config, compose_config, config_problems

    cfg = compose_config(overrides)  # raises ConfigError on a bad value
    assert config_problems(cfg) == [] and check_config(cfg) is cfg


def test_eval_config_passes_the_check():
    from stancebench.config import compose_config, config_problems

    for split in ("train", "dev", "test"):
        assert config_problems(compose_config(["model_uri=runs:/x/model", f"split={split}"], config_name="eval")) == []


def test_every_rule_names_a_key_some_config_has():
    """A rule whose key no config holds (a typo, a renamed setting) would never check anything."""
    from omegaconf import OmegaConf

    from stancebench.config import MODEL_RULES, RULES, compose_config

    configs = [compose_config(), compose_config(["model_uri=runs:/x/model"], config_name="eval")]
    assert all(any(OmegaConf.select(c, key, default=None) is not None for c in configs) for key in RULES)
    models = [compose_config([f"model={m}"]).model for m in names("model")]
    unused = [key for key in MODEL_RULES if all(OmegaConf.select(m, key, default=None) is None for m in models)]
    assert unused == []


def test_on_duplicates_rule_matches_the_data_checks():
    from stancebench.config import RULES
    from stancebench.data.checks import ON_DUPLICATES

    assert RULES["on_duplicates"].choices == ON_DUPLICATES
