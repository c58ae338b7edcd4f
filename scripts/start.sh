#!/usr/bin/env bash
# One command brings everything up: npm start. It runs the compiled build (dist/), building it
# first when it is missing or older than a source file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh start
node scripts/build.mjs --if-stale
exec node dist/scripts/start.js "$@"
