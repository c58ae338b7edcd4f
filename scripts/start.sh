#!/usr/bin/env bash
# One command brings everything up: npm start.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh start
exec node --import tsx scripts/start.ts "$@"
