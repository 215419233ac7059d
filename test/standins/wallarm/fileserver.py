#!/usr/bin/python3
"""Static HTTP/1.0 file server for the stand-in installers (python3-minimal has no http.server).

    fileserver.py ROOT [PORT]      GET/HEAD only; one line per request on stdout.
"""
import os
import socket
import sys
import threading
import time
import urllib.parse

ROOT = os.path.realpath(sys.argv[1] if len(sys.argv) > 1 else ".")
PORT = int(sys.argv[2]) if len(sys.argv) > 2 else 8080


def reply(conn, code, reason, body=b"", headers=(), head=False):
    lines = ["HTTP/1.0 %d %s" % (code, reason), "Content-Length: %d" % len(body),
             "Connection: close", "Server: tsplay-wallarm-standin"]
    lines.extend(headers)
    conn.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + (b"" if head else body))


def serve(conn, peer):
    try:
        conn.settimeout(30)
        data = b""
        while b"\r\n\r\n" not in data and b"\n\n" not in data and len(data) < 65536:
            chunk = conn.recv(4096)
            if not chunk:
                return
            data += chunk
        parts = data.split(b"\n", 1)[0].decode("latin-1").strip().split()
        if len(parts) < 2:
            reply(conn, 400, "Bad Request")
            return
        method, target = parts[0], parts[1]
        code = 200
        if method not in ("GET", "HEAD"):
            reply(conn, 405, "Method Not Allowed", b"method not allowed\n")
            code = 405
        else:
            path = urllib.parse.unquote(urllib.parse.urlsplit(target).path)
            full = os.path.realpath(os.path.join(ROOT, path.lstrip("/")))
            if (full != ROOT and not full.startswith(ROOT + os.sep)) or not os.path.isfile(full):
                reply(conn, 404, "Not Found", b"not found\n", head=method == "HEAD")
                code = 404
            else:
                with open(full, "rb") as f:
                    body = f.read()
                reply(conn, 200, "OK", body, ["Content-Type: application/octet-stream"],
                      head=method == "HEAD")
        sys.stdout.write("%s %s %s %s %d\n" % (time.strftime("%Y-%m-%dT%H:%M:%S"), peer[0],
                                               method, target, code))
        sys.stdout.flush()
    except OSError:
        pass
    finally:
        conn.close()


def main():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", PORT))
    s.listen(64)
    sys.stdout.write("serving %s on :%d\n" % (ROOT, PORT))
    sys.stdout.flush()
    while True:
        conn, peer = s.accept()
        threading.Thread(target=serve, args=(conn, peer), daemon=True).start()


if __name__ == "__main__":
    main()
