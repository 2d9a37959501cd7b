# The two commands: `make run` (the demo on http://127.0.0.1:5000) and `make test` (the suite).
VENV := .venv
ISP := $(VENV)/bin/isp

.PHONY: run test lint bench clean

run:
	@scripts/bootstrap.sh runtime
	@scripts/run.sh

# Every core by default (pytest-xdist; tests marked xdist_group share a worker);
# PYTEST_JOBS=0 runs in one process.
PYTEST_JOBS ?= auto

test:
	@scripts/bootstrap.sh test
	@$(VENV)/bin/python -m pytest -n $(PYTEST_JOBS) --dist loadgroup $(PYTEST_ARGS)

lint:
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) instance .pytest_cache
