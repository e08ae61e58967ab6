# The two commands of the README. Each sets up what it needs, idempotently.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test check clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

## run: deploy the process library, seed demo users and families (SQLite), run the timer worker
run: $(STAMP)
	$(VENV)/bin/bpmnrun demo
	@echo "timer worker running (time limits, meeting slots, overdue flags); Ctrl-C to stop"
	$(VENV)/bin/bpmnrun worker

## test: the whole test suite (PostgreSQL too when BPMNRUN_TEST_DATABASE_URL is set)
test: $(STAMP)
	$(PY) -m pytest -ra

## check: validate every diagram of the library
check: $(STAMP)
	$(VENV)/bin/bpmnrun check bpmn

clean:
	rm -rf $(VENV) .pytest_cache
