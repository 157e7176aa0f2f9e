# The few verbs people type. Each creates .venv and installs what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cksum < pyproject.toml | cut -d' ' -f1)
DATA   ?= data

.PHONY: serve test lint bench clean

$(STAMP): pyproject.toml src/glassbox/tlog/_native.c
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	# aics-tlog (an independent tlog implementation the tests check us against) declares
	# Python >= 3.12 but runs on 3.11; it needs nothing beyond the pinned cryptography.
	$(BIN)/python -m pip install --quiet --no-deps --ignore-requires-python aics-tlog==0.2.1
	rm -f $(VENV)/.installed-* && touch $@

## serve: run Glassbox on http://127.0.0.1:8080 with SQLite in ./data (initialised on first run)
serve: $(STAMP)
	test -f $(DATA)/settings.toml || $(BIN)/glassbox init --data $(DATA)
	$(BIN)/glassbox serve --data $(DATA)

## test: the whole test suite (PostgreSQL tests need GLASSBOX_TEST_POSTGRES's server)
test: $(STAMP)
	$(BIN)/python -m pytest

## lint: ruff and mypy (strict on glassbox.tlog)
lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

## bench: the log benchmark (SQLite; set GLASSBOX_BENCH_POSTGRES=1 for PostgreSQL too)
bench: $(STAMP)
	$(BIN)/python bench/tlog.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
