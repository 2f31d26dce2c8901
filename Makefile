# `make run` trains and evaluates the default baseline; `make test` runs the tests.
# Both create .venv and install everything on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: run test test-all bench install clean browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch first, pinned: an unpinned torch pulls a multi-GB CUDA build
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[transformers,dev,sweep]"
	$(BIN)/python -m pip install -q --no-deps hydra-optuna-sweeper==1.3.0
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/stancebench-train $(ARGS)

# the HTML report test opens the report in headless Chromium (Debian's package; needs root or sudo)
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test: install browser
	$(BIN)/python -m pytest -q $(ARGS)

test-all: install browser
	$(BIN)/python -m pytest -q -m "" $(ARGS)

bench: install
	$(BIN)/python experiments/bench_baseline.py

clean:
	rm -rf $(VENV) outputs multirun
