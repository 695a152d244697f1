#!/usr/bin/env bash
# The test command (npm test): installs what it needs when missing, builds, then runs the unit
# tests and — as root — the netns end-to-end tests. The same command runs in CI.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-deps.sh
npm run --silent build

# Leftover namespaces from an interrupted earlier run (only the testbed's own names).
if [ "$(id -u)" = 0 ]; then bash scripts/testbed-cleanup.sh >/dev/null 2>&1 || true; fi

specs=('dist/test/unit/**/*.test.js')
if [ "$(id -u)" = 0 ]; then
  specs+=('dist/test/e2e/**/*.test.js')
else
  echo "not root: running unit tests only (the netns end-to-end tests need root)" >&2
fi
exec npx mocha --timeout 180000 --reporter spec "${specs[@]}"
