#!/usr/bin/env bash
# Make this machine able to run the tsplay lab: Docker engine (Debian's docker.io) running, the
# image-building tools installed, inotify limits raised. Idempotent; needs root (uses sudo if not).
# Used by `npm run demo`, .ci/run and anyone who wants the e2e tests to run for real.
set -euo pipefail

# Debian packages the lab needs on the host (images are built offline with debootstrap; the stand-in
# wallarm-node-tarantool .deb/.rpm with dpkg-deb, rpmbuild and createrepo_c).
PACKAGES=(docker.io debootstrap ca-certificates iptables tar rpm createrepo-c dpkg-dev)
LOG=/var/log/tsplay-dockerd.log

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then exec sudo -n -- bash "$0" "$@"; fi
  echo "setup-docker: needs root (and sudo is not available)" >&2
  exit 1
fi
say() { echo "setup-docker: $*"; }

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Systemd containers need many inotify instances (default 128 runs out past ~25 targets).
sysctl -q -w fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=1048576 || say "could not raise inotify limits (continuing)"

if docker info >/dev/null 2>&1; then
  say "Docker engine is running ($(docker info --format '{{.ServerVersion}}'))"
  exit 0
fi

if [ -d /run/systemd/system ] && systemctl list-unit-files docker.service >/dev/null 2>&1; then
  say "starting docker.service"
  systemctl start docker.service || true
fi
if ! docker info >/dev/null 2>&1 && ! pgrep -x dockerd >/dev/null 2>&1; then
  # No systemd here (containers, CI sandboxes): run dockerd in the background with its default
  # bridge network (testcontainers needs it) and iptables on.
  say "starting dockerd in the background (log: $LOG)"
  setsid dockerd >"$LOG" 2>&1 < /dev/null &
  DOCKERD_PID=$!
fi

for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    say "Docker engine is running ($(docker info --format '{{.ServerVersion}}'))"
    exit 0
  fi
  if [ -n "${DOCKERD_PID:-}" ] && ! kill -0 "$DOCKERD_PID" 2>/dev/null; then
    say "dockerd exited at start" >&2
    break
  fi
  sleep 1
done
say "no Docker engine answers; last lines of $LOG:" >&2
tail -n 20 "$LOG" >&2 || true
exit 1
