#!/usr/bin/env bash
# Install the dashboard's npm dependencies and build it into frontend/dist.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FRONTEND="$SKYLIFT_REPO/frontend"
STAMPS="$SKYLIFT_REPO/.cache/frontend"

say "Dashboard (frontend/)"
if [ ! -f "$FRONTEND/package.json" ]; then
    note "no frontend/package.json yet; skipping"
    exit 0
fi
have_cmd npm || die "npm not found: run platform/scripts/install-system.sh"
cd "$FRONTEND"
mkdir -p "$STAMPS"

# Everything the build reads, apart from node_modules and the output: the dashboard and the
# source of the API client package it builds in (clients/typescript/src).
sources_hash() {
    find . ../clients/typescript/src \( -name node_modules -o -name dist \) -prune -o -type f -print0 \
        | LC_ALL=C sort -z | xargs -0 -r sha256sum | sha256sum | cut -d' ' -f1
}

deps=$(hash_files package.json package-lock.json)
if [ -d node_modules ] && [ "$(cat "$STAMPS/deps" 2>/dev/null)" = "$deps" ]; then
    note "npm packages up to date"
else
    if [ -f package-lock.json ]; then
        say "npm ci"
        npm ci --no-audit --no-fund
    else
        say "npm install (no package-lock.json yet)"
        npm install --no-audit --no-fund
    fi
    hash_files package.json package-lock.json >"$STAMPS/deps"
fi

if [ -d dist ] && [ "$(cat "$STAMPS/build" 2>/dev/null)" = "$(sources_hash)" ]; then
    note "build up to date (frontend/dist)"
    exit 0
fi
say "npm run build"
npm run build
sources_hash >"$STAMPS/build"      # taken after the build, so files it generates count too
