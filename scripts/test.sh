#!/usr/bin/env bash
# The project's test command (`npm test`): unit tests, then e2e tests against real targets.
# Without Docker the e2e tests that need it are skipped with one line saying how to enable them
# (under CI=true that is a failure instead). Exit status: non-zero when any test failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export TESTCONTAINERS_RYUK_DISABLED=true

status=0
t0=$(date +%s)
echo "== unit tests"
npx vitest run --project unit || status=1
t1=$(date +%s)
echo "== e2e tests"
npx vitest run --project e2e || status=1
t2=$(date +%s)
echo "== test timings: unit $((t1 - t0)) s, e2e $((t2 - t1)) s, total $((t2 - t0)) s"
if [ "$status" -ne 0 ]; then echo "== FAILED (see vitest's summaries above)"; fi
exit "$status"
