#!/usr/bin/python3
# tsplay lab stand-in for the old Wallarm postanalytics daemon (package wallarm-node-tarantool).
# Test fixture only: listens on HOST:PORT from /etc/default|sysconfig/wallarm-tarantool so that
# removal and firewall tests see a real listener. Uses only modules in python3-minimal.
import os
import selectors
import socket
import sys

host = os.environ.get("HOST", "0.0.0.0") or "0.0.0.0"
port = int(os.environ.get("PORT", "3313") or "3313")
arena = os.environ.get("SLAB_ALLOC_ARENA", "1")

try:
    srv = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((host, port))
    srv.listen(64)
except OSError as e:
    print("SystemError binary: failed to bind: %s" % e.strerror, file=sys.stderr, flush=True)
    sys.exit(1)

print("wallarm-tarantool stand-in listening on %s:%d (SLAB_ALLOC_ARENA=%s)" % (host, port, arena), flush=True)
sel = selectors.DefaultSelector()
srv.setblocking(False)
sel.register(srv, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        if key.fileobj is srv:
            try:
                conn, _addr = srv.accept()
            except OSError:
                continue
            conn.setblocking(False)
            sel.register(conn, selectors.EVENT_READ)
        else:
            conn = key.fileobj
            try:
                data = conn.recv(65536)
            except OSError:
                data = b""
            if not data:
                sel.unregister(conn)
                conn.close()
