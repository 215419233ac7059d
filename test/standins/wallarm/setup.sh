#!/bin/bash
# tsplay stand-in for the setup.sh inside Wallarm's all-in-one installer. TEST/DEMO ONLY.
# See README.md next to this file for what is real and what is simulated, and the exit codes.
set -u
umask 022

here=$(cd "$(dirname "$0")" && pwd)
meta=$here
# Installed copy (/opt/wallarm/setup.sh): version and arch live beside the services.
[ -f "$meta/VERSION" ] || meta=$here/usr/share/wallarm-standin
VERSION=$(cat "$meta/VERSION")
ARCH=$(cat "$meta/ARCH")
MAJOR=${VERSION%%.*}
MINOR=${VERSION#*.}; MINOR=${MINOR%%.*}
if [ "$MAJOR" -ge 6 ]; then GEN=wstore; else GEN=tarantool; fi
PREFIX=${WALLARM_STANDIN_PREFIX:-/opt/wallarm}
NGINX_CONF_DIR=/etc/nginx

E_USAGE=2 E_UNCLEAN=3 E_REGISTER=4 E_NGINX=5

err() { printf 'ERROR: %s\n' "$*" >&2; }
info() { printf '%s\n' "$*"; }

usage() {
  cat <<EOF
Wallarm node all-in-one installer $VERSION ($ARCH) — tsplay stand-in

Usage: sh wallarm-$VERSION.$ARCH-glibc.sh [-- OPTIONS] [postanalytics|filtering]

Without postanalytics/filtering both parts are installed.

Options:
  -b, --batch              non-interactive mode (requires --token)
  -t, --token TOKEN        Wallarm node token or API token
                           (API token: set WALLARM_LABELS='group=<GROUP>')
  -c, --cloud US|EU        Wallarm Cloud (default EU)
  -H, --host HOST          Wallarm API host (overrides --cloud)
  -P, --port PORT          Wallarm API port (default 443)
      --no-ssl             do not use TLS for the API connection
      --no-verify          do not verify the API certificate
  -f, --force              install even if the machine is not clean
      --install-only       install only, register later with --register-only
      --register-only      register an installed node
      --skip-ngx-config    do not touch the NGINX configuration
EOF
  [ "$MAJOR" -ge 6 ] && echo "      --custom-ngx-build       NGINX built from source (accepted, no effect here)"
  cat <<EOF
  -h, --help               this help
      --version            print the installer version
EOF
}

batch=0 token="" token_set=0 cloud=EU api_host="" api_port=443 use_ssl=true ca_verify=true
force=0 install_only=0 register_only=0 skip_ngx=0 part=""
while [ $# -gt 0 ]; do
  case "$1" in
    -b|--batch) batch=1 ;;
    -t|--token) [ $# -ge 2 ] || { err "option $1 requires an argument"; exit $E_USAGE; }
                token=$2; token_set=1; shift ;;
    --token=*) token=${1#--token=}; token_set=1 ;;
    -c|--cloud) [ $# -ge 2 ] || { err "option $1 requires an argument"; exit $E_USAGE; }
                cloud=$2; shift ;;
    -H|--host) [ $# -ge 2 ] || { err "option $1 requires an argument"; exit $E_USAGE; }
               api_host=$2; shift ;;
    -P|--port) [ $# -ge 2 ] || { err "option $1 requires an argument"; exit $E_USAGE; }
               api_port=$2; shift ;;
    --no-ssl) use_ssl=false ;;
    --no-verify) ca_verify=false ;;
    -f|--force) force=1 ;;
    --install-only) install_only=1 ;;
    --register-only) register_only=1 ;;
    --skip-ngx-config) skip_ngx=1 ;;
    --custom-ngx-build) [ "$MAJOR" -ge 6 ] || { err "unknown option: $1"; usage >&2; exit $E_USAGE; } ;;
    -h|--help) usage; exit 0 ;;
    --version) echo "$VERSION"; exit 0 ;;
    postanalytics|filtering)
      if [ -n "$part" ] && [ "$part" != "$1" ]; then
        err "choose one of postanalytics or filtering (none installs both)"; exit $E_USAGE
      fi
      part=$1 ;;
    *) err "unknown option: $1"; usage >&2; exit $E_USAGE ;;
  esac
  shift
done
mode=${part:-all}

if [ "$install_only" = 1 ] && [ "$register_only" = 1 ]; then
  err "--install-only and --register-only are mutually exclusive"; exit $E_USAGE
fi
case "$cloud" in
  US|us) cloud=US; default_host=us1.api.wallarm.com ;;
  EU|eu) cloud=EU; default_host=api.wallarm.com ;;
  *) err "unknown cloud '$cloud' (expected US or EU)"; exit $E_USAGE ;;
esac
api_host=${api_host:-$default_host}
case "$api_port" in ''|*[!0-9]*) err "invalid API port '$api_port'"; exit $E_USAGE ;; esac

if [ "$(id -u)" -ne 0 ]; then
  err "this installer must be run as root (use sudo)"; exit 1
fi
machine=$(uname -m)
if [ "$machine" != "$ARCH" ]; then
  err "this installer is for $ARCH, but this machine is $machine; download wallarm-$VERSION.$machine-glibc.sh"
  exit 1
fi
command -v python3 >/dev/null 2>&1 || { err "python3 is required (tsplay stand-in services)"; exit 1; }

osname=unknown
[ -r /etc/os-release ] && osname=$(. /etc/os-release && echo "${PRETTY_NAME:-$ID}")
info "Wallarm all-in-one installer $VERSION ($ARCH) on $osname: installing '$mode'"

# ------------------------------------------------------------------ clean machine
if [ "$register_only" = 0 ]; then
  unclean=""
  if getent passwd wallarm >/dev/null 2>&1; then
    unclean="the system user 'wallarm' already exists"
  elif [ -e "$PREFIX" ]; then
    unclean="$PREFIX already exists"
  fi
  if [ -n "$unclean" ]; then
    if [ "$force" = 1 ]; then
      info "WARNING: $unclean; continuing because of --force"
      if [ -d /run/systemd/system ]; then systemctl stop wallarm.service >/dev/null 2>&1 || true; fi
    else
      err "$unclean: the all-in-one installer requires a clean machine. It cannot upgrade an existing node in place; use a new machine, or remove the old installation first (systemctl stop wallarm && rm -rf $PREFIX && userdel wallarm), or pass -f/--force."
      exit $E_UNCLEAN
    fi
  fi
else
  if [ ! -f "$PREFIX/var/lib/wallarm-standin/install.conf" ]; then
    err "the Wallarm node is not installed in $PREFIX: run the installer with --install-only first"
    exit 1
  fi
  mode=$(sed -n 's/^mode=//p' "$PREFIX/var/lib/wallarm-standin/install.conf")
fi

# ------------------------------------------------------------------ token (never stored)
if [ "$install_only" = 0 ]; then
  if [ "$token_set" = 0 ]; then
    if [ "$batch" = 1 ]; then
      err "the token is required in batch mode: -t <TOKEN>"; exit $E_USAGE
    fi
    printf 'Enter the Wallarm token: ' >&2
    IFS= read -r token || token=""
  fi
  if [ -z "$token" ]; then err "empty token"; exit $E_USAGE; fi
  # Stand-in token kinds: 'api-…' is an API token, 'invalid-…' is rejected by the "Cloud",
  # anything else is a node token.
  case "$token" in
    invalid-*)
      err "registration failed: Wallarm API $api_host answered 401 Unauthorized: the token is invalid or revoked"
      exit $E_REGISTER ;;
    api-*)
      group=$(printf '%s' "${WALLARM_LABELS:-}" | tr ',' '\n' | sed -n 's/^[[:space:]]*group=//p' | head -n1)
      if [ -z "$group" ]; then
        err "registration failed: label \"group\" is required for this registration type"
        exit $E_REGISTER
      fi
      token_kind=api ;;
    *) token_kind=node; group="" ;;
  esac
fi

# ------------------------------------------------------------------ NGINX (filtering)
ngx_ver="" ngx_so=""
if [ "$mode" != postanalytics ] && [ "$register_only" = 0 ]; then
  if ! command -v nginx >/dev/null 2>&1; then
    err "NGINX is not installed: install the distribution's NGINX first, or use the 'postanalytics' option"
    exit $E_NGINX
  fi
  ngx_ver=$(nginx -v 2>&1 | sed -n 's|.*nginx/\([0-9][0-9.]*\).*|\1|p')
  ngx_so="$here/modules/ngx_http_wallarm_module-$ngx_ver.so"
  if [ ! -f "$ngx_so" ]; then
    supported=$(cd "$here/modules" 2>/dev/null && ls | sed -n 's/^ngx_http_wallarm_module-\(.*\)\.so$/\1/p' | tr '\n' ' ')
    err "NGINX $ngx_ver is not supported by this installer (supported: ${supported:-none})"
    exit $E_NGINX
  fi
fi

sd_running() { [ -d /run/systemd/system ]; }

# ------------------------------------------------------------------ install
install_files() {
  if ! getent passwd wallarm >/dev/null 2>&1; then
    useradd --system --home-dir "$PREFIX" --no-create-home --shell /usr/sbin/nologin \
      --user-group wallarm || { err "cannot create the system user 'wallarm'"; exit 1; }
  fi
  mkdir -p "$PREFIX/etc/wallarm" "$PREFIX/var/log/wallarm" "$PREFIX/var/lib/wallarm-standin" \
    "$PREFIX/usr/share/wallarm-standin"
  install -m 0755 "$here/setup.sh" "$PREFIX/setup.sh.new" && mv "$PREFIX/setup.sh.new" "$PREFIX/setup.sh"
  install -m 0644 "$here/VERSION" "$PREFIX/usr/share/wallarm-standin/VERSION"
  install -m 0644 "$here/ARCH" "$PREFIX/usr/share/wallarm-standin/ARCH"
  install -m 0755 "$here/wallarm_standin.py" "$PREFIX/usr/share/wallarm-standin/wallarm_standin.py"
  cat >"$PREFIX/register-node" <<EOF
#!/bin/sh
# Register this node (tsplay stand-in): same options as setup.sh --register-only.
exec "$PREFIX/setup.sh" --register-only "\$@"
EOF
  chmod 0755 "$PREFIX/register-node"

  {
    echo "# Wallarm node environment"
    echo "SLAB_ALLOC_ARENA=1"
    for v in https_proxy http_proxy no_proxy; do
      eval "val=\${$v:-}"
      [ -n "$val" ] && echo "$v=$val"
    done
    if [ "$GEN" = tarantool ]; then
      echo "# tarantool"
      echo "HOST=0.0.0.0"
      echo "PORT=3313"
    fi
  } >"$PREFIX/env.list"
  chmod 0644 "$PREFIX/env.list"

  if [ "$GEN" = wstore ] && [ "$mode" != filtering ]; then
    mkdir -p "$PREFIX/wstore"
    {
      echo "service:"
      echo "  address: 0.0.0.0:3313"
      if [ "$MAJOR" -gt 6 ] || [ "$MINOR" -ge 2 ]; then
        echo "  TLS:"
        echo "    enabled: false"
        echo "    address: 0.0.0.0:6388"
        echo "    certFile: \"\""
        echo "    keyFile: \"\""
        echo "    caCertFile: \"\""
        echo "    mutualTLS:"
        echo "      enabled: false"
        echo "      clientCACertFile: \"\""
      fi
    } >"$PREFIX/wstore/wstore.yaml"
  fi

  printf 'version=%s\nmode=%s\ngeneration=%s\n' "$VERSION" "$mode" "$GEN" \
    >"$PREFIX/var/lib/wallarm-standin/install.conf"
  chown -R wallarm:wallarm "$PREFIX/var"

  local parts="" extra=""
  [ "$mode" != filtering ] && parts="postanalytics"
  [ "$mode" != postanalytics ] && parts="$parts filtering"
  if [ "$MAJOR" -lt 6 ] || { [ "$MAJOR" -eq 6 ] && [ "$MINOR" -lt 8 ]; }; then extra=" --abnormal"; fi
  cat >/etc/systemd/system/wallarm.service <<EOF
[Unit]
Description=Wallarm node $VERSION ($mode) - tsplay stand-in
After=network-online.target nginx.service

[Service]
Type=simple
ExecStart=/usr/bin/python3 $PREFIX/usr/share/wallarm-standin/wallarm_standin.py --generation $GEN$extra $parts
Restart=no

[Install]
WantedBy=multi-user.target
EOF
  if sd_running; then systemctl daemon-reload; fi
}

install_filtering() {
  local moddir="$PREFIX/modules/nginx-$ngx_ver" conf="$NGINX_CONF_DIR/nginx.conf"
  mkdir -p "$moddir"
  install -m 0644 "$ngx_so" "$moddir/ngx_http_wallarm_module.so"
  local load="load_module $moddir/ngx_http_wallarm_module.so;"
  if grep -qE '^[[:space:]]*include[[:space:]]+/etc/nginx/modules-enabled/\*\.conf' "$conf" 2>/dev/null; then
    mkdir -p "$NGINX_CONF_DIR/modules-enabled"
    echo "$load" >"$NGINX_CONF_DIR/modules-enabled/50-mod-http-wallarm.conf"
  elif ! grep -qF "$load" "$conf"; then
    { echo "$load"; cat "$conf"; } >"$conf.wallarm-tmp" && mv "$conf.wallarm-tmp" "$conf"
  fi
  [ "$skip_ngx" = 1 ] && return 0

  mkdir -p "$NGINX_CONF_DIR/conf.d"
  cat >"$NGINX_CONF_DIR/conf.d/wallarm-status.conf" <<'EOF'
# wallarm-status, required for monitoring purposes.

server {
  listen 127.0.0.8:80;
  server_name localhost;

  allow 127.0.0.0/8;   # Only allow requests from localhost
  deny all;            # Deny all other requests

  wallarm_mode off;
  disable_acl "on";    # Disable IP lists checking for this location
  access_log off;

  location ~/wallarm-status$ {
    wallarm_status on;
  }
}
EOF
  local name=wallarm_$GEN
  if ! grep -qE "^[[:space:]]*upstream[[:space:]]+$name[[:space:]]*\{" "$conf"; then
    awk -v name="$name" '
      !done && /^[[:space:]]*http[[:space:]]*\{/ {
        print
        print "    # Wallarm postanalytics (" substr(name, 9) ") servers: point them at the postanalytics host(s)"
        print "    upstream " name " {"
        print "        server 127.0.0.1:3313 max_fails=0 fail_timeout=0 max_conns=1;"
        print "        keepalive 1;"
        print "    }"
        print "    # " name "_upstream " name ";"
        print ""
        done = 1; next
      }
      { print }' "$conf" >"$conf.wallarm-tmp" && mv "$conf.wallarm-tmp" "$conf"
  fi
}

configure_nginx() {
  local out
  if ! out=$(nginx -t 2>&1); then
    printf '%s\n' "$out" >&2
    err "the NGINX configuration test failed after adding the Wallarm module"
    exit $E_NGINX
  fi
  if sd_running; then
    systemctl restart nginx.service || { err "cannot restart NGINX"; exit $E_NGINX; }
  fi
}

# ------------------------------------------------------------------ register (derived values only)
register_node() {
  local host uuid_src secret
  host=$(hostname)
  uuid_src=$(printf 'uuid:%s:%s:%s' "$token" "$host" "$mode" | sha256sum | cut -c1-32)
  local uuid="${uuid_src:0:8}-${uuid_src:8:4}-4${uuid_src:13:3}-a${uuid_src:17:3}-${uuid_src:20:12}"
  secret=$(printf 'secret:%s:%s:%s' "$token" "$host" "$mode" | sha256sum | cut -c1-64)
  local f="$PREFIX/etc/wallarm/node.yaml"
  {
    if [ "$GEN" = tarantool ]; then
      echo "hostname: $host"
      echo "uuid: $uuid"
      echo "secret: $secret"
      echo "api:"
      echo "  host: $api_host"
      echo "  port: $api_port"
      echo "  use_ssl: $use_ssl"
      echo "  ca_verify: $ca_verify"
    else
      echo "api:"
      echo "  uuid: $uuid"
      echo "  secret: $secret"
      echo "  host: $api_host"
      echo "  port: $api_port"
      echo "  use_ssl: $use_ssl"
      echo "  ca_verify: $ca_verify"
    fi
    if [ "$mode" != filtering ]; then
      echo "$GEN:"
      echo "  host: '0.0.0.0'"
      echo "  port: 3313"
    fi
  } >"$f"
  head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$PREFIX/etc/wallarm/private.key"
  chown root:wallarm "$f" "$PREFIX/etc/wallarm/private.key"
  chmod 0640 "$f" "$PREFIX/etc/wallarm/private.key"
  info "Node registered in the $cloud Cloud ($api_host) as $uuid (${token_kind} token${group:+, group $group})"
}

start_services() {
  if sd_running; then
    systemctl enable wallarm.service >/dev/null 2>&1 || true
    systemctl restart wallarm.service || true
  else
    info "WARNING: systemd is not running: start wallarm.service yourself"
  fi
}

if [ "$register_only" = 0 ]; then
  install_files
  if [ "$mode" != postanalytics ]; then
    install_filtering
    configure_nginx
  fi
fi
if [ "$install_only" = 1 ]; then
  info "Installed Wallarm node $VERSION ($mode); register it with: $PREFIX/setup.sh --register-only -b -t <TOKEN>"
  exit 0
fi
register_node
start_services
info "Wallarm node $VERSION ($mode) is installed and registered."
exit 0
