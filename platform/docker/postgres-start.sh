#!/bin/sh
# PostgreSQL for docker-compose.yml (run as the postgres user): on the first start, a cluster in
# $PGDATA with the role POSTGRES_USER (password POSTGRES_PASSWORD, required from other machines)
# owning the database POSTGRES_DB; then the server, listening on every address of its container.
# Arguments go to postgres (e.g. -c fsync=off for a throw-away stack).
set -eu
PGDATA=${PGDATA:-/var/lib/postgresql/data}
: "${POSTGRES_USER:?set POSTGRES_USER}" "${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD}" "${POSTGRES_DB:?set POSTGRES_DB}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" >"$pwfile"
    initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 \
        --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    rm -f "$pwfile"
    echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
    echo "CREATE DATABASE \"$POSTGRES_DB\" OWNER \"$POSTGRES_USER\"" \
        | postgres --single -D "$PGDATA" postgres >/dev/null
    echo "skylift-postgres: made the cluster in $PGDATA (database $POSTGRES_DB)"
fi
exec postgres -D "$PGDATA" -c listen_addresses='*' -c max_connections=200 "$@"
