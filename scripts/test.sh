#!/usr/bin/env bash
# The project's test command (`npm test`): unit tests, then e2e tests against real targets.
# Without Docker the e2e tests that need it are skipped with one line saying how to enable them
# (under CI=true that is a failure instead). Exit status: non-zero when any test failed.
set -uo pipefail
cd "$(dirname "$0")/.."
export TESTCONTAINERS_RYUK_DISABLED=true

status=0
ts=$(date +%s)
# On a fresh machine this installs what the tests need (packages, node modules, Docker, lab images);
# afterwards it only checks. TSPLAY_SKIP_SETUP=1 skips it.
if [ "${TSPLAY_SKIP_SETUP:-}" != 1 ]; then
  echo "== set-up"
  if ! bash scripts/setup-test-env.sh; then
    echo "== set-up failed"
    [ "${CI:-}" = true ] && exit 1
  fi
fi
t0=$(date +%s)
echo "== unit tests"
npx vitest run --project unit || status=1
t1=$(date +%s)
echo "== e2e tests"
npx vitest run --project e2e || status=1
t2=$(date +%s)
echo "== test timings: set-up $((t0 - ts)) s, unit $((t1 - t0)) s, e2e $((t2 - t1)) s, total $((t2 - ts)) s"
if [ "$status" -ne 0 ]; then echo "== FAILED (see vitest's summaries above)"; fi
exit "$status"
