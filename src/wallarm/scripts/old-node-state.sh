# wallarm_remove probe: is the old postanalytics package installed, is there an all-in-one /opt/wallarm?
# In: package, root. Out: package=yes / opt_wallarm=yes lines (parsed by parseOldNodeState).
if command -v dpkg-query >/dev/null 2>&1 && dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q ' installed$'; then
  echo package=yes
elif command -v rpm >/dev/null 2>&1 && rpm -q "$package" >/dev/null 2>&1; then
  echo package=yes
fi
if [ -d "$root" ]; then echo opt_wallarm=yes; fi
true
