# wallarm_preflight / wallarm_install probe: what of a Wallarm node is on this machine.
# In: root, node_yaml, version_marker, installer (path of a downloaded installer, or empty).
# Out: key=value lines after the separator (parsed by parseMachineState).
echo '@@tsplay@@'
if [ -e "$root" ]; then echo opt_wallarm=yes; fi
if [ -s "$node_yaml" ]; then echo registered=yes; fi
if [ -f "$version_marker" ]; then
  echo "version=$(head -n 1 "$version_marker")"
elif [ -f "$root/setup.sh" ]; then
  echo "version=$(sh "$root/setup.sh" --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1)"
fi
if id -u wallarm >/dev/null 2>&1; then echo user=yes; fi
if command -v dpkg-query >/dev/null 2>&1; then
  dpkg-query -W -f='pkg=${Package} ${Status}\n' 'wallarm*' 2>/dev/null | grep ' installed$' | cut -d' ' -f1
fi
if command -v rpm >/dev/null 2>&1; then
  rpm -qa --qf 'pkg=%{NAME}\n' 'wallarm*' 2>/dev/null
fi
if [ -n "$installer" ] && [ -f "$installer" ]; then
  echo "installer_sha256=$(sha256sum "$installer" | cut -d' ' -f1)"
fi
true
