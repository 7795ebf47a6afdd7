# Every target bootstraps .venv itself, so a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test

.PHONY: demo test test-sqlite test-postgres lint format bench services chromium clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	ORDERTALK_DATABASE_URL=$${ORDERTALK_DATABASE_URL:-sqlite+aiosqlite:///./.ordertalk/demo.db} \
		sh -c 'mkdir -p .ordertalk && $(BIN)/ordertalk demo'

# The suite runs on SQLite, then the database tests again on PostgreSQL, each on two workers
# (pytest-xdist; under xdist every worker has a PostgreSQL database of its own: test_gw0, ...).
TEST_WORKERS ?= 2
test: $(STAMP) services chromium
	$(BIN)/pytest -q -n $(TEST_WORKERS)
	ORDERTALK_TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest -q -n $(TEST_WORKERS) -m database

lint: $(STAMP)
	$(BIN)/ruff format --check src tests bench
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

bench: $(STAMP)
	$(BIN)/python -m bench

# PostgreSQL and Redis are expected on 127.0.0.1; start them if they are down.
services:
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || \
		(pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start && sleep 2) || true
	@redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 || \
		redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
			--dir /var/lib/redis --logfile /var/log/redis/ci.log || true

# Browser tests drive Debian's Chromium through Playwright; nothing downloads a browser.
chromium:
	@test -x /usr/bin/chromium || (apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .ordertalk
