"""Serving a logged model: `mlflow models serve` over REST, and batch prediction from the shell
(`stancebench predict MODEL --input F --output G`) (issue 13)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import stancebench
from conftest import train_logged_pair_model
from stancebench.cli import main as cli

VENV_BIN = Path(sys.executable).parent  # mlflow and uvicorn live here
TEXTS = ["We are ready for talks.", "Sanctions will not stop us.", "Statement 3 about aid and pressure."]
TARGETS = ["us", "Ukraine", "negotiations"]
PROBA = ["proba_favor", "proba_against", "proba_neutral", "proba_none"]


@pytest.fixture(scope="module")
def logged(tmp_path_factory) -> dict:
    logged = train_logged_pair_model(tmp_path_factory.mktemp("serving"))
    return {**logged, "model": stancebench.load_model(logged["model_uri"], tracking_uri=logged["tracking_uri"])}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def post(url: str, payload: dict) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"{}")


@pytest.fixture(scope="module")
def server(logged):
    """`mlflow models serve` of the logged model on a free loopback port; stopped at the end."""
    port = free_port()
    env = {**os.environ, "MLFLOW_TRACKING_URI": logged["tracking_uri"],
           "PATH": f"{VENV_BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    log = open(logged["tmp"] / "serve.log", "wb")
    process = subprocess.Popen([str(VENV_BIN / "mlflow"), "models", "serve", "-m", logged["model_uri"],
                                "--env-manager", "local", "-h", "127.0.0.1", "-p", str(port)],
                               stdout=log, stderr=subprocess.STDOUT, env=env, cwd=logged["tmp"],
                               start_new_session=True)  # its own process group: the workers stop with it
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                pytest.fail(f"mlflow models serve exited with {process.returncode}:\n"
                            + (logged["tmp"] / "serve.log").read_text(errors="replace")[-3000:])
            try:
                with urllib.request.urlopen(f"{base}/ping", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                pytest.fail("mlflow models serve did not answer /ping within 120 s:\n"
                            + (logged["tmp"] / "serve.log").read_text(errors="replace")[-3000:])
            time.sleep(0.5)
        yield f"{base}/invocations"
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=20)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=20)
        log.close()


def check_predictions(body: dict, model, texts, targets, allow_new_targets: bool = False) -> None:
    frame = pd.DataFrame(body["predictions"])
    assert frame["label"].tolist() == model.predict(texts, target=targets, allow_new_targets=allow_new_targets)
    np.testing.assert_allclose(frame[PROBA].to_numpy(),
                               model.predict_proba(texts, target=targets, allow_new_targets=allow_new_targets), rtol=1e-6)


def test_rest_split_and_records_with_targets(server, logged):
    frame = pd.DataFrame({"text": TEXTS, "target": TARGETS})
    status, body = post(server, {"dataframe_split": frame.to_dict(orient="split", index=False)})
    assert status == 200, body
    check_predictions(body, logged["model"], TEXTS, TARGETS)
    status, body = post(server, {"dataframe_records": frame.to_dict(orient="records")})
    assert status == 200, body
    check_predictions(body, logged["model"], TEXTS, TARGETS)


@pytest.mark.parametrize("payload", [
    {"dataframe_split": {"columns": ["text"], "data": [[t] for t in TEXTS]}},
    {"dataframe_records": [{"text": t} for t in TEXTS]},
])
def test_rest_without_a_target_is_a_clear_error(server, payload):
    status, body = post(server, payload)
    assert 400 <= status < 500, body
    assert "missing inputs ['target']" in body.get("message", ""), body


def test_rest_unknown_target_is_refused_with_the_known_targets(server):
    status, body = post(server, {"dataframe_records": [{"text": t, "target": "sanctions"} for t in TEXTS]})
    assert 400 <= status < 500, body
    assert "unknown target(s) ['sanctions']" in body["message"] and "negotiations, ukraine, us" in body["message"]


def test_rest_unknown_target_is_never_a_silent_prediction(server):
    status, body = post(server, {"dataframe_records": [{"text": t, "target": "sanctions"} for t in TEXTS]})
    assert 400 <= status < 600 and "predictions" not in body, body
    assert "unknown target(s) ['sanctions']" in body.get("message", "") + body.get("stack_trace", "")


def test_rest_new_target_when_the_request_allows_it(server, logged):
    records = [{"text": t, "target": "sanctions"} for t in TEXTS]
    status, body = post(server, {"dataframe_records": records, "params": {"allow_new_targets": True}})
    assert status == 200, body
    check_predictions(body, logged["model"], TEXTS, ["sanctions"] * 3, allow_new_targets=True)


# --- stancebench predict --input / --output --------------------------------------------------


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = cli(["predict", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_predict_a_jsonl_file_into_csv_and_jsonl(logged, tmp_path, capsys):
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": i, "text": t, "target": g}) + "\n"
                              for i, (t, g) in enumerate(zip(TEXTS, TARGETS))), encoding="utf-8")
    args = (logged["model_uri"], "--tracking-uri", logged["tracking_uri"], "--input", str(source))
    for output in ("out.csv", "out.jsonl"):
        code, _, err = run_cli(capsys, *args, "--output", str(tmp_path / output))
        assert code == 0, err
        frame = (pd.read_csv if output.endswith(".csv") else lambda p: pd.read_json(p, lines=True))(tmp_path / output)
        assert frame["id"].tolist() == [0, 1, 2] and frame["text"].tolist() == TEXTS
        check_predictions({"predictions": frame.to_dict(orient="records")}, logged["model"], TEXTS, TARGETS)
    code, out, _ = run_cli(capsys, *args)  # no --output: JSON lines on stdout
    assert code == 0 and len(out.splitlines()) == 3 and json.loads(out.splitlines()[0])["id"] == 0


def test_predict_a_csv_file_with_one_target_for_all(logged, tmp_path, capsys):
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": TEXTS}).to_csv(source, index=False)
    code, out, err = run_cli(capsys, logged["model_uri"], "--tracking-uri", logged["tracking_uri"], "--input",
                             str(source), "--target", "us")
    assert code == 0, err
    frame = pd.DataFrame([json.loads(line) for line in out.splitlines()])
    check_predictions({"predictions": frame.to_dict(orient="records")}, logged["model"], TEXTS, ["us"] * 3)


@pytest.mark.parametrize("name,content,message", [
    ("bad.jsonl", '{"text": "a", "target": "us"}\n{"text": 3, "target": "us"}\n', "bad.jsonl:2: field 'text' is int"),
    ("bad.jsonl", '{"text": "a", "target": "us"}\n{"text": "b", target\n', "bad.jsonl:2: malformed JSON"),
    ("bad.jsonl", '{"txt": "a", "target": "us"}\n', "bad.jsonl:1: no 'text' field"),
    ("bad.csv", "txt,target\na,us\n", "bad.csv:1: the header has no 'text' column"),
    ("bad.csv", "text,target\na,us\nb,us,extra\n", "bad.csv:3: 3 cells, but the header has 2"),
    ("bad.csv", "text,target\na,\n", "bad.csv:2: field 'target' is empty"),
    ("bad.csv", b"text,target\na,us\n\xff\xfe,us\n", "bad.csv:3: not valid UTF-8"),
    ("bad.txt", "a\n", "unknown input format '.txt'"),
    ("bad.csv", "text\na\n", "pass --target (or a 'target' column in the input file), one of: negotiations, ukraine, us"),
])
def test_bad_input_file_is_one_line_naming_file_and_line(logged, tmp_path, capsys, name, content, message):
    source = tmp_path / name
    source.write_bytes(content if isinstance(content, bytes) else content.encode())
    code, out, err = run_cli(capsys, logged["model_uri"], "--tracking-uri", logged["tracking_uri"], "--input", str(source))
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err, err


def test_texts_as_arguments_keep_working(logged, capsys):
    code, out, err = run_cli(capsys, logged["model_uri"], "--tracking-uri", logged["tracking_uri"], TEXTS[0],
                             "--target", "us")
    assert code == 0, err
    assert logged["model"].predict(TEXTS[0], target="us")[0] in out
    code, _, err = run_cli(capsys, logged["model_uri"], "--tracking-uri", logged["tracking_uri"])
    assert code == 1 and "pass texts to classify, or --input FILE" in err


# --- progress bars ----------------------------------------------------------------------------


def test_progress_bar_only_for_many_batches_on_a_terminal(monkeypatch):
    from stancebench.models import _hf

    batches = list(_hf.length_batches(["a"] * 10, 4))
    assert _hf.with_progress(iter(batches), 10, 4) is not None
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    bar = _hf.with_progress(iter(batches), 10, 4)
    assert type(bar).__module__.startswith("tqdm") and len(list(bar)) == 3
    bar.close()
    assert not type(_hf.with_progress(iter(batches[:1]), 4, 4)).__module__.startswith("tqdm")  # one batch
    assert not type(_hf.with_progress(iter(batches), 10, 4, enabled=False)).__module__.startswith("tqdm")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    assert not type(_hf.with_progress(iter(batches), 10, 4)).__module__.startswith("tqdm")  # a log or a test
