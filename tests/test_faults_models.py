"""Faults found by fault injection in loading and calling models (issue 12): each test is one fault.

Tiny scikit-learn models are built here; the transformer tests reuse the tiny BERT of
tests/test_transformer.py and skip without torch.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

import stancebench
from stancebench import cli
from stancebench.models import PerTargetClassifier, SklearnClassifier, load_saved, tfidf
from stancebench.tracking import predictions_frame

STANCE = ["favor", "against", "neutral", "none"]
TARGETS = ["negotiations", "ukraine", "us"]


def pair_data() -> tuple[pd.DataFrame, list[str]]:
    texts = ["We support the talks.", "We reject the deal.", "The weather is cold.", "We may discuss it."] * 3
    return pd.DataFrame({"target": TARGETS * 4, "text": texts}), ["favor", "against", "none", "neutral"] * 3


def tfidf_model(pairs: bool = True) -> SklearnClassifier:
    X, y = pair_data()
    return SklearnClassifier(tfidf(), LogisticRegression()).fit(X if pairs else X[["text"]], y, labels=STANCE)


def run_cli(*argv: str) -> int:
    """`stancebench ...` in this process (not through `main`, which resets SIGPIPE)."""
    args = cli.build_parser().parse_args(list(argv))
    return args.fn(args)


@pytest.fixture
def temp_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The system temp folder, pointed at an empty folder of this test."""
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    monkeypatch.setenv("TMPDIR", str(root))
    return root


@pytest.fixture(scope="module")
def logged(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A TF-IDF pair model logged as a pyfunc model (and registered) in a temporary SQLite store:
    (runs:/ URI, store URI)."""
    from stancebench import tracking

    root = tmp_path_factory.mktemp("store")
    store = f"sqlite:///{root}/mlflow.db"
    tracking.connect(store)
    model = tfidf_model()
    folder = model.save(root / "model", task="stance")
    with mlflow.start_run(experiment_id=tracking.experiment_id("faults", store)):
        uri = tracking.log_model(folder, model, pair_data()[0].head(3), register_as="faults-pair")
    return uri, store


# -- 1. pickle-format weights are never loaded ------------------------------------------------


@pytest.fixture(scope="module")
def hf(tmp_path_factory: pytest.TempPathFactory):
    """tests/test_transformer.py (its tiny-model helpers) and a tiny BERT folder; skips without torch."""
    helpers = pytest.importorskip("test_transformer")
    return helpers, helpers.build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="module")
def saved_transformer(hf, tmp_path_factory: pytest.TempPathFactory) -> Path:
    helpers, bert = hf
    X, y = helpers.toy_data(pairs=True)
    return helpers.tiny_transformer(bert, epochs=1).fit(X, y, labels=STANCE).save(
        tmp_path_factory.mktemp("transformer") / "model", task="stance")


def copy_of(folder: Path, tmp_path: Path) -> Path:
    import shutil

    return Path(shutil.copytree(folder, tmp_path / folder.name))


def torch_load_forbidden(monkeypatch: pytest.MonkeyPatch):
    torch = pytest.importorskip("torch")

    def forbidden(*args, **kwargs):
        raise AssertionError("torch.load called: a pickle would be unpickled")

    monkeypatch.setattr(torch, "load", forbidden)
    return torch


def test_pickle_weights_without_safetensors_are_refused(saved_transformer, tmp_path, monkeypatch):
    from safetensors.torch import load_file
    from transformers import AutoModelForSequenceClassification

    from stancebench.models._hf import UnsafeModelFolder

    folder = copy_of(saved_transformer, tmp_path)
    torch = pytest.importorskip("torch")
    torch.save(load_file(folder / "model.safetensors"), folder / "pytorch_model.bin")  # a pickle
    (folder / "model.safetensors").unlink()
    torch_load_forbidden(monkeypatch)
    for load in (load_saved, stancebench.load_model):
        with pytest.raises(UnsafeModelFolder,
                           match=r"pytorch_model\.bin is a pickle-format file.*no model\.safetensors"):
            load(folder)
    # the second guard: transformers itself refuses the pickle with use_safetensors=True
    with pytest.raises(OSError):
        AutoModelForSequenceClassification.from_pretrained(folder, use_safetensors=True)


def test_pickle_beside_valid_safetensors_is_refused(saved_transformer, hf, tmp_path, monkeypatch):
    from stancebench.models._hf import UnsafeModelFolder

    folder = copy_of(saved_transformer, tmp_path)
    (folder / "training_args.bin").write_bytes(b"not really a pickle")
    torch_load_forbidden(monkeypatch)
    with pytest.raises(UnsafeModelFolder, match=r"training_args\.bin is a pickle-format file.*delete it"):
        load_saved(folder)

    # the encoder folder of a saved embed_logreg model: the same rules
    from stancebench.models.embed_logreg import EmbedLogregClassifier

    helpers, bert = hf
    X, y = helpers.toy_data(pairs=True)
    embed = EmbedLogregClassifier(pretrained=str(bert), max_length=32).fit(X, y, labels=STANCE).save(tmp_path / "embed")
    (embed / "encoder" / "weights.pt").write_bytes(b"x")
    with pytest.raises(UnsafeModelFolder, match=r"encoder in .*weights\.pt is a pickle-format file"):
        load_saved(embed)
    (embed / "encoder" / "weights.pt").unlink()
    (embed / "encoder" / "model.safetensors").unlink()
    with pytest.raises(UnsafeModelFolder, match="no model.safetensors"):
        load_saved(embed)


# -- 2. a stopped fine-tuning run leaves no Trainer folder and no pickle ----------------------


@pytest.mark.parametrize("stop", [KeyboardInterrupt("Ctrl-C"), SystemExit(143)], ids=["interrupt", "sigterm"])
def test_training_stopped_mid_way_leaves_nothing_in_temp(hf, temp_root, monkeypatch, stop):
    """SystemExit is what the training app's SIGTERM handler raises; no checkpoint is ever written,
    so even a SIGKILL (not testable here) leaves at most an empty folder."""
    helpers, bert = hf
    torch = pytest.importorskip("torch")

    def forbidden(*args, **kwargs):
        raise AssertionError("torch.save called: a pickle would be written")

    monkeypatch.setattr(torch, "save", forbidden)
    helpers.scripted_dev_scores(monkeypatch, [0.5, stop])  # the second epoch's evaluation is interrupted
    X, y = helpers.toy_data()
    model = helpers.tiny_transformer(bert, epochs=4)
    with pytest.raises(type(stop)):
        model.fit(X, y, labels=STANCE, eval_set=(X.head(6), y[:6]))
    assert list(temp_root.rglob("*")) == []


# -- 3. API inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize(("texts", "message"), [
    ({"We support the talks.": 1}, "got dict"),
    (None, "got NoneType"),
    (3, "got int"),
    (b"bytes", "got bytes"),
    (["fine", None], r"texts\[1\] is NoneType"),
    (("fine", "fine", 7), r"texts\[2\] is int"),
    (pd.DataFrame({"text": pd.Series(["fine", None], dtype=object)}), r"'text' column at row 1 is NoneType"),
    (pd.DataFrame({"text": ["fine", None]}), r"'text' column at row 1 is float \(nan\)"),
    (pd.DataFrame({"body": ["no text column"]}), "needs a 'text' column"),
])
def test_bad_inputs_name_the_type_and_index(texts, message):
    model = tfidf_model()
    with pytest.raises((TypeError, ValueError), match=message):
        model.predict(texts, target="us")
    with pytest.raises((TypeError, ValueError), match=message):
        predictions_frame(model, texts)


def test_empty_input_gives_an_empty_result_without_calling_the_estimator(monkeypatch):
    model = tfidf_model()

    def forbidden(*args, **kwargs):
        raise AssertionError("the estimator was called on no input")

    monkeypatch.setattr(model.pipeline, "predict_proba", forbidden)
    for empty in ([], (), pd.Series([], dtype=object), pd.DataFrame({"target": [], "text": []})):
        assert model.predict(empty) == []
        assert model.predict_proba(empty, target="us").shape == (0, len(STANCE))
    frame = predictions_frame(model, [])
    assert frame.empty and list(frame.columns) == ["label", *(f"proba_{label}" for label in STANCE)]

    X, y = pair_data()
    per_target = PerTargetClassifier(SklearnClassifier(tfidf(), LogisticRegression())).fit(X, y, labels=STANCE)
    assert per_target.predict([]) == [] and per_target.predict_proba([]).shape == (0, 4)


def test_accepted_inputs_agree():
    model = tfidf_model()
    text = "We support the talks."
    expected = model.predict_proba([text], target="us")
    for texts in (text, [text], (text,), pd.Series([text]), np.array([text]), pd.DataFrame({"text": [text]})):
        np.testing.assert_array_equal(model.predict_proba(texts, target="us"), expected)
    frame = pd.DataFrame({"target": ["us"], "text": [text]})
    np.testing.assert_array_equal(model.predict_proba(frame), expected)
    assert list(frame.columns) == ["target", "text"] and frame["target"].tolist() == ["us"]  # not modified


# -- 3. targets -------------------------------------------------------------------------------


def test_targets_are_recorded_and_checked(tmp_path):
    model = tfidf_model()
    folder = model.save(tmp_path / "model", task="stance")
    assert json.loads((folder / "stancebench.json").read_text())["targets"] == TARGETS
    loaded = load_saved(folder)
    assert loaded.targets == TARGETS and loaded.task == "stance"

    text = ["We reject the deal."]
    np.testing.assert_array_equal(loaded.predict_proba(text, target="US"), loaded.predict_proba(text, target="us"))
    np.testing.assert_array_equal(loaded.predict_proba(pd.DataFrame({"target": [" Ukraine "], "text": text})),
                                  loaded.predict_proba(text, target="ukraine"))
    with pytest.raises(ValueError, match=r"unknown target\(s\) \['sanctions'\].*negotiations, ukraine, us"):
        loaded.predict(text, target="sanctions")
    with pytest.raises(ValueError, match=r"pass target='negotiations'.*negotiations, ukraine, us"):
        loaded.predict(text)
    with pytest.raises(ValueError, match="unknown target"):
        predictions_frame(loaded, pd.DataFrame({"target": ["us", "sanctions"], "text": text * 2}))


def test_new_targets_only_when_asked_and_only_where_they_mean_something(tmp_path):
    """TF-IDF pair models answer a new target target-blind (only the shared features apply: the
    stance_cross baseline) when asked; per-target models never can."""
    model = tfidf_model()
    text = ["We reject the deal."]
    with pytest.raises(ValueError, match="allow_new_targets=True"):
        model.predict(text, target="sanctions")
    blind = model.predict_proba(text, target="sanctions", allow_new_targets=True)
    np.testing.assert_array_equal(blind, model.predict_proba(text, target="climate", allow_new_targets=True))
    frame = predictions_frame(model, pd.DataFrame({"target": ["sanctions"], "text": text}), allow_new_targets=True)
    np.testing.assert_array_equal(frame.drop(columns="label").to_numpy(), blind)

    X, y = pair_data()
    per_target = PerTargetClassifier(SklearnClassifier(tfidf(), LogisticRegression())).fit(X, y, labels=STANCE)
    with pytest.raises(ValueError, match="no model for target.*does not change that"):
        per_target.predict(text, target="sanctions", allow_new_targets=True)
    assert per_target.predict(text, target="Us") == per_target.predict(text, target="us")


def test_transformer_new_targets_need_asking_and_old_models_take_any(saved_transformer, tmp_path):
    model = load_saved(saved_transformer)
    assert model.targets == ["negotiations", "us"]
    text = ["We reject the deal."]
    with pytest.raises(ValueError, match=r"unknown target\(s\) \['sanctions'\].*allow_new_targets=True.*phrase"):
        model.predict(text, target="sanctions")
    proba = model.predict_proba(text, target="sanctions", allow_new_targets=True)
    assert proba.shape == (1, 4) and np.isclose(proba.sum(), 1.0)
    # saved before targets were recorded: any target is taken, as then
    old = copy_of(saved_transformer, tmp_path)
    config = json.loads((old / "stancebench.json").read_text())
    del config["targets"]
    (old / "stancebench.json").write_text(json.dumps(config))
    old_model = load_saved(old)
    assert old_model.targets is None
    np.testing.assert_allclose(old_model.predict_proba(text, target="sanctions"), proba, atol=1e-6)


def test_a_texts_only_model_refuses_a_target(tmp_path, capsys):
    model = tfidf_model(pairs=False)
    with pytest.raises(ValueError, match="reads texts only.*drop target="):
        model.predict(["We support the talks."], target="us")
    with pytest.raises(ValueError, match="reads texts only.*drop the 'target' column"):
        model.predict(pd.DataFrame({"target": ["us"], "text": ["We support the talks."]}))
    folder = model.save(tmp_path / "model", task="sentiment")
    assert run_cli("predict", str(folder), "We support the talks.", "--target", "us") == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "trained for task sentiment; drop --target" in err
    assert run_cli("predict", str(folder), "We support the talks.") == 0


def test_cli_bad_input_is_one_line_on_stderr(tmp_path, capsys):
    folder = tfidf_model().save(tmp_path / "model", task="stance")
    for argv, message in ((["We support the talks."], "pass --target, one of: negotiations, ukraine, us"),
                          (["We support the talks.", "--target", "sanctions"], "unknown target(s) ['sanctions']"),
                          (["We support the talks.", "--target", "sanctions", "--allow-new-targets"], None)):
        code = run_cli("predict", str(folder), *argv)
        out, err = capsys.readouterr()
        if message is None:
            assert code == 0 and "We support the talks." in out
        else:
            assert code == 1 and err.count("\n") == 1 and message in err and "Traceback" not in err
    assert run_cli("predict", str(tmp_path / "nowhere"), "text", "--tracking-uri", f"sqlite:///{tmp_path}/x.db") == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_pyfunc_model_refuses_an_unknown_target(logged):
    uri, store = logged
    mlflow.set_tracking_uri(store)
    pyfunc = mlflow.pyfunc.load_model(uri)
    good = pyfunc.predict(pd.DataFrame({"target": ["US"], "text": ["We support the talks."]}))
    assert good["label"].tolist() == stancebench.load_model(uri, tracking_uri=store).predict(
        ["We support the talks."], target="us")
    with pytest.raises(Exception, match=r"unknown target\(s\) \['sanctions'\].*negotiations, ukraine, us"):
        pyfunc.predict(pd.DataFrame({"target": ["sanctions"], "text": ["We support the talks."]}))


# -- 4. no download left behind ---------------------------------------------------------------


def test_loading_from_mlflow_leaves_no_copy_in_temp(logged, temp_root, monkeypatch):
    from stancebench import loading

    uri, store = logged
    for local in (True, False):  # a local store is read in place; any other is downloaded
        if not local:
            monkeypatch.setattr(loading, "_local_artifacts", lambda uri: None)
        for source in (uri, "models:/faults-pair/1"):
            model = stancebench.load_model(source, tracking_uri=store)
            assert model.predict(["We support the talks."], target="us")
            assert list(temp_root.rglob("*")) == [], source
        with loading.downloaded_model_folder(uri, store) as folder:
            assert (folder / "stancebench.json").is_file() and (temp_root in folder.parents) != local
        assert list(temp_root.rglob("*")) == []
    with pytest.raises(FileNotFoundError, match="no model at runs:/0123456789abcdef/model"):
        stancebench.load_model("runs:/0123456789abcdef/model", tracking_uri=store)
    with pytest.raises(FileNotFoundError, match="no model folder at nowhere, and it is not an MLflow URI"):
        stancebench.load_model("nowhere", tracking_uri=store)
    assert list(temp_root.rglob("*")) == []
