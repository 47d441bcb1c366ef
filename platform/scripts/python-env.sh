#!/usr/bin/env bash
# Create .venv at the repository root and install the server and the SDK into it (editable), and
# Skylift's `modal` alias (clients/modal-alias: `import modal` and the `modal` command are Skylift's).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$SKYLIFT_REPO"

VENV=.venv
STAMP="$VENV/.skylift-install-stamp"
PYTHON=${PYTHON:-python3}

say "Python environment in $VENV"
for f in pyproject.toml clients/python/pyproject.toml; do
    [ -f "$f" ] || die "$f is missing; cannot install the project"
done
if ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    have_cmd "$PYTHON" || die "$PYTHON not found: run platform/scripts/install-system.sh"
    "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
        || die "Skylift needs Python 3.11 or newer; $PYTHON is $("$PYTHON" -V 2>&1)"
    note "creating $VENV with $("$PYTHON" -V 2>&1)"
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
fi

ALIAS_FILES=(clients/modal-alias/pyproject.toml clients/modal-alias/backend.py clients/modal-alias/modal/__init__.py)
want=$( { "$VENV/bin/python" -VV; hash_files pyproject.toml clients/python/pyproject.toml "${ALIAS_FILES[@]}"; } | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$want" ]; then
    note "up to date (neither pyproject.toml nor the modal alias changed)"
    exit 0
fi
say "Installing the server (.[dev]), the SDK (clients/python) and its modal alias into $VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# The alias has no editable install: it is one small file, and the rule it runs lives in the SDK.
"$VENV/bin/python" -m pip install --quiet -e '.[dev]' -e clients/python ./clients/modal-alias
echo "$want" >"$STAMP"
note "installed"
