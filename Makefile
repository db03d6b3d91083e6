# The two commands a new machine needs: `make demo` and `make test`.
# Each creates .venv and installs the project into it first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_DIR ?= demo-workspace

.PHONY: demo test lint bench wheel clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/tracker demo $(DEMO_DIR)

# Tests run in parallel, one worker per core (pytest-xdist); each worker starts its own
# PostgreSQL server. `make test PYTEST_ARGS=-n0` runs them in one process.
PYTEST_ARGS ?= -n auto --dist worksteal

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/run.py
	$(BIN)/python bench/reports.py
	$(BIN)/python bench/disclosure.py

wheel: $(STAMP)
	$(BIN)/python -m build --wheel --outdir dist .

clean:
	rm -rf $(VENV) dist build $(DEMO_DIR) bench/out
