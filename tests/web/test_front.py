"""The public port's HTTP/1.1 protocol (web.front): web requests served by it, the rest handed to uvicorn.

A real uvicorn server runs FrontProtocol on a free port in a thread, in front of a small ASGI app
that tells its paths apart as config.asgi does (`/web/...` is the gateway's); clients are raw
sockets, so what goes over the wire (framing, keep-alive, one write or two) is what is asserted.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator
from contextlib import closing

import pytest
import uvicorn

from .front_server import front_server

seen: list[dict] = []


async def app(scope, receive, send) -> None:
    # uvicorn hands a body over in the pieces it arrived in: read them all
    body, more = b"", True
    while more:
        message = await receive()
        body += message.get("body", b"")
        more = message.get("more_body", False)
    seen.append({"path": scope["path"], "body": body, "query": scope["query_string"]})
    path = scope["path"]
    if path.endswith("/raise"):
        raise RuntimeError("the app failed on purpose")
    if path.endswith("/stream"):
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]}
        )
        for i in range(3):
            await send({"type": "http.response.body", "body": f"part {i}\n".encode(), "more_body": True})
            await asyncio.sleep(0.05)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    if path.endswith("/forever"):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        try:
            while True:
                await send({"type": "http.response.body", "body": b"x" * 65536, "more_body": True})
                await asyncio.sleep(0)
        except OSError:
            seen.append({"path": path, "gone": True})
            raise
    served_by = "web" if path.startswith("/web/") else "api"
    answer = f"{served_by} {scope['method']} {path} {len(body)}".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(answer)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": answer})


@pytest.fixture(scope="module")
def server() -> Iterator[uvicorn.Server]:
    with front_server(app, timeout_keep_alive=1) as server:
        yield server


def _connect(server: uvicorn.Server) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.config.port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def _read_response(sock: socket.socket, buffered: bytearray) -> tuple[bytes, dict[bytes, bytes], bytes]:
    """One response (Content-Length or chunked framing) from the socket; the rest stays in `buffered`."""
    while b"\r\n\r\n" not in buffered:
        data = sock.recv(65536)
        assert data, "the server closed the connection"
        buffered += data
    head, _, rest = bytes(buffered).partition(b"\r\n\r\n")
    status, *lines = head.split(b"\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(b":")
        headers[name.strip().lower()] = value.strip()
    buffered[:] = rest
    if b"content-length" in headers:
        length = int(headers[b"content-length"])
        while len(buffered) < length:
            buffered += sock.recv(65536)
        body = bytes(buffered[:length])
        del buffered[:length]
        return status, headers, body
    assert headers.get(b"transfer-encoding") == b"chunked"
    body = b""
    while True:
        while b"\r\n" not in buffered:
            buffered += sock.recv(65536)
        size_line, _, _ = bytes(buffered).partition(b"\r\n")
        size = int(size_line, 16)
        while len(buffered) < len(size_line) + 2 + size + 2:
            buffered += sock.recv(65536)
        start = len(size_line) + 2
        body += bytes(buffered[start : start + size])
        del buffered[: start + size + 2]
        if size == 0:
            return status, headers, body


def _kind(server: uvicorn.Server, sock: socket.socket) -> str:
    """The name of the protocol that has this client's connection now."""
    port = sock.getsockname()[1]
    return next(
        type(c).__name__
        for c in server.server_state.connections
        if (getattr(c, "client", None) or ("", 0))[1] == port
    )


def test_it_serves_web_requests_itself_with_keep_alive(server):
    # given
    sock, buffered = _connect(server), bytearray()
    with closing(sock):
        # when
        for i in range(3):
            sock.sendall(f"GET /web/alpha/app/fn/{i}?q=1 HTTP/1.1\r\nhost: x\r\n\r\n".encode())
            status, headers, body = _read_response(sock, buffered)
            # then
            assert status == b"HTTP/1.1 200 OK"
            assert body == f"web GET /web/alpha/app/fn/{i} 0".encode()
            assert b"date" in headers
        assert _kind(server, sock) == "FrontProtocol"


def test_it_writes_a_small_responses_head_and_body_together(server):
    sock = _connect(server)
    with closing(sock):
        sock.sendall(b"GET /web/alpha/app/fn/ HTTP/1.1\r\nhost: x\r\n\r\n")
        time.sleep(0.2)  # let the whole response arrive: it came in one write, so one read takes it
        data = sock.recv(65536)
    assert data.startswith(b"HTTP/1.1 200 OK\r\n") and data.endswith(b"web GET /web/alpha/app/fn/ 0")


def test_it_passes_a_small_body_and_answers_pipelined_requests_in_order(server):
    sock, buffered = _connect(server), bytearray()
    with closing(sock):
        sock.sendall(
            b"POST /web/alpha/app/fn/a HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello"
            b"GET /web/alpha/app/fn/b HTTP/1.1\r\nhost: x\r\n\r\n"
        )
        first = _read_response(sock, buffered)
        second = _read_response(sock, buffered)
    assert first[2] == b"web POST /web/alpha/app/fn/a 5"
    assert second[2] == b"web GET /web/alpha/app/fn/b 0"
    assert {"path": "/web/alpha/app/fn/a", "body": b"hello", "query": b""} in seen


def test_it_hands_other_requests_and_the_rest_of_their_connection_to_uvicorn(server):
    sock, buffered = _connect(server), bytearray()
    with closing(sock):
        sock.sendall(b"GET /web/alpha/app/fn/ HTTP/1.1\r\nhost: x\r\n\r\n")
        assert _read_response(sock, buffered)[2] == b"web GET /web/alpha/app/fn/ 0"
        # when: an API request on the same connection
        sock.sendall(b"GET /api/v1/apps/ HTTP/1.1\r\nhost: x\r\n\r\n")
        assert _read_response(sock, buffered)[2] == b"api GET /api/v1/apps/ 0"
        # then: uvicorn's protocol has the connection, and still serves web requests (through ASGI)
        assert _kind(server, sock) == "HttpToolsProtocol"
        sock.sendall(b"GET /web/alpha/app/fn/again HTTP/1.1\r\nhost: x\r\n\r\n")
        assert _read_response(sock, buffered)[2] == b"web GET /web/alpha/app/fn/again 0"


@pytest.mark.parametrize(
    "request_bytes",
    [
        # a body in chunks, an interim answer asked for, HTTP/1.0, a body past the front's size
        b"POST /web/a/b/c/ HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        b"POST /web/a/b/c/ HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\ncontent-length: 5\r\n\r\nhello",
        b"GET /web/a/b/c/ HTTP/1.0\r\nhost: x\r\n\r\n",
        b"POST /web/a/b/c/ HTTP/1.1\r\nhost: x\r\ncontent-length: 70000\r\n\r\n" + b"y" * 70000,
    ],
    ids=["chunked", "expect", "http10", "large"],
)
def test_it_leaves_what_it_does_not_serve_to_uvicorn_which_answers_it(server, request_bytes):
    sock, buffered = _connect(server), bytearray()
    with closing(sock):
        sock.sendall(request_bytes)
        if b"expect" in request_bytes:
            while b"\r\n\r\n" not in buffered:
                buffered += sock.recv(65536)
            assert buffered.startswith(b"HTTP/1.1 100 Continue\r\n\r\n")
            del buffered[: len(b"HTTP/1.1 100 Continue\r\n\r\n")]
        if b"HTTP/1.0" in request_bytes:
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
            assert data.startswith(b"HTTP/1.1 200 OK") and data.endswith(b"web GET /web/a/b/c/ 0")
            return
        status, _, body = _read_response(sock, buffered)
    length = len(request_bytes.partition(b"\r\n\r\n")[2]) if b"chunked" not in request_bytes else 5
    assert status == b"HTTP/1.1 200 OK" and body == f"web POST /web/a/b/c/ {length}".encode()


def test_a_malformed_request_gets_uvicorns_400(server):
    sock = _connect(server)
    with closing(sock):
        sock.sendall(b"GET /web/a/b/c/ HTTP/1.1\r\nhost x\r\n\r\n")
        assert sock.recv(65536).startswith(b"HTTP/1.1 400 Bad Request")


def test_a_stream_arrives_chunked_as_it_is_produced(server):
    sock, buffered = _connect(server), bytearray()
    with closing(sock):
        sock.sendall(b"GET /web/alpha/app/fn/stream HTTP/1.1\r\nhost: x\r\n\r\n")
        status, headers, body = _read_response(sock, buffered)
        assert headers[b"transfer-encoding"] == b"chunked"
        assert body == b"part 0\npart 1\npart 2\n"
        # the connection is kept for the next request
        sock.sendall(b"HEAD /web/alpha/app/fn/x HTTP/1.1\r\nhost: x\r\n\r\n")
        time.sleep(0.2)
        head = sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 200 OK") and head.endswith(b"\r\n\r\n")
    assert b"content-length: 30" in head  # the GET's length, with no body


def test_an_app_that_fails_gets_a_500_and_the_connection_closed(server):
    sock = _connect(server)
    with closing(sock):
        sock.sendall(b"GET /web/alpha/app/fn/raise HTTP/1.1\r\nhost: x\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert data.startswith(b"HTTP/1.1 500 Internal Server Error") and data.endswith(b"Internal Server Error")


def test_a_client_that_goes_away_stops_the_response(server):
    sock = _connect(server)
    sock.sendall(b"GET /web/alpha/app/fn/forever HTTP/1.1\r\nhost: x\r\n\r\n")
    assert sock.recv(65536).startswith(b"HTTP/1.1 200 OK")
    sock.close()
    deadline = time.monotonic() + 5
    while {"path": "/web/alpha/app/fn/forever", "gone": True} not in seen:
        assert time.monotonic() < deadline, "the app kept sending to a client that left"
        time.sleep(0.05)


def test_connection_close_is_honoured(server):
    sock = _connect(server)
    with closing(sock):
        sock.sendall(b"GET /web/alpha/app/fn/ HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    assert b"connection: close" in data and data.endswith(b"web GET /web/alpha/app/fn/ 0")


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(server):
    sock, buffered = _connect(server), bytearray()
    with closing(sock):
        for _ in range(2):  # the second request within the timeout: the connection is still there
            sock.sendall(b"GET /web/alpha/app/fn/ HTTP/1.1\r\nhost: x\r\n\r\n")
            assert _read_response(sock, buffered)[2] == b"web GET /web/alpha/app/fn/ 0"
            time.sleep(0.6)
        began = time.monotonic()
        assert sock.recv(65536) == b""  # closed by the server (timeout_keep_alive=1)
    assert time.monotonic() - began < 3
