#!/usr/bin/env bash
# A Docker engine of its own with the stand-in NVIDIA runtime hook (platform/scripts/fake-nvidia/)
# on its PATH, so that containers with GPU device requests start on a machine without a GPU, and
# what each was given is recorded (tests/fixtures/nvidia_engine.py uses it).
#
#   fake-nvidia-engine.sh start DIR [IMAGE...]   start it under DIR (its socket: unix://DIR/docker.sock;
#                                                its records: DIR/records/<container id>) and copy
#                                                the IMAGEs from the machine's engine into it
#   fake-nvidia-engine.sh stop DIR               stop it (by the pid in DIR/dockerd.pid)
#
# Beside the machine's engine, it shares nothing with it and leaves the machine's network alone:
# its own data and containerd, no iptables rules, a default bridge of its own (not `docker0`: an
# engine started with --bridge=none deletes the machine's docker0) and its networks' addresses from
# a 10.x range of its own (the machine's engine takes 172.17 onwards), all removed when it stops.
# Needs root.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

command=${1:-}
dir=${2:-}
[ -n "$command" ] && [ -n "$dir" ] || die "usage: $0 start|stop DIR [IMAGE...]"
shift 2
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
socket="unix://$dir/docker.sock"

case "$command" in
start)
    have_cmd dockerd || die "dockerd is missing: run platform/scripts/install-system.sh"
    have_cmd ip || die "the ip command (iproute2) is missing"
    mkdir -p "$dir/bin" "$dir/records"
    # A copy of the hook, told where to record: the hook runs with an empty environment.
    cp "$SKYLIFT_SCRIPTS/fake-nvidia/nvidia-container-runtime-hook" "$dir/bin/"
    echo "$dir/records" >"$dir/bin/records-dir"
    # Its default bridge, and a /16 of 10.x for it and its networks that no route uses yet.
    bridge="sknv$(printf '%s' "$dir" | sha256sum | cut -c1-8)"
    octet=""
    for candidate in $(shuf -i 200-250); do
        if ! ip route | grep -q "^10\.$candidate\."; then
            octet=$candidate
            break
        fi
    done
    [ -n "$octet" ] || die "no free 10.x range for the engine's networks"
    echo "$bridge" >"$dir/bridge"
    as_root ip link add name "$bridge" type bridge
    as_root ip addr add "10.$octet.255.1/24" dev "$bridge"
    as_root ip link set "$bridge" up
    say "Starting a Docker engine with the stand-in NVIDIA hook ($socket)"
    as_root env PATH="$dir/bin:$PATH" sh -c "nohup dockerd --data-root '$dir/data' --exec-root '$dir/exec' \
        --pidfile '$dir/dockerd.pid' -H '$socket' --bridge='$bridge' \
        --default-address-pool base=10.$octet.0.0/16,size=24 \
        --iptables=false --ip-masq=false --ip-forward=false \
        >>'$dir/dockerd.log' 2>&1 </dev/null &"
    for _ in $(seq 60); do
        if DOCKER_HOST=$socket docker info >/dev/null 2>&1; then
            break
        fi
        sleep 1
    done
    DOCKER_HOST=$socket docker info >/dev/null 2>&1 || { tail -n 20 "$dir/dockerd.log" >&2; die "it did not answer within 60 s"; }
    for image in "$@"; do
        note "copying $image"
        docker save "$image" | DOCKER_HOST=$socket docker load -q >/dev/null
    done
    note "ready: DOCKER_HOST=$socket"
    ;;
stop)
    if [ -f "$dir/dockerd.pid" ]; then
        pid=$(cat "$dir/dockerd.pid")
        export DOCKER_HOST=$socket
        docker ps -aq 2>/dev/null | xargs -r docker rm -f >/dev/null 2>&1 || true
        # Its networks' bridges (br-<id>) would outlive it, with their routes.
        networks=$(docker network ls -q --filter driver=bridge 2>/dev/null || true)
        docker network prune -f >/dev/null 2>&1 || true
        as_root kill "$pid" 2>/dev/null || true
        for _ in $(seq 30); do
            as_root kill -0 "$pid" 2>/dev/null || break
            sleep 1
        done
        for id in $networks; do
            if ip link show "br-${id:0:12}" >/dev/null 2>&1; then
                as_root ip link delete "br-${id:0:12}" type bridge 2>/dev/null || true
            fi
        done
        note "stopped the engine (pid $pid)"
    fi
    if [ -f "$dir/bridge" ]; then
        as_root ip link delete "$(cat "$dir/bridge")" type bridge 2>/dev/null || true
        rm -f "$dir/bridge"
    fi
    ;;
*)
    die "usage: $0 start|stop DIR [IMAGE...]"
    ;;
esac
