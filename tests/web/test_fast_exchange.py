"""The gateway's fast path (WebGateway.try_fast, web.http11.FastExchange): a web request served in
callbacks when its route, its rate token, its pool and an idle tunnel are all ready, with the same
answers as the ASGI path in every case the exchange can end.

Real sockets end to end: uvicorn runs web.front's protocol on a free port (as the control plane
does); the gateway is the process's own (web.gateway.gateway), its caches set as a served request leaves them (a route,
tokens taken ahead, a pool whose containers were just read) and its tunnels are real connections
to a small HTTP/1.1 server standing in for a container's web server, scripted by path. Requests the
gateway is not ready for go to the ASGI app given to uvicorn, which answers `asgi ...`: so each
answer says which way it went. To compare the two ways on one request, `_the_asgi_way` sends it
when the gateway has no rate token taken ahead (so the fast path leaves it), with a header that
has this app pass it to the gateway's ASGI way.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import uvicorn
from django.test import override_settings

from functions.web_endpoints import Route
from web.gateway import gateway as web_gateway
from web.pool import FunctionPool, Tunnel, _Container

from .front_server import front_server

KEY = "alpha/fast/fn"
FUNCTION = "fu-fast"
TASK = "ta-fast"


async def asgi_app(scope, receive, send) -> None:
    if (b"x-test-via", b"gateway") in scope["headers"]:  # the gateway's ASGI way, for comparison
        await web_gateway(scope, receive, send)
        return
    while (await receive()).get("more_body"):
        pass
    answer = f"asgi {scope['method']} {scope['path']}".encode()
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"%d" % len(answer))]}
    )
    await send({"type": "http.response.body", "body": answer})


class Container:
    """An HTTP/1.1 server in threads, answering by path; it records what it was sent and did."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        # A stand-in for the host agent's TCP tunnel listener: a request line, {"ok": true}, then
        # the connection carries HTTP to the container (new tunnels are opened through it).
        self.agent = socket.create_server(("127.0.0.1", 0))
        self.agent_port = self.agent.getsockname()[1]
        self.requests: list[tuple[int, bytes]] = []  # (connection number, request head)
        self.events: list[tuple[str, float]] = []
        self.closed: list[int] = []
        self.count = 0
        self.dropped = False
        threading.Thread(target=self._accept, args=(self.listener, False), daemon=True).start()
        threading.Thread(target=self._accept, args=(self.agent, True), daemon=True).start()

    def _accept(self, listener: socket.socket, tunnelled: bool) -> None:
        while True:
            conn, _ = listener.accept()
            self.count += 1
            if tunnelled:
                line = b""
                while not line.endswith(b"\n"):
                    line += conn.recv(1)
                conn.sendall(b'{"ok": true}\n')
            threading.Thread(target=self._serve, args=(conn, self.count), daemon=True).start()

    def _serve(self, conn: socket.socket, number: int) -> None:
        buffered = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buffered:
                    data = conn.recv(65536)
                    if not data:
                        self.closed.append(number)
                        return
                    buffered += data
                head, _, buffered = buffered.partition(b"\r\n\r\n")
                self.requests.append((number, head))
                path = head.split(b" ")[1].decode().partition("?")[0]
                try:
                    answered = self._answer(conn, path)
                except OSError:  # the gateway closed the tunnel while the answer was on its way
                    answered = False
                if not answered:
                    self.closed.append(number)
                    return

    def _answer(self, conn: socket.socket, path: str) -> bool:
        if path == "/ok":
            body = b"container ok"
            conn.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\ncontent-length: %d\r\n\r\n%s"
                % (len(body), body)
            )
        elif path == "/interim-apart":  # the 1xx, the real head and its body each on their own
            conn.sendall(b"HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n")
            time.sleep(0.05)
            conn.sendall(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
            time.sleep(0.05)
            conn.sendall(b"5\r\nhello\r\n0\r\n\r\n")
        elif path == "/interim":
            conn.sendall(b"HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n")
            time.sleep(0.05)
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nfinal")
        elif path == "/stream":
            conn.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
            )
            for i in range(3):
                self.events.append((f"sent {i}", time.time()))
                part = b"data: %d\n\n" % i
                conn.sendall(b"%x\r\n%s\r\n" % (len(part), part))
                time.sleep(0.3)
            conn.sendall(b"0\r\n\r\n")
        elif path.startswith("/big/"):  # /big/<KiB>
            size = int(path.split("/")[2]) * 1024
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % size)
            block = bytes(range(256)) * 4
            for _ in range(size // len(block)):
                conn.sendall(block)
            self.events.append((path, time.time()))
        elif path == "/drop-once":
            if not self.dropped:  # read the request, then close without a byte (once)
                self.dropped = True
                return False
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nagain")
        elif path == "/partial-head":
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-le")
            return False
        elif path == "/close-delimited":  # no framing: the body ends with the connection
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nhello, ")
            time.sleep(0.05)
            conn.sendall(b"until the close")
            return False
        elif path == "/cut":
            conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\n0123456789")
            return False
        elif path == "/garbage":
            conn.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        elif path == "/hang":
            while conn.recv(65536):
                pass
            return False
        return True


@pytest.fixture(scope="module")
def container() -> Container:
    return Container()


@pytest.fixture(scope="module")
def front() -> Iterator[uvicorn.Server]:
    with front_server(asgi_app) as server:
        yield server


@pytest.fixture
def pool(front, container) -> Iterator[FunctionPool]:
    """The gateway as a request it served leaves it: the route read, tokens taken ahead, the pool's
    one container just read, with `tunnels` (below) idle to it."""
    far = time.monotonic() + 3600
    route = Route(
        endpoint_id=1, workspace_id="ws-fast", app_id="ap-fast", function_id=FUNCTION, method="",
        kind="asgi", requires_proxy_auth=False, web={}, parameters={}, timeout=60,
        max_containers=None, concurrency=10, rate=1000.0, burst=1000.0,
    )  # fmt: skip
    pool = FunctionPool(FUNCTION, redis=None, cold_start=lambda function_id: None)
    pool.refreshed_at = far
    pool.containers[TASK] = _Container(TASK, agent=f"127.0.0.1:{container.agent_port}", capacity=10)
    web_gateway.routes[("path", KEY)] = (far, route)
    web_gateway.tokens["ws-fast"] = (10**6, far)
    web_gateway.pools[FUNCTION] = pool
    yield pool
    for idle in (pool.containers.get(TASK) or _Container(TASK, "", 0)).idle.values():
        for tunnel in idle:
            _on_loop(front, _close(tunnel))
    del web_gateway.routes[("path", KEY)], web_gateway.pools[FUNCTION], web_gateway.tokens["ws-fast"]


def _on_loop(front: uvicorn.Server, coroutine):
    return asyncio.run_coroutine_threadsafe(coroutine, front.servers[0].get_loop()).result(10)


async def _close(tunnel: Tunnel) -> None:
    tunnel.close()


async def _open(port: int) -> Tunnel:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    return Tunnel(TASK, reader, writer)


def tunnels(front, container: Container, pool: FunctionPool, count: int = 1) -> list[Tunnel]:
    opened = [_on_loop(front, _open(container.port)) for _ in range(count)]
    pool.containers[TASK].idle.setdefault("", []).extend(opened)
    return opened


def _request(front: uvicorn.Server, path: str, *, headers: bytes = b"", method: bytes = b"GET") -> bytes:
    with socket.create_connection(("127.0.0.1", front.config.port), timeout=10) as sock:
        sock.sendall(method + b" " + path.encode() + b" HTTP/1.1\r\nhost: gw.test\r\n" + headers + b"\r\n")
        return _read_all(sock, head_only=method == b"HEAD")


def _read_all(sock: socket.socket, data: bytes = b"", *, head_only: bool = False) -> bytes:
    """What the gateway sends (after `data`, already read) until a whole response is in or it closes."""
    received = bytearray(data)
    length = None
    while True:
        end = received.find(b"\r\n\r\n") if length is None else 0
        if end >= 0 and length is None:
            head = bytes(received[:end]).lower()
            if head_only:
                return bytes(received)
            if b"content-length:" in head:
                length = end + 4 + int(head.split(b"content-length:")[1].split(b"\r\n")[0])
            elif received.endswith(b"0\r\n\r\n"):
                return bytes(received)
        if length is not None and len(received) >= length:
            return bytes(received)
        chunk = sock.recv(1 << 20)
        if not chunk:
            return bytes(received)
        received += chunk


def _the_asgi_way(front: uvicorn.Server, path: str, headers: bytes = b"") -> bytes:
    far = time.monotonic() + 3600
    web_gateway.tokens["ws-fast"] = (0, far)  # the ASGI way takes tokens from Redis, as it would
    try:
        return _request(front, path, headers=headers + b"x-test-via: gateway\r\n")
    finally:
        web_gateway.tokens["ws-fast"] = (10**6, far)


@contextmanager
def _streaming(front: uvicorn.Server) -> Iterator[tuple[socket.socket, bytes]]:
    """A client of the stream, once its first event came (and what came with it)."""
    with socket.create_connection(("127.0.0.1", front.config.port), timeout=10) as sock:
        sock.sendall(f"GET /web/{KEY}/stream HTTP/1.1\r\nhost: gw.test\r\n\r\n".encode())
        data = b""
        while b"data: 0" not in data:
            chunk = sock.recv(65536)
            assert chunk, data
            data += chunk
        yield sock, data


def _idle(pool: FunctionPool) -> int:
    return len(pool.containers[TASK].idle.get("", []))


def test_a_ready_request_is_served_in_callbacks_and_its_tunnel_kept(front, container, pool):
    (tunnel,) = tunnels(front, container, pool)
    seen = len(container.requests)
    answer = _request(front, f"/web/{KEY}/ok?x=1")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and body == b"container ok"
    assert b"x-skylift-request-id: wr-" in head
    ((number, sent),) = container.requests[seen:]
    lines = sent.split(b"\r\n")
    assert lines[0] == b"GET /ok?x=1 HTTP/1.1"
    assert b"x-skylift-root-path: /web/alpha/fast/fn" in lines and b"content-length: 0" in lines
    assert b"x-forwarded-for: 127.0.0.1" in lines
    assert pool.containers[TASK].inflight == 0 and pool.containers[TASK].idle[""] == [tunnel]
    # The next one takes the same tunnel (kept alive), the container sees the same connection.
    assert _request(front, f"/web/{KEY}/ok").endswith(b"container ok")
    assert container.requests[-1][0] == number


def test_what_the_gateway_is_not_ready_for_goes_the_asgi_way(front, container, pool):
    tunnels(front, container, pool)
    assert _request(front, "/web/alpha/other/fn/ok").endswith(b"asgi GET /web/alpha/other/fn/ok")
    assert _request(front, f"/web/{KEY}/ok", method=b"HEAD").endswith(b"\r\n\r\n")
    pool.containers[TASK].idle[""].clear()  # no idle tunnel: the ASGI path opens one (or waits)
    assert _request(front, f"/web/{KEY}/ok").endswith(f"asgi GET /web/{KEY}/ok".encode())
    web_gateway.tokens["ws-fast"] = (0, time.monotonic() + 3600)  # no token left to take
    tunnels(front, container, pool)
    assert _request(front, f"/web/{KEY}/ok").endswith(f"asgi GET /web/{KEY}/ok".encode())
    assert pool.containers[TASK].inflight == 0


def test_a_proxys_forwarded_headers_are_read_as_on_the_asgi_way(front, container, pool):
    """A request through a trusted proxy (here 127.0.0.1, uvicorn's default) is served at once,
    and the container is told the same of its client as the ASGI way tells it."""
    tunnels(front, container, pool, count=2)
    forwarded = b"x-forwarded-for: 10.0.0.1\r\nx-forwarded-proto: https\r\n"
    sent = []
    for ask in (_request, _the_asgi_way):
        seen = len(container.requests)
        answer = ask(front, f"/web/{KEY}/ok", headers=forwarded)
        assert answer.endswith(b"container ok")
        (_, head), *_ = container.requests[seen:]
        sent.append([line for line in head.split(b"\r\n") if not line.startswith(b"x-skylift-request-id")])
    fast, asgi = sent
    assert fast == [line for line in asgi if line != b"x-test-via: gateway"]
    assert b"x-skylift-client: 10.0.0.1:0" in fast and b"x-forwarded-proto: https" in fast


def test_a_stream_reaches_the_client_as_it_is_produced(front, container, pool):
    tunnels(front, container, pool)
    container.events.clear()
    with _streaming(front) as (sock, data):
        first_seen = time.time()
        data = _read_all(sock, data)
    assert b"transfer-encoding: chunked" in data and data.endswith(b"0\r\n\r\n")
    assert [line for line in data.split(b"\n") if line.startswith(b"data: ")] == [
        b"data: 0",
        b"data: 1",
        b"data: 2",
    ]
    assert first_seen < dict(container.events)["sent 2"]  # the first event came before the last was sent
    assert _idle(pool) == 1 and pool.containers[TASK].inflight == 0


@pytest.mark.parametrize("path", ["/interim", "/interim-apart"])
def test_an_interim_answer_is_dropped_and_the_real_one_passed_on(front, container, pool, path):
    (tunnel,) = tunnels(front, container, pool)
    answer = _request(front, f"/web/{KEY}{path}")
    assert answer.startswith(b"HTTP/1.1 200") and b"103" not in answer and b"link" not in answer
    assert answer.endswith(b"final") or answer.endswith(b"5\r\nhello\r\n0\r\n\r\n")
    # the tunnel is kept, in step: the next request's answer is its own
    assert pool.containers[TASK].idle[""] == [tunnel]
    assert _request(front, f"/web/{KEY}/ok").endswith(b"container ok")


def _gateway_side(front: uvicorn.Server, sock: socket.socket):
    """The front's transport of this client's connection."""
    port = sock.getsockname()[1]
    return next(c.transport for c in front.server_state.connections if (c.client or ("", 0))[1] == port)


def _wait_for(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline
        time.sleep(0.02)


@pytest.mark.parametrize("before", [0, 1024], ids=["alone", "after-another-response"])
def test_a_client_that_does_not_read_holds_the_container_back(front, container, pool, before):
    """A 32 MiB response to a client that reads nothing for a second: the gateway stops reading the
    container (which cannot finish sending) instead of holding it all; then everything arrives
    whole. Also when the request follows another response on the same connection (pipelined).
    (Not caught here: an exchange that starts while the client's buffer is still full, which the
    kernel's own buffers hide on loopback.)"""
    tunnels(front, container, pool)
    container.events.clear()
    with socket.create_connection(("127.0.0.1", front.config.port), timeout=20) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
        paths = [f"/web/{KEY}/big/{before}"] * bool(before) + [f"/web/{KEY}/big/32768"]
        first = f"GET {paths[0]} HTTP/1.1\r\nhost: gw.test\r\n\r\n".encode()
        sock.sendall(first)
        _wait_for(lambda: any(c.client for c in front.server_state.connections))
        if before:  # the first response alone fills the gateway's buffer to this client
            _gateway_side(front, sock).get_extra_info("socket").setsockopt(
                socket.SOL_SOCKET, socket.SO_SNDBUF, 4096
            )
            sock.sendall(f"GET {paths[1]} HTTP/1.1\r\nhost: gw.test\r\n\r\n".encode())
        time.sleep(1.0)
        assert "/big/32768" not in dict(container.events)  # held back: it could not send it all
        data = b""
        for _ in paths:
            data = _read_all(sock, data) if not before or b"\r\n\r\n" not in data else data
            if before and len(paths) == 2:
                head, _, rest = data.partition(b"\r\n\r\n")
                assert len(rest) >= before * 1024
                data = _read_all(sock, rest[before * 1024 :])
                break
    head, _, body = data.partition(b"\r\n\r\n")
    whole = body == (bytes(range(256)) * 4) * (32 * 1024 * 1024 // 1024)
    assert whole, (head, len(body), body[:64])  # (not the bodies themselves: 32 MiB each)
    _wait_for(lambda: pool.containers[TASK].inflight == 0 and _idle(pool) == 1)


def test_a_reused_tunnel_closed_before_a_byte_sends_the_request_again(front, container, pool):
    (stale,) = tunnels(front, container, pool)
    seen = len(container.requests)
    container.dropped = False
    answer = _request(front, f"/web/{KEY}/drop-once")
    # The container read it on the kept tunnel and closed without a byte: sent again, the same
    # request (its id too), on a new tunnel to the same container (through its agent), which answers.
    assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"again")
    first, second = container.requests[seen:]
    assert first[1] == second[1] and first[0] != second[0]
    assert pool.containers[TASK].inflight == 0 and pool.containers[TASK].idle[""] != [stale]
    assert _idle(pool) == 1  # the new tunnel kept for the next request


def test_a_container_that_stops_before_its_head_gives_502_with_the_request_id(front, container, pool):
    tunnels(front, container, pool)
    answer = _request(front, f"/web/{KEY}/partial-head")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 502") and b'"code": "container_failed"' in body
    request_id = head.split(b"x-skylift-request-id: ")[1].split(b"\r\n")[0]
    assert request_id.startswith(b"wr-") and request_id in body
    assert pool.containers[TASK].inflight == 0 and _idle(pool) == 0  # the broken tunnel is gone


def test_a_response_cut_off_ends_the_clients_connection_early(front, container, pool):
    tunnels(front, container, pool)
    answer = _request(front, f"/web/{KEY}/cut")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and body == b"0123456789"  # 10 of 100 bytes, then closed
    assert pool.containers[TASK].inflight == 0 and _idle(pool) == 0


@pytest.mark.parametrize("way", ["fast", "asgi"])
def test_a_response_that_ends_at_the_containers_close_arrives_whole(front, container, pool, way):
    tunnels(front, container, pool)
    path = f"/web/{KEY}/close-delimited"
    answer = _the_asgi_way(front, path) if way == "asgi" else _request(front, path)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and b"transfer-encoding: chunked" in head
    assert body.endswith(b"0\r\n\r\n") and b"hello, " in body and b"until the close" in body
    assert pool.containers[TASK].inflight == 0 and _idle(pool) == 0  # that tunnel is done


def test_a_response_that_is_not_http_gives_502(front, container, pool):
    tunnels(front, container, pool)
    answer = _request(front, f"/web/{KEY}/garbage")
    assert answer.startswith(b"HTTP/1.1 502") and b'"code": "bad_response"' in answer


def test_no_head_within_the_request_timeout_gives_504_and_closes_the_tunnel(front, container, pool):
    tunnels(front, container, pool)
    closed = len(container.closed)
    with override_settings(SKYLIFT_WEB_REQUEST_TIMEOUT=0.5):
        answer = _request(front, f"/web/{KEY}/hang")
    assert answer.startswith(b"HTTP/1.1 504") and b"SKYLIFT_WEB_REQUEST_TIMEOUT" in answer
    deadline = time.monotonic() + 5
    while len(container.closed) == closed:  # the container sees its connection closed
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert pool.containers[TASK].inflight == 0 and _idle(pool) == 0


def test_a_client_that_leaves_mid_stream_frees_the_container(front, container, pool):
    tunnels(front, container, pool)
    closed = len(container.closed)
    with _streaming(front):
        pass  # leaves after the first event
    _wait_for(lambda: len(container.closed) > closed and not pool.containers[TASK].inflight)
    assert _idle(pool) == 0
