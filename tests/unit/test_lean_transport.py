"""The SDK's lean transport keeps connections alive and replaces one the server closed."""

from __future__ import annotations

import json
import socket
import threading

import pytest

from skylift._transport import LeanTransport


class _Server:
    """A real HTTP/1.1 server on loopback that closes each connection after `per_connection` answers."""

    def __init__(self, per_connection: int):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.per_connection = per_connection
        self.connections = 0
        self.requests: list[dict] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            conn, _ = self.sock.accept()
            self.connections += 1
            with conn, conn.makefile("rb") as stream:
                for _ in range(self.per_connection):
                    head = b""
                    while not head.endswith(b"\r\n\r\n"):
                        line = stream.readline()
                        if not line:
                            break
                        head += line
                    if not head:
                        break
                    length = int(
                        next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length")).split(
                            b":"
                        )[1]
                    )
                    self.requests.append(json.loads(stream.read(length)))
                    body = json.dumps({"n": len(self.requests)}).encode()
                    conn.sendall(
                        b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                        + f"Content-Length: {len(body)}\r\n\r\n".encode()
                        + body
                    )


def test_it_reuses_one_connection_for_consecutive_requests():
    server = _Server(per_connection=100)
    transport = LeanTransport(f"http://127.0.0.1:{server.port}", "Bearer a:b", timeout=5)
    answers = [transport.post_json("/api/v1/calls/", {"i": i}).parsed["n"] for i in range(5)]
    assert answers == [1, 2, 3, 4, 5]
    assert server.connections == 1
    assert [r["i"] for r in server.requests] == [0, 1, 2, 3, 4]


def test_it_sends_again_on_a_fresh_connection_when_the_server_closed_the_kept_one():
    server = _Server(per_connection=1)
    transport = LeanTransport(f"http://127.0.0.1:{server.port}", "Bearer a:b", timeout=5)
    first = transport.post_json("/api/v1/calls/", {"i": 0})
    second = transport.post_json("/api/v1/calls/", {"i": 1})
    assert (first.status_code, second.status_code) == (201, 201)
    assert [r["i"] for r in server.requests] == [0, 1]  # each sent once, the second on a new connection
    assert server.connections == 2


def test_a_server_that_is_not_there_is_a_connection_error_for_the_retry_loop():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    transport = LeanTransport(f"http://127.0.0.1:{port}", "Bearer a:b", timeout=5)
    with pytest.raises(ConnectionRefusedError):
        transport.post_json("/api/v1/calls/", {})
