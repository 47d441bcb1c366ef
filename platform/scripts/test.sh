#!/usr/bin/env bash
# Set up, start the test PostgreSQL and Redis, and run the whole test suite (arguments go to pytest).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

"$SKYLIFT_SCRIPTS/setup.sh"
"$SKYLIFT_SCRIPTS/test-services.sh"
# shellcheck source=/dev/null
source "$SKYLIFT_REPO/.cache/test-services/env"

cd "$SKYLIFT_REPO"
# The whole suite runs in two lanes (tests/conftest.py says which test goes where); a run of chosen
# tests, in one process.
lanes=()
if [ "$#" -eq 0 ]; then
    lanes=(-n 2 --dist loadscope --durations=40)
fi
say "pytest ${lanes[*]} $*"
status=0
.venv/bin/python -m pytest "${lanes[@]}" "$@" || status=$?
if [ "$status" -eq 5 ]; then
    echo "error: pytest collected no tests (exit code 5); that counts as a failure" >&2
fi
exit "$status"
