# The Thinking Market: every target sets up .venv on first use, so `make run` and
# `make test` are the whole set-up on a fresh clone. `make run`, `make serve` and `make test`
# also build the dashboard (web/, React + Vite) whenever its sources or lockfile changed.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
NPM    ?= npm
WEB    := web
CHROMIUM ?= /usr/bin/chromium

NPM_STAMP   := $(WEB)/node_modules/.npm-ci-stamp
WEB_STAMP   := $(WEB)/dist/.build-stamp
API_TYPES   := $(WEB)/src/api/schema.d.ts
API_SOURCES := $(wildcard pipeline/api/*.py pipeline/api/routes/*.py)
WEB_SOURCES := $(shell find $(WEB)/src -type f ! -name schema.d.ts 2>/dev/null) \
               $(WEB)/index.html $(WEB)/vite.config.ts $(WEB)/tsconfig.json

.PHONY: install run test test-fast lint bench mutation serve mlflow-ui clean web web-test chromium node

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# ---- the dashboard -----------------------------------------------------------------------
node:
	@command -v $(NPM) >/dev/null || (apt-get update && apt-get install -y nodejs npm)

$(NPM_STAMP): $(WEB)/package-lock.json $(WEB)/package.json
	$(MAKE) node
	cd $(WEB) && $(NPM) ci --no-audit --no-fund
	touch $@

# The client's types are generated from the API's own OpenAPI schema, never written by hand.
$(API_TYPES): $(API_SOURCES) $(STAMP) $(NPM_STAMP)
	$(PY) -m pipeline.api --write-openapi $(WEB)/openapi.json
	cd $(WEB) && npx openapi-typescript openapi.json -o src/api/schema.d.ts

$(WEB_STAMP): $(WEB_SOURCES) $(API_TYPES) $(NPM_STAMP)
	cd $(WEB) && $(NPM) run build
	touch $@

web: $(WEB_STAMP)

web-test: $(API_TYPES)
	cd $(WEB) && $(NPM) test

# Debian's chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@test -x $(CHROMIUM) || (apt-get update && apt-get install -y chromium)

# ---- the usual targets ---------------------------------------------------------------------
run: install web
	$(PY) -m pipeline +experiment=herding

test: install lint web chromium web-test
	$(PY) -m pytest

test-fast: install
	$(PY) -m pytest -m "not slow"

lint: install
	$(PY) -m ruff check .
	$(PY) -m mypy

bench: install
	$(PY) -m benchmarks

# Mutation score of the result-deciding pure-Python modules ([tool.mutmut] in pyproject.toml);
# not part of `make test` (over an hour on 2 cores). Surviving mutants are listed at the end.
# per module: killed / all mutants (timeouts, counted as killed, in brackets), from mutmut's .meta
MUTATION_SCORES := import json, pathlib; \
  [print(f"{str(p)[8:-5]:38} {k + t:4d}/{len(c):4d} killed ({t} timeouts) {100 * (k + t) / len(c):5.1f}%") \
   for p in sorted(pathlib.Path("mutants").rglob("*.py.meta")) \
   for c in [[x for x in json.loads(p.read_text())["exit_code_by_key"].values()]] if c \
   for k, t in [(sum(x in (1, 3) for x in c), sum(x in (24, -24, 36, 152, 255) for x in c))]]

mutation: install
	nice -n 19 $(VENV)/bin/mutmut run --max-children 1
	$(VENV)/bin/mutmut results
	$(PY) -c '$(MUTATION_SCORES)'
	rm -rf mutants

serve: install web
	$(PY) -m pipeline.api

mlflow-ui: install
	$(VENV)/bin/mlflow ui --backend-store-uri sqlite:///outputs/mlflow.db --default-artifact-root outputs/mlartifacts

clean:
	rm -rf outputs .pytest_cache .mypy_cache .ruff_cache $(WEB)/dist $(WEB)/openapi.json $(API_TYPES)
