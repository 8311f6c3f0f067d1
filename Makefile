# 家政服务数字化平台 — the usual entry points. `make run` is all a fresh clone needs.
PY := .venv/bin/python
STAMP := .venv/.installed

.PHONY: install run demo test lint bench migrate worker api sandbox clean

# The virtualenv, and the project in it: reinstalled only when pyproject.toml changes.
$(PY):
	python3 -m venv .venv

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# The whole stack: Temporal dev server, sandbox, two workers, API (Ctrl-C stops it all).
run: $(STAMP)
	$(PY) -m scripts.devstack

# One order through all eight stages, against `make run` in another terminal
# (`make demo DEMO_ARGS=--faults`: again with faults switched on at every platform).
demo: $(STAMP)
	$(PY) -m scripts.demo $(DEMO_ARGS)

# Needs PostgreSQL (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/test); see .ci/run.
test: $(STAMP)
	.venv/bin/pytest -q

lint: $(STAMP)
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy .

# Speed and size, as ratios against a baseline measured in the same run: bench/results/*.json.
bench: $(STAMP)
	$(PY) -m bench.money
	$(PY) -m bench.reliability

# Migrate DATABASE_URL (default: SQLite in .data/) and load the demo market (idempotent).
migrate: $(STAMP)
	mkdir -p .data
	$(PY) -m alembic upgrade heads
	$(PY) -m db.seed

worker: $(STAMP)
	$(PY) worker.py

api: $(STAMP)
	$(PY) -m api

sandbox: $(STAMP)
	$(PY) -m sandbox

clean:
	rm -rf .data
