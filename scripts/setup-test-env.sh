#!/usr/bin/env bash
# Everything `npm test` needs on a fresh Debian/Ubuntu machine, idempotent and quick when done:
# the Debian packages the tests use, node modules, the Docker engine (scripts/setup-docker.sh) and
# the lab images (cached by recipe hash). Needs root or passwordless sudo for the system parts;
# without them it says what is missing and the tests that need it skip (under CI=true: fail).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use (the lab's own list is in scripts/setup-docker.sh):
#   openssh-server openssh-client sudo  - a real sshd on loopback for the SSH executor/engine e2e
#   chromium                            - the HTML drift report rendered in headless Chromium
#   nginx                               - nginx config fixtures and nginx -t checks
#   systemd                             - systemd-analyze verify for the units `schedule install` writes
#   git ca-certificates curl            - checkouts, get_url/uri tests
TEST_PACKAGES=(openssh-server openssh-client sudo chromium nginx systemd git ca-certificates curl)

# --- differential harness (test/differential/, test/e2e/differential/) ---------------------------
# ansible-core 2.14 (Debian 12) is the oracle tsplay is compared with; python3-jinja2 is its Jinja;
# `ansible` (Debian's collection bundle for 2.14: community.general, ansible.posix, community.crypto…)
# is the oracle for the collection modules tsplay takes under their names (ini_file, pam_limits, mount…);
# python3-passlib and python3-jmespath are what ansible-core recommends for password_hash (passlib's
# hashes, `rounds=` included, not crypt's) and json_query: without them the oracle answers differently.
TEST_PACKAGES+=(ansible-core python3-jinja2 ansible python3-passlib python3-jmespath)
# -------------------------------------------------------------------------------------------------

say() { echo "setup-test-env: $*"; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif sudo -n true 2>/dev/null; then sudo -n -- "$@"; else return 99; fi
}

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then
  say "installing node modules (npm ci)"
  npm ci --no-audit --no-fund
fi

missing=()
for p in "${TEST_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  rc=0
  as_root env DEBIAN_FRONTEND=noninteractive bash -c 'apt-get update -qq && apt-get install -y -qq --no-install-recommends "$@" >/dev/null' _ "${missing[@]}" || rc=$?
  if [ "$rc" -eq 99 ]; then
    say "not root and no passwordless sudo: cannot install ${missing[*]}; tests that need them will skip"
    [ "${CI:-}" = true ] && exit 1
  elif [ "$rc" -ne 0 ]; then
    exit "$rc"
  fi
fi

if as_root true 2>/dev/null; then
  bash scripts/setup-docker.sh
  node bin/tsplay.mjs lab build
else
  say "not root and no passwordless sudo: not starting Docker or building lab images; e2e tests that need them will skip"
  [ "${CI:-}" = true ] && exit 1
fi
exit 0
