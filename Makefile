# The two commands: `make demo` and `make test`. Both create .venv and install on first use.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
WB     := $(VENV)/bin/workbench
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test bench install lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=23.1"
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Seed the demo organization into the default store (workbench.db), verify it, run the quarterly
## report job for every AI system, then serve the executive dashboards (Ctrl-C stops them).
demo: $(STAMP)
	$(WB) demo
	$(WB) verify
	WORKBENCH_USER=chloe $(WB) report impact_assessment --all --to html --out reports/demo --jobs 2
	WORKBENCH_USER=elena $(WB) dashboard --no-browser

## Run the whole test suite and the docstring examples (store tests also on PostgreSQL when
## WORKBENCH_TEST_DATABASE_URL is set).
test: $(STAMP)
	$(PY) -m pytest

## Benchmarks: ratios against floors measured in the same run (medians of several runs).
bench: $(STAMP)
	$(PY) benchmarks/bench_foundation.py
	$(PY) benchmarks/bench_risk.py
	$(PY) benchmarks/bench_reports.py
	$(PY) benchmarks/bench_dashboard.py
	$(PY) benchmarks/bench_explain.py
	$(PY) benchmarks/bench_dashboard_kernels.py
	$(PY) benchmarks/bench_interop.py
	$(PY) benchmarks/bench_registers.py
	$(PY) benchmarks/bench_monitoring.py

lint: $(STAMP)
	$(PY) -m ruff check workbench widgets tests benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache test-output
