#!/usr/bin/env bash
# Build the default function base image once per machine, and reuse it afterwards.
# Pulls python:<version>-slim when an image registry answers; otherwise bootstraps
# a Debian root file system with debootstrap and imports it into Docker.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PYTHON_VERSION=${SKYLIFT_BASE_PYTHON:-3.11}
IMAGE="skylift/debian-slim:$PYTHON_VERSION"
case "$PYTHON_VERSION" in          # the Debian release whose python3 is that version
    3.11) SUITE=bookworm ;;
    3.13) SUITE=trixie ;;
    *) die "no Debian release known for Python $PYTHON_VERSION (known: 3.11, 3.13; edit base-image.sh)" ;;
esac
UPSTREAM="python:$PYTHON_VERSION-slim"
CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/skylift"
ROOTFS="$CACHE/rootfs-$SUITE"
LABELS=(--change 'LABEL skylift.base=debian-slim' --change "LABEL skylift.python=$PYTHON_VERSION")

say "Base image $IMAGE"
docker info >/dev/null 2>&1 || die "no Docker engine answers: run platform/scripts/start-docker.sh"
# One maker of this base at a time on this machine (the platform's builder, the stack test, an
# operator): another waits here, then finds it built. Two in one root file system would spoil it.
mkdir -p "$CACHE"
exec 9>"$CACHE/base-$PYTHON_VERSION.lock"
flock 9
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
    note "already built; reusing it"
    exit 0
fi

# A quick look (3 s) for a reachable image registry, to avoid a long pull that cannot work.
if timeout 3 docker manifest inspect "$UPSTREAM" >/dev/null 2>&1; then
    say "An image registry answers: pulling $UPSTREAM"
    docker pull "$UPSTREAM"
    cid=$(docker create "$UPSTREAM")
    docker commit "${LABELS[@]}" "$cid" "$IMAGE" >/dev/null
    docker rm "$cid" >/dev/null
    say "Built $IMAGE from $UPSTREAM"
    exit 0
fi
note "no image registry answers; bootstrapping Debian $SUITE locally instead"
have_cmd debootstrap || die "debootstrap is missing: run platform/scripts/install-system.sh"

# The host's own Debian mirror for $SUITE (from its apt sources), or debootstrap's default.
host_debian_mirror() {
    local lists=() debs=() f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do [ -f "$f" ] && lists+=("$f"); done
    for f in /etc/apt/sources.list.d/*.sources; do [ -f "$f" ] && debs+=("$f"); done
    {   # "URI SUITE" for each enabled binary source, one-line and deb822 formats
        [ "${#lists[@]}" -eq 0 ] || sed -E -n 's/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+([^[:space:]]+).*/\2 \3/p' "${lists[@]}"
        [ "${#debs[@]}" -eq 0 ] || awk 'BEGIN { RS = ""; FS = "\n" }
            { t = ""; u = ""; s = ""; on = 1
              for (i = 1; i <= NF; i++) {
                  if ($i ~ /^#/) continue
                  split($i, kv, ":[ \t]*"); k = tolower(kv[1]); v = substr($i, length(kv[1]) + 2); gsub(/^[ \t]+/, "", v)
                  if (k == "types") t = v; else if (k == "uris") u = v; else if (k == "suites") s = v
                  else if (k == "enabled" && v ~ /^no/) on = 0 }
              if (on && t ~ /(^| )deb( |$)/) { split(u, us, " "); n = split(s, ss, " "); for (j = 1; j <= n; j++) print us[1], ss[j] } }' "${debs[@]}"
    } | awk -v suite="$SUITE" '$2 == suite { print $1; exit }'
}

if [ -f "$ROOTFS.done" ] && [ -x "$ROOTFS/usr/bin/python3" ]; then
    say "Reusing the bootstrapped root file system in $ROOTFS"
else
    if [ -e "$ROOTFS" ]; then
        say "Removing an unfinished root file system in $ROOTFS"
        for m in $(awk -v d="$ROOTFS/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
            as_root umount -l "$m"                 # /proc etc. left mounted by an interrupted debootstrap
        done
        as_root rm -rf "$ROOTFS"
    fi
    mkdir -p "$CACHE"
    mirror=$(host_debian_mirror || true)
    say "debootstrap $SUITE into $ROOTFS (mirror: ${mirror:-debootstrap default}); this takes a minute"
    start=$SECONDS
    as_root debootstrap --variant=minbase --include=python3,python3-pip,python3-venv,ca-certificates \
        "$SUITE" "$ROOTFS" ${mirror:+"$mirror"}
    note "debootstrap took $((SECONDS - start))s"

    say "Slimming the root file system"
    as_root sh -c '
        set -e
        cd "$1"
        test -x usr/bin/python$2 || { echo "error: the $3 rootfs has no python$2" >&2; exit 1; }
        ln -sf python3 usr/bin/python
        rm -f usr/lib/python$2/EXTERNALLY-MANAGED          # containers: pip installs system-wide
        printf "%s\n" "path-exclude /usr/share/doc/*" "path-include /usr/share/doc/*/copyright" \
            "path-exclude /usr/share/man/*" "path-exclude /usr/share/info/*" "path-exclude /usr/share/locale/*" \
            > etc/dpkg/dpkg.cfg.d/skylift-slim
        find usr/share/doc -mindepth 1 ! -name copyright ! -type d -delete
        rm -rf usr/share/man/* usr/share/info/* usr/share/locale/* var/cache/apt/*.bin var/cache/apt/archives/*.deb \
            var/lib/apt/lists/* var/log/*.log var/log/apt/* tmp/* root/.cache
    ' sh "$ROOTFS" "$PYTHON_VERSION" "$SUITE"
    touch "$ROOTFS.done"
fi

say "Importing $ROOTFS as $IMAGE"
as_root tar --numeric-owner -C "$ROOTFS" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["python3"]' \
    "${LABELS[@]}" - "$IMAGE" >/dev/null
note "built $IMAGE ($(docker image inspect --format '{{.Size}}' "$IMAGE" | awk '{ printf "%.0f MB", $1 / 1e6 }'))"
