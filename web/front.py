"""The public port's HTTP/1.1 protocol: web endpoint requests served without uvicorn's per-request machinery.

uvicorn runs the control plane with this protocol (`--http web.front:FrontProtocol`, processes.specs).
On each connection it reads a request's head itself (httptools, the parser uvicorn uses). A request
for the web gateway or a sandbox's tunnel (the same `serves` rules config.asgi dispatches by) whose
body is small and whole is served here: the application (the same ASGI callable, so routing,
admission, limits and forwarding are the gateway's own code) is called with a plain scope, a
receive that hands over the body at once, and a send that writes the response's head together with
its first bytes (one write, one packet: a small response reaches the client whole). Nothing else
changes on the way: no extra task, event or header check per request beyond what the application
itself does. A web endpoint's request the gateway is ready for is not even given a task: the
gateway serves it in callbacks (WebGateway.try_fast), writing the response through
`response_start`, `response_body` and `response_done`, or hands it back (`serve_with`).

Everything else is uvicorn's: any other request (the API, the dashboard, a WebSocket's upgrade,
a body sent in chunks or past FRONT_BODY_MAX, `Expect: 100-continue`, HTTP/1.0, a head that does
not parse) hands the connection over to uvicorn's own httptools protocol at that request's first
byte, for the rest of the connection's life; a web request coming later on that connection is
served by the same gateway through uvicorn's ASGI path, a little slower. Keep-alive,
the keep-alive timeout, back-pressure of slow readers and the graceful shutdown follow uvicorn's
rules and settings.
"""

from __future__ import annotations

import asyncio
import logging
import urllib.parse
from typing import Any

import httptools
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn.protocols.utils import get_local_addr, get_remote_addr, is_ssl

__all__ = ["FrontProtocol"]

log = logging.getLogger("uvicorn.error")

# A head longer than this, or a body longer than FRONT_BODY_MAX, goes to uvicorn (which streams it).
FRONT_HEAD_MAX = 64 * 1024
FRONT_BODY_MAX = 64 * 1024
_SERVER_ERROR = (
    b"HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 21\r\nconnection: close\r\n\r\nInternal Server Error"
)


def _routes():
    """The rule config.asgi dispatches by: a sandbox tunnel's request, a web endpoint's (which the
    gateway may serve at once, WebGateway.try_fast), or neither (imported at the first connection:
    uvicorn loads this class before Django is set up)."""
    from web.gateway import gateway
    from web.gateway import serves as gateway_serves
    from web.sandbox_tunnels import serves as tunnels_serve

    def route(scope: dict) -> str | None:
        if tunnels_serve(scope):
            return "tunnel"
        return "gateway" if gateway_serves(scope) else None

    return route, gateway.try_fast


_NOT_MADE = object()


def _proxy_headers(config):
    """uvicorn's rule for X-Forwarded-For and X-Forwarded-Proto (its ProxyHeadersMiddleware, with
    the server's trusted addresses), for a request the gateway may serve without the ASGI app that
    middleware wraps; None when the server does not apply it. Made once per server (its config)."""
    made = config.__dict__.get("_front_proxy_headers", _NOT_MADE)
    if made is not _NOT_MADE:
        return made
    config._front_proxy_headers = None
    if not config.proxy_headers:
        return None

    async def nothing(scope, receive, send) -> None:
        return None

    middleware = ProxyHeadersMiddleware(nothing, trusted_hosts=config.forwarded_allow_ips)

    def apply(scope: dict) -> None:
        step = middleware(scope, None, None)  # type: ignore[arg-type]  # it awaits nothing but `nothing`
        try:
            step.send(None)
        except StopIteration:
            return
        step.close()
        raise RuntimeError("uvicorn's proxy headers middleware waited for something")

    config._front_proxy_headers = apply
    return apply


class _Head:
    """httptools' callbacks for one request head."""

    __slots__ = ("headers", "keep_alive", "parser", "url", "version")

    def __init__(self) -> None:
        self.url = b""
        self.headers: list[tuple[bytes, bytes]] = []
        self.parser = httptools.HttpRequestParser(self)
        self.keep_alive = False
        self.version = ""

    def on_headers_complete(self) -> None:
        # Asked now: once a message is over (a GET's is at its head's end), the parser forgets both.
        self.keep_alive = self.parser.should_keep_alive()
        self.version = self.parser.get_http_version()

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value.rstrip(b" \t")))


class FrontProtocol(asyncio.Protocol):
    """One client connection (see the module's docstring)."""

    route: Any = None
    try_fast: Any = None

    def __init__(self, config, server_state, app_state: dict[str, Any], _loop=None) -> None:
        if not config.loaded:
            config.load()
        if FrontProtocol.route is None:
            route, try_fast = _routes()
            FrontProtocol.route, FrontProtocol.try_fast = staticmethod(route), staticmethod(try_fast)
        self.config, self.server_state, self.app_state = config, server_state, app_state
        self.proxy_headers = _proxy_headers(config)
        self.app = config.loaded_app
        self.loop = _loop or asyncio.get_event_loop()
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.buffer = bytearray()
        self.server: tuple[str, int | None] | None = None
        self.client: tuple[str, int] | None = None
        self.scheme = "http"
        self.busy = False  # a request is in flight
        self.keep_alive = True
        self.handed_over = False
        self.reading_paused = False
        self.write_paused = False
        self.drained: asyncio.Future[None] | None = None
        self.disconnected = False
        self.gone: asyncio.Future[None] | None = None
        # The request in flight when the gateway serves it in callbacks (web.http11.FastExchange).
        self.exchange: Any = None
        self.request: tuple[dict, bytes] | None = None
        self.response: _Response | None = None
        # One timer a connection, moved on when it fires early (not one made and cancelled a request).
        self.keep_alive_timer: asyncio.TimerHandle | None = None
        self.idle_since: float | None = None

    # The connection ------------------------------------------------------------------------------

    def connection_made(self, transport) -> None:
        self.transport = transport
        self.server_state.connections.add(self)
        self.server = get_local_addr(transport)
        self.client = get_remote_addr(transport)
        self.scheme = "https" if is_ssl(transport) else "http"

    def connection_lost(self, exc: Exception | None) -> None:
        self.server_state.connections.discard(self)
        self.disconnected = True
        self._stop_keep_alive_timer()
        if self.exchange is not None:
            self.exchange.client_gone()
            self.exchange = None
            self._done()
        if self.gone is not None and not self.gone.done():
            self.gone.set_result(None)
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    def eof_received(self) -> None:
        pass

    def pause_writing(self) -> None:
        self.write_paused = True
        if self.exchange is not None:
            self.exchange.pause()

    def resume_writing(self) -> None:
        self.write_paused = False
        if self.exchange is not None:
            self.exchange.resume()
        if self.drained is not None and not self.drained.done():
            self.drained.set_result(None)

    def shutdown(self) -> None:
        """uvicorn's graceful shutdown: an idle connection closes now, a busy one after its response."""
        if self.busy:
            self.keep_alive = False
        else:
            self.transport.close()

    def _stop_keep_alive_timer(self) -> None:
        if self.keep_alive_timer is not None:
            self.keep_alive_timer.cancel()
            self.keep_alive_timer = None

    def _idle(self) -> None:
        """Between requests: closed after uvicorn's keep-alive timeout with no new byte."""
        self.idle_since = self.loop.time()
        if self.keep_alive_timer is None:
            self.keep_alive_timer = self.loop.call_at(
                self.idle_since + self.config.timeout_keep_alive, self._idle_check
            )

    def _idle_check(self) -> None:
        self.keep_alive_timer = None
        if self.idle_since is None or self.busy or self.handed_over or self.transport.is_closing():
            return  # bytes came since: the next response's end arms it again
        due = self.idle_since + self.config.timeout_keep_alive
        if self.loop.time() >= due:
            self.transport.close()
        else:
            self.keep_alive_timer = self.loop.call_at(due, self._idle_check)

    # Requests --------------------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        self.idle_since = None
        self.buffer += data
        if self.busy:  # pipelined: read once the response in flight is done
            if len(self.buffer) > FRONT_HEAD_MAX + FRONT_BODY_MAX and not self.reading_paused:
                self.reading_paused = True
                self.transport.pause_reading()
            return
        self._next()

    def _next(self) -> None:
        """Serve the request at the buffer's start when it is whole, or hand the connection to uvicorn."""
        buffer = self.buffer
        end = buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(buffer) > FRONT_HEAD_MAX:
                self._hand_over()
            return
        end += 4
        request = self._request(bytes(buffer[:end]))
        if request is None:
            self._hand_over()
            return
        scope, length, keep_alive, gateway = request
        if len(buffer) < end + length:
            return  # the body's rest is on its way
        body = bytes(buffer[end : end + length])
        del buffer[: end + length]
        self.busy = True
        self.keep_alive = keep_alive
        self.request = (scope, body)
        try:
            if gateway and FrontProtocol.try_fast(self, scope, body):
                return
        except Exception:  # noqa: BLE001 - the ASGI way serves it (and says what failed, if it fails too)
            log.exception("the gateway's fast path failed; serving the request the ASGI way")
            self.exchange = None
        self.serve_with(self.app)

    def serve_with(self, app) -> None:
        """Serve the request at hand through an ASGI app (the control plane's, or the one the
        gateway hands back when its callbacks could not finish the request)."""
        self.exchange = None
        assert self.request is not None
        scope, body = self.request
        task = self.loop.create_task(self._serve(scope, body, app))
        self.server_state.tasks.add(task)
        task.add_done_callback(self.server_state.tasks.discard)

    # The gateway's callbacks (web.http11.FastExchange) ------------------------------------------------

    def response_start(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.response = _Response(self, head_only=False)
        self.response.write_start(status, headers)

    def response_body(self, body: bytes, more: bool) -> None:
        assert self.response is not None
        self.response.write_body(body, more)

    def response_done(self) -> None:
        self.exchange = self.response = None
        self._done()

    def response_cut(self) -> None:
        """The response broke off after it began: the client sees it end early."""
        self.exchange = self.response = None
        self.transport.close()
        self._done()

    def _request(self, head: bytes) -> tuple[dict, int, bool, bool] | None:
        """The scope, body length and keep-alive of a request served here, and whether it is the
        web gateway's; None for uvicorn's."""
        parsed = _Head()
        parser = parsed.parser
        try:
            parser.feed_data(head)
            if parsed.version != "1.1":
                return None
            url = httptools.parse_url(parsed.url)
            raw_path = url.path
            if raw_path is None:  # an absolute URL without a path: uvicorn's to answer
                return None
            path = raw_path.decode("ascii")
        except (httptools.HttpParserError, httptools.HttpParserUpgrade, UnicodeDecodeError):
            return None
        if "%" in path:
            path = urllib.parse.unquote(path)
        length = 0
        forwarded = False
        for name, value in parsed.headers:
            if name == b"content-length":
                if not value.isdigit():
                    return None
                length = int(value)
            elif name in (b"transfer-encoding", b"expect", b"upgrade"):
                return None
            elif name == b"x-forwarded-for" or name == b"x-forwarded-proto":
                forwarded = True
        if length > FRONT_BODY_MAX:
            return None
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "server": self.server,
            "client": self.client,
            "scheme": self.scheme,
            "method": parser.get_method().decode("ascii"),
            "root_path": self.config.root_path,
            "path": self.config.root_path + path,
            "raw_path": self.config.root_path.encode("ascii") + raw_path,
            "query_string": url.query or b"",
            "headers": parsed.headers,
            "state": self.app_state.copy(),
        }
        route = FrontProtocol.route(scope)
        if route is None:
            return None
        if route == "gateway" and forwarded and self.proxy_headers is not None:
            self.proxy_headers(scope)  # as the ASGI way's first step would (the same again there: no change)
        return scope, length, parsed.keep_alive, route == "gateway"

    def _hand_over(self) -> None:
        """The rest of the connection is uvicorn's, from the first byte of the request at hand."""
        self.handed_over = True
        self._stop_keep_alive_timer()
        self.server_state.connections.discard(self)
        protocol = HttpToolsProtocol(
            config=self.config, server_state=self.server_state, app_state=self.app_state, _loop=self.loop
        )
        protocol.connection_made(self.transport)
        self.transport.set_protocol(protocol)
        if self.reading_paused:
            self.transport.resume_reading()
        data, self.buffer = bytes(self.buffer), bytearray()
        if data:
            protocol.data_received(data)

    async def _serve(self, scope: dict, body: bytes, app) -> None:
        response = _Response(self, scope["method"] == "HEAD")
        sent_body = False

        async def receive() -> dict:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": body, "more_body": False}
            if not self.disconnected and not response.complete:
                if self.gone is None or self.gone.done():
                    self.gone = self.loop.create_future()
                await self.gone
            return {"type": "http.disconnect"}

        try:
            await app(scope, receive, response.send)
        except BaseException as exc:
            log.error("Exception in ASGI application\n", exc_info=exc)
            if not response.started and not self.disconnected:
                self.transport.write(_SERVER_ERROR)
                self.transport.close()
            elif not response.complete:
                self.transport.close()
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
        else:
            if not response.started and not self.disconnected:
                log.error("ASGI callable returned without starting response.")
                self.transport.write(_SERVER_ERROR)
                self.transport.close()
            elif not response.complete and not self.disconnected:
                log.error("ASGI callable returned without completing response.")
                self.transport.close()
        finally:
            self._done()

    def _done(self) -> None:
        self.busy = False
        self.request = None
        self.server_state.total_requests += 1
        if self.gone is not None and not self.gone.done():
            self.gone.set_result(None)
        self.gone = None
        if self.disconnected or self.transport.is_closing():
            return
        if not self.keep_alive:
            self.transport.close()
            return
        if self.reading_paused:
            self.reading_paused = False
            self.transport.resume_reading()
        if self.buffer:
            self._next()
        if not self.busy and not self.handed_over and not self.buffer:
            self._idle()


class _Response:
    """The ASGI send of one request: HTTP/1.1 written to the client, the head with the first bytes."""

    __slots__ = ("chunked", "complete", "connection", "head", "head_only", "started")

    def __init__(self, connection: FrontProtocol, head_only: bool) -> None:
        self.connection = connection
        self.head_only = head_only
        self.started = self.complete = self.chunked = False
        self.head = b""

    async def send(self, message: dict) -> None:
        connection = self.connection
        if connection.disconnected:
            # The client went away: the gateway stops reading the container (and drops its tunnel).
            raise ConnectionResetError("the client closed the connection")
        if connection.write_paused:
            if connection.drained is None or connection.drained.done():
                connection.drained = connection.loop.create_future()
            await connection.drained
            if connection.disconnected:
                raise ConnectionResetError("the client closed the connection")
        kind = message["type"]
        if kind == "http.response.start":
            if self.started:
                raise RuntimeError(
                    "Expected ASGI message 'http.response.body', but got 'http.response.start'."
                )
            self.write_start(message["status"], message.get("headers", ()))
            return
        if kind != "http.response.body" or not self.started or self.complete:
            raise RuntimeError(f"Unexpected ASGI message '{kind}' sent, after response already completed.")
        self.write_body(message.get("body", b""), message.get("more_body", False))

    def write_start(self, status: int, headers) -> None:
        """The response's head, written with its first bytes."""
        self.started = True
        self._start(status, headers)

    def write_body(self, body: bytes, more: bool) -> None:
        connection = self.connection
        if self.head_only:
            body = b""
        if self.chunked:
            data = (b"%x\r\n" % len(body) + body + b"\r\n" if body else b"") + (b"" if more else b"0\r\n\r\n")
        else:
            data = body
        if self.head:
            data, self.head = self.head + data, b""
        if data:
            connection.transport.write(data)
        if not more:
            self.complete = True

    def _start(self, status: int, headers) -> None:
        connection = self.connection
        parts = [STATUS_LINE[status]]
        for name, value in connection.server_state.default_headers:
            parts += [name, b": ", value, b"\r\n"]
        length = None
        for name, value in headers:
            lowered = name.lower()
            if lowered == b"content-length":
                length = value
            elif lowered == b"connection" and value.lower().strip() == b"close":
                connection.keep_alive = False
                continue
            elif lowered == b"transfer-encoding":
                continue  # framed here
            parts += [name, b": ", value, b"\r\n"]
        if length is None and not self.head_only and status not in (204, 304):
            self.chunked = True
            parts.append(b"transfer-encoding: chunked\r\n")
        if not connection.keep_alive:
            parts.append(b"connection: close\r\n")
        parts.append(b"\r\n")
        self.head = b"".join(parts)
