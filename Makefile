# The two commands a newcomer needs: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install lock lint run test test-meili bench eval clean

## Install the locked, hash-checked dependencies (requirements-dev.lock), then the package itself.
install: $(VENV)/.installed

$(VENV)/.installed: requirements-dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

## Regenerate the lock files from pyproject.toml (after changing a pin there), with uv.
lock: install
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" --quiet -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes \
		--custom-compile-command "make lock" --quiet -o requirements-dev.lock

## Lint and type-check with the pinned ruff and mypy (pyproject.toml); CI runs it before the tests.
lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy src

## Install everything and run the desk with demo data on the embedded default (SQLite + Tantivy under ./var).
run: install
	$(BIN)/expertnet run --demo

## Install everything and run the tests (PostgreSQL leg when EXPERTNET_TEST_POSTGRES_URL is set,
## Meilisearch leg when EXPERTNET_MEILI_URL is set, browser tests when Chromium is found).
test: install
	$(BIN)/python -m pytest

## The Meilisearch leg (search contract, API search, routing on both engines, outage, reindex, the
## production-shape test) against a private server started and stopped with scripts/meili.sh.
MEILI_TESTS ?= tests/search tests/consultations/test_routing_eval.py tests/production tests/web/test_browser_meili.py
test-meili: install
	@dir=$$(mktemp -d "$${TMPDIR:-/tmp}/expertnet-meili.XXXXXX"); \
	trap 'bash scripts/meili.sh stop "$$dir"; rm -rf "$$dir"' EXIT; \
	bash scripts/meili.sh start "$$dir" >/dev/null && set -a && . "$$dir/meili.env" && set +a && \
	$(BIN)/python -m pytest $(MEILI_TESTS) $(PYTEST_ARGS)

## Benchmarks on a generated network, SQLite + Tantivy and PostgreSQL + Meilisearch (bench/README.md);
## `BENCH_ARGS="--experts 10000"` passes options.
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

## Routing and search quality on the tuning, held-out and search-quality sets (tests/data/*).
## It reports and never fails; `EVAL_ARGS="--engine meili"` runs it against a private Meilisearch.
eval: install
	$(BIN)/python -m bench.evaluate $(EVAL_ARGS)

clean:
	rm -rf $(VENV) var .pytest_cache test-artifacts
