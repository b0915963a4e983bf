# Verifier Ops. `make run` serves the demo on embedded defaults; `make test` runs the tests.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
# Tests use the machine's PostgreSQL and Redis; `make test TEST_DATABASE_URL= TEST_REDIS_URL=`
# runs them on SQLite alone (tests that need the services are then skipped).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/verifier_ops
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=
SHELL := /bin/bash
BENCH ?=

.PHONY: install messages run test lint format bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	set -o pipefail; $(PY) -m pip install -q --disable-pip-version-check -r requirements.txt 2>&1 \
		| { grep -v "is ignored: it is neither a file nor a directory" || true; }
	touch $@

# Thai and Arabic UI (VQ-9): the .po catalogues in locale/ compiled to .mo in pure Python (polib),
# so no GNU gettext is needed. `make messages` alone recompiles after editing a .po.
install: $(VENV)/.installed messages

messages: $(VENV)/.installed
	$(PY) scripts/compile_messages.py

# Embedded defaults: SQLite, Celery eager, in-memory channel layer, demo roster. DEBUG is off, as in
# production: config.demo (refused unless VERIFIER_OPS_DEMO=1) allows the roster and sets a demo key.
DEMO := env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL DJANGO_SETTINGS_MODULE=config.demo VERIFIER_OPS_DEMO=1
run: install
	$(DEMO) $(PY) manage.py migrate --noinput
	$(DEMO) $(PY) manage.py load_demo
	$(DEMO) $(PY) manage.py load_demo_risk
	$(DEMO) $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) HF_HUB_OFFLINE=1 \
		$(PY) -m pytest $(PYTEST_ARGS)

# Lint: ruff (lint + format check), the layer contract (import-linter), and no missing migration.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	env -u DATABASE_URL -u REDIS_URL -u CELERY_BROKER_URL $(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) HF_HUB_OFFLINE=1 $(PY) -m bench.run $(BENCH)

clean:
	rm -rf $(VENV) db.sqlite3 test_db.sqlite3 locale/*/LC_MESSAGES/*.mo
