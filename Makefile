# Two commands set everything up on a fresh machine with only Python 3.11+:
#   make run    virtualenv, install, embedded PostgreSQL + Redis, migrate, demo data, web + worker + beat
#   make test   virtualenv, install, the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench services-start services-stop clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m config.run

# With no DATABASE_URL/REDIS_URL the tests use the embedded services (started or joined here).
test: install
	@if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then $(BIN)/python -m config.services start >/dev/null; fi
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

bench: install
	@if [ -z "$$DATABASE_URL" ] || [ -z "$$REDIS_URL" ]; then $(BIN)/python -m config.services start >/dev/null; fi
	$(BIN)/python tests/bench/run.py $(BENCH)

services-start: install
	$(BIN)/python -m config.services start

services-stop: install
	$(BIN)/python -m config.services stop

clean: services-stop
	rm -rf var/pgdata var/*.log var/staticfiles
