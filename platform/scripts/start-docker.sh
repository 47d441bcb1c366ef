#!/usr/bin/env bash
# Make sure a Docker engine answers; start one when none does.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LOG=/var/log/skylift-dockerd.log
PIDFILE=/var/run/skylift-dockerd.pid
TIMEOUT=60

say "Checking the Docker engine"
have_cmd docker || die "the docker command is missing: run platform/scripts/install-system.sh"
if docker info >/dev/null 2>&1; then
    note "Docker engine answers ($(docker info --format '{{.ServerVersion}}' 2>/dev/null))"
    exit 0
fi
if [ "$(id -u)" -ne 0 ] && as_root docker info >/dev/null 2>&1; then
    die "the Docker engine runs but $(id -un) may not use it: sudo usermod -aG docker $(id -un), then log in again"
fi

if [ -d /run/systemd/system ] && have_cmd systemctl; then
    say "Starting the Docker engine with systemd"
    as_root systemctl start docker
elif [ -f "$PIDFILE" ] && as_root kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    say "dockerd is already starting (pid $(cat "$PIDFILE"))"
else
    have_cmd dockerd || die "dockerd is missing: run platform/scripts/install-system.sh"
    say "Starting dockerd in the background (log: $LOG)"
    as_root sh -c "nohup dockerd --pidfile '$PIDFILE' >>'$LOG' 2>&1 </dev/null &"
fi

say "Waiting for the Docker engine (up to ${TIMEOUT}s)"
for _ in $(seq "$TIMEOUT"); do
    if docker info >/dev/null 2>&1; then
        note "Docker engine answers ($(docker info --format '{{.ServerVersion}}' 2>/dev/null))"
        exit 0
    fi
    sleep 1
done
as_root tail -n 20 "$LOG" >&2 2>/dev/null || true
die "the Docker engine did not answer within ${TIMEOUT}s; see $LOG (or: journalctl -u docker)"
