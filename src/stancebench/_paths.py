"""Where the config, the bundled corpus and the default MLflow store live.

From a source checkout (editable install) everything is at the repository root; from a wheel,
conf/ and the corpus ship inside the package (pyproject's force-include) and run outputs go to the
current working directory.
"""

from __future__ import annotations

from pathlib import Path

from omegaconf import OmegaConf

PACKAGE_DIR = Path(__file__).resolve().parent


def source_root() -> Path | None:
    """The repository root when running from a checkout, else None."""
    root = PACKAGE_DIR.parents[1]
    if (root / "pyproject.toml").is_file() and (root / "conf" / "train.yaml").is_file():
        return root
    return None


def project_root() -> Path:
    """Where outputs and the default tracking store go: the checkout, else the working directory."""
    return source_root() or Path.cwd()


def conf_dir() -> Path:
    root = source_root()
    return root / "conf" if root else PACKAGE_DIR / "conf"


def data_dir() -> Path:
    root = source_root()
    return root / "data" if root else PACKAGE_DIR / "_bundled"


def register_resolvers() -> None:
    """`${sb_root:}` and `${sb_data:}` for conf/paths, `${sb_join:${.fields}}` for names (idempotent)."""
    for name, fn in {"sb_root": project_root, "sb_data": data_dir}.items():
        if not OmegaConf.has_resolver(name):
            OmegaConf.register_new_resolver(name, lambda fn=fn: str(fn()))
    if not OmegaConf.has_resolver("sb_join"):
        OmegaConf.register_new_resolver("sb_join", lambda values: "+".join(map(str, values)))
