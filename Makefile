# Two commands on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3.11
VENV   ?= .venv
PY     := $(VENV)/bin/python
KG     := $(VENV)/bin/kg
WEB    := api/web/static/vendor/.stamp
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install install-test web serve index test lint bench screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

# torch first: the CPU build of 2.13.0 lies on disk; anything else pulls a CUDA build.
$(VENV)/.stamp-install: pyproject.toml $(WEB) | $(PY)
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e .
	touch $@

# The pages' browser assets (Swagger UI, cytoscape, CodeMirror with Neo4j's Cypher support),
# pinned by web/package-lock.json and built into api/web/static/vendor/: no CDN at run time.
$(WEB): web/package-lock.json web/build.mjs web/src/workbench.js
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	node web/build.mjs
	touch $@

web: $(WEB)

# The browser tests drive Debian's Chromium (headless) through Playwright.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
/usr/bin/chromium:
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends chromium

# Tests also lint cypher/ with Neo4j's own grammar, under Node.js (npm registry, offline after).
$(VENV)/.stamp-test: pyproject.toml tools/cypher-lint/package-lock.json $(VENV)/.stamp-install /usr/bin/chromium
	$(PY) -m pip install -q -e '.[test]'
	npm ci --prefix tools/cypher-lint --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.stamp-install

install-test: $(VENV)/.stamp-test

index: install
	$(KG) index

# Indexing is incremental: a fresh checkout builds the index, later runs check it in seconds.
serve: install
	$(KG) index
	$(KG) serve

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest -q -m "not slow"

bench: install-test
	$(PY) bench/bench_index.py
	$(PY) bench/bench_search.py
	$(PY) bench/bench_startup.py
	$(PY) bench/bench_graph.py --precision-docs 000_ed4b50d6eb52c55f.txt 002_bd7793fc1852ee61.txt 003_f4f0568b02f8161c.txt
	$(PY) bench/bench_graph_scale.py --entities 100000 --facts 300000

# PNGs of the three pages over the index of corpus/ (README, "The pages").
screenshots: install-test
	$(KG) index
	$(PY) tools/screenshots.py --out docs/screenshots

clean:
	rm -rf data .pytest_cache .mypy_cache .ruff_cache
