# MRC — the two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
MRC := $(VENV)/bin/mrc
FLASK := $(VENV)/bin/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
DEMO_SEED ?= 1
DEMO_CLIENTS ?= 3000
DEMO_COMPARISON ?= 1000
export MRC_INSTANCE_DIR ?= $(CURDIR)/instance

.PHONY: install run test test-sqlite test-postgres lint i18n translations bench bench-load bench-api clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

## compiled catalogues (.mo) are built, never committed
translations: install
	if ls translations/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then \
	  $(VENV)/bin/pybabel --quiet compile -d translations; fi

## make run: install, migrate a SQLite file, load the demo, serve on http://HOST:PORT
run: install translations
	mkdir -p $(MRC_INSTANCE_DIR)
	$(FLASK) db upgrade
	$(MRC) demo --seed $(DEMO_SEED) --clients $(DEMO_CLIENTS) --comparison $(DEMO_COMPARISON) --if-empty --print-logins
	@echo "MRC is starting on http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: ruff + mypy, then the whole suite on SQLite and on a private PostgreSQL
test: install translations lint test-sqlite test-postgres

lint: install
	$(VENV)/bin/ruff check mrc tests benchmarks migrations/env.py wsgi.py
	$(VENV)/bin/mypy

test-sqlite: install
	MRC_TEST_DB=sqlite $(PY) -m pytest -q -p no:cacheprovider

test-postgres: install
	MRC_TEST_DB=postgresql $(PY) -m pytest -q -p no:cacheprovider

## make i18n: extract messages and update every catalogue
i18n: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot --no-location --sort-output --omit-header .
	for loc in fa_AF ps ur bn ar ckb; do \
	  if [ -f translations/$$loc/LC_MESSAGES/messages.po ]; then \
	    $(VENV)/bin/pybabel update -i translations/messages.pot -d translations -l $$loc --no-fuzzy-matching --ignore-obsolete; \
	  else \
	    $(VENV)/bin/pybabel init -i translations/messages.pot -d translations -l $$loc; \
	  fi; \
	done

## make bench: performance benchmarks on PostgreSQL, results in benchmarks/RESULTS.md
bench: install
	$(PY) -m benchmarks.run
	$(PY) -m benchmarks.bench_suppression >> benchmarks/RESULTS.md
	$(PY) -m benchmarks.bench_kanonymity >> benchmarks/RESULTS.md
	$(PY) -m benchmarks.bench_panels >> benchmarks/RESULTS.md
	$(PY) -m benchmarks.bench_dashboard
	$(PY) -m benchmarks.bench_leaflets >> benchmarks/RESULTS.md
	$(PY) -m benchmarks.bench_signals
	$(PY) -m benchmarks.bench_disclosure
	$(PY) -m benchmarks.bench_load
	$(PY) -m benchmarks.bench_load --saves-only --users 50
	$(PY) -m benchmarks.bench_load --saves-only --users 200

## make bench-load: 200 counsellors for 60 s against `mrc serve` (gunicorn, production mode)
## on 300,000 demo clients; a section appended to benchmarks/RESULTS.md (issue #14)
bench-load: install
	$(PY) -m benchmarks.bench_load

## make bench-api: the JSON API's session create, aggregates and impact at 3,000 and 300,000
## demo clients (issue #13; also a section of make bench); to benchmarks/api_results.md
bench-api: install
	$(PY) -m benchmarks.bench_api

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
