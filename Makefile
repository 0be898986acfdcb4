# Platform Incheon — the two commands a newcomer needs:
#   make run    start the platform (embedded DuckDB, seeded with the plan's tables) on http://127.0.0.1:8000
#   make test   install everything the tests need (venv, PostgreSQL + PostGIS, Debian's chromium and the
#               test JS deps) and run lint + all tests
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DATA ?= ./data

.PHONY: run test lint venv services browsers bench clean

$(BIN)/incheon: pyproject.toml
	$(PY) -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	@touch $@

venv: $(BIN)/incheon

run: venv
	$(BIN)/incheon --data-dir $(DATA) serve --seed

services:
	bash scripts/ensure-services.sh

# Debian's chromium (/usr/bin/chromium, driven by Playwright) and `npm ci` for axe-core (browser tests).
browsers:
	bash scripts/ensure-browsers.sh

lint: venv
	$(BIN)/ruff check incheon tests bench
	$(BIN)/ruff format --check incheon

test: venv services browsers lint
	$(BIN)/python -m pytest -n 2 -q -p no:cacheprovider

bench: venv
	$(BIN)/pip install -q -e '.[bench]'
	$(BIN)/python bench/bench_package_search.py
	$(BIN)/python bench/bench_ingest.py
	$(BIN)/python bench/bench_datastore.py
	$(BIN)/python bench/bench_pages.py
	$(BIN)/python bench/bench_ogcapi.py
	$(BIN)/python bench/bench_sta.py
	$(BIN)/python bench/bench_rules.py

clean:
	rm -rf $(VENV) $(DATA) bench/_work
