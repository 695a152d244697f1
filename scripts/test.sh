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
# Mocha's own summary ("N passing") is followed by the plain closing line CI tools read.
out=$(mktemp)
trap 'rm -f "$out"' EXIT
set +e
npx mocha --timeout 180000 --reporter spec "${specs[@]}" 2>&1 | tee "$out"
status=${PIPESTATUS[0]}
set -e
count() { grep -Eo "^ +[0-9]+ $1" "$out" | grep -Eo '[0-9]+' | tail -n 1 || true; }
passed=$(count passing); failed=$(count failing); skipped=$(count pending)
echo "${passed:-0} passed, ${failed:-0} failed${skipped:+, $skipped skipped}"
exit "$status"
