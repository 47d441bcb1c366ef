#!/usr/bin/env bash
# Install the system packages Skylift needs, only the ones that are missing.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

say "Checking system packages"
have_cmd apt-get || die "apt-get not found: these scripts support Debian and Ubuntu"

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
has_initdb()    { compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; }
has_venv()      { have_cmd python3 && python3 -c 'import ensurepip, venv' 2>/dev/null; }
has_chromium()  { have_cmd chromium || have_cmd chromium-browser; }
has_compose()   { have_cmd docker-compose || docker compose version; }

missing=()
# want PACKAGE CHECK...: the package is needed unless the check command succeeds.
want() {
    local pkg=$1; shift
    if "$@" >/dev/null 2>&1; then note "present: $pkg"; else note "missing: $pkg"; missing+=("$pkg"); fi
}

want docker.io              have_cmd dockerd       # any Docker engine will do (docker-ce too)
want docker-compose         has_compose            # docker-compose.yml and its test (or the compose plugin)
want redis-server           have_cmd redis-server
want chromium               has_chromium
want chromium-driver        have_cmd chromedriver
want debootstrap            have_cmd debootstrap
want debian-archive-keyring test -s /usr/share/keyrings/debian-archive-keyring.gpg
want postgresql-15          has_initdb
want python3-venv           has_venv
want make                   have_cmd make
want git                    have_cmd git
want ca-certificates        pkg_installed ca-certificates
want nodejs                 have_cmd node
want npm                    have_cmd npm
want docker-registry        have_cmd docker-registry   # image tests pull from a registry on loopback
want apache2-utils          have_cmd htpasswd          # ...one of them with a password (htpasswd)

if [ "${#missing[@]}" -eq 0 ]; then
    say "All system packages are present; nothing to install"
    exit 0
fi

say "Updating the apt package lists"
as_root apt-get update -q

# Releases other than Debian 12 carry another PostgreSQL major: take their default.
for i in "${!missing[@]}"; do
    if [ "${missing[$i]}" = postgresql-15 ] && ! apt-cache show postgresql-15 >/dev/null 2>&1; then
        note "postgresql-15 is not packaged here; installing the release's postgresql instead"
        missing[i]=postgresql
    fi
done

say "Installing: ${missing[*]}"
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"

if have_cmd node; then
    node_major=$(node -p 'process.versions.node.split(".")[0]')
    [ "$node_major" -ge 20 ] || note "warning: Node.js $node_major is old; the frontend build wants Node.js 20 or newer"
fi
say "System packages installed"
