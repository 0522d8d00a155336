#!/usr/bin/env python3
"""fault_proxy.py LISTEN_PORT_FILE UPSTREAM_PORT: a TCP proxy on 127.0.0.1
between kiosk-sync and the collector that misbehaves on purpose, one
connection at a time in a fixed rotation:

  pass     relays the request and the answer
  drop     closes the connection at once
  reset    reads part of the request, then resets the connection
  stall    reads the request and never answers
  500      relays the request (the collector commits), answers 500 instead
  429      answers 429 with Retry-After: 1 without asking the collector

fault_proxy.py LISTEN_PORT_FILE UPSTREAM_PORT MODE,MODE,...: the given
modes once each, in order, the last one for every connection after; more
modes for what a cafe's network does (a captive portal, a proxy):

  302      a redirect to a portal's login page
  401      a proxy's "log in" page (HTML)
  403      a proxy's "forbidden" page (HTML)
  404      a proxy's "not found" page (HTML)
  407      "proxy authentication required"
  200html  a portal's page with status 200, where the collector's JSON
           should be

Writes the port it listens on to LISTEN_PORT_FILE and a count of each
fault to stdout at exit (SIGTERM). Loopback only; every wait is bounded.
"""
import signal
import socket
import struct
import sys
import threading

ROTATION = ["pass", "drop", "pass", "reset", "pass", "500", "pass", "429",
            "pass", "stall"]
SEQUENCE = None     # the modes given on the command line, if any
PAGES = {
    "302": (b"302 Found", b"Location: http://portal.cafe.example/login\r\n",
            b"<html><body>Redirecting to the Wi-Fi login</body></html>"),
    "401": (b"401 Unauthorized", b"WWW-Authenticate: Basic realm=\"wifi\"\r\n",
            b"<html><body>Please log in to the cafe Wi-Fi</body></html>"),
    "403": (b"403 Forbidden", b"",
            b"<html><body>Access to this site is blocked</body></html>"),
    "404": (b"404 Not Found", b"", b"<html><body>Not found</body></html>"),
    "407": (b"407 Proxy Authentication Required",
            b"Proxy-Authenticate: Basic realm=\"proxy\"\r\n",
            b"<html><body>Proxy login</body></html>"),
    "200html": (b"200 OK", b"",
                b"<html><body>Welcome! Accept the terms to browse</body></html>"),
}
counts = {m: 0 for m in ROTATION + list(PAGES)}
lock = threading.Lock()
seq = [0]


def read_request(sock):
    """Read one HTTP request (headers + Content-Length body)."""
    sock.settimeout(10)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def read_response(sock):
    return read_request(sock)   # same framing: headers + Content-Length


def handle(client, upstream_port):
    with lock:
        if SEQUENCE:
            mode = SEQUENCE[min(seq[0], len(SEQUENCE) - 1)]
        else:
            mode = ROTATION[seq[0] % len(ROTATION)]
        seq[0] += 1
        counts[mode] = counts.get(mode, 0) + 1
    try:
        if mode == "drop":
            client.close()
            return
        if mode == "reset":
            client.settimeout(10)
            client.recv(100)
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                              struct.pack("ii", 1, 0))
            client.close()
            return
        req = read_request(client)
        if mode in PAGES:
            status, extra, body = PAGES[mode]
            client.sendall(b"HTTP/1.1 " + status + b"\r\n" + extra +
                           b"Content-Type: text/html\r\nContent-Length: " +
                           str(len(body)).encode() +
                           b"\r\nConnection: close\r\n\r\n" + body)
            client.close()
            return
        if mode == "stall":
            threading.Event().wait(8)
            client.close()
            return
        if mode == "429":
            client.sendall(b"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\n"
                           b"Content-Length: 0\r\nConnection: close\r\n\r\n")
            client.close()
            return
        up = socket.create_connection(("127.0.0.1", upstream_port), timeout=10)
        up.sendall(req)
        resp = read_response(up)
        up.close()
        if mode == "500":
            body = b'{"error":"proxy says 500 after the commit"}'
            client.sendall(b"HTTP/1.1 500 Internal Server Error\r\n"
                           b"Content-Type: application/json\r\nContent-Length: "
                           + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
        else:
            client.sendall(resp)
        client.close()
    except OSError:
        try:
            client.close()
        except OSError:
            pass


def main():
    global SEQUENCE
    port_file, upstream = sys.argv[1], int(sys.argv[2])
    if len(sys.argv) > 3:
        SEQUENCE = sys.argv[3].split(",")
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    with open(port_file, "w") as f:
        f.write(str(srv.getsockname()[1]))

    def stop(*_):
        print(" ".join(f"{k}={v}" for k, v in counts.items()), flush=True)
        sys.exit(0)
    signal.signal(signal.SIGTERM, stop)
    while True:
        c, _ = srv.accept()
        threading.Thread(target=handle, args=(c, upstream), daemon=True).start()


if __name__ == "__main__":
    main()
