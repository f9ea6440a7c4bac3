# Two commands on a fresh machine: `make up` and `make test`. Each creates .venv and
# installs the project on first use (again whenever pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
ARGS ?=
# Test processes: the suite mostly waits on service and browser start-ups, so 3 on 2 cores (9 min vs 20).
TEST_WORKERS ?= 3

.PHONY: up demo screenshots test lint bench install browser alertmanager prometheus clean

up: $(STAMP)
	$(BIN)/spyglass up $(ARGS)

# The service and dashboard fed by a simulated AI fleet: a week of history, then live traffic (README "make demo").
demo: $(STAMP)
	$(BIN)/spyglass demo $(ARGS)

# Each dashboard page of the demo (a fresh one, its week of history and faults) saved to docs/screenshots/, with
# the pages' load times (bench/pages.py).
screenshots: $(STAMP) browser
	$(BIN)/python bench/pages.py --screenshots docs/screenshots $(ARGS)

test: $(STAMP) browser alertmanager prometheus lint
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(ARGS)

# The code checks itself: ruff (pyflakes, bugbear, import order, pyupgrade) and mypy on the packages; the
# import layering is a test (tests/test_layering.py).
PACKAGES := store collector pipelines detectors alerts runbooks releases client dashboard demo mcp_server spyglass
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy $(PACKAGES)

# Every benchmark of docs/benchmarks.md at its documented defaults.
bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/summary.py
	$(BIN)/python bench/gpu_costs.py
	$(BIN)/python bench/drift.py
	$(BIN)/python bench/heuristics.py
	$(BIN)/python bench/costs.py
	$(BIN)/python bench/gpu.py
	$(BIN)/python bench/alerts.py
	$(BIN)/python bench/outbox.py
	$(BIN)/python bench/compare.py
	$(BIN)/python bench/traces.py
	$(BIN)/python bench/redaction.py
	$(BIN)/python bench/self_observability.py
	$(BIN)/python bench/demo.py
	$(BIN)/python bench/pages.py
	$(BIN)/python bench/storage.py

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The dashboard tests drive a real headless Chromium (Debian's package; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the dashboard tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null \
	  || { echo "could not install chromium: the dashboard browser tests need /usr/bin/chromium"; exit 1; }; }

# The alertmanager receiver's tests post to a real Alertmanager (Debian's package), started by the test itself.
alertmanager:
	@test -x /usr/bin/prometheus-alertmanager || { \
	  echo "installing Debian's prometheus-alertmanager for the alertmanager receiver tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus-alertmanager) >/dev/null \
	  || { echo "could not install prometheus-alertmanager: its receiver tests need /usr/bin/prometheus-alertmanager"; \
	       exit 1; }; }

# GET /metrics is tested by Debian's real Prometheus scraping the service (tests/spyglass/test_prometheus.py).
prometheus:
	@test -x /usr/bin/prometheus || { \
	  echo "installing Debian's prometheus for the /metrics scrape test"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus) \
	    >/dev/null || { echo "could not install prometheus: the scrape test needs /usr/bin/prometheus"; exit 1; }; }

clean:
	rm -rf $(VENV) spyglass-data
