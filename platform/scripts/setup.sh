#!/usr/bin/env bash
# Take this machine to one that can run and test Skylift. Every step is idempotent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

"$here/install-system.sh"   # apt packages: Docker, Redis, Chromium, debootstrap, PostgreSQL...
"$here/start-docker.sh"     # a Docker engine that answers
"$here/base-image.sh"       # skylift/debian-slim:3.11, built once per machine
"$here/python-env.sh"       # .venv with the server and the SDK
"$here/typescript-client.sh" # clients/typescript/dist, the API client package for Node
"$here/frontend.sh"         # frontend/dist
printf '==> Set-up complete\n'
