"""A non-editable install (the wheel) finds its config and corpus from any working directory."""

from __future__ import annotations

import os
import subprocess
import sys

from conftest import REPO


def test_wheel_install_runs_from_any_directory(tmp_path):
    wheels, site, cwd = tmp_path / "wheels", tmp_path / "site", tmp_path / "elsewhere"
    cwd.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(wheels), str(REPO)], check=True, timeout=300,
                   capture_output=True)
    (wheel,) = wheels.glob("stancebench-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), str(wheel)], check=True, timeout=300,
                   capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    env.pop("MLFLOW_TRACKING_URI", None)
    result = subprocess.run(
        [sys.executable, "-m", "stancebench.train", "debug=smoke", "task=sentiment", "save_model=false"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "macro_recall" in result.stdout
    # installed from the wheel, not the checkout: outputs and store land in the working directory
    assert (cwd / "mlflow.db").is_file() and (cwd / "outputs").is_dir()
    assert str(site) in subprocess.run(
        [sys.executable, "-c", "import stancebench._paths as p; print(p.conf_dir())"],
        cwd=cwd, env=env, capture_output=True, text=True, check=True).stdout
