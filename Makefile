# The same commands locally and in CI. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Generated patients beside the five story patients, so the demo looks like a clinic.
DEMO_POPULATION ?= 300

.PHONY: demo demo-code test install lint typecheck importlint pytest bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

demo: install
	DEBUG=1 $(BIN)/python -m painpath.web.manage migrate --noinput
	DEBUG=1 $(BIN)/python -m painpath.web.manage load_demo --population $(DEMO_POPULATION)
	@echo ""
	@echo "  painpath demo clinic (synthetic data only) on http://$(HOST):$(PORT)/"
	@echo "  log in at http://$(HOST):$(PORT)/accounts/login/ with password painpath-demo as"
	@echo "    demo-clinician     clinician of Demo Clinic A: worklist and patient pages"
	@echo "    demo-clinician-b   clinician of Demo Clinic B: sees none of clinic A's patients"
	@echo "    demo-secretary     secretary of clinic A: registers patients, sends links"
	@echo "    demo-clinic-admin  clinic administrator of clinic A: staff and settings"
	@echo "    demo-researcher    researcher: pseudonymised analytics and the demo registry (workbench)"
	@echo "    demo-admin         site administrator: clinics, staff, audit log; no patient data"
	@echo "  2FA code: run 'make demo-code' (or 'make demo-code DEMO_USER=demo-admin') in another"
	@echo "  terminal, or add the authenticator key printed above to an authenticator app."
	@echo ""
	DEBUG=1 $(BIN)/python -m painpath.web.manage runserver $(HOST):$(PORT)

# The current one-time code of a demo login (their TOTP keys are synthetic and published).
DEMO_USER ?= demo-clinician
demo-code:
	@DEBUG=1 $(BIN)/python -m painpath.web.manage demo_otp $(DEMO_USER)

lint: install
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools

typecheck: install
	$(BIN)/mypy

importlint: install
	$(BIN)/lint-imports

# pytest runs everything on SQLite, then the database tests (every app's tests: all but the
# core, the CLI and the browser) again on PostgreSQL when one is reachable
# (scripts/postgres-url finds or prepares it). Skips are listed loudly at the end.
DB_TESTS := tests --ignore=tests/core --ignore=tests/cli --ignore=tests/browser
# One test process per core (pytest-xdist), each with its own database; a file's tests stay on
# one process so that its module fixtures (a rendered demo clinic, a live server) are built once.
XDIST  ?= -n auto --dist loadfile
pytest: install
	$(BIN)/pytest $(XDIST)
	@url=$$(scripts/postgres-url 2>/dev/null); \
	if [ -n "$$url" ]; then \
	  echo "== database tests again on PostgreSQL ($$url)"; \
	  DATABASE_URL="$$url" $(BIN)/pytest $(XDIST) $(DB_TESTS); \
	elif [ -n "$$CI" ]; then \
	  echo "!! CI: PostgreSQL is not reachable; .ci/run should have started it" >&2; exit 1; \
	else \
	  echo ""; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	  echo "!! SKIPPED: the database tests on PostgreSQL — no server reachable."; \
	  echo "!! Start one (scripts/ensure-postgres, needs root) or set PAINPATH_TEST_POSTGRES_URL."; \
	  echo "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!"; \
	fi

test: lint typecheck importlint pytest

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
