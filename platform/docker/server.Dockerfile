# The Skylift server image: control plane (ASGI), Celery workers and the host agent.
# Built by docker-compose.yml from the repository root, FROM a base image this machine bootstraps
# (platform/scripts/base-image.sh: python:3.13-slim where a registry answers, else Debian trixie by
# debootstrap), so no image registry is needed; the Python packages come from the package index.
# 3.13, not the function containers' default 3.11: Debian bookworm's Python (3.11.2) is older than
# the server needs (3.11.4, tarfile's extraction filters). Make that base once:
#   SKYLIFT_BASE_PYTHON=3.13 platform/scripts/base-image.sh
# The dashboard is the frontend/dist that platform/scripts/frontend.sh (make setup) built.
ARG BASE=skylift/debian-slim:3.13
FROM ${BASE}
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PATH=/opt/skylift/bin:$PATH
# A virtual environment of its own: the base's Python is Debian's, whose packages pip must not touch.
RUN python3 -m venv /opt/skylift
WORKDIR /app
COPY . .
# .build-ca.pem (gitignored): the CA bundle of a machine that reaches the package index through a
# TLS-inspecting proxy (cp /etc/ssl/certs/ca-certificates.crt .build-ca.pem), used by pip.
RUN test -f frontend/dist/index.html \
        || { echo "frontend/dist is missing: run platform/scripts/frontend.sh first" >&2; exit 1; } \
    && if [ -f .build-ca.pem ]; then export PIP_CERT="$PWD/.build-ca.pem"; fi \
    && python -m pip install -e . -e clients/python \
    && rm -f .build-ca.pem
# collectstatic reads settings but needs no database or Redis; these only keep the embedded mode off.
RUN DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 \
    python manage.py collectstatic --noinput
EXPOSE 8000
CMD ["uvicorn", "config.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--http", "web.front:FrontProtocol"]
