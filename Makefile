# The README's two commands: `make run` and `make test`. Everything else is what they stand on.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
STACK := $(PY) scripts/stack.py
export DEMO ?= 1

.PHONY: run test setup assets browser-deps bench-deps stack db demo bench lint messages stop clean backup-check \
	image-deps image-check

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

assets: node_modules/.installed

# What the suite needs from Debian on a fresh machine, installed here rather than by hand:
# chromium for the browser tests (Playwright's own download does not work offline), a CJK font so
# Chinese does not render as empty boxes in screenshots and PDFs, pango for WeasyPrint (the bulletin
# PDFs), and nginx for tests/deploy/test_nginx.py.
# policy-rc.d keeps apt from starting nginx as a service on this machine; the tests run their own.
SYSTEM_DEPS := chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 nginx-light
browser-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -qi "noto.*cjk" \
		|| ! ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0 \
		|| ! { command -v nginx >/dev/null || test -x /usr/sbin/nginx; }; then \
		if [ "$$(id -u)" != 0 ]; then echo "run as root, or install: $(SYSTEM_DEPS)"; exit 1; fi; \
		created=; if [ ! -e /usr/sbin/policy-rc.d ]; then printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; \
			chmod +x /usr/sbin/policy-rc.d; created=1; fi; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SYSTEM_DEPS) >/dev/null; \
		status=$$?; if [ -n "$$created" ]; then rm -f /usr/sbin/policy-rc.d; fi; exit $$status; \
	fi

setup: $(VENV)/.installed assets

stack: setup
	$(STACK) up

db: stack
	$(MANAGE) migrate --noinput
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules >/dev/null 2>&1 || true

demo: db
	$(MANAGE) seed_demo

run: demo
	@echo
	@echo "  整改通 is at http://127.0.0.1:8000  — demo password for every account: $$($(MANAGE) seed_demo --print-password)"
	@$(MANAGE) seed_demo --print-logins
	@echo
	$(VENV)/bin/honcho -f Procfile.dev start

test: stack browser-deps
	$(MANAGE) makemigrations --check --dry-run
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

messages: setup
	$(MANAGE) makemessages -l zh_Hans -l en --ignore=.venv --ignore=node_modules --ignore=var
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules

# wrk drives bench/api_list.py's 8 concurrent clients from C, leaving the 2 cores to what is measured;
# without it the script falls back to Python clients.
bench-deps:
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
		|| echo "wrk not installed: bench/api_list.py uses Python clients"

bench: stack bench-deps
	$(PY) -m bench.run

# Dump the database and the evidence, restore into a scratch database, compare row counts and checksums.
backup-check: stack
	$(PY) scripts/backup_check.py

# podman (no Docker engine needed), buildah to run the built image, debootstrap for the stand-in bases.
image-deps:
	@command -v podman >/dev/null && command -v buildah >/dev/null && command -v debootstrap >/dev/null || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq podman buildah debootstrap >/dev/null)

# Build the production image with podman and run its commands against this machine's PostgreSQL and
# Redis (IMAGE_CHECK_DATABASE_URL / IMAGE_CHECK_REDIS_URL); see scripts/image_check.py and the README.
image-check: setup image-deps
	$(PY) scripts/image_check.py

lint: setup
	$(VENV)/bin/ruff check .

stop:
	-$(STACK) down

clean: stop
	rm -rf var
