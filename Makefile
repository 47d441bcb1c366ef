# Skylift: the two commands of the README are `make demo` and `make test`.
SCRIPTS := platform/scripts
RUFF := $(if $(wildcard .venv/bin/ruff),.venv/bin/ruff,ruff)
PYTHON := $(if $(wildcard .venv/bin/python),.venv/bin/python,python3)

.PHONY: setup demo test lint schema screenshots clean-services

setup:          ## install and build everything this machine needs (idempotent)
	$(SCRIPTS)/setup.sh

demo:           ## start the embedded platform in the background and run examples/hello.py
	$(SCRIPTS)/demo.sh

test:           ## set up, then run the whole test suite against real services
	$(SCRIPTS)/test.sh

lint:           ## ruff, then mypy over the server and the SDK (settings in pyproject.toml)
	$(RUFF) check .
	$(RUFF) format --check .
	$(PYTHON) -m mypy

screenshots:    ## every page in Chromium with real data (.cache/test-artifacts/screenshots), and the README's few into docs/screenshots
	SKYLIFT_README_SCREENSHOTS=docs/screenshots $(SCRIPTS)/test.sh tests/browser/test_screenshots.py

schema:         ## regenerate the OpenAPI schema
	.venv/bin/python manage.py spectacular --file schema.yml --validate

clean-services: ## stop the test PostgreSQL and Redis
	$(SCRIPTS)/test-services.sh stop
