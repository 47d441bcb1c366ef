"""Registries for RELIABILITY B12, on loopback: ones that send a pull elsewhere, one that wants a
Bearer token before it passes requests on to a real registry, and a canary that counts every
connection made to it."""

from __future__ import annotations

import base64
import http.client
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "skylift-test-token"


class Canary:
    """A TCP listener on 127.0.0.1 that counts connections (and answers none of them)."""

    def __init__(self) -> None:
        self.hits = 0
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self._sock.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.requests: list[tuple[str, str | None]] = []  # (path, Authorization)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def close(self) -> None:
        self.shutdown()
        self.server_close()


def sending_elsewhere(how: str, target: str) -> _Server:
    """A registry that answers every request with a Bearer challenge whose realm is `target`
    (how="realm") or with a redirect to it (how="redirect")."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.server.requests.append((self.path, self.headers.get("Authorization")))
            if how == "realm":
                self.send_response(401)
                self.send_header("WWW-Authenticate", f'Bearer realm="{target}",service="evil"')
            else:
                self.send_response(307)
                self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    return _Server(Handler)


def token_protected(upstream_port: int, username: str, password: str) -> _Server:
    """A registry on `localhost` that wants a Bearer token from its own realm (which wants the
    username and password), then passes requests on to the registry on `upstream_port`."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            auth = self.headers.get("Authorization")
            self.server.requests.append((self.path, auth))
            if self.path.startswith("/token"):
                expected = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
                if auth != expected:
                    self._answer(401, b'{"errors": [{"code": "UNAUTHORIZED"}]}')
                else:
                    self._answer(200, f'{{"token": "{TOKEN}"}}'.encode())
                return
            if auth != f"Bearer {TOKEN}":
                self.send_response(401)
                realm = f"http://localhost:{self.server.port}/token"
                self.send_header(
                    "WWW-Authenticate", f'Bearer realm="{realm}",service="skylift-test",scope="pull"'
                )
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=30)
            upstream.request("GET", self.path, headers={"Accept": self.headers.get("Accept", "*/*")})
            response = upstream.getresponse()
            body = response.read()
            self.send_response(response.status)
            for name in ("Content-Type", "Docker-Content-Digest", "Location"):
                if response.getheader(name):
                    self.send_header(name, response.getheader(name))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            upstream.close()

        def _answer(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    return _Server(Handler)
