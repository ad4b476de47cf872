# Two entry points (see README): `make run` and `make test`. Both create .venv when missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
POLICY ?= contact-center

.PHONY: run test lint typecheck pytest bench dist clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.run-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.test-deps: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@ $(VENV)/.run-deps

# Exit 1 means the check ran and found the machine NOT READY: that is a result, not a failure.
run: $(VENV)/.run-deps
	@$(BIN)/wfhaudit check --policy $(POLICY); rc=$$?; \
	  if [ $$rc -le 1 ]; then exit 0; else exit $$rc; fi

lint: $(VENV)/.test-deps
	$(BIN)/ruff check src tests bench packaging

typecheck: $(VENV)/.test-deps
	$(BIN)/mypy

pytest: $(VENV)/.test-deps
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

test: lint typecheck pytest

# Wheel + sdist, the one-file executable for this OS and (on Linux) the .deb, into dist/.
dist: $(VENV)/.test-deps
	$(BIN)/python packaging/build.py all --out dist

bench: $(VENV)/.test-deps
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache build dist
