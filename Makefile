# Two commands: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo's admin token; set your own (CASHEW_ADMIN_TOKEN) for anything but the demo.
export CASHEW_ADMIN_TOKEN ?= demo-admin-token

.PHONY: run test install bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/cashew db upgrade
	$(BIN)/cashew seed demo
	$(BIN)/cashew serve --host $(HOST) --port $(PORT) --banner --demo-witness

# Formatting, lint and types first (seconds), then the suite on every core.
TEST_WORKERS ?= auto
test: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench.ledger

clean:
	rm -rf $(VENV) data .pytest_cache
