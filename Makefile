# Skylift: the two commands of the README are `make demo` and `make test`.
SCRIPTS := platform/scripts
RUFF := $(if $(wildcard .venv/bin/ruff),.venv/bin/ruff,ruff)

.PHONY: setup demo test lint schema clean-services

setup:          ## install and build everything this machine needs (idempotent)
	$(SCRIPTS)/setup.sh

demo:           ## start the embedded platform in the background and run examples/hello.py
	$(SCRIPTS)/demo.sh

test:           ## set up, then run the whole test suite against real services
	$(SCRIPTS)/test.sh

lint:
	$(RUFF) check .
	$(RUFF) format --check .

schema:         ## regenerate the OpenAPI schema
	.venv/bin/python manage.py spectacular --file schema.yml --validate

clean-services: ## stop the test PostgreSQL and Redis
	$(SCRIPTS)/test-services.sh stop
