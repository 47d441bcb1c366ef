# The stack test's server image (tests/stack/compose.test.yml): the 3.11 base image the suite already
# has, nothing installed. The suite's own .venv, its Python and the sources are mounted in at their
# paths on this machine instead, so that bringing the stack up costs no pip install.
ARG BASE=skylift/debian-slim:3.11
FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
