# Mutua's two everyday commands are `make run` and `make test`; everything they need is
# installed from the lock file into .venv on first use, so a fresh clone needs only
# Python 3.11 and make.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(PYTHON)

.PHONY: run test lint typecheck check i18n-check i18n-extract i18n-update i18n-compile bench screenshots clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --quiet
	touch $@

i18n-compile: $(VENV)/.synced
	$(BIN)/pybabel -q compile -D messages -d i18n/locales

i18n-check: i18n-compile
	$(BIN)/python -m i18n check

i18n-extract: $(VENV)/.synced
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords -k msg:1c,2 -k plural_msg:1c,2,3 -o i18n/messages.pot --no-location --omit-header i18n

i18n-update: i18n-extract
	$(BIN)/pybabel update -i i18n/messages.pot -d i18n/locales -D messages --no-fuzzy-matching --ignore-obsolete --no-wrap

run: $(VENV)/.synced i18n-compile
	$(BIN)/mutua db upgrade
	$(BIN)/mutua demo seed --if-empty
	$(BIN)/mutua run month --all
	$(BIN)/mutua serve --host 127.0.0.1 --port 8000

test: $(VENV)/.synced i18n-compile
	$(BIN)/pytest -n 2 --dist loadfile $(PYTEST_ARGS)

lint: $(VENV)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

check: lint i18n-check test

# PNGs of the main pages (worker home in English and Arabic, pool health), taken by the
# browser tests in Debian's Chromium; needs the same PostgreSQL as `make test`.
screenshots: $(VENV)/.synced i18n-compile
	MUTUA_SCREENSHOTS=var/screenshots $(BIN)/pytest -p no:cacheprovider -q tests/e2e -k sqlite
	@ls var/screenshots/*.png

bench: $(VENV)/.synced
	$(BIN)/python -m actuarial bench --workers 100000 --months 24 --platforms 3

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache
