#!/usr/bin/env bash
# Regenerate the renderers' golden files and show what changed (review it like code).
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p . >/dev/null || true   # emits even when unrelated files have type errors
node dist/test/golden/regenerate.js
git --no-pager diff --stat -- test/golden
git status --short -- test/golden
