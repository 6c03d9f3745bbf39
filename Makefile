# The Thinking Market: every target sets up .venv on first use, so `make run` and
# `make test` are the whole set-up on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test test-fast lint bench serve mlflow-ui clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) -m pipeline +experiment=herding

test: install lint
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not slow"

lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy

bench: install
	$(PY) -m benchmarks

serve: install
	$(PY) -m pipeline.api

mlflow-ui: install
	$(VENV)/bin/mlflow ui --backend-store-uri sqlite:///outputs/mlflow.db --default-artifact-root outputs/mlartifacts

clean:
	rm -rf outputs .pytest_cache .mypy_cache .ruff_cache
