#!/usr/bin/python3
"""tsplay stand-in for the Wallarm node services run by wallarm.service. TEST/DEMO ONLY.

    wallarm_standin.py --generation wstore|tarantool [--abnormal] [postanalytics] [filtering]

postanalytics: listens where the real one would (6.x+ wstore.yaml service.address and
  service.TLS; 4.x/5.x env.list HOST/PORT), logs to wstore-out.log / tarantool-out.log, and
  records every request record it receives in var/lib/wallarm-standin/requests.jsonl
  (+ counters in postanalytics.json). Cannot bind -> the real "failed to bind" line, exit 1.
filtering: reads the upstream that the running NGINX loaded (written by the stand-in NGINX
  module on each real reload), tails NGINX's access log, sends one record per request to the
  upstream servers round-robin over real TCP (or TLS), counts failures into tnt_errors and writes
  "wallarm: <addr> connect() failed" into NGINX's error log, and keeps status.json up to date for
  `wallarm_status on;`.

Only python3-minimal is assumed (no json, no http.server): tiny encoders/parsers live here.
"""
import errno
import os
import re
import signal
import socket
import ssl
import sys
import threading
import time

ROOT = os.environ.get("WALLARM_ROOT", "/opt/wallarm")
STATE_DIR = os.path.join(ROOT, "var/lib/wallarm-standin")
LOG_DIR = os.path.join(ROOT, "var/log/wallarm")


# ---------------------------------------------------------------- tiny formats

def jstr(s):
    out = ['"']
    for ch in str(s):
        o = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif o < 0x20:
            out.append("\\u%04x" % o)
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def jdump(v):
    """JSON text for dict/list/str/int/float/bool/None (python3-minimal has no json)."""
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return jstr(v)
    if isinstance(v, dict):
        return "{" + ",".join(jstr(k) + ":" + jdump(x) for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(jdump(x) for x in v) + "]"
    raise TypeError("cannot encode %r" % (v,))


def read_env_list(path):
    env = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#") or "=" not in line:
                    continue
                k, v = line.split("=", 1)
                v = v.strip()
                if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
                    v = v[1:-1]
                env[k.strip()] = v
    except FileNotFoundError:
        pass
    return env


def _scalar(v):
    v = v.strip()
    if len(v) >= 2 and v[0] == v[-1] and v[0] in "'\"":
        return v[1:-1]
    if v.lower() in ("true", "yes", "on"):
        return True
    if v.lower() in ("false", "no", "off"):
        return False
    if re.match(r"^-?\d+$", v):
        return int(v)
    if v in ("", "~", "null"):
        return None
    return v


def _strip_comment(line):
    q = None
    for i, ch in enumerate(line):
        if q:
            if ch == q:
                q = None
        elif ch in "'\"":
            q = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def read_yaml_mapping(path):
    """Nested block mappings with scalar values: the subset wstore.yaml/node.yaml use."""
    root = {}
    stack = [(-1, root)]
    with open(path) as f:
        for raw in f:
            line = _strip_comment(raw.rstrip("\n")).rstrip()
            if not line.strip():
                continue
            indent = len(line) - len(line.lstrip(" "))
            m = re.match(r"^\s*([^:]+?):(?:\s+(.*))?$", line)
            if not m:
                raise ValueError("cannot parse %s: %r" % (path, raw.rstrip()))
            while stack and indent <= stack[-1][0]:
                stack.pop()
            parent = stack[-1][1]
            key, val = m.group(1).strip(), m.group(2)
            if val is None or val.strip() == "":
                child = {}
                parent[key] = child
                stack.append((indent, child))
            else:
                parent[key] = _scalar(val)
    return root


def split_addr(addr, default_host="0.0.0.0"):
    """'IP:PORT', ':PORT', '[v6]:PORT' -> (host, port)."""
    addr = str(addr).strip()
    m = re.match(r"^\[([^\]]+)\]:(\d+)$", addr) or re.match(r"^([^:]*):(\d+)$", addr)
    if not m:
        raise ValueError("bad address %r (want IP:PORT or :PORT)" % addr)
    return (m.group(1) or default_host), int(m.group(2))


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


class Log:
    def __init__(self, path):
        self.path = path
        self.lock = threading.Lock()

    def __call__(self, msg):
        line = "%s %s" % (time.strftime("%Y-%m-%dT%H:%M:%S"), msg)
        with self.lock:
            with open(self.path, "a") as f:
                f.write(line + "\n")
        sys.stderr.write(msg + "\n")
        sys.stderr.flush()


# ---------------------------------------------------------------- postanalytics

class Postanalytics:
    def __init__(self, generation):
        self.generation = generation
        name = "wstore-out.log" if generation == "wstore" else "tarantool-out.log"
        self.log = Log(os.path.join(LOG_DIR, name))
        self.lock = threading.Lock()
        self.stats = {"connections": 0, "records": 0, "attacks": 0, "tls_connections": 0,
                      "tls_handshake_failures": 0, "listen": [], "slab_alloc_arena": None,
                      "started_at": time.time()}

    def fail(self, msg):
        self.log("SystemError binary: " + msg)
        sys.exit(1)

    def configure(self):
        env = read_env_list(os.path.join(ROOT, "env.list"))
        arena = env.get("SLAB_ALLOC_ARENA", "1")
        if not re.match(r"^\d+(\.\d+)?$", arena) or float(arena) <= 0:
            self.fail("invalid SLAB_ALLOC_ARENA=%r: expected a positive number of GB" % arena)
        self.arena = float(arena)
        self.stats["slab_alloc_arena"] = self.arena
        # Simulated sizing: 1 GB keeps 600 s of requests; below 300 s exports start to drop.
        self.timeframe_size = int(self.arena * 600)
        self.export_delay = int(env.get("WALLARM_STANDIN_EXPORT_DELAY", "0") or 0)
        self.listeners = []  # (host, port, tls_context or None)
        if self.generation == "wstore":
            path = os.path.join(ROOT, "wstore/wstore.yaml")
            try:
                conf = read_yaml_mapping(path)
            except (OSError, ValueError) as e:
                self.fail("cannot read %s: %s" % (path, e))
            service = conf.get("service") or {}
            try:
                self.listeners.append(split_addr(service.get("address") or ":3313") + (None,))
            except ValueError as e:
                self.fail("service.address: %s" % e)
            tls = service.get("TLS") or {}
            if tls.get("enabled") is True:
                try:
                    host, port = split_addr(tls.get("address") or "0.0.0.0:6388")
                except ValueError as e:
                    self.fail("service.TLS.address: %s" % e)
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                try:
                    ctx.load_cert_chain(tls.get("certFile") or "", tls.get("keyFile") or "")
                    mtls = tls.get("mutualTLS") or {}
                    if mtls.get("enabled") is True:
                        ctx.verify_mode = ssl.CERT_REQUIRED
                        ca = mtls.get("clientCACertFile") or tls.get("caCertFile")
                        if ca:
                            ctx.load_verify_locations(cafile=ca)
                        else:
                            ctx.load_default_certs(ssl.Purpose.CLIENT_AUTH)
                except (OSError, ssl.SSLError) as e:
                    self.fail("failed to load TLS certificate: %s" % e)
                self.listeners.append((host, port, ctx))
        else:
            host = env.get("HOST", "0.0.0.0") or "0.0.0.0"
            port = env.get("PORT", "3313") or "3313"
            if not port.isdigit():
                self.fail("invalid PORT=%r" % port)
            self.listeners.append((host, int(port), None))

    def save_stats(self):
        write_atomic(os.path.join(STATE_DIR, "postanalytics.json"), jdump(self.stats) + "\n")

    def start(self):
        self.configure()
        socks = []
        for host, port, ctx in self.listeners:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            s = socket.socket(family, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, port))
                s.listen(128)
            except OSError as e:
                self.fail("failed to bind: %s" % os.strerror(e.errno or errno.EINVAL))
            socks.append((s, ctx))
            where = "%s:%d%s" % (host, port, " (TLS%s)" % (
                ", mutual" if ctx and ctx.verify_mode == ssl.CERT_REQUIRED else "") if ctx else "")
            self.stats["listen"].append(where)
            self.log("%s: listening on %s, SLAB_ALLOC_ARENA=%s" % (self.generation, where, self.arena))
        self.save_stats()
        for s, ctx in socks:
            threading.Thread(target=self.accept_loop, args=(s, ctx), daemon=True).start()

    def accept_loop(self, s, ctx):
        while True:
            conn, peer = s.accept()
            threading.Thread(target=self.serve, args=(conn, peer, ctx), daemon=True).start()

    def serve(self, conn, peer, ctx):
        peer_s = "%s:%d" % (peer[0], peer[1])
        try:
            conn.settimeout(10)
            if ctx is not None:
                try:
                    conn = ctx.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError) as e:
                    with self.lock:
                        self.stats["tls_handshake_failures"] += 1
                        self.save_stats()
                    self.log("TLS handshake with %s failed: %s" % (peer_s, e))
                    return
            with self.lock:
                self.stats["connections"] += 1
                if ctx is not None:
                    self.stats["tls_connections"] += 1
                self.save_stats()
            buf = b""
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    self.record(line.decode("utf-8", "replace").strip(), peer_s, ctx is not None, conn)
        except (OSError, ssl.SSLError):
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def record(self, line, peer, tls, conn):
        if not line.startswith("{"):
            return
        entry = '{"received_at":%s,"from":%s,"tls":%s,"request":%s}\n' % (
            repr(time.time()), jstr(peer), "true" if tls else "false", line)
        with self.lock:
            with open(os.path.join(STATE_DIR, "requests.jsonl"), "a") as f:
                f.write(entry)
            self.stats["records"] += 1
            if '"attack":"' in line:
                self.stats["attacks"] += 1
            self.save_stats()
        reply = "OK timeframe_size=%d export_drops_flag=%d export_delay=%d\n" % (
            self.timeframe_size, 1 if self.timeframe_size < 300 else 0, self.export_delay)
        conn.sendall(reply.encode())


# ---------------------------------------------------------------- filtering

ATTACKS = [
    ("ptrav", re.compile(r"(/etc/passwd|\.\./|%2e%2e%2f)", re.I)),
    ("xss", re.compile(r"(<script|%3cscript|javascript:)", re.I)),
    ("sqli", re.compile(r"(union(\s|%20|\+)+select|'\s*or\s*'?1'?\s*=\s*'?1|%27(%20|\+)or)", re.I)),
]
REQUEST_RE = re.compile(r'"([A-Z]+) (\S+)(?: (HTTP/[\d.]+))?" (\d{3})')


class Filtering:
    def __init__(self, generation, abnormal):
        self.generation = generation
        self.with_abnormal = abnormal
        env = read_env_list(os.path.join(ROOT, "env.list"))
        self.access_log = env.get("WALLARM_STANDIN_NGINX_ACCESS_LOG", "/var/log/nginx/access.log")
        self.error_log = env.get("WALLARM_STANDIN_NGINX_ERROR_LOG", "/var/log/nginx/error.log")
        self.log = Log(os.path.join(LOG_DIR, "wcli-out.log"))
        self.upstream_file = os.path.join(STATE_DIR, "nginx-upstream.conf")
        self.upstream_sig = None
        self.upstream = {"directive": "", "upstream": "", "servers": ["127.0.0.1:3313"], "ssl": "off"}
        self.master_pid = None
        self.rr = 0
        self.reset_counters()

    def reset_counters(self):
        self.c = {"requests": 0, "attacks": 0, "blocked": 0, "abnormal": 0, "tnt_errors": 0,
                  "api_errors": 0, "requests_lost": 0, "segfaults": 0, "memfaults": 0,
                  "softmemfaults": 0}
        self.pa = {"export_drops_flag": 0, "timeframe_size": 0, "export_delay": 0}

    # -- live NGINX upstream (written by the module on every real (re)load)
    def poll_upstream(self):
        try:
            st = os.stat(self.upstream_file)
        except FileNotFoundError:
            return
        sig = (st.st_ino, st.st_mtime_ns, st.st_size)
        if sig == self.upstream_sig:
            return
        self.upstream_sig = sig
        conf = {"servers": []}
        with open(self.upstream_file) as f:
            for line in f:
                if "=" not in line:
                    continue
                k, v = line.rstrip("\n").split("=", 1)
                if k == "server":
                    conf["servers"].append(v)
                else:
                    conf[k] = v
        if not conf.get("upstream"):
            conf["servers"] = ["127.0.0.1:3313"]  # no *_upstream directive: the built-in default
        if conf.get("master_pid") != self.master_pid:
            if self.master_pid is not None:
                self.log("nginx restarted (master %s): counters reset" % conf.get("master_pid"))
            self.master_pid = conf.get("master_pid")
            self.reset_counters()
        self.upstream = conf
        self.log("upstream %s (%s): %s ssl=%s" % (conf.get("upstream") or "<default>",
                 conf.get("directive") or "none", " ".join(conf["servers"]) or "-", conf.get("ssl", "off")))

    def tls_context(self):
        u = self.upstream
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        if u.get("insecure") == "on":
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
        else:
            if u.get("skip_host_check") == "on":
                ctx.check_hostname = False
            if u.get("ca"):
                ctx.load_verify_locations(cafile=u["ca"])
            else:
                ctx.load_default_certs()
        if u.get("cert"):
            ctx.load_cert_chain(u["cert"], u.get("key") or None)
        return ctx

    def nginx_error(self, addr, what, err):
        line = "%s [error] %d#%d: wallarm: %s %s failed (%s)\n" % (
            time.strftime("%Y/%m/%d %H:%M:%S"), os.getpid(), threading.get_ident() % 100000,
            addr, what, err)
        try:
            with open(self.error_log, "a") as f:
                f.write(line)
        except OSError as e:
            self.log("cannot write %s: %s" % (self.error_log, e))

    def send(self, record):
        servers = self.upstream.get("servers") or []
        if not servers:
            self.c["tnt_errors"] += 1
            return
        addr = servers[self.rr % len(servers)]
        self.rr += 1
        try:
            host, port = split_addr(addr, "127.0.0.1")
        except ValueError:
            self.c["tnt_errors"] += 1
            return
        stage = "connect()"
        sock = None
        try:
            sock = socket.create_connection((host, port), timeout=2)
            if self.upstream.get("ssl") == "on":
                stage = "SSL_do_handshake()"
                sock = self.tls_context().wrap_socket(sock, server_hostname=host)
            stage = "send()"
            sock.sendall((record + "\n").encode())
            stage = "recv()"
            # The reply only carries postanalytics metrics: a peer that takes the record and stays
            # silent (e.g. the lab's old wallarm-tarantool stand-in) still counts as delivered.
            # A reset or a TLS alert (mTLS refusal) is an error.
            sock.settimeout(0.5)
            reply = b""
            try:
                while not reply.endswith(b"\n"):
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    reply += chunk
            except socket.timeout:
                pass
            for kv in reply.decode("utf-8", "replace").split()[1:]:
                k, _, v = kv.partition("=")
                if k in self.pa and v.isdigit():
                    self.pa[k] = int(v)
        except (OSError, ssl.SSLError, socket.timeout) as e:
            self.c["tnt_errors"] += 1
            if isinstance(e, socket.timeout) or getattr(e, "errno", None) is None:
                err = "110: Connection timed out" if isinstance(e, socket.timeout) else str(e)
            else:
                err = "%d: %s" % (e.errno, os.strerror(e.errno))
            self.nginx_error(addr, stage, err)
        finally:
            if sock is not None:
                try:
                    sock.close()
                except OSError:
                    pass

    def handle(self, line):
        m = REQUEST_RE.search(line)
        if not m:
            return
        method, uri, proto, status = m.group(1), m.group(2), m.group(3) or "", m.group(4)
        attack = None
        for name, rx in ATTACKS:
            if rx.search(uri):
                attack = name
                break
        self.c["requests"] += 1
        if attack:
            self.c["attacks"] += 1
            if status == "403":
                self.c["blocked"] += 1
        record = jdump({"time": time.time(), "node": socket.gethostname(), "method": method,
                        "uri": uri, "protocol": proto, "status": int(status),
                        "remote_addr": line.split(" ", 1)[0], "attack": attack})
        self.send(record)

    def status(self):
        workers = 0
        for pid in os.listdir("/proc"):
            if pid.isdigit():
                try:
                    with open("/proc/%s/cmdline" % pid, "rb") as f:
                        if f.read().startswith(b"nginx: worker process"):
                            workers += 1
                except OSError:
                    pass
        d = {"requests": self.c["requests"], "attacks": self.c["attacks"],
             "blocked": self.c["blocked"], "blocked_by_acl": 0, "acl_allow_list": 0}
        if self.with_abnormal:
            d["abnormal"] = self.c["abnormal"]
        d.update({"tnt_errors": self.c["tnt_errors"], "api_errors": self.c["api_errors"],
                  "requests_lost": self.c["requests_lost"], "overlimits_time": 0,
                  "segfaults": 0, "memfaults": 0, "softmemfaults": 0, "proton_errors": 0,
                  "time_detect": 0, "db_id": 1, "lom_id": 1, "custom_ruleset_id": 1,
                  "proton_instances": {"total": workers, "success": workers, "fallback": 0,
                                       "failed": 0},
                  "stalled_workers_count": 0, "stalled_workers": [],
                  "export_drops_flag": self.pa["export_drops_flag"],
                  "timeframe_size": self.pa["timeframe_size"],
                  "export_delay": self.pa["export_delay"],
                  "startid": int(self.master_pid or 0), "timestamp": round(time.time(), 3)})
        return d

    def write_status(self):
        d = self.status()
        write_atomic(os.path.join(STATE_DIR, "status.json"), jdump(d) + "\n")
        prom = []
        for k, v in d.items():
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                prom.append("wallarm_%s %s" % (k, v))
        for k, v in d["proton_instances"].items():
            prom.append('wallarm_proton_instances{status="%s"} %d' % (k, v))
        write_atomic(os.path.join(STATE_DIR, "status.prom"), "\n".join(prom) + "\n")

    def run(self):
        self.poll_upstream()
        self.log("filtering agent: tailing %s" % self.access_log)
        f, ino, pos = None, None, 0
        last_status = 0
        while True:
            self.poll_upstream()
            try:
                st = os.stat(self.access_log)
                if f is None or st.st_ino != ino or st.st_size < pos:
                    if f:
                        f.close()
                    first = f is None and ino is None
                    f = open(self.access_log, "rb")
                    ino = st.st_ino
                    pos = st.st_size if first else 0
                    f.seek(pos)
                chunk = f.read()
                if chunk:
                    lines = chunk.split(b"\n")
                    rest = lines.pop()
                    pos = f.tell() - len(rest)
                    f.seek(pos)
                    for line in lines:
                        self.handle(line.decode("utf-8", "replace"))
                    self.write_status()
                    last_status = time.time()
            except FileNotFoundError:
                pass
            if time.time() - last_status >= 1:
                self.write_status()
                last_status = time.time()
            time.sleep(0.1)


def main(argv):
    generation, abnormal, parts = "wstore", False, []
    it = iter(argv)
    for a in it:
        if a == "--generation":
            generation = next(it, "wstore")
        elif a == "--abnormal":
            abnormal = True
        elif a in ("postanalytics", "filtering"):
            parts.append(a)
        else:
            sys.stderr.write("usage: wallarm_standin.py --generation wstore|tarantool "
                             "[--abnormal] [postanalytics] [filtering]\n")
            return 2
    if generation not in ("wstore", "tarantool"):
        sys.stderr.write("unknown generation %r\n" % generation)
        return 2
    os.makedirs(STATE_DIR, exist_ok=True)
    os.makedirs(LOG_DIR, exist_ok=True)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if "postanalytics" in parts:
        Postanalytics(generation).start()
    if "filtering" in parts:
        Filtering(generation, abnormal).run()
    else:
        while True:
            time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
