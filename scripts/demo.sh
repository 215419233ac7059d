#!/usr/bin/env bash
# The README's main command (`npm run demo`): on a fresh machine, install what the demo needs
# (node modules, Docker engine), then run `tsplay demo` — the Wallarm upgrade on a local lab.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  echo "==> installing node modules (npm ci)"
  npm ci --no-audit --no-fund
fi
bash scripts/setup-docker.sh
exec node bin/tsplay.mjs demo "$@"
