# credstack: `make demo` and `make test` do all set-up on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# ape-vyper finds the pip `vyper` on PATH (no compiler download); ape-foundry
# finds `anvil` from the npm package.
export PATH := $(CURDIR)/$(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
# `make anvil`: a plain anvil in the background for separate commands to share.
ANVIL_PORT ?= 8545
ANVIL_PID := .anvil.pid

.PHONY: help setup test test-contracts test-properties demo bench lint layout clean anvil anvil-stop

help:
	@echo "make setup   venv with pinned packages and anvil (idempotent, fast when done)"
	@echo "make demo    the pilot on the embedded chain: deploy, catalog, a cohort over 26 weeks, summary"
	@echo "make test    lint, then the whole test suite"
	@echo "make bench   gas, issuance on anvil (automine, 2 s and 12 s blocks, 100,000 for memory), the event index, analytics over 1,000,000 events, Open Badges export, the web app under load: bench/results.json"
	@echo "make lint    ruff, mypy, and the storage-layout snapshot check"
	@echo "make anvil   a plain anvil in the background on ANVIL_PORT (8545), its PID in $(ANVIL_PID)"
	@echo "make anvil-stop  stop it; nothing is left listening"

setup: $(VENV)/.installed node_modules/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# The suite on both cores (pytest-xdist). Each worker takes whole files
# (--dist loadfile), so a file's module fixtures deploy once, and the e2e file
# on 2-second blocks, which mostly waits for blocks, runs beside CPU-bound
# files. The contracts are compiled first, once, so that the workers do not
# both compile into .build.
TEST_WORKERS ?= 2

test: lint
	ape compile
	ape test tests -p no:cacheprovider -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder

test-contracts: setup
	ape test tests/contracts

test-properties: setup
	CREDSTACK_PROPERTY_EXAMPLES=500 ape test tests/properties -p no:cacheprovider

demo: setup
	ape run pilot

bench: setup
	$(BIN)/python bench/gas.py
	$(BIN)/python bench/issuance.py
	$(BIN)/python bench/index.py
	$(BIN)/python bench/analytics.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/serve.py

lint: setup
	ruff check src scripts tests bench
	ruff format --check src scripts tests bench
	mypy

anvil: setup
	@$(BIN)/python -m credstack.anvil start --port $(ANVIL_PORT) --pid-file $(ANVIL_PID)

anvil-stop:
	@$(BIN)/python -m credstack.anvil stop --port $(ANVIL_PORT) --pid-file $(ANVIL_PID)

layout: setup
	vyper -f layout contracts/CredentialRegistry.vy | $(BIN)/python -m json.tool > contracts/layout/CredentialRegistry.json

clean:
	rm -rf .build out bench/results.json .pytest_cache .hypothesis
