#!/usr/bin/env bash
# npm run demo: install what is missing, build, and run the simulated-host demo (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-deps.sh
npm run --silent build
exec node dist/demo/demo.js
