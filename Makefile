# SafePassage. `make demo` sets up and serves invented data; `make test`
# runs the whole suite. See README.md.
PYTHON ?= python3
# `make demo PORT=8001` serves elsewhere.
PORT   ?= 8000
# Invented cases for `make demo`: enough for the reports' charts to mean something.
DEMO_CASES ?= 3000
VENV   := .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(VENV)

DEMO_ENV := SAFEPASSAGE_PASSPHRASE_FILE=var/demo-passphrase DJANGO_SETTINGS_MODULE=config.settings.local SAFEPASSAGE_INTAKE_DURESS_WORDS=mango,သရက်သီး

.PHONY: install demo serve test test-fast lint typecheck contracts bench messages clean

$(VENV)/.installed: pyproject.toml uv.lock scripts/install-system-packages.sh
	./scripts/install-system-packages.sh
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	test -x $(UV) || $(VENV)/bin/pip install --quiet --disable-pip-version-check "uv==0.13.9"
	$(UV) sync --frozen --inexact --python $(PY) --quiet
	touch $@

install: $(VENV)/.installed messages

messages: $(VENV)/.installed
	$(PY) manage.py compilemessages --ignore=.venv --verbosity 0

demo: install
	$(DEMO_ENV) $(PY) manage.py vault_init --if-missing --generate-into var/demo-passphrase
	$(DEMO_ENV) $(PY) manage.py migrate --no-input --verbosity 0
	$(DEMO_ENV) $(PY) manage.py seed_demo --cases $(DEMO_CASES)
	$(DEMO_ENV) $(PY) manage.py seed_demo_screening
	$(DEMO_ENV) $(PY) manage.py seed_demo_intake
	$(DEMO_ENV) $(PY) manage.py seed_demo_protection
	$(DEMO_ENV) $(PY) manage.py seed_demo_reintegration
	$(DEMO_ENV) $(PY) manage.py seed_demo_armoury
	$(DEMO_ENV) $(PY) manage.py seed_demo_reports
	$(DEMO_ENV) $(PY) manage.py reintegration_followups --schedule
	$(DEMO_ENV) $(PY) manage.py seed_demo_grievances
	$(DEMO_ENV) $(PY) manage.py grievances_checkins --schedule
	$(DEMO_ENV) $(PY) manage.py reports_refresh --rebuild
	$(DEMO_ENV) $(PY) manage.py reports_refresh --schedule
	@echo "Key ring passphrase (demo only; kept in var/demo-passphrase): $$(cat var/demo-passphrase)"
	@echo "Serving on http://127.0.0.1:$(PORT), with a background worker  (Ctrl-C stops both)"
	$(DEMO_ENV) $(PY) manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(DEMO_ENV) $(PY) manage.py runserver 127.0.0.1:$(PORT) --insecure --noreload

test: install
	$(VENV)/bin/pytest -n 2 --dist loadgroup

test-fast: install
	$(VENV)/bin/pytest -n 2 --dist loadgroup -m "not slow and not browser"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install
	$(VENV)/bin/mypy safepassage config

contracts: install
	$(VENV)/bin/lint-imports

bench: install
	SAFEPASSAGE_BENCH=1 ./scripts/install-system-packages.sh
	$(PY) bench/run_all.py

clean:
	rm -rf $(VENV) var/test .pytest_cache .mypy_cache .ruff_cache
