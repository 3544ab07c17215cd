# Giveask: `make run` serves the demo on SQLite; `make test` runs every check.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help install run test lint typecheck pytest bench fuzz clean catalogs messages

help:
	@echo "make run    set up, migrate, load the demo if empty, serve on http://127.0.0.1:8000"
	@echo "make test   set up with dev tools, then ruff, mypy and pytest"
	@echo "make bench  engine, calendar, suggestion, streak, import, webhook and HTTP load benchmarks (figures and ratios)"
	@echo "make lint   ruff and mypy only"
	@echo "make fuzz   schemathesis against the served app on SQLite and PostgreSQL"
	@echo "make messages  extract the words to translate and update the catalogs in app/locale"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Giveask needs Python 3.11 or newer (set PYTHON=python3.12 for example)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The language catalogs: .po in the repository, .mo compiled here (app/i18n.py).
CATALOGS := $(patsubst %.po,%.mo,$(wildcard app/locale/*/LC_MESSAGES/messages.po))

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

catalogs: $(CATALOGS)

# After changing words in the code or templates: extract them and update every
# catalog (new words come untranslated; tests/test_catalogs.py lists them).
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output --project Giveask \
		--copyright-holder Giveask -k N_:1c,2,2t -k N_:1,1t -k counted:1,2 -o app/locale/messages.pot app
	$(BIN)/pybabel update -i app/locale/messages.pot -d app/locale --no-fuzzy-matching

install: $(STAMP) catalogs

run: $(STAMP) catalogs
	$(BIN)/giveask migrate
	$(BIN)/giveask demo --if-empty
	@echo "Sign in at http://$${GIVEASK_HOST:-127.0.0.1}:$${GIVEASK_PORT:-8000}/login with a demo account above (e.g. editor@demo.giveask.test)."
	$(BIN)/giveask serve

lint: $(STAMP)
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/mypy

typecheck: lint

pytest: $(STAMP) catalogs
	$(BIN)/pytest $(PYTEST_ARGS)

test: $(STAMP) catalogs
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/mypy
	$(BIN)/pytest $(PYTEST_ARGS)

# GIVEASK_FUZZ_SEED=<n> replays a run (=random explores); GIVEASK_FUZZ_BACKENDS=sqlite
# picks one backend; PostgreSQL needs GIVEASK_TEST_DATABASE_URL.
fuzz: $(STAMP) catalogs
	$(BIN)/python -m tests.fuzz

bench: $(STAMP) catalogs
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/calendar.py
	$(BIN)/python bench/suggestions.py
	$(BIN)/python bench/streaks.py
	$(BIN)/python bench/sqlite_concurrency.py
	$(BIN)/python bench/imports.py
	$(BIN)/python bench/webhooks.py
	$(BIN)/python bench/http.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
