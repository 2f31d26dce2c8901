"""Fault injection on the config: a bad value is refused when the config is composed, naming the
key, the value and what is allowed, and the apps stop before any MLflow run (issue 12, item 6)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from stancebench.config import ConfigError, check_config, compose_config

# (overrides, the start of the message: `key=value`)
BAD = [
    (["model=transformer", "model.lr=-1"], "model.lr=-1"),
    (["model=transformer", "model.lr=0"], "model.lr=0"),
    (["model=transformer", "model.lr=nan"], "model.lr=nan"),
    (["model=transformer", "model.lr=true"], "model.lr=true"),  # a boolean is not a number
    (["model=transformer", "model.batch_size=0"], "model.batch_size=0"),
    (["model=transformer", "model.eval_batch_size=-8"], "model.eval_batch_size=-8"),
    (["model=transformer", "model.epochs=0"], "model.epochs=0"),
    (["model=transformer", "model.epochs=abc"], "model.epochs='abc'"),
    (["model=transformer", "model.epochs=2.5"], "model.epochs=2.5"),
    (["model=transformer", "model.max_length=0"], "model.max_length=0"),
    (["model=transformer", "model.warmup_ratio=1"], "model.warmup_ratio=1"),
    (["model=transformer", "model.warmup_ratio=-0.1"], "model.warmup_ratio=-0.1"),
    (["model=transformer", "model.weight_decay=-0.01"], "model.weight_decay=-0.01"),
    (["model=transformer", "model.early_stopping_patience=0"], "model.early_stopping_patience=0"),
    (["model=transformer", "model.progress=maybe"], "model.progress='maybe'"),
    (["model=embed_logreg", "model.max_length=0"], "model.max_length=0"),
    (["model=embed_logreg", "model.C=-1"], "model.C=-1"),
    (["model=embed_logreg", "model.max_iter=0"], "model.max_iter=0"),
    (["model.estimator.C=-1"], "model.estimator.C=-1"),
    (["model=tfidf_svm", "model.estimator.C=abc"], "model.estimator.C='abc'"),
    (["model=metadata", "model.estimator.max_iter=0"], "model.estimator.max_iter=0"),
    (["model=per_target", "model.inner.estimator.C=0"], "model.inner.estimator.C=0"),
    (["model=per_target", "model@model.inner=transformer", "model.inner.lr=-1"], "model.inner.lr=-1"),
    (["seed=abc"], "seed='abc'"),
    (["seed=-1"], "seed=-1"),
    (["model=transformer", "model.seed=-3"], "model.seed=-3"),
    (["bootstrap.n_resamples=-5"], "bootstrap.n_resamples=-5"),
    (["bootstrap.n_resamples=0"], "bootstrap.n_resamples=0"),
    (["bootstrap.confidence=95"], "bootstrap.confidence=95"),
    (["bootstrap.confidence=0"], "bootstrap.confidence=0"),
    (["bootstrap.confidence=1"], "bootstrap.confidence=1"),
    (["on_duplicates=maybe"], "on_duplicates='maybe'"),
    (["save_model=1"], "save_model=1"),
]


@pytest.mark.parametrize("overrides, named", BAD, ids=[" ".join(o) for o, _ in BAD])
def test_compose_refuses_a_bad_value_naming_key_value_and_range(overrides, named):
    with pytest.raises(ConfigError) as err:
        compose_config(overrides)
    message = str(err.value)
    assert message.startswith(f"{named}: must be "), message
    assert any(word in message for word in ("number", "integer", "one of", "true or false")), message


def test_every_bad_value_is_named_at_once():
    with pytest.raises(ConfigError) as err:
        compose_config(["model=transformer", "model.lr=-1", "model.epochs=0", "bootstrap.confidence=95"])
    lines = str(err.value).splitlines()
    assert lines[0] == "3 config values are invalid:"
    assert [line.split(":")[0].strip() for line in lines[1:]] == ["bootstrap.confidence=95", "model.lr=-1", "model.epochs=0"]


def test_messages_say_the_allowed_range():
    def message(*overrides: str) -> str:
        with pytest.raises(ConfigError) as err:
            compose_config(list(overrides))
        return str(err.value)

    assert message("model=transformer", "model.lr=-1") == "model.lr=-1: must be a number > 0"
    assert message("bootstrap.confidence=95") == "bootstrap.confidence=95: must be a number in (0, 1) (a fraction, e.g. 0.95)"
    assert message("model=transformer", "model.warmup_ratio=1").startswith("model.warmup_ratio=1: must be a number in [0, 1)")
    assert message("model=transformer", "model.epochs=abc") == "model.epochs='abc': must be an integer >= 1"
    assert message("model=transformer", "model.early_stopping_patience=0").startswith(
        "model.early_stopping_patience=0: must be an integer >= 1 or null")
    assert message("on_duplicates=maybe") == "on_duplicates='maybe': must be one of warn, drop, error"


def test_eval_config_is_checked_too():
    with pytest.raises(ConfigError, match=r"^split='val': must be one of train, dev, test$"):
        compose_config(["model_uri=runs:/x/model", "split=val"], config_name="eval")
    with pytest.raises(ConfigError, match=r"^bootstrap.confidence=1.5: "):
        compose_config(["model_uri=runs:/x/model", "bootstrap.confidence=1.5"], config_name="eval")


@pytest.mark.parametrize("overrides", [
    ["bootstrap=null"],  # no CIs
    ["model=transformer", "model.early_stopping_patience=null"],
    ["model=transformer", "model.lr=1", "model.warmup_ratio=0", "model.weight_decay=0"],
    ["model=per_target", "model@model.inner=transformer"],
    ["bootstrap.n_resamples=1", "bootstrap.confidence=0.5", "seed=0", "on_duplicates=error"],
], ids=" ".join)
def test_edge_values_that_are_allowed(overrides):
    check_config(compose_config(overrides))


# -- the apps: one log line, exit 1, no MLflow store ------------------------------------------

APP_CASES = {
    "lr": ("train", ["model=transformer", "model.lr=-1"], "model.lr=-1: must be a number > 0"),
    "epochs": ("train", ["model=transformer", "model.epochs=abc"], "model.epochs='abc'"),
    "batch_size": ("train", ["model=transformer", "model.batch_size=0"], "model.batch_size=0"),
    "C": ("train", ["model.estimator.C=-1"], "model.estimator.C=-1"),
    "embed_C": ("train", ["model=embed_logreg", "model.C=-1"], "model.C=-1"),
    "seed": ("train", ["seed=abc"], "seed='abc'"),
    "confidence": ("train", ["bootstrap.confidence=95"], "bootstrap.confidence=95"),
    "on_duplicates": ("train", ["on_duplicates=maybe"], "on_duplicates='maybe'"),
    "eval_confidence": ("eval", ["model_uri=runs:/0123456789abcdef/model", "bootstrap.confidence=95"],
                        "bootstrap.confidence=95"),
}

# Every case runs the real Hydra entry point (`stancebench.train.main`, `stancebench.eval_app.main`,
# what the console scripts call) in one child process, each in its own folder, output captured per case.
DRIVER = r"""
import contextlib, io, json, sys
from stancebench.train import main as train_main
from stancebench.eval_app import main as eval_main

cases = json.loads(sys.argv[1])
done = {}
for name, (app, folder, overrides) in cases.items():
    sys.argv = ["stancebench-" + app, *overrides, f"paths.log_dir={folder}",
                f"tracking.uri=sqlite:///{folder}/mlflow.db", f"hydra.run.dir={folder}/run"]
    out = io.StringIO()
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            (train_main if app == "train" else eval_main)()
        except SystemExit as stop:
            code = stop.code
        except BaseException as err:  # noqa: BLE001 - reported to the test
            code = f"raised {type(err).__name__}: {err}"
    done[name] = {"code": code, "output": out.getvalue()}
print("RESULTS" + json.dumps(done))
"""


@pytest.fixture(scope="module")
def app_runs(tmp_path_factory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("faults_config")
    cases = {name: (app, str(root / name), overrides) for name, (app, overrides, _) in APP_CASES.items()}
    done = subprocess.run([sys.executable, "-c", DRIVER, json.dumps(cases)], capture_output=True, text=True,
                          timeout=300, cwd=root)
    assert done.returncode == 0 and "RESULTS" in done.stdout, done.stderr[-4000:]
    results = json.loads(done.stdout.split("RESULTS", 1)[1])
    for name, result in results.items():
        folder = Path(cases[name][1])
        result["stderr"] = done.stderr
        result["store_exists"] = (folder / "mlflow.db").exists()
        result["log"] = "".join(p.read_text() for p in folder.rglob("*.log"))
    return results


@pytest.mark.parametrize("case", list(APP_CASES))
def test_app_refuses_a_bad_value_before_any_run(app_runs, case):
    _, _, named = APP_CASES[case]
    run = app_runs[case]
    assert run["code"] == 1, run
    assert named in run["output"] and named in run["log"], run
    assert "Traceback" not in run["output"] + run["stderr"] and "HYDRA_FULL_ERROR" not in run["output"], run
    assert not run["store_exists"]  # nothing was logged: the tracking store was never opened
    # the encoder, the data and the model were never touched
    assert "Instantiating model" not in run["log"]


def test_print_results_heads_cis_with_the_configured_confidence(capsys):
    from stancebench.evaluation import RunResult, SplitScores
    from stancebench.report import print_results

    result = RunResult(task="sentiment", data="d", model="m", main_score="macro_recall",
                       labels=("positive", "negative", "neutral"), corpus_sha256="0", version="0", commit="0",
                       splits={"test": SplitScores({"macro_recall": 0.5, "macro_f1": 0.4, "accuracy": 0.6},
                                                   ci={"macro_recall": (0.4, 0.6)})})
    print_results(result, title="t", confidence=0.9)
    out = capsys.readouterr().out
    assert "test 90% CI" in out and "95%" not in out and "[0.400, 0.600]" in out
    print_results(result, title="t", confidence=0.975)
    assert "test 97.5% CI" in capsys.readouterr().out
    print_results(result, title="t")  # the default level, that of conf/train.yaml
    assert "test 95% CI" in capsys.readouterr().out

    result.splits["test"].ci.clear()  # bootstrap=null: no CI column at all
    print_results(result, title="t", confidence=0.9)
    out = capsys.readouterr().out
    assert "CI" not in out and "0.500" in out


def test_an_ensemble_members_settings_are_checked():
    with pytest.raises(ConfigError, match=r"model\.members\.word_char_svm\.estimator\.C=-1"):
        compose_config(["model=ensemble", "model.members.word_char_svm.estimator.C=-1"])
