#!/usr/bin/env bash
# Regenerate the planner's golden plans (test/golden/plan/*.txt) and show what changed.
# Review the diff like code: every line is a command the agent would run on that host.
set -euo pipefail
cd "$(dirname "$0")/.."
npx tsc -p . >/dev/null || true   # emits even when unrelated files have type errors
UPDATE_GOLDEN=1 npx mocha 'dist/test/unit/core-plan.test.js'
git --no-pager diff --stat -- test/golden/plan
git status --short -- test/golden/plan
