"""A fault-injecting HTTP proxy between the daemon and the portal, for the fault tests.

Each request meets one fate, drawn from a seeded generator: passed through, or one of
the faults a counter's network and its middleboxes produce. Some faults happen after
the portal committed the batch (its reply is then lost), which is what idempotency
must survive.
"""

from __future__ import annotations

import http.client
import http.server
import random
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

FAULTS = (
    "reset_before",  # the connection dies before the portal sees anything
    "error_500_after_commit",  # the portal stored the batch; the reply becomes a 500
    "drop_after_commit",  # the portal stored the batch; the connection is closed
    "truncated_after_commit",  # the reply is cut in half
    "stall_then_pass",  # a long stall, then the request goes through
    "too_many_429",  # Retry-After: 1
    "unavailable_503",  # Retry-After: 1
    "login_page_200",  # a Wi-Fi login page
)

# What a counter's network says when something between the tablet and the portal answers
# instead of it: (status, Content-Type, body). None of these is the portal's own word.
MIDDLEBOX_FACES = {
    "captive_403_html": (403, "text/html", b"<html><body>Sign in to the Wi-Fi</body></html>"),
    "proxy_404_html": (404, "text/html", b"<html><body><h1>404 Not Found</h1>squid</body></html>"),
    "login_200_html": (200, "text/html", b"<html><body>Wi-Fi login</body></html>"),
    "gateway_403_json": (403, "application/json", b'{"message":"Forbidden"}'),
    "lookalike_400_json": (400, "application/json", b'{"error":{"code":"blocked"}}'),
    "balancer_502_html": (502, "text/html", b"<html><body>502 Bad Gateway</body></html>"),
}


class FaultProxy:
    def __init__(self, target: str, fault_rate: float, seed: int = 1, stall_s: float = 2.0):
        self.target = urlsplit(target)
        self.fault_rate = fault_rate
        self.rng = random.Random(seed)
        self.stall_s = stall_s
        self.fates: Counter[str] = Counter()
        self._lock = threading.Lock()
        self._faces: list[str] = []
        self._posing = (0.0, 0.0)  # (from, until), monotonic
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                proxy.handle(self)

            do_GET = do_POST

            def log_message(self, *_args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def pose_as(self, faces: list[str], seconds: float) -> None:
        """For `seconds` from now, answer every request as a captive portal, a proxy or a
        load balancer would, never reaching the portal: each of `faces` for an equal
        share of the time, in turn."""
        with self._lock:
            self._faces = list(faces)
            self._posing = (time.monotonic(), time.monotonic() + seconds)

    def _draw(self) -> str:
        with self._lock:
            start, until = self._posing
            if time.monotonic() < until:
                share = (until - start) / len(self._faces)
                fate = self._faces[
                    min(int((time.monotonic() - start) / share), len(self._faces) - 1)
                ]
                self.fates[fate] += 1
                return fate
            fate = self.rng.choice(FAULTS) if self.rng.random() < self.fault_rate else "pass"
            self.fates[fate] += 1
            return fate

    def _forward(self, handler) -> tuple[int, list[tuple[str, str]], bytes]:
        length = int(handler.headers.get("Content-Length", 0))
        body = handler.rfile.read(length)
        connection = http.client.HTTPConnection(self.target.hostname, self.target.port, timeout=120)
        headers = {k: v for k, v in handler.headers.items() if k.lower() != "host"}
        connection.request(handler.command, handler.path, body=body, headers=headers)
        reply = connection.getresponse()
        data = reply.read()
        connection.close()
        return reply.status, reply.getheaders(), data

    def handle(self, handler) -> None:
        fate = self._draw() if handler.command == "POST" else "pass"
        if fate in MIDDLEBOX_FACES:
            handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
            status, kind, body = MIDDLEBOX_FACES[fate]
            self._reply(handler, status, [("Content-Type", kind)], body)
            return
        if fate == "reset_before":
            handler.close_connection = True
            handler.connection.close()
            return
        if fate in ("too_many_429", "unavailable_503", "login_page_200"):
            handler.rfile.read(int(handler.headers.get("Content-Length", 0)))
            status, body, kind = {
                "too_many_429": (429, b'{"error":{"code":"slow_down"}}', "application/json"),
                "unavailable_503": (503, b"<html>maintenance</html>", "text/html"),
                "login_page_200": (200, b"<html>Wi-Fi login</html>", "text/html"),
            }[fate]
            self._reply(handler, status, [("Content-Type", kind), ("Retry-After", "1")], body)
            return
        if fate == "stall_then_pass":
            time.sleep(self.stall_s)
        status, headers, body = self._forward(handler)
        if fate == "error_500_after_commit":
            self._reply(handler, 500, [("Content-Type", "text/plain")], b"proxy error")
        elif fate == "drop_after_commit":
            handler.close_connection = True
            handler.connection.close()
        elif fate == "truncated_after_commit":
            handler.send_response(status)
            for key, value in headers:
                if key.lower() not in ("transfer-encoding", "connection"):
                    handler.send_header(key, value)
            handler.end_headers()
            handler.wfile.write(body[: len(body) // 2])
            handler.close_connection = True
            handler.connection.close()
        else:
            kept = [
                (k, v)
                for k, v in headers
                if k.lower() not in ("content-length", "transfer-encoding", "connection")
            ]
            self._reply(handler, status, kept, body)

    @staticmethod
    def _reply(handler, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        handler.send_response(status)
        for key, value in headers:
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
