# The two commands of the README are `make up` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PACKAGES := -e shared -e services/intake -e services/triage -e services/sla-monitor \
            -e services/notifier -e services/attribution -e services/console -e services/reporting \
            -e services/care-coordination

.PHONY: install infra infra-stop test lint up down bench asyncapi openapi manifests constraints screenshots

$(VENV)/.installed: constraints.txt shared/pyproject.toml $(wildcard services/*/pyproject.toml) deploy/fhir-validator/pom.xml
	@echo "install: Python packages into $(VENV) at the pinned versions (the first time takes a few minutes)"
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q -c constraints.txt uv
	$(VENV)/bin/uv pip install -q --python $(PY) -c constraints.txt -r requirements.in $(PACKAGES)
	deploy/local/chromium.sh install
	deploy/fhir-validator/build.sh >/dev/null
	touch $@

install: $(VENV)/.installed

infra:
	deploy/local/postgres.sh start
	deploy/local/kafka.sh start
	deploy/local/keycloak.sh start

infra-stop:
	deploy/local/keycloak.sh stop
	deploy/local/kafka.sh stop
	deploy/local/postgres.sh stop

lint: install
	$(VENV)/bin/ruff check shared services tests bench deploy docs
	$(VENV)/bin/mypy shared/liaison_shared $(dir $(wildcard services/*/liaison_*/__init__.py)) bench deploy

test: install infra lint
	$(VENV)/bin/pytest

up: install infra
	$(PY) -m deploy.local.up

down:
	-$(PY) -m deploy.local.up --stop
	$(MAKE) infra-stop

bench: install infra
	$(PY) -m bench.bus
	$(PY) -m bench.intake
	$(PY) -m bench.triage
	$(PY) -m bench.sla
	$(PY) -m bench.notifier
	$(PY) -m bench.attribution
	$(PY) -m bench.roster_pipeline
	$(PY) -m bench.console
	$(PY) -m bench.reporting
	$(PY) -m bench.system

asyncapi: install
	$(VENV)/bin/liaison-asyncapi docs/asyncapi.yaml

openapi: install
	$(PY) docs/openapi/generate.py

screenshots: install infra
	mkdir -p docs/console
	LIAISON_SCREENSHOTS=docs/console $(VENV)/bin/pytest -q tests/test_console_journeys.py services/console/tests/test_care_pages.py

manifests: install
	$(PY) -m deploy.scaling

constraints:
	$(VENV)/bin/uv pip compile -q --python $(PY) --no-emit-index-url --no-header requirements.in -o constraints.txt
