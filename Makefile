# Mashwara: `make run` starts the platform with demo data, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-sqlite setup frontend messages lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch node_modules/.package-lock.json

frontend: node_modules/.package-lock.json
	npm run --silent build

messages: $(STAMP)
	$(PY) manage.py compilemessages --ignore=.venv --ignore=node_modules -v 0

setup: $(STAMP) frontend messages

run: setup
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py seed_demo
# No Celery beat here (tasks run eagerly): run_scheduler moves elections at their times.
# run_demo_issuers runs the issuer daemons of k demo trustees, so demo credentials get signed.
	DEBUG=true $(PY) manage.py run_scheduler & scheduler=$$!; \
	DEBUG=true $(PY) manage.py run_demo_issuers --url http://$(HOST):$(PORT) & issuers=$$!; \
	trap 'kill $$scheduler $$issuers 2>/dev/null' EXIT INT TERM; \
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

# On PostgreSQL (CI), the tests marked `sqlite` (casting, the ballot box, the board) run once more
# on SQLite, `make run`'s zero-setup database: a SQLite-only bug in casting once slipped through.
test: setup
	$(PY) -m pytest $(PYTEST_ARGS)
	@case "$${DATABASE_URL:-sqlite}" in sqlite*) ;; *) $(MAKE) --no-print-directory test-sqlite;; esac
	npm test --silent

# About a minute (178 tests, 64 s on a quiet 2-core machine).
test-sqlite: setup
	env -u DATABASE_URL $(PY) -m pytest -p no:cacheprovider -m sqlite tests/voting

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) bench/crypto.py

clean:
	rm -rf $(VENV) node_modules frontend/dist var
