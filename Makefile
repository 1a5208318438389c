# Entry points: make run | make test | make ui | make bench | make docs
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_TARGET_PATH := $(CURDIR)/dbt_project/target
export DAGSTER_HOME := $(CURDIR)/.dagster_home
MANIFEST := dbt_project/target/manifest.json

.PHONY: run test ui bench docs prepare install clean

# Python environment with the project and its test tools, reinstalled when pyproject.toml changes.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The dbt manifest Dagster reads its assets from (dbt parse: offline, no warehouse needed).
prepare: $(STAMP)
	$(BIN)/dbt parse --quiet
	mkdir -p $(DAGSTER_HOME)
	cp orchestration/dagster.yaml $(DAGSTER_HOME)/dagster.yaml

# Set-up + the main job: load, generate, dbt build (with tests), estimators, publish, reports.
run: prepare
	$(BIN)/nqp build

test: prepare
	$(BIN)/python -m pytest tests

ui: prepare
	$(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

bench: prepare
	$(BIN)/python -m tests.benchmarks.run_all

clean:
	rm -rf warehouse/.build dbt_project/target reports
