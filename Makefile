# `make run` trains and evaluates the default baseline; `make test` runs the tests.
# Both create .venv and install everything on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: run test test-all bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch first, pinned: an unpinned torch pulls a multi-GB CUDA build
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e ".[transformers,dev]"
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/stancebench-train $(ARGS)

test: install
	$(BIN)/python -m pytest -q $(ARGS)

test-all: install
	$(BIN)/python -m pytest -q -m "" $(ARGS)

bench: install
	$(BIN)/python experiments/bench_baseline.py

clean:
	rm -rf $(VENV) outputs multirun
