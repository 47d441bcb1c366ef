"""The web side of the in-container runtime: serves a function's (or a class's) web endpoints.

The container listens nowhere: it keeps a few connections parked on its relay socket
(`web_wait`); when the gateway opens a tunnel, the relay sends a `go` frame on one of them naming
the endpoint, and from then on the connection carries HTTP/1.1 straight to this process. An
ASGI, WSGI or FastAPI endpoint is served by uvicorn's protocol on that connection (as if uvicorn
had accepted it); a `@web_server` endpoint's connections are copied to its port inside the
container. Each used connection is replaced by a new parked one at once.

uvicorn, h11, click and websockets come from the platform (mounted at WEB_LIB, put first on the
path only here), so an image needs only what the user's own code imports (FastAPI for
`@fastapi_endpoint`, as Modal's does).

Runs in the container, on the image's Python.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, Literal, cast

from .contract.protocol import MAX_HEADER, encode_frame
from .contract.web import web_parts

__all__ = ["WebServer", "WebStartFailed"]

WEB_LIB = "/skylift/weblib"
PARKED_MAX = 8
_PREFIX = struct.Struct(">II")
RECONNECT_SECONDS = (0.05, 2.0)


class WebStartFailed(Exception):
    """An endpoint could not start serving: its message says why (the gateway shows it)."""


class _Activity:
    """Requests in flight and the time of the last one, for scaling down."""

    def __init__(self) -> None:
        self.inflight = 0
        self.last = time.monotonic()

    def begin(self) -> None:
        self.inflight += 1
        self.last = time.monotonic()

    def end(self) -> None:
        self.inflight -= 1
        self.last = time.monotonic()


class _Tracked:
    """The outermost ASGI layer: counts requests, and restores what the gateway says of the client
    (its address, in X-Skylift-Client) and of the URL (the path-form prefix, in X-Skylift-Root-Path).

    A request that raises, or that the app answers with a 5xx, leaves a line naming the gateway's
    request id (X-Skylift-Request-Id, which the client also gets back) in the container's logs."""

    def __init__(self, app: Any, activity: _Activity) -> None:
        self.app, self.activity = app, activity

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers, client, root, request_id = [], None, "", ""
        for name, value in scope["headers"]:
            if name == b"x-skylift-client":
                host, _, port = value.decode("latin-1").rpartition(":")
                client = (host, int(port or 0))
            elif name == b"x-skylift-root-path":
                root = value.decode("latin-1")
            else:
                if name == b"x-skylift-request-id":
                    request_id = value.decode("latin-1")
                headers.append((name, value))
        scope = {
            **scope,
            "headers": headers,
            "client": client,
            "root_path": scope.get("root_path", "") + root,
        }

        def what() -> str:
            return (
                f"web request {request_id or '(no id)'}: {scope.get('method', 'WEBSOCKET')} {scope['path']}"
            )

        async def sending(message: dict) -> None:
            if message["type"] == "http.response.start" and message.get("status", 200) >= 500:
                print(f"{what()} answered {message['status']}", file=sys.stderr, flush=True)
            await send(message)

        self.activity.begin()
        try:
            await self.app(scope, receive, sending)
        except Exception as exc:
            print(f"{what()} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            raise
        finally:
            self.activity.end()


def _fastapi_app(fn: Callable[..., Any], web: dict[str, Any], name: str) -> Any:
    try:
        from fastapi import FastAPI  # type: ignore[import-not-found]  # in the user's image
        from fastapi.middleware.cors import CORSMiddleware  # type: ignore[import-not-found]
    except ImportError as exc:
        raise WebStartFailed(
            f"{name} is a @fastapi_endpoint: its image needs FastAPI "
            '(Image.debian_slim().pip_install("fastapi[standard]"))'
        ) from exc
    docs = bool(web.get("docs"))
    app = FastAPI(
        docs_url="/docs" if docs else None, redoc_url=None, openapi_url="/openapi.json" if docs else None
    )
    app.add_api_route("/", fn, methods=[web.get("method", "GET")])
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"])
    return app


class _Part:
    """One served endpoint: uvicorn's configuration for it, or the port of a web server."""

    def __init__(self, name: str, web: dict[str, Any], fn: Callable[..., Any], activity: _Activity) -> None:
        self.name, self.web, self.kind = name, web, web["kind"]
        self.port = int(web.get("port") or 0)
        self.config: Any = None
        self.lifespan: Any = None
        if self.kind == "server":
            fn()  # starts the server (a subprocess, a thread): requests wait for its port
            return
        import uvicorn

        interface: Literal["auto", "asgi3", "wsgi"]
        if self.kind == "fastapi":
            app, interface = _fastapi_app(fn, web, name), "asgi3"
        else:
            app = fn()
            interface = "wsgi" if self.kind == "wsgi" else "auto"
            if app is None:
                raise WebStartFailed(f"{name} returned None: an @{self.kind}_app function returns the app")
        self.config = uvicorn.Config(
            app,
            interface=interface,
            # "auto": an app that does not speak the lifespan protocol serves without it; one that
            # reports its startup failed (Starlette does, for a lifespan that raises) does not start.
            lifespan="auto" if self.kind == "asgi" else "off",
            ws="websockets-sansio",
            proxy_headers=False,
            server_header=False,
            access_log=False,
            log_level="warning",
            ws_max_size=2 * 1024 * 1024,
            timeout_keep_alive=60,  # the only client is the gateway, which keeps its tunnels for reuse
        )
        self.config.load()
        self.config.loaded_app = _Tracked(self.config.loaded_app, activity)

    async def start(self) -> None:
        if self.kind == "server":
            await self._wait_port(float(self.web.get("startup_timeout") or 5.0))
            return
        if self.config.lifespan == "off":
            return
        self.lifespan = self.config.lifespan_class(self.config)
        await self.lifespan.startup()
        if self.lifespan.startup_failed or self.lifespan.should_exit:
            raise WebStartFailed(
                f"{self.name}: the ASGI app's lifespan startup failed (its traceback is above)"
            )

    async def stop(self) -> None:
        if self.lifespan is not None:
            await self.lifespan.shutdown()

    async def _wait_port(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
                writer.close()
                return
            except OSError:
                if time.monotonic() >= deadline:
                    raise WebStartFailed(
                        f"{self.name}: nothing listened on port {self.port} within its startup_timeout of "
                        f"{timeout:g} s (a @web_server must listen on 0.0.0.0:{self.port})"
                    ) from None
                await asyncio.sleep(0.05)


async def _recv_exactly(loop: asyncio.AbstractEventLoop, sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = await loop.sock_recv(sock, n - len(buf))
        if not chunk:
            raise EOFError("the relay closed the connection")
        buf += chunk
    return bytes(buf)


async def _read_frame(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> dict[str, Any]:
    """One frame, read to its last byte and not one further: what follows belongs to the tunnel."""
    header_len, body_len = _PREFIX.unpack(await _recv_exactly(loop, sock, _PREFIX.size))
    if header_len > MAX_HEADER or body_len:
        raise ValueError("unexpected frame from the relay")
    header: dict[str, Any] = json.loads(await _recv_exactly(loop, sock, header_len))
    return header


class _CoalescedWrites:
    """A transport whose writes made in one turn of the event loop leave in one send.

    uvicorn writes a response's head and its body apart; sent together, the gateway wakes once
    for a small response instead of twice. A stream's chunks still leave as they are produced (each
    at the end of the turn that wrote it). Everything else is the transport's own."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport, self._loop = transport, loop
        self._pending: list[bytes] = []
        # Asked on every response: the transport's own, not looked up through __getattr__.
        self.is_closing = transport.is_closing

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self._flush)
        self._pending.append(bytes(data))

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def _flush(self) -> None:
        if self._pending:
            data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
            self._pending.clear()
            self._transport.write(data)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(len(d) for d in self._pending)

    def write_eof(self) -> None:
        self._flush()
        self._transport.write_eof()

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _Coalescing(asyncio.Protocol):
    """Gives uvicorn's protocol the coalescing transport, then steps out of the way (the transport
    calls uvicorn's protocol itself from then on)."""

    def __init__(self, protocol: asyncio.Protocol, loop: asyncio.AbstractEventLoop) -> None:
        self.protocol, self.loop = protocol, loop

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport's subclasses: duck-typed, as uvicorn does.
        stream = cast(asyncio.Transport, transport)
        self.protocol.connection_made(_CoalescedWrites(stream, self.loop))  # type: ignore[arg-type]
        transport.set_protocol(self.protocol)


def _new_loop() -> asyncio.AbstractEventLoop:
    """uvloop's event loop when the image has it (`fastapi[standard]` brings it), else asyncio's."""
    try:
        import uvloop  # type: ignore[import-not-found, unused-ignore]
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


class WebServer:
    """Serves the container's endpoints on an event loop of its own thread."""

    def __init__(self, service: Any, definition: dict[str, Any], session: str, socket_path: str) -> None:
        self.service, self.definition = service, definition
        self.session, self.socket_path = session, socket_path
        self.activity = _Activity()
        self.parts: dict[str, _Part] = {}
        self.loop = _new_loop()
        self.server_state: Any = None
        self.stopping = False
        self.parkers: list[asyncio.Task] = []
        self.spliced: set[asyncio.Task] = set()

    @property
    def capacity(self) -> int:
        return int((self.definition.get("concurrency") or {}).get("max_inputs") or 1)

    def start(self) -> None:
        """Make the apps (the user's factories run here, in the main thread, after @enter) and
        serve them; raises WebStartFailed when one cannot start."""
        if os.path.isdir(WEB_LIB) and WEB_LIB not in sys.path:
            sys.path.insert(0, WEB_LIB)
        for method, web in web_parts(self.definition).items():
            name = (
                f"{self.definition.get('name', '')}.{method}" if method else str(self.definition.get("name"))
            )
            self.parts[method] = _Part(name, web, self.service.callable(method), self.activity)
        threading.Thread(target=self.loop.run_forever, name="skylift-web", daemon=True).start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result()

    async def _start(self) -> None:
        from uvicorn.server import ServerState

        self.server_state = ServerState()
        for part in self.parts.values():
            await part.start()
        parked = max(2, min(self.capacity, PARKED_MAX))
        self.parkers = [self.loop.create_task(self._park_forever()) for _ in range(parked)]

    def idle_for(self) -> float:
        """Seconds since the last request ended (0 while one runs)."""
        if self.activity.inflight or any(not t.done() for t in self.spliced):
            return 0.0
        return time.monotonic() - self.activity.last

    def stop(self, grace: float) -> None:
        """Stop taking connections, let requests in flight finish (at most `grace` seconds), shut down."""
        asyncio.run_coroutine_threadsafe(self._stop(grace), self.loop).result()

    async def _stop(self, grace: float) -> None:
        self.stopping = True
        for task in self.parkers:
            task.cancel()
        if self.server_state is not None:
            for connection in list(self.server_state.connections):
                connection.shutdown()  # an idle keep-alive connection closes; a busy one after its response
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline and (
            self.activity.inflight or (self.server_state is not None and self.server_state.connections)
        ):
            await asyncio.sleep(0.05)
        for task in self.spliced:
            task.cancel()
        for part in self.parts.values():
            await part.stop()

    # Parked connections ---------------------------------------------------------------------------

    async def _park_forever(self) -> None:
        backoff = RECONNECT_SECONDS[0]
        while not self.stopping:
            try:
                sock, method = await self._park_one()
            except asyncio.CancelledError:
                raise
            except Exception:  # noqa: BLE001 - the relay restarts, a connection drops: park again
                await asyncio.sleep(backoff)
                backoff = min(RECONNECT_SECONDS[1], backoff * 2)
                continue
            backoff = RECONNECT_SECONDS[0]
            self._hand_over(sock, method)

    async def _park_one(self) -> tuple[socket.socket, str]:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.setblocking(False)
        try:
            await self.loop.sock_connect(sock, self.socket_path)
            await self.loop.sock_sendall(
                sock,
                encode_frame(
                    {"op": "join", "task_id": os.environ.get("SKYLIFT_TASK_ID", ""), "token": self.session}
                ),
            )
            reply = await _read_frame(self.loop, sock)
            if reply.get("error"):
                raise ConnectionError(str(reply["error"]))
            await self.loop.sock_sendall(sock, encode_frame({"op": "web_wait"}))
            go = await _read_frame(self.loop, sock)
        except BaseException:
            sock.close()
            raise
        return sock, str(go.get("method", ""))

    def _hand_over(self, sock: socket.socket, method: str) -> None:
        part = self.parts.get(method)
        if part is None:
            sock.close()
            return
        if part.kind == "server":
            task = self.loop.create_task(self._splice_to_port(sock, part.port))
            self.spliced.add(task)
            task.add_done_callback(self.spliced.discard)
            return
        config = part.config
        state = self.server_state
        loop = self.loop
        self.loop.create_task(
            self.loop.connect_accepted_socket(
                lambda: _Coalescing(
                    config.http_protocol_class(config=config, server_state=state, app_state={}), loop
                ),
                sock,
            )
        )

    async def _splice_to_port(self, sock: socket.socket, port: int) -> None:
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            sock.close()
            return
        tunnel_reader, tunnel_writer = await asyncio.open_connection(sock=sock)

        async def pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
            try:
                while data := await source.read(256 * 1024):
                    self.activity.last = time.monotonic()
                    sink.write(data)
                    await sink.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                sink.close()

        await asyncio.gather(pipe(tunnel_reader, writer), pipe(reader, tunnel_writer))
