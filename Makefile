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

.PHONY: demo test bench lint typecheck check clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,spark]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/econsec data fetch baci --hs HS17 --release V202601
	$(BIN)/econsec data fetch baci --hs HS02 --release V202601
	$(BIN)/econsec data list
	$(BIN)/econsec review JPN --year 2024 --rival CHN --out out/review_JPN_2024.html

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check --quiet src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .econsec-home out .pytest_cache .mypy_cache .ruff_cache
