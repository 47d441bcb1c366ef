#!/usr/bin/env bash
# Set up, start the embedded platform in the background, and run examples/hello.py on it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$SKYLIFT_SCRIPTS/setup.sh"
cd "$SKYLIFT_REPO"

say "Starting the Skylift platform in the background"
.venv/bin/skylift server start --background

say "Running examples/hello.py in a container"
.venv/bin/skylift run examples/hello.py

say "The platform keeps running:"
.venv/bin/skylift server status || true
say "Stop it with: .venv/bin/skylift server stop"
