#!/usr/bin/env bash
# One command runs every check: npm test (extra arguments go to vitest). The type check runs
# first; the tests run either way, and the command fails if either fails.
# TYPECHECK_STATUS_FILE, when set, receives the type check's exit code (.ci/run counts it once).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh test
typecheck=0
echo "basalt: type check (tsc --noEmit)…" >&2
npx tsc --noEmit || typecheck=$?
if [ -n "${TYPECHECK_STATUS_FILE:-}" ]; then echo "$typecheck" > "$TYPECHECK_STATUS_FILE"; fi
if [ "$typecheck" -ne 0 ]; then echo "basalt: type check failed (see above); running the tests anyway" >&2; fi
tests=0
npx vitest run "$@" || tests=$?
if [ "$typecheck" -ne 0 ]; then echo "basalt: type check failed" >&2; exit 1; fi
exit "$tests"
