# wallarm_install: fetch the all-in-one installer, check it, run it in batch mode, check registration.
# In: dest_dir, dest, url, download (yes/no),
#     sha256 (lowercase hex, or empty), installer_name, version, node_yaml, version_marker,
#     and the installer's words after `--` as "$@" (set by the caller).
# The token arrives on stdin: never on a command line, in the environment listing or in a report.
IFS= read -r WALLARM_TOKEN || { echo 'tsplay: no token on stdin'; exit 90; }
if [ "$download" = yes ]; then
  mkdir -p "$dest_dir" &&
    curl -fsSL --retry 3 -o "$dest.part" "$url" &&
    mv -f "$dest.part" "$dest" ||
    { echo "tsplay: cannot download $url"; exit 92; }
fi
if [ -n "$sha256" ]; then
  got=$(sha256sum "$dest" | cut -d' ' -f1)
  if [ "$got" != "$sha256" ]; then
    echo "tsplay: sha256 mismatch for $installer_name: expected $sha256, got $got"
    rm -f "$dest"
    exit 93
  fi
fi
sh "$dest" -- -t "$WALLARM_TOKEN" "$@"
rc=$?
unset WALLARM_TOKEN
if [ "$rc" -ne 0 ]; then echo "tsplay: installer exited $rc"; exit "$rc"; fi
if [ ! -s "$node_yaml" ]; then echo 'tsplay: the installer finished but node.yaml is empty (registration failed)'; exit 91; fi
printf '%s\n' "$version" > "$version_marker"
