# Entry points: make run | make test | make ui | make bench | make docs | make spark-build | make bench-spark
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export DBT_PROFILES_DIR := $(CURDIR)
export DBT_TARGET_PATH := $(CURDIR)/dbt_project/target
export DAGSTER_HOME := $(CURDIR)/.dagster_home
MANIFEST := dbt_project/target/manifest.json

.PHONY: run test ui bench docs prepare install system spark spark-build bench-spark clean

# Debian packages the project needs: CJK fonts for figures, Chromium + driver for the UI browser
# test. Installed with apt-get (root on our machines) only when one is missing.
SYSTEM_PACKAGES := fonts-noto-cjk chromium chromium-driver
SYSTEM_STAMP := $(VENV)/.system

# Python environment with the project and its test tools, reinstalled when pyproject.toml changes.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (Python 3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# apt-get install of the packages of $(1) that are missing, then touch the stamp $(2).
define apt_install
	@missing=$$(for p in $(1); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages: $$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	mkdir -p $(VENV) && touch $(2)
endef

$(SYSTEM_STAMP):
	$(call apt_install,$(SYSTEM_PACKAGES),$(SYSTEM_STAMP))

system: $(SYSTEM_STAMP)

install: $(STAMP) $(SYSTEM_STAMP)

# The index layer on Spark (README "The index layer on Spark"): a JVM from Debian and the `.[spark]`
# extra (dbt-spark, PySpark). Never on `make run`'s path (DuckDB is the embedded default); `make test`
# needs it for the Spark equality test, so a fresh CI machine gets it there.
SPARK_SYSTEM_PACKAGES := openjdk-17-jre-headless
SPARK_SYSTEM_STAMP := $(VENV)/.system-spark
SPARK_STAMP := $(VENV)/.installed-spark

$(SPARK_SYSTEM_STAMP):
	$(call apt_install,$(SPARK_SYSTEM_PACKAGES),$(SPARK_SYSTEM_STAMP))

$(SPARK_STAMP): pyproject.toml $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,spark]'
	touch $(SPARK_STAMP)

spark: $(SPARK_STAMP) $(SPARK_SYSTEM_STAMP)

# Export the published warehouse's raw inputs, build the index layer on Spark (seeds, models and all
# their tests), then compare its marts with DuckDB's (exit 1 beyond 1e-9). Run `make run` first.
spark-build: prepare spark
	$(BIN)/python -m models_py.spark build
	$(BIN)/python -m models_py.spark compare

# The dbt manifest Dagster reads its assets from (dbt parse: offline, no warehouse needed).
prepare: $(STAMP) $(SYSTEM_STAMP)
	$(BIN)/dbt parse --quiet
	mkdir -p $(DAGSTER_HOME)
	cp orchestration/dagster.yaml $(DAGSTER_HOME)/dagster.yaml

# Set-up + the main job: load, generate, dbt build (with tests), estimators, publish, reports.
run: prepare
	$(BIN)/nqp build

# every property test with all its examples (tests/examples.py; a plain pytest run takes a third)
test: prepare spark
	NQP_EXAMPLES=full $(BIN)/python -m pytest --durations=25 tests

ui: prepare
	$(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

# dbt docs of the published warehouse, generated offline and served on http://127.0.0.1:8080.
# Generated from a copy (same file name: DuckDB names the catalog after it), so the published file
# is never opened for writing; no anonymous usage stats are sent.
DOCS_DB_DIR := dbt_project/target/docs_db
docs: prepare
	@wh="$${NQP_WAREHOUSE:-warehouse/nqp.duckdb}"; test -f "$$wh" || { echo "no warehouse at $$wh: run make run first"; exit 1; }; \
	mkdir -p $(DOCS_DB_DIR) && cp "$$wh" $(DOCS_DB_DIR)/$$(basename "$$wh") && \
	NQP_DBT_DATABASE=$(CURDIR)/$(DOCS_DB_DIR)/$$(basename "$$wh") DBT_SEND_ANONYMOUS_USAGE_STATS=false \
	  $(BIN)/dbt docs generate --quiet
	DBT_SEND_ANONYMOUS_USAGE_STATS=false $(BIN)/dbt docs serve --host 127.0.0.1 --port 8080 --no-browser

bench: prepare
	$(BIN)/python -m tests.benchmarks.run_all

# Entropy weights + scores on Spark and on DuckDB, side by side (not a test, not part of `make bench`);
# BENCH_SPARK_ARGS="--units 10000" scales the 100,000-unit (80 M rows) panel down.
bench-spark: prepare spark
	$(BIN)/python -m tests.benchmarks.spark_bench $(BENCH_SPARK_ARGS)

clean:
	rm -rf warehouse/.build dbt_project/target reports
