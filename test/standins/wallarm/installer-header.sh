#!/bin/sh
# Wallarm all-in-one installer @VERSION@ (@ARCH@) - tsplay stand-in, TEST/DEMO ONLY.
# Self-extracting archive in the shape of makeself: options for the inner setup.sh go after
# "--"; a bare word (postanalytics|filtering) is passed through as well.
SKIP=@SKIP@
SHA256=@SHA256@
keep=n noexec=n quiet=n target=""
payload() { tail -n +"$SKIP" "$0"; }
help() {
  cat <<EOF
Wallarm all-in-one installer @VERSION@ (@ARCH@) - tsplay stand-in
  $0 [--help|--info|--list|--check|--noexec|--keep|--quiet|--target DIR] [--] [setup.sh options]
Run "$0 -- --help" for the installer's own options.
EOF
}
while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h) help; exit 0 ;;
    --info) echo "Identification: Wallarm all-in-one installer @VERSION@ (@ARCH@) - tsplay stand-in"; exit 0 ;;
    --list) payload | gzip -cd | tar tvf -; exit $? ;;
    --check)
      sum=$(payload | sha256sum | cut -d' ' -f1)
      if [ "$sum" = "$SHA256" ]; then echo "Verifying archive integrity... All good."; exit 0; fi
      echo "Error in checksums: $sum is different from $SHA256" >&2; exit 2 ;;
    --noexec) noexec=y ;;
    --keep) keep=y ;;
    --quiet) quiet=y ;;
    --target) target=$2; keep=y; shift ;;
    --) shift; break ;;
    -*) echo "Unrecognized flag : $1" >&2; help >&2; exit 1 ;;
    *) break ;;
  esac
  shift
done
if [ -n "$target" ]; then dir=$target; mkdir -p "$dir" || exit 1
else dir=$(mktemp -d "${TMPDIR:-/tmp}/wallarm-installer.XXXXXX") || exit 1
fi
[ "$quiet" = y ] || echo "Verifying archive integrity... " >&2
sum=$(payload | sha256sum | cut -d' ' -f1)
if [ "$sum" != "$SHA256" ]; then
  echo "Error in checksums: the archive is corrupted (download it again)" >&2
  [ "$keep" = y ] || rm -rf "$dir"; exit 2
fi
[ "$quiet" = y ] || echo "Uncompressing Wallarm all-in-one installer @VERSION@" >&2
if ! payload | gzip -cd | tar xf - -C "$dir"; then
  echo "Cannot extract the archive into $dir" >&2; [ "$keep" = y ] || rm -rf "$dir"; exit 2
fi
[ "$noexec" = y ] && { echo "$dir"; exit 0; }
bash "$dir/setup.sh" "$@"
rc=$?
[ "$keep" = y ] || rm -rf "$dir"
exit $rc
__ARCHIVE_BELOW__
