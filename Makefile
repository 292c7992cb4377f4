# Every target sets itself up: a fresh clone needs only Python 3.11+ and make.
# Versions come from the committed lock files (requirements/*.lock, written by `make lock`),
# so every machine, CI run and image installs the same ones.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTEST := $(PY) -m pytest
# The share of app/ lines the whole suite (both databases) must run.
COVERAGE_FLOOR ?= 85

.PHONY: install run test test-sqlite test-postgresql coverage lint format bench lock openapi image-check clean

$(STAMP): pyproject.toml lapor_mock/pyproject.toml requirements/dev.lock
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/dev.lock
	touch $(STAMP)

install: $(STAMP)

## run: migrate the database (SQLite by default), then serve the API on http://127.0.0.1:8000
## with the worker (and, without LAPOR_BASE_URL, a seeded mock national LAPOR on :8100)
run: $(STAMP)
	$(VENV)/bin/lapor-bridge up

## test: the whole suite, against SQLite and against PostgreSQL, then the coverage of both runs
test: test-sqlite test-postgresql coverage

test-sqlite: $(STAMP)
	rm -f .coverage.sqlite
	COVERAGE_FILE=.coverage.sqlite $(PYTEST) --db sqlite --cov=app --cov-report=

test-postgresql: $(STAMP)
	rm -f .coverage.postgresql
	COVERAGE_FILE=.coverage.postgresql $(PYTEST) --db postgresql --cov=app --cov-report=

coverage: $(STAMP)
	$(PY) -m coverage combine --keep --data-file=.coverage .coverage.sqlite .coverage.postgresql
	$(PY) -m coverage report --data-file=.coverage --skip-covered --skip-empty --fail-under=$(COVERAGE_FLOOR)

## lint: ruff (rules and formatting) and mypy (strict on app/, relaxed for tests where they need it)
lint: $(STAMP)
	$(VENV)/bin/ruff check app lapor_mock tests migrations bench
	$(VENV)/bin/ruff format --check app lapor_mock tests migrations bench
	$(VENV)/bin/mypy --strict app lapor_mock
	$(VENV)/bin/mypy tests

format: $(STAMP)
	$(VENV)/bin/ruff check --fix app lapor_mock tests migrations bench
	$(VENV)/bin/ruff format app lapor_mock tests migrations bench

bench: $(STAMP)
	$(PY) bench/create_reports.py
	$(PY) bench/list_reports.py
	$(PY) bench/national_client.py
	$(PY) bench/sync_pull.py
	$(PY) bench/sync_poll.py
	$(PY) bench/webhooks.py
	$(PY) bench/stats.py

## lock: resolve again into requirements/*.lock (dev: requirements/dev.in, the service, its dev tools
## and the mock; prod: the service alone, for the image)
lock:
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet uv
	mkdir -p requirements
	$(VENV)/bin/uv pip compile --quiet --python-version 3.11 requirements/dev.in -o requirements/dev.lock
	$(VENV)/bin/uv pip compile --quiet --python-version 3.11 pyproject.toml -o requirements/prod.lock

## image-check: build the Docker image and run it against PostgreSQL: migrate, serve, health,
## a filed report, a non-root process, the worker stopping on SIGTERM (needs a Docker engine)
image-check: $(STAMP)
	PYTHON=$(abspath $(PY)) ops/image-check

## openapi: write the OpenAPI document to openapi.json (not committed: the service serves it)
openapi: $(STAMP)
	$(PY) -c "import json; from app.main import create_app; print(json.dumps(create_app().openapi(), indent=2, ensure_ascii=False))" > openapi.json

clean:
	rm -rf $(VENV) lapor-bridge.db* data .coverage .coverage.*
