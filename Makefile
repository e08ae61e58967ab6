# The two commands of the README. Each sets up what it needs, idempotently.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

ASSETS := web/node_modules/.installed
PORT ?= 5000

.PHONY: run test check clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# GOV.UK Frontend's CSS, JavaScript, fonts and images (npm; served by the app, never committed)
$(ASSETS): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $(ASSETS)

# The process editor (bpmn-js and its plugins from npm), bundled by esbuild into web/static/modeller (never committed)
MODELLER := web/static/modeller/editor.js
$(MODELLER): $(ASSETS) web/modeller/build.mjs $(wildcard web/modeller/src/*)
	cd web && node modeller/build.mjs

## run: the web app on http://127.0.0.1:$(PORT) (5000 unless PORT=…) with the library, demo users and families (SQLite)
run: $(STAMP) $(ASSETS) $(MODELLER)
	$(VENV)/bin/bpmnrun serve --demo --port $(PORT)

## test: the whole test suite, a worker per core (PostgreSQL too when BPMNRUN_TEST_DATABASE_URL is set: a database per worker)
test: $(STAMP) $(ASSETS) $(MODELLER)
	$(PY) -m pytest -ra -n auto --dist loadfile

## check: validate every diagram of the library
check: $(STAMP)
	$(VENV)/bin/bpmnrun check bpmn

clean:
	rm -rf $(VENV) .pytest_cache web/node_modules web/static/modeller web/modeller/build
