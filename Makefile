# skillnest: `make run` (embedded SQLite, no servers) and `make test` (SQLite + PostgreSQL + Redis).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: install run test test-cluster fuzz client lint bench services services-stop pdf-deps browser screenshots clean mutation

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install skillnest with its dev tools (idempotent).

run: install pdf-deps ## Serve on HOST:PORT from ./var (SQLite): migrate if needed, demo data on a new database.
	@mkdir -p var
	@echo "API docs: http://$(HOST):$(PORT)/docs (demo data: \`skillnest demo load\` reloads it)"
	@SKILLNEST_ENV=development exec $(BIN)/skillnest serve --prepare --host $(HOST) --port $(PORT)

services: ## Start PostgreSQL and Redis for tests and benchmarks (installs them if missing).
	@bash scripts/services.sh start

pdf-deps: ## Pango and fonts for PDF export (Debian packages, installed when missing).
	@bash scripts/services.sh pdf-deps

services-stop:
	@bash scripts/services.sh stop

browser: ## Install Debian's Chromium for the browser tests when it is missing.
	@bash scripts/services.sh browser

test: install services browser ## The whole suite, on SQLite and on PostgreSQL + Redis.
	@set -a; source var/services.env; set +a; \
	$(BIN)/pytest -v -p no:cacheprovider -n $${SKILLNEST_TEST_WORKERS:-2} --dist loadfile \
		--no-loadscope-reorder

fuzz: install services ## Schemathesis, every phase and check, many examples, on both backends.
	@set -a; source var/services.env; set +a; \
	SKILLNEST_FUZZ_EXAMPLES=$${SKILLNEST_FUZZ_EXAMPLES:-100} \
	SKILLNEST_FUZZ_PHASES=$${SKILLNEST_FUZZ_PHASES:-examples,coverage,fuzzing,stateful} \
	$(BIN)/pytest -v -s -p no:cacheprovider tests/contract/test_conformance.py

client: install ## Generate a typed Python client from /openapi.json into var/client and compile it.
	@mkdir -p var
	@test -x var/client-venv/bin/openapi-python-client || { $(PYTHON) -m venv var/client-venv && \
	  var/client-venv/bin/pip install --quiet "$$(grep -o 'openapi-python-client==[0-9.]*' pyproject.toml)"; }
	@SKILLNEST_ENV=development $(BIN)/python -c "import json; from skillnest.app import create_app; \
	  print(json.dumps(create_app().openapi()))" > var/openapi.json
	@echo '{"post_hooks": []}' > var/client-config.json
	var/client-venv/bin/openapi-python-client generate --path var/openapi.json --output-path var/client \
	  --meta none --overwrite --config var/client-config.json
	$(BIN)/python -m compileall -q var/client && echo "client generated and compiled: var/client"

screenshots: install services browser ## Every page at 375 and 1280 px wide under var/screenshots/.
	@set -a; source var/services.env; set +a; \
	$(BIN)/pytest -q -p no:cacheprovider tests/web/test_every_page.py tests/web/test_admin.py -k sqlite

test-cluster: install ## Cluster scenarios: primary + replica, Redis, two servers behind nginx.
	@trap 'bash scripts/cluster.sh down' EXIT; \
	SKILLNEST_MAINTENANCE_SECONDS=2 timeout 300 bash scripts/cluster.sh up && \
	set -a && source var/cluster.env && set +a && \
	timeout 420 $(BIN)/pytest -v -p no:cacheprovider -m cluster tests/cluster

lint: install ## ruff (lint + format check) and mypy.
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: install services ## Benchmarks against PostgreSQL + Redis; writes bench/RESULTS.md.
	@bash scripts/services.sh bench-tools
	@set -a; source var/services.env; set +a; \
	$(BIN)/python -m bench.run $(ONLY)

clean:
	rm -rf $(VENV) var/skillnest.db* .pytest_cache .mypy_cache .ruff_cache

mutation: install ## mutmut over each pure rules module with its pure tests; % of mutants killed.
	$(BIN)/python scripts/mutation.py $(ONLY)
