# `make run` and `make test` set up what they need on a fresh clone.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint bench docs clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "provider-mocks needs Python 3.11 or newer (set PYTHON=...)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/provider-mocks serve $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest $(ARGS)

# Throughput, latency, start time and memory next to WireMock; prints tables, asserts nothing.
bench: $(STAMP)
	$(BIN)/python bench/run.py

# The reference in docs/ as a site in site/ (checked links and anchors, as the tests build it).
docs: $(STAMP)
	$(BIN)/mkdocs build --strict

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	rm -rf build/typecheck && mkdir -p build/typecheck/provider_mocks
	ln -s $(CURDIR)/mocks/* build/typecheck/provider_mocks/
	ln -s $(CURDIR)/contracts build/typecheck/provider_mocks/contracts
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis build dist site *.egg-info
