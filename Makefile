# Two commands set everything up on a fresh machine with Python >= 3.11:
#   make demo   -- create .venv, install shieldlab, run the built-in scenario
#   make test   -- create .venv, install shieldlab with dev tools, lint, type-check, test
#   make smoke-base -- install shieldlab without extras in a fresh venv and smoke-test it
# `make -j2 test` runs the lint and the numba warm-up side by side (CI does: .ci/run).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint warm smoke-base bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/shieldlab run

lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks conftest.py
	$(PY) -m ruff format --check src tests benchmarks conftest.py
	$(PY) -m mypy
	$(VENV)/bin/lint-imports

# The suite runs on every core (pytest-xdist; PYTEST_WORKERS=0 runs it in one process).
# --dist loadfile keeps a test file on one worker, so its module-scoped fixtures are
# computed once. Set PYTEST_ARGS to add options (e.g. PYTEST_ARGS=--durations=20).
PYTEST_WORKERS ?= auto
PYTEST_ARGS ?=
test: lint warm
	$(PY) -m pytest -q -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Compile the numba kernels once, before the test workers start: they are cached on disk
# (cache=True) and the workers then load them instead of each compiling the same ones.
warm: $(STAMP)
	$(PY) .ci/warm_numba.py

# The base install (issue 21): a fresh venv with `pip install .` and no extras, then every
# command's --help, a small run, and the one-line "needs shieldlab[EXTRA]" messages.
# It builds from a copy of the sources (pyproject.toml, README.md, src/ without caches):
# an in-tree build writes build/lib and src/shieldlab.egg-info, which `make test`'s
# editable install and its tests read, so CI can run both at once (.ci/run); and a fresh
# copy cannot package stale files that an old build/lib still holds.
BASE_VENV ?= build/smoke-base-venv
BASE_SRC ?= build/smoke-base-src
smoke-base:
	rm -rf $(BASE_VENV) $(BASE_SRC)
	mkdir -p $(BASE_SRC)
	tar -c --exclude=__pycache__ --exclude='*.egg-info' pyproject.toml README.md src \
		| tar -x -C $(BASE_SRC)
	$(PYTHON) -m venv $(BASE_VENV)
	$(BASE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BASE_VENV)/bin/python -m pip install --quiet ./$(BASE_SRC)
	cd /tmp && $(abspath $(BASE_VENV))/bin/python $(CURDIR)/.ci/smoke_base.py

bench: $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info
