# The two commands: `make run` (the demo) and `make test` (everything). Both set up what they need.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat setup.cfg sdk_python/pyproject.toml 2>/dev/null | cksum | cut -d' ' -f1)
PORT   ?= 5000

WIDGET_DEPS := widget/node_modules/.package-lock.json
E2E_DEPS    := e2e/node_modules/.package-lock.json
VENDOR_DEPS := vendor/node_modules/.package-lock.json

.PHONY: run test test-py test-widget test-vendor test-e2e screenshots lint format bench clean

$(STAMP):
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
	$(PY) -m pip install -q --disable-pip-version-check -e ".[postgres,redis,dev]" 2>&1 | grep -v '^WARNING: Location' || true
	@if [ -f sdk_python/pyproject.toml ]; then \
	  $(PY) -m pip install -q --disable-pip-version-check -e ./sdk_python 2>&1 | grep -v '^WARNING: Location' || true; fi
	@$(PY) -c "import collector, flask_limiter, psycopg, pytest" && rm -f $(VENV)/.installed-* && touch $@

# The demo with its background worker (webhooks, mail); stopping the demo stops the worker.
# The demo's alerts post to its own page server on loopback, and wait 20 s for a comment; the
# worker's links (the scheduled survey's e-mail) point at the demo's collector.
run: export FIILIS_ENV = development
run: export FIILIS_ALLOW_PRIVATE_WEBHOOKS = 1
run: export FIILIS_ALERT_GRACE_SECONDS ?= 20
run: export FIILIS_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
run: $(STAMP)
	$(VENV)/bin/fiilis db upgrade
	$(VENV)/bin/fiilis worker --workers 1 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	  $(VENV)/bin/fiilis demo --port $(PORT)

$(WIDGET_DEPS): widget/package-lock.json
	cd widget && npm ci --no-audit --no-fund --loglevel=error

$(E2E_DEPS): e2e/package-lock.json
	cd e2e && npm ci --no-audit --no-fund --loglevel=error

$(VENDOR_DEPS): vendor/package-lock.json
	cd vendor && npm ci --no-audit --no-fund --loglevel=error

test: test-widget test-vendor test-py test-e2e

test-widget: $(WIDGET_DEPS)
	cd widget && npm run --silent check && npm test

# The committed copies in collector/static/vendor/ are exactly the pinned packages' files.
test-vendor: $(VENDOR_DEPS)
	cd vendor && npm run --silent check

# The Python suite runs on every core (pytest-xdist); each worker has its own databases.
WORKERS ?= auto
test-py: $(STAMP)
	$(PY) -m pytest tests -q -p no:cacheprovider -n $(WORKERS) --durations=15

test-e2e: $(STAMP) $(E2E_DEPS)
	$(PY) -m pytest e2e -q -p no:cacheprovider --durations=15

screenshots: $(STAMP) $(E2E_DEPS)
	FIILIS_SCREENSHOTS=1 $(PY) -m pytest e2e -q -p no:cacheprovider -k "accessibility or phone or link_page"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) bench/metrics.py
	$(PY) bench/reasons.py --responses 200000
	$(PY) bench/ingest.py --breakdown
	$(PY) bench/widget_latency.py
	$(PY) bench/webhooks.py
	$(PY) bench/schedule.py
	$(PY) bench/export.py --responses 300000

clean:
	rm -rf $(VENV) instance .pytest_cache
