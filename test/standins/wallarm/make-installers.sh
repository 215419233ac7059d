#!/bin/bash
# Generate stand-in Wallarm all-in-one installers. TEST/DEMO ONLY.
#
#   make-installers.sh [--modules DIR] [--arch ARCH[,ARCH]] OUTDIR VERSION...
#
# Writes OUTDIR/<major.minor>/wallarm-<version>.<arch>-glibc.sh (meganode's layout) and
# OUTDIR/<major.minor>/SHA256SUMS. Each installer is a makeself-like self-extracting sh script:
# a POSIX sh header followed by a tar.gz payload (setup.sh, wallarm_standin.py, the NGINX
# modules ngx_http_wallarm_module-<nginx-version>.so found in --modules DIR).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
modules="" archs="x86_64,aarch64"
while [ $# -gt 0 ]; do
  case "$1" in
    --modules) modules=$2; shift 2 ;;
    --arch) archs=$2; shift 2 ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) break ;;
  esac
done
out=${1:?usage: make-installers.sh [--modules DIR] [--arch LIST] OUTDIR VERSION...}
shift
[ $# -gt 0 ] || { echo "make-installers.sh: no versions given" >&2; exit 2; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for version in "$@"; do
  if ! [[ "$version" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "make-installers.sh: bad version '$version' (want X.Y.Z)" >&2; exit 2
  fi
  mm=${version%.*}
  mkdir -p "$out/$mm"
  for arch in ${archs//,/ }; do
    p=$work/$version-$arch
    rm -rf "$p" && mkdir -p "$p/modules"
    install -m 0755 "$here/setup.sh" "$p/setup.sh"
    install -m 0755 "$here/wallarm_standin.py" "$p/wallarm_standin.py"
    echo "$version" >"$p/VERSION"
    echo "$arch" >"$p/ARCH"
    # The modules are x86_64 builds; an aarch64 installer ships none and refuses filtering.
    if [ -n "$modules" ] && [ "$arch" = x86_64 ]; then
      cp "$modules"/ngx_http_wallarm_module-*.so "$p/modules/" 2>/dev/null || true
    fi
    (cd "$p" && tar --owner=0 --group=0 --numeric-owner --sort=name --mtime=@0 -cf - . | gzip -n -9) >"$work/payload.tgz"
    sum=$(sha256sum "$work/payload.tgz" | cut -d' ' -f1)
    name=wallarm-$version.$arch-glibc.sh
    sed -e "s/@VERSION@/$version/g" -e "s/@ARCH@/$arch/g" -e "s/@SHA256@/$sum/g" \
      "$here/installer-header.sh" >"$work/header.sh"
    lines=$(( $(wc -l <"$work/header.sh") + 1 ))
    sed -i "s/@SKIP@/$lines/" "$work/header.sh"
    cat "$work/header.sh" "$work/payload.tgz" >"$out/$mm/$name.tmp"
    chmod 0755 "$out/$mm/$name.tmp"
    mv "$out/$mm/$name.tmp" "$out/$mm/$name"
  done
  (cd "$out/$mm" && sha256sum wallarm-*-glibc.sh >SHA256SUMS)
done
