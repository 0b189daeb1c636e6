# Two commands do all the set-up (see README): `make run` and `make test`.
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: run test check install system-deps data demo dashboard bench clean

run: $(STAMP)
	$(BIN)/planner demo
	$(BIN)/planner dashboard

test: check system-deps
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Lint, format and types; configured in pyproject.toml. `ruff format .` fixes the format.
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

install: $(STAMP)

$(BIN)/python:
	@scripts/ensure-venv.sh $(VENV)

# Re-install when the project or its pins change; constraints.txt pins every package.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	@echo "> installing the project and its pinned dependencies into $(VENV)"
	$(BIN)/python -m pip install -q -c constraints.txt -e '.[test]'
	@touch $@

system-deps:
	@scripts/ensure-system-deps.sh

data: $(STAMP)
	$(BIN)/planner data build

clean:
	rm -rf var/ test-artifacts/ .pytest_cache
