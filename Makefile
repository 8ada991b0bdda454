# econsec — make demo runs the main job on the real sample data; make test runs the tests
# (the Spark tests too, where Java 17 is installed; .ci/run installs it when missing).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED := $(abspath ../shared/data)
export ECONSEC_HOME ?= $(CURDIR)/.econsec-home
ifneq ($(wildcard $(SHARED)),)
export ECONSEC_MIRROR ?= $(SHARED)
endif

.PHONY: demo test bench lint typecheck check clean lock lock-upgrade docs docs-check

# The environment is installed from uv.lock (exact versions and hashes, in seconds); pyproject.toml
# keeps the version ranges that `pip install econsec` resolves. uv itself is pinned here and
# bootstrapped from PyPI into .venv/uv (outside site-packages, so an exact sync leaves it alone).
# Bytecode is compiled at install, as pip does: without it every command compiles ibis, polars
# and DuckDB's bindings again where bytecode is not written (PYTHONDONTWRITEBYTECODE), about 1.5 s.
UV_VERSION := 0.13.8
UV := $(VENV)/uv/bin/uv
EXTRAS := --extra dev --extra spark --extra docs
export UV_PYTHON_DOWNLOADS := never
# Material for MkDocs prints a banner about its successor on every build; said in CONTRIBUTING.
export NO_MKDOCS_2_WARNING := 1

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --target $(VENV)/uv 'uv==$(UV_VERSION)'

$(STAMP): pyproject.toml uv.lock | $(UV)
	@$(UV) lock --check --quiet || { echo "uv.lock does not match pyproject.toml: run 'make lock', then 'make test', and commit uv.lock" >&2; exit 1; }
	$(UV) sync --locked --quiet --compile-bytecode $(EXTRAS) --python $(BIN)/python
	$(BIN)/python -m compileall -q -j 0 src > /dev/null
	touch $(STAMP)

# Refresh the lock deliberately, then run `make test` and commit uv.lock with the change.
# `make lock` adds what pyproject.toml newly asks for and keeps every other pin;
# `make lock-upgrade` moves every package to the newest version the ranges allow.
lock: | $(UV)
	$(UV) lock
	rm -f $(STAMP)

lock-upgrade: | $(UV)
	$(UV) lock --upgrade
	rm -f $(STAMP)

demo: $(STAMP)
	$(BIN)/econsec data fetch baci --hs HS17 --release V202601
	$(BIN)/econsec data fetch baci --hs HS02 --release V202601
	$(BIN)/econsec data list
	$(BIN)/econsec review JPN --year 2024 --rival CHN --out out/review_JPN_2024.html

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs/hooks
	$(BIN)/ruff format --check --quiet src tests benchmarks docs/hooks
	$(BIN)/mypy
	$(BIN)/pytest -q -n auto --maxprocesses 4 --dist loadfile
	$(MAKE) --no-print-directory docs-check

# The documentation site, strict: a broken link, a missing reference, a tutorial block that
# fails or an error class without a page stops the build. Tutorials run on the sample data
# when ../shared/data (or ECONSEC_MIRROR) has it; see docs/hooks/tutorials.py.
docs: $(STAMP)
	$(BIN)/mkdocs build --strict --quiet

docs-check: $(STAMP)
	$(BIN)/mkdocs build --strict --quiet --site-dir build/docs-check

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs/hooks
	$(BIN)/ruff format --check src tests benchmarks docs/hooks

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .econsec-home out site build .pytest_cache .mypy_cache .ruff_cache
