#!/usr/bin/env bash
# Throw-away PostgreSQL and Redis servers for the test suite, under .cache/test-services/.
#   test-services.sh         start them (or reuse running ones) and write the env file
#   test-services.sh stop    stop them
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DIR="$SKYLIFT_REPO/.cache/test-services"
PGDATA="$DIR/pg"                  # data directory, also holds the Unix socket
ENV_FILE="$DIR/env"
REDIS_PIDFILE="$DIR/redis.pid"
REDIS_PORTFILE="$DIR/redis.port"
DB=skylift_test
PG_USER=skylift-pg                # initdb and postgres refuse to run as root

PGBIN=/usr/lib/postgresql/15/bin         # PostgreSQL 15, or else the newest one installed
if [ ! -x "$PGBIN/initdb" ]; then
    newest=$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1 || true)
    [ -n "$newest" ] || die "PostgreSQL is not installed: run platform/scripts/install-system.sh"
    PGBIN=${newest%/initdb}
fi
have_cmd redis-server || die "redis-server is not installed: run platform/scripts/install-system.sh"

as_pg() {   # run a PostgreSQL server command as the non-root owner of the data directory
    if [ "$(id -u)" -eq 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}
pg_running() { [ -f "$PGDATA/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" status -D "$PGDATA" >/dev/null 2>&1; }
redis_pid()  { local p; [ -f "$REDIS_PIDFILE" ] && p=$(cat "$REDIS_PIDFILE") && grep -qs redis "/proc/$p/comm" && echo "$p"; }

if [ "${1:-start}" = stop ]; then
    say "Stopping the test services"
    if pg_running; then as_pg "$PGBIN/pg_ctl" stop -D "$PGDATA" -m fast -w >/dev/null; note "PostgreSQL stopped"; fi
    if pid=$(redis_pid); then
        kill "$pid"
        for _ in $(seq 50); do [ -d "/proc/$pid" ] || break; sleep 0.1; done
        note "Redis stopped"
    fi
    rm -f "$ENV_FILE" "$REDIS_PIDFILE" "$REDIS_PORTFILE"
    exit 0
fi
[ "${1:-start}" = start ] || die "usage: $0 [start|stop]"

mkdir -p "$DIR"

# --- PostgreSQL -------------------------------------------------------------
if [ "$(id -u)" -eq 0 ] && ! id "$PG_USER" >/dev/null 2>&1; then
    say "Creating the system user $PG_USER"
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_USER"
fi
if [ "$(id -u)" -eq 0 ] && ! runuser -u "$PG_USER" -- test -x "$DIR"; then
    die "the user $PG_USER cannot reach $DIR: make its parent directories searchable (chmod o+x) or move the repository"
fi
if [ ! -f "$PGDATA/PG_VERSION" ]; then
    say "Creating a PostgreSQL cluster in $PGDATA"
    rm -rf "$PGDATA"
    mkdir -m 700 "$PGDATA"
    [ "$(id -u)" -ne 0 ] || chown "$PG_USER:" "$PGDATA"
    as_pg "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 --no-sync >/dev/null
    cat >>"$PGDATA/postgresql.conf" <<CONF
# --- Skylift test settings: local only, durability off (throw-away data) ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGDATA'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
fi
if pg_running; then
    say "Reusing the running PostgreSQL"
else
    say "Starting PostgreSQL"
    as_pg "$PGBIN/pg_ctl" start -w -t 60 -D "$PGDATA" -l "$PGDATA/server.log" -o "-p $(free_port)" >/dev/null \
        || { tail -n 20 "$PGDATA/server.log" >&2; die "PostgreSQL did not start; see $PGDATA/server.log"; }
fi
PG_PORT=$(sed -n 4p "$PGDATA/postmaster.pid")
psql_q() { "$PGBIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -tAq -v ON_ERROR_STOP=1 -c "$1"; }
if [ "$(psql_q "SELECT 1 FROM pg_database WHERE datname = '$DB'")" != 1 ]; then
    note "creating the database $DB"
    psql_q "CREATE DATABASE $DB"
fi
note "PostgreSQL $("$PGBIN/postgres" --version | awk '{ print $3 }') on 127.0.0.1:$PG_PORT (socket in $PGDATA)"

# --- Redis ------------------------------------------------------------------
if pid=$(redis_pid) && [ -f "$REDIS_PORTFILE" ]; then
    say "Reusing the running Redis (pid $pid)"
    REDIS_PORT=$(cat "$REDIS_PORTFILE")
else
    say "Starting Redis"
    REDIS_PORT=$(free_port)
    redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no --daemonize yes \
        --pidfile "$REDIS_PIDFILE" --logfile "$DIR/redis.log" --dir "$DIR"
    echo "$REDIS_PORT" >"$REDIS_PORTFILE"
fi
for _ in $(seq 50); do
    [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && break
    sleep 0.1
done
[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] || die "Redis does not answer; see $DIR/redis.log"
note "Redis on 127.0.0.1:$REDIS_PORT"

cat >"$ENV_FILE" <<ENV
# Written by platform/scripts/test-services.sh; source it before running the tests.
export DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/$DB
export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
ENV
say "Test services ready; environment in ${ENV_FILE#"$SKYLIFT_REPO"/}"
