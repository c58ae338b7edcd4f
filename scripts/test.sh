#!/usr/bin/env bash
# One command runs every test: npm test (extra arguments go to vitest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh test
exec npx vitest run "$@"
