# The two commands: `make run` (the demo on http://127.0.0.1:5000) and `make test` (the suite).
VENV := .venv
ISP := $(VENV)/bin/isp

.PHONY: run test lint bench clean

run:
	@scripts/bootstrap.sh runtime
	@$(ISP) db upgrade
	@$(ISP) demo seed
	@echo ""
	@echo "  social-isp demo: http://127.0.0.1:5000/  (all people and devices are fictitious)"
	@echo "  logins:"
	@$(VENV)/bin/python -c "from config.default import DefaultConfig as C; [print(f'    {e:32} {p}') for e, p in C.DEMO_PASSWORDS.items()]"
	@echo ""
	@$(ISP) run

# Every core by default (pytest-xdist; tests marked xdist_group share a worker);
# PYTEST_JOBS=0 runs in one process.
PYTEST_JOBS ?= auto

test:
	@scripts/bootstrap.sh test
	@$(VENV)/bin/python -m pytest -n $(PYTEST_JOBS) --dist loadgroup $(PYTEST_ARGS)

lint:
	@$(VENV)/bin/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
