#!/usr/bin/env bash
# Install the TypeScript API client's build tools and build it into clients/typescript/dist
# (what Node imports; the dashboard builds the package's source itself).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PACKAGE="$SKYLIFT_REPO/clients/typescript"
STAMPS="$SKYLIFT_REPO/.cache/typescript-client"

say "TypeScript client (clients/typescript)"
have_cmd npm || die "npm not found: run platform/scripts/install-system.sh"
cd "$PACKAGE"
mkdir -p "$STAMPS"

sources_hash() {
    find src package.json tsconfig.json -type f -print0 \
        | LC_ALL=C sort -z | xargs -0 -r sha256sum | sha256sum | cut -d' ' -f1
}

deps=$(hash_files package.json package-lock.json)
if [ -d node_modules ] && [ "$(cat "$STAMPS/deps" 2>/dev/null)" = "$deps" ]; then
    note "npm packages up to date"
else
    say "npm ci"
    npm ci --no-audit --no-fund --ignore-scripts
    echo "$deps" >"$STAMPS/deps"
fi

if [ -f dist/index.js ] && [ "$(cat "$STAMPS/build" 2>/dev/null)" = "$(sources_hash)" ]; then
    note "build up to date (clients/typescript/dist)"
    exit 0
fi
say "npm run build"
rm -rf dist
npm run build
sources_hash >"$STAMPS/build"
