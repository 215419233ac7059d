#!/bin/bash
# Build the stand-in ngx_http_wallarm_module as a dynamic module for Debian's packaged NGINX.
#
#   build-nginx-module.sh OUTDIR [SUITE...]      (default suites: bullseye bookworm trixie)
#
# bullseye has nginx 1.18, bookworm 1.22, trixie 1.26. Each suite builds inside a debootstrap
# chroot of that suite (same nginx package, same glibc as the lab image), against exactly the
# nginx version packaged there, from what Debian's archive serves reliably (binary packages):
#   1. Debian's `nginx-dev` (bookworm and later): the configure script, headers and configure
#      flags (conf_flags) Debian's nginx was built with, used the way its dh_nginx build system
#      does: `. ./conf_flags; ./configure "${NGX_CONF_FLAGS[@]}" --add-dynamic-module=… && make modules`.
#   2. otherwise (bullseye has no nginx-dev, or the package cannot be fetched) the upstream orig
#      tarball listed in the suite's Sources index, without Debian's diff (the archive has been
#      seen to list a source whose .dsc and diff answer 404 while the orig tarball downloads):
#      `./configure --with-compat --add-dynamic-module=… && make modules`.
# Neither works → one error naming both attempts. ngx_http_wallarm_module-<nginx-version>.so lands
# in OUTDIR only after the chroot's packaged nginx loaded it with `nginx -t`.
#
# Cache: $WALLARM_STANDIN_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/tsplay/wallarm-standin).
#   build-<suite>/                  the chroot (kept; ~400 MB each); /build/src holds the sources
#   modules/<src-hash>/<suite>.so   result, keyed by the module source hash (and this script)
#   modules/<src-hash>/<suite>.version  the nginx version it was built for
# A suite is rebuilt only when the module source changed or the cache is gone. Missing chroots
# are made in parallel. WALLARM_STANDIN_REFRESH=1 re-creates the chroots (pick up a new nginx
# version from the archive). Needs root, debootstrap and Debian's archive
# ($DEBIAN_MIRROR, default http://deb.debian.org/debian).
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
# Bump when what a chroot contains changes (older chroots are then re-created).
chroot_format=2
mkdir -p "$out" "$cache/modules/$srchash"
# One builder at a time per cache (parallel test workers share the chroots).
exec 9>"$cache/.lock"
flock 9

log() { printf '[build-nginx-module] %s\n' "$*" >&2; }
refresh() { [ "${WALLARM_STANDIN_REFRESH:-0}" = 1 ]; }

pcre_dev() {
  # nginx 1.18 (bullseye) only knows PCRE 1; Debian builds 1.22 and later with PCRE2.
  case "$1" in
    bullseye|buster) echo libpcre3-dev ;;
    *) echo libpcre2-dev ;;
  esac
}

chroot_ready() {
  [ "$(cat "$cache/build-$1/.tsplay-ready" 2>/dev/null)" = "$chroot_format" ]
}

ensure_chroot() {
  local suite=$1 root=$cache/build-$1 t0
  t0=$(date +%s)
  rm -rf --one-file-system "$root"
  log "$suite: debootstrap build chroot into $root"
  debootstrap --variant=minbase \
    --include="build-essential,$(pcre_dev "$suite"),zlib1g-dev,libssl-dev,dpkg-dev,nginx,ca-certificates" \
    "$suite" "$root" "$mirror" >"$cache/debootstrap-$suite.log" 2>&1 || {
      log "$suite: debootstrap failed (log: $cache/debootstrap-$suite.log):"
      tail -n 30 "$cache/debootstrap-$suite.log" >&2; return 1; }
  # deb-src only for the fallback's Sources index (the orig tarball's URL and hash).
  printf 'deb %s %s main\ndeb-src %s %s main\n' "$mirror" "$suite" "$mirror" "$suite" >"$root/etc/apt/sources.list"
  cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
  chroot "$root" apt-get update -qq >"$cache/apt-update-$suite.log" 2>&1 || {
    log "$suite: apt-get update in the chroot failed:"; tail -n 20 "$cache/apt-update-$suite.log" >&2; return 1; }
  mkdir -p "$root/build/src"
  echo "$chroot_format" >"$root/.tsplay-ready"
  log "$suite: chroot ready in $(( $(date +%s) - t0 ))s"
}

# Attempt 1: Debian's nginx-dev of exactly the installed nginx's source version, unpacked (not
# installed: its dependencies are for dh_nginx packaging, the build needs only what the chroot has).
# Prints the configure directory (inside the chroot) on success; the reason on stderr otherwise.
fetch_nginx_dev() {
  local root=$1 srcver=$2 dir=/build/src/nginx-dev-$2
  if [ ! -f "$root$dir/.complete" ]; then
    rm -rf "$root$dir" && mkdir -p "$root$dir"
    chroot "$root" sh -c 'cd "$1" && apt-get download -qq "nginx-dev=$2" && dpkg-deb -x nginx-dev_*.deb root' \
      _ "$dir" "$srcver" >"$root$dir.log" 2>&1 || { tail -n 3 "$root$dir.log" >&2; return 1; }
    [ -x "$root$dir/root/usr/share/nginx/src/configure" ] && [ -f "$root$dir/root/usr/share/nginx/src/conf_flags" ] || {
      echo "nginx-dev $srcver has no /usr/share/nginx/src/configure and conf_flags" >&2; return 1; }
    touch "$root$dir/.complete"
  fi
  echo "$dir/root/usr/share/nginx/src"
}

# Attempt 2: only the upstream orig tarball from the Sources index (URL and SHA256 from
# `apt-get source --print-uris`, fetched and checked by apt's own downloader), no Debian diff.
fetch_orig() {
  local root=$1 srcver=$2 up=$3 dir=/build/src/orig-$2 line uri hash file
  if [ ! -f "$root$dir/.complete" ]; then
    rm -rf "$root$dir" && mkdir -p "$root$dir"
    chroot "$root" apt-get source --print-uris -qq "nginx=$srcver" >"$root$dir.uris" 2>"$root$dir.log" || {
      tail -n 3 "$root$dir.log" >&2; return 1; }
    line=$(grep -E "^'[^']*' nginx_${up//./\\.}\\.orig\\.tar\\.[a-z0-9]+ " "$root$dir.uris" | head -n1) || true
    [ -n "$line" ] || { echo "the Sources index lists no nginx_$up.orig.tar.* for nginx $srcver" >&2; return 1; }
    read -r uri file _ hash <<<"$line"
    uri=${uri//\'/}
    chroot "$root" /usr/lib/apt/apt-helper download-file "$uri" "$dir/$file" "$hash" >>"$root$dir.log" 2>&1 || {
      tail -n 3 "$root$dir.log" >&2; return 1; }
    chroot "$root" tar -C "$dir" -xf "$dir/$file" >>"$root$dir.log" 2>&1 || { tail -n 3 "$root$dir.log" >&2; return 1; }
    [ -x "$root$dir/nginx-$up/configure" ] || { echo "$file has no nginx-$up/configure" >&2; return 1; }
    touch "$root$dir/.complete"
  fi
  echo "$dir/nginx-$up"
}

build_suite() {
  local suite=$1 root=$cache/build-$1 key=$cache/modules/$srchash/$1 t0
  t0=$(date +%s)
  local ver srcver up src kind why1 why2
  ver=$(chroot "$root" nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')
  srcver=$(chroot "$root" dpkg-query -W -f '${source:Version}' nginx)
  up=${srcver#*:}
  up=${up%%-*}
  [ -n "$ver" ] && [ "$up" = "$ver" ] || { log "$suite: nginx -v says '$ver' but the package is $srcver"; return 1; }
  if src=$(fetch_nginx_dev "$root" "$srcver" 2>"$cache/why-$suite"); then
    kind="Debian's nginx-dev $srcver"
  else
    why1=$(tr '\n' ' ' <"$cache/why-$suite" | sed 's/ *$//')
    if src=$(fetch_orig "$root" "$srcver" "$up" 2>"$cache/why-$suite"); then
      kind="the orig tarball of nginx $srcver (no Debian diff; nginx-dev: ${why1:-failed})"
    else
      why2=$(tr '\n' ' ' <"$cache/why-$suite" | sed 's/ *$//')
      log "$suite: no source to build against nginx $ver ($srcver). Tried:"
      log "  1. Debian's nginx-dev=$srcver (apt-get download): ${why1:-failed}"
      log "  2. nginx_$up.orig.tar.* from $suite's Sources index (apt-get source --print-uris, apt-helper download-file): ${why2:-failed}"
      log "  Is $mirror reachable from the chroot $root? WALLARM_STANDIN_REFRESH=1 re-creates it."
      return 1
    fi
  fi
  rm -f "$cache/why-$suite"
  grep -q "#define NGINX_VERSION *\"$ver\"" "$root$src/src/core/nginx.h" || {
    log "$suite: $src/src/core/nginx.h is not nginx $ver"; return 1; }
  log "$suite: building against nginx $ver from $kind"
  rm -rf "$root/build/wallarm-module" "$root/build/work" && cp -r "$moddir" "$root/build/wallarm-module"
  # Configure writes objs/ into its own directory: build in a copy, keep the source clean. nginx-dev
  # writes no top-level Makefile, so make runs objs/Makefile directly (as dh_nginx does).
  cp -a "$root$src" "$root/build/work"
  local configure
  if [ -f "$root/build/work/conf_flags" ]; then
    # As dh_nginx (nginx-dev's Debian::Debhelper::Buildsystem::nginx_mod) configures modules.
    configure='. ./conf_flags && ./configure --with-cc-opt="$(dpkg-buildflags --get CFLAGS) -fPIC $(dpkg-buildflags --get CPPFLAGS)" --with-ld-opt="$(dpkg-buildflags --get LDFLAGS) -fPIC" "${NGX_CONF_FLAGS[@]}" --add-dynamic-module=/build/wallarm-module'
  else
    configure='./configure --with-compat --add-dynamic-module=/build/wallarm-module'
  fi
  chroot "$root" bash -c "cd /build/work && { $configure; } >/build/configure.log 2>&1 && make -j\$(nproc) -f objs/Makefile modules >/build/make.log 2>&1" || {
    log "$suite: configure or make failed:"
    tail -n 40 "$root/build/configure.log" "$root/build/make.log" >&2 2>/dev/null; return 1; }
  local so=$root/build/work/objs/ngx_http_wallarm_module.so
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
  chroot "$root" nginx -t -c /build/test-nginx.conf >&2 || {
    log "$suite: the packaged nginx $ver refused the module built from $kind"; return 1; }
  cp "$so" "$key.so"
  echo "$ver" >"$key.version"
  cp "$so" "$out/ngx_http_wallarm_module-$ver.so"
  log "$suite: built ngx_http_wallarm_module-$ver.so in $(( $(date +%s) - t0 ))s"
}

todo=()
for s in "${suites[@]}"; do
  key=$cache/modules/$srchash/$s
  if [ -f "$key.so" ] && [ -f "$key.version" ] && ! refresh; then
    v=$(cat "$key.version")
    cp "$key.so" "$out/ngx_http_wallarm_module-$v.so"
    log "$s: cached nginx $v module ($srchash)"
  else
    todo+=("$s")
  fi
done
[ ${#todo[@]} -gt 0 ] || exit 0

# Chroots first, in parallel (download and unpack bound); then the builds, one at a time.
pids=() made=()
for s in "${todo[@]}"; do
  if chroot_ready "$s" && ! refresh; then continue; fi
  ensure_chroot "$s" &
  pids+=($!) made+=("$s")
done
failed=()
for i in "${!pids[@]}"; do wait "${pids[$i]}" || failed+=("${made[$i]}"); done
[ ${#failed[@]} -eq 0 ] || { log "could not make the build chroot for: ${failed[*]}"; exit 1; }
for s in "${todo[@]}"; do build_suite "$s"; done
