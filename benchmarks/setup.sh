#!/usr/bin/env bash
# Install the benchmarks' optional comparison systems (Celery, Ray) into a virtualenv of their own.
#
#   benchmarks/setup.sh            # creates .cache/bench-venv and installs benchmarks/requirements.txt
#
# Not part of `make setup` or `make test`. A separate venv keeps Ray and its dependencies out of the
# project's .venv. It also needs a `redis-server` binary (Debian's redis-server package); the
# embedded platform's own Redis is not used, the Celery comparison gets a throwaway one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
venv="${BENCH_VENV:-$repo/.cache/bench-venv}"
# The same interpreter as the project's .venv, so results compare like with like.
python="${BENCH_PYTHON:-}"
if [[ -z "$python" ]]; then
    if [[ -x "$repo/.venv/bin/python" ]]; then
        python="$("$repo/.venv/bin/python" -c 'import sys; print(sys._base_executable)')"
    else
        python="$(command -v python3)"
    fi
fi
if [[ ! -x "$venv/bin/python" ]]; then
    echo "==> creating $venv with $python"
    "$python" -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --upgrade pip
"$venv/bin/python" -m pip install --quiet -r "$here/requirements.txt"
if ! command -v redis-server >/dev/null; then
    echo "==> redis-server is missing: installing Debian's redis-server"
    if [[ $(id -u) -eq 0 ]]; then
        apt-get install -y -q redis-server >/dev/null || { apt-get update -q && apt-get install -y -q redis-server; }
    else
        echo "redis-server is needed for the Celery comparison (apt-get install redis-server)" >&2
        exit 1
    fi
fi
"$venv/bin/python" -c 'import celery, ray, redis; print(f"==> ready: celery {celery.__version__}, ray {ray.__version__}, redis-py {redis.__version__}")'
