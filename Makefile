# Every target sets itself up: a fresh clone needs only Python 3.11+ and make.
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTEST := $(PY) -m pytest

.PHONY: install run test test-sqlite test-postgresql lint bench openapi image-check clean

$(STAMP): pyproject.toml lapor_mock/pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ./lapor_mock -e '.[dev,mock]'
	touch $(STAMP)

install: $(STAMP)

## run: migrate the database (SQLite by default), then serve the API on http://127.0.0.1:8000
## with the worker (and, without LAPOR_BASE_URL, a seeded mock national LAPOR on :8100)
run: $(STAMP)
	$(VENV)/bin/lapor-bridge up

## test: the whole suite, against SQLite and against PostgreSQL
test: test-sqlite test-postgresql

test-sqlite: $(STAMP)
	$(PYTEST) --db sqlite

test-postgresql: $(STAMP)
	$(PYTEST) --db postgresql

lint: $(STAMP)
	$(VENV)/bin/ruff check app lapor_mock tests migrations bench
	$(VENV)/bin/mypy app lapor_mock

bench: $(STAMP)
	$(PY) bench/create_reports.py
	$(PY) bench/list_reports.py
	$(PY) bench/national_client.py
	$(PY) bench/sync_pull.py
	$(PY) bench/sync_poll.py
	$(PY) bench/webhooks.py
	$(PY) bench/stats.py

## image-check: build the Docker image and run it against PostgreSQL: migrate, serve, health,
## a filed report, a non-root process, the worker stopping on SIGTERM (needs a Docker engine)
image-check: $(STAMP)
	PYTHON=$(abspath $(PY)) ops/image-check

## openapi: write the OpenAPI document to openapi.json
openapi: $(STAMP)
	$(PY) -c "import json; from app.main import create_app; print(json.dumps(create_app().openapi(), indent=2, ensure_ascii=False))" > openapi.json

clean:
	rm -rf $(VENV) lapor-bridge.db* data
