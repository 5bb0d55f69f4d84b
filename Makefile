# 信访工作管理平台 — the two commands a newcomer needs are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
PY        := $(VENV)/bin/python
PIP       := $(VENV)/bin/pip
FLASK     := $(VENV)/bin/flask --app run
PYBABEL   := $(VENV)/bin/pybabel
STAMP     := $(VENV)/.installed
HOST      ?= 127.0.0.1
PORT      ?= 5000
PG_PORT   ?= 54329
# The suite's own throw-away server, apart from a developer's server on PG_PORT.
PG_TEST_PORT ?= 54331
PG_TEST_URL  := postgresql://postgres@127.0.0.1:$(PG_TEST_PORT)/postgres
PYTEST_ARGS ?=
# Debian packages the tests need: a real browser and CJK fonts for the browser journeys,
# PostgreSQL for the second run of the suite, LibreOffice to open exported spreadsheets.
TEST_DEB  := chromium fonts-noto-cjk postgresql postgresql-contrib libreoffice-calc-nogui

.PHONY: help run install test test-sqlite test-postgres system-deps i18n i18n-compile lint \
        security bench load pg-start pg-stop clean

help:
	@echo "make run    set up everything, load the demo county on first start, serve on http://$(HOST):$(PORT) (and run the worker)"
	@echo "make test   install what the tests need and run the whole suite (SQLite, then PostgreSQL)"
	@echo "make i18n   re-extract the strings and update translations/zh (then translate, make i18n-compile)"
	@echo "make bench  benchmarks on generated data (see bench/)"

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP) i18n-compile

i18n-compile: $(STAMP)
	$(PYBABEL) compile -d translations --statistics

# Our strings plus Flask-AppBuilder's (its zh catalog is stale): one catalog we keep complete.
i18n: $(STAMP)
	$(PY) -m app.core.i18n_tools extract
	$(PYBABEL) update -i translations/messages.pot -d translations -l zh --no-fuzzy-matching --ignore-obsolete
	$(PY) -m app.core.i18n_tools report

run: install
	$(FLASK) xf init
	@$(FLASK) xf logins --url http://$(HOST):$(PORT)
	@# The worker (scheduled reminders, Excel imports) runs beside the web server and stops with it.
	$(FLASK) xf worker --tick 5 & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(FLASK) run --host $(HOST) --port $(PORT)

system-deps:
	@missing=""; for p in $(TEST_DEB); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

lint: $(STAMP)
	$(VENV)/bin/ruff check app seed tests bench config.py run.py

# Static security check of our code: any high-severity finding fails the build.
security: $(STAMP)
	$(VENV)/bin/bandit -r app seed config.py run.py --quiet --severity-level high

test: system-deps install lint security
	$(MAKE) test-sqlite
	$(MAKE) test-postgres

# The suite runs on a server clock in UTC (most servers' and containers' zone): the county's
# time must come from XF_TIMEZONE, never from the process's zone.
test-sqlite: install
	TZ=UTC $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

test-postgres: install
	.ci/postgres start $(PG_TEST_PORT)
	TZ=UTC XF_TEST_DATABASE_URL=$(PG_TEST_URL) $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS); status=$$?; \
	.ci/postgres stop $(PG_TEST_PORT); exit $$status

DB ?= sqlite
SCALE ?= 1000000
# The benchmarks' PostgreSQL is configured as a server of its own would be on this machine
# (24 GiB, SSD); the throw-away defaults (128 MB of shared buffers) fit the test suite only.
PG_BENCH_SETTINGS ?= -c shared_buffers=4GB -c effective_cache_size=16GB -c random_page_cost=1.1 -c work_mem=16MB
bench: install
	@if [ "$(DB)" = postgres ]; then PG_SETTINGS="$(PG_BENCH_SETTINGS)" .ci/postgres start $(PG_PORT); fi
	BENCH_PG_URL=postgresql://postgres@127.0.0.1:$(PG_PORT)/xf_bench $(PY) bench/run.py --db $(DB) --scale $(SCALE)

# Load test: gunicorn with 4 workers, locust's simulated staff on loopback, bounded in time.
USERS ?= 100
LOAD_SECONDS ?= 120
BENCH_STAMP := $(VENV)/.installed-bench
$(BENCH_STAMP): $(STAMP)
	$(PIP) install --quiet -c constraints.txt -e '.[test,bench]'
	touch $(BENCH_STAMP)

load: install $(BENCH_STAMP)
	@if [ "$(DB)" = postgres ]; then PG_SETTINGS="$(PG_BENCH_SETTINGS)" .ci/postgres start $(PG_PORT); fi
	BENCH_PG_URL=postgresql://postgres@127.0.0.1:$(PG_PORT)/xf_bench $(PY) bench/load.py --db $(DB) --scale $(SCALE) --users $(USERS) --seconds $(LOAD_SECONDS)

pg-start:
	.ci/postgres start $(PG_PORT)
	@echo "DATABASE_URL=postgresql://postgres@127.0.0.1:$(PG_PORT)/postgres"

pg-stop:
	.ci/postgres stop $(PG_PORT)

clean:
	rm -rf $(VENV) instance .pytest_cache
