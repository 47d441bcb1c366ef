#!/usr/bin/env bash
# Regenerate the OpenAPI schema and everything generated from it: the SDK's low-level client
# (clients/python/skylift/_api) and the TypeScript client's types (clients/typescript, which the
# dashboard uses). Tests fail on drift.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
echo "==> schema.yml"
DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-config.settings.test} \
  DATABASE_URL=${DATABASE_URL:-postgres://unused@localhost/unused} REDIS_URL=${REDIS_URL:-redis://localhost:1/0} \
  $PY manage.py spectacular --file schema.yml --validate --fail-on-warn
echo "==> clients/python/skylift/_api"
.venv/bin/openapi-python-client generate --path schema.yml --config clients/python/openapi-config.yml \
  --meta none --output-path clients/python/skylift/_api --overwrite >/dev/null
echo "==> clients/typescript/src/schema.ts"
[ -x clients/typescript/node_modules/.bin/openapi-typescript ] || platform/scripts/typescript-client.sh
(cd clients/typescript && npx --no-install openapi-typescript ../../schema.yml -o src/schema.ts >/dev/null)
