#!/bin/bash
# Build the stand-in ngx_http_wallarm_module as a dynamic module for Debian's packaged NGINX.
#
#   build-nginx-module.sh OUTDIR [SUITE...]      (default suites: bookworm trixie)
#
# Default suites: bullseye (nginx 1.18) bookworm (1.22) trixie (1.26). For each suite it builds inside a debootstrap chroot of that suite (same nginx version, same
# glibc as the lab image), from Debian's own nginx source (`apt-get source nginx`):
#   ./configure --with-compat --add-dynamic-module=nginx-module && make modules
# and copies ngx_http_wallarm_module-<nginx-version>.so into OUTDIR. Each built module is then
# loaded by the chroot's packaged nginx with `nginx -t` before it is accepted.
#
# Cache: $WALLARM_STANDIN_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/tsplay/wallarm-standin).
#   build-<suite>/                  the chroot (kept; ~500 MB each)
#   modules/<src-hash>/<suite>.so   result, keyed by the module source hash
#   modules/<src-hash>/<suite>.version  the nginx version it was built for
# A suite is rebuilt only when the module source changed or the cache is gone.
# WALLARM_STANDIN_REFRESH=1 re-creates the chroots (pick up a new nginx version from the archive).
# Needs root, debootstrap and Debian's archive (http://deb.debian.org/debian).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: build-nginx-module.sh OUTDIR [SUITE...]}
shift
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=(bullseye bookworm trixie)
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${WALLARM_STANDIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tsplay/wallarm-standin}
moddir=$here/nginx-module
srchash=$(cat "$moddir/config" "$moddir/ngx_http_wallarm_module.c" "$0" | sha256sum | cut -c1-16)
mkdir -p "$out" "$cache/modules/$srchash"
# One builder at a time per cache (parallel test workers share the chroots).
exec 9>"$cache/.lock"
flock 9

log() { printf '[build-nginx-module] %s\n' "$*" >&2; }

pcre_dev() {
  case "$1" in
    trixie|forky|sid) echo libpcre2-dev ;;
    *) echo libpcre3-dev ;;
  esac
}

ensure_chroot() {
  local suite=$1 root=$cache/build-$1
  if [ -f "$root/.tsplay-ready" ] && [ "${WALLARM_STANDIN_REFRESH:-0}" != 1 ]; then return 0; fi
  rm -rf "$root"
  log "$suite: debootstrap build chroot into $root"
  debootstrap --variant=minbase \
    --include="build-essential,$(pcre_dev "$suite"),zlib1g-dev,libssl-dev,dpkg-dev,nginx,ca-certificates" \
    "$suite" "$root" "$mirror" >"$cache/debootstrap-$suite.log" 2>&1 || {
      tail -n 30 "$cache/debootstrap-$suite.log" >&2; return 1; }
  printf 'deb-src %s %s main\n' "$mirror" "$suite" >"$root/etc/apt/sources.list.d/src.list"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  chroot "$root" apt-get update -qq >/dev/null
  mkdir -p "$root/build"
  (cd "$root/build" && chroot "$root" sh -c 'cd /build && apt-get source -qq nginx' >/dev/null 2>&1) || {
    log "$suite: apt-get source nginx failed"; return 1; }
  touch "$root/.tsplay-ready"
}

build_suite() {
  local suite=$1 root=$cache/build-$1 key=$cache/modules/$srchash/$1
  if [ -f "$key.so" ] && [ -f "$key.version" ] && [ "${WALLARM_STANDIN_REFRESH:-0}" != 1 ]; then
    local v; v=$(cat "$key.version")
    cp "$key.so" "$out/ngx_http_wallarm_module-$v.so"
    log "$suite: cached nginx $v module ($srchash)"
    return 0
  fi
  local t0; t0=$(date +%s)
  ensure_chroot "$suite"
  local ver srcdir
  ver=$(chroot "$root" nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')
  srcdir=$(cd "$root/build" && ls -d nginx-*/ | head -n1)
  srcdir=${srcdir%/}
  [ "$srcdir" = "nginx-$ver" ] || { log "$suite: source $srcdir does not match nginx $ver"; return 1; }
  rm -rf "$root/build/wallarm-module" && cp -r "$moddir" "$root/build/wallarm-module"
  log "$suite: building against nginx $ver"
  chroot "$root" sh -c "cd /build/$srcdir && ./configure --with-compat --add-dynamic-module=/build/wallarm-module >/build/configure.log 2>&1 && make -j\$(nproc) modules >/build/make.log 2>&1" || {
    tail -n 40 "$root/build/configure.log" "$root/build/make.log" >&2 2>/dev/null; return 1; }
  local so=$root/build/$srcdir/objs/ngx_http_wallarm_module.so
  # Prove the packaged nginx of this suite loads it and accepts the directives.
  cp "$so" "$root/build/test-module.so"
  cat >"$root/build/test-nginx.conf" <<'EOF'
load_module /build/test-module.so;
error_log /tmp/test-nginx-error.log;
pid /tmp/test-nginx.pid;
events {}
http {
  upstream wallarm_wstore { server 127.0.0.1:3313 max_fails=0 fail_timeout=0 max_conns=1; keepalive 1; }
  wallarm_wstore_upstream wallarm_wstore ssl=off;
  server { listen 127.0.0.8:80; wallarm_mode off; location ~/wallarm-status$ { wallarm_status on; } }
}
EOF
  chroot "$root" nginx -t -c /build/test-nginx.conf >&2
  cp "$so" "$key.so"
  echo "$ver" >"$key.version"
  cp "$so" "$out/ngx_http_wallarm_module-$ver.so"
  log "$suite: built ngx_http_wallarm_module-$ver.so in $(( $(date +%s) - t0 ))s"
}

for s in "${suites[@]}"; do build_suite "$s"; done
