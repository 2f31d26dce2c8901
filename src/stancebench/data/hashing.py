"""sha256 digests of what a data source reads: one recipe each for a file, a set of files, a text.

The values are recorded (MLflow tags `corpus_sha256`, data cards, the units file's `text_sha256`),
so a recipe here must never change; a new recipe gets a new function.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def file_sha256(path: str | Path) -> str:
    """sha256 of the file's bytes, read in blocks (encoder weights are ~100 MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 22), b""):
            digest.update(block)
    return digest.hexdigest()


def named_files_sha256(files: Iterable[tuple[str, Path]]) -> str:
    """One digest over (name, file) pairs, in the order given: each name, a NUL, the file's digest."""
    digest = hashlib.sha256()
    for name, path in files:
        digest.update(name.encode() + b"\0")
        digest.update(bytes.fromhex(file_sha256(path)))
    return digest.hexdigest()


def files_sha256(paths: Iterable[Path], root: Path) -> str:
    """One digest over the files read, each named by its path relative to `root`, in sorted order."""
    return named_files_sha256((str(path.relative_to(root)), path) for path in sorted(paths))


def text_sha256(text: str) -> str:
    """sha256 of the text's UTF-8 bytes."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
