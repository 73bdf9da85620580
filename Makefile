# The README's two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app contest
TAKERS ?= 200
SECONDS ?= 60

.PHONY: run test bench install serve i18n

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

# Compiled catalogs (.mo) are built here, not committed: the .po files are the source.
CATALOGS := $(patsubst %.po,%.mo,$(wildcard contest/translations/*/LC_MESSAGES/messages.po))

%.mo: %.po | $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@ >/dev/null

install: $(VENV)/.installed $(CATALOGS)

# After adding or changing UI text: extract every msgid and merge it into the English catalog.
i18n: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o contest/translations/messages.pot . >/dev/null
	$(BIN)/pybabel update -i contest/translations/messages.pot -d contest/translations --no-fuzzy-matching >/dev/null

run: install
	$(FLASK) init-db
	$(FLASK) demo
	$(FLASK) run --host 127.0.0.1 --port 5000

# One pytest worker per core (pytest-xdist), whole files to each, so a file's tests keep their
# order; each worker builds its own throw-away databases and browser. TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2

test: install
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Production serving (docs/deploy.md): gunicorn against DATABASE_URL (PostgreSQL in production),
# after bringing the schema up to date. BIND, WEB_CONCURRENCY, GUNICORN_THREADS override gunicorn.conf.py.
serve: install
	$(FLASK) init-db
	$(BIN)/gunicorn -c gunicorn.conf.py 'contest:create_app()'

# SPEC §7. TAKERS/SECONDS size the load bench; BENCH_DATABASE_URL names a PostgreSQL to use.
bench: install
	$(BIN)/python -m bench.run --takers $(TAKERS) --seconds $(SECONDS)
