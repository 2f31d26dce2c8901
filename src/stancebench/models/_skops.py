"""`skops.io`, imported without importing torch."""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType


class _TorchUnavailable(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Makes `import torch` raise ImportError (a `find_spec` availability check still sees it)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> importlib.machinery.ModuleSpec | None:
        return importlib.machinery.ModuleSpec(name, self) if name == "torch" else None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> None:
        raise ImportError("torch is held back while skops.io lists scikit-learn's types")

    def exec_module(self, module: ModuleType) -> None:  # never reached: create_module raises
        pass


def skops_io() -> ModuleType:
    """Import `skops.io` without importing torch.

    Importing skops.io lists every scikit-learn estimator (`sklearn.utils.all_estimators`), and that
    walk imports every sklearn subpackage, `sklearn.externals.array_api_compat.torch` included,
    which imports torch when it is installed (a second or more and hundreds of MB, in a baseline
    run that never uses it). The walk skips a package whose import raises ImportError, so torch is
    held back for that first import only; torch imports normally afterwards.
    """
    if "skops.io" in sys.modules or "torch" in sys.modules:
        return importlib.import_module("skops.io")
    blocker = _TorchUnavailable()
    sys.meta_path.insert(0, blocker)
    try:
        return importlib.import_module("skops.io")
    finally:
        sys.meta_path.remove(blocker)
