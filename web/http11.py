"""One HTTP request through a tunnel: HTTP/1.1 written to the container's server, its response parsed
(httptools, the C parser uvicorn uses) and streamed to the ASGI client as it arrives.

A tunnel is reused for the next request when the exchange ended cleanly (keep-alive). A reused
tunnel that turns out closed before one byte of the response came (the container closed it while
idle) is replaced and the request sent again, when its body was read whole: the container never
saw it. Otherwise a tunnel that breaks before the response begins gives 502, and after it, the
response is cut off (the client sees an incomplete body).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import cast

import httptools
from django.conf import settings

from .pool import Slot, Tunnel

__all__ = ["FastExchange", "ProxyError", "StaleTunnel", "forward_http", "request_bytes"]

READ = 256 * 1024
# Not passed on: hop-by-hop headers, the ones the gateway sets itself, and proxy auth credentials.
DROPPED = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"expect",
        b"content-length",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"skylift-key",
        b"skylift-secret",
        b"modal-key",
        b"modal-secret",
    }
)
DROPPED_RESPONSE = frozenset({b"connection", b"keep-alive", b"transfer-encoding", b"trailer", b"upgrade"})


class ProxyError(Exception):
    def __init__(
        self, status: int, code: str, message: str, *, started: bool = False, hint: str | None = None
    ):
        super().__init__(message)
        self.status, self.code, self.started, self.hint = status, code, started, hint


class StaleTunnel(Exception):
    """A reused tunnel was closed before the response began: send the request again on a new one."""


class _Response:
    """httptools' callbacks, collected."""

    def __init__(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.head = False
        self.interim = False  # a 1xx answer is being read: dropped, the real one follows
        self.chunks: list[bytes] = []
        self.complete = False
        self.keep_alive = False
        self.parser: httptools.HttpResponseParser | None = None

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        assert self.parser is not None
        if 100 <= self.parser.get_status_code() < 200:
            self.interim = True
            self.headers.clear()
            return
        self.head = True

    @property
    def ends_at_close(self) -> bool:
        """A response with neither Content-Length nor chunked framing: its body ends when the
        container closes the connection (HTTP/1.1's last resort; simple servers answer so)."""
        if not self.head or self.parser is None or self.parser.get_status_code() in (204, 304):
            return False
        return not any(n in (b"content-length", b"transfer-encoding") for n, _ in self.headers)

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        if self.interim:  # the 1xx answer's end, not the response's
            self.interim = False
            return
        self.complete = True
        # Asked now: once the message is over, the parser answers False whatever the response said.
        self.keep_alive = self.parser is not None and self.parser.should_keep_alive()

    def begun(self, request_id: bytes) -> tuple[int, list[tuple[bytes, bytes]]] | None:
        """The status and headers the client gets, once the head of the real response is in (an
        interim 1xx answer is dropped as it is parsed); None before."""
        if not self.head or self.parser is None:
            return None
        status = self.parser.get_status_code()
        headers = [(n, v) for n, v in self.headers if n not in DROPPED_RESPONSE]
        headers.append((b"x-skylift-request-id", request_id))  # what finds the request in the logs
        return status, headers

    def take_body(self) -> bytes:
        """The body bytes parsed since the last call."""
        chunks, self.chunks = self.chunks, []
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _timed_out() -> ProxyError:
    return ProxyError(
        504,
        "timeout",
        f"The endpoint did not begin its response within {settings.SKYLIFT_WEB_REQUEST_TIMEOUT:g} s "
        "(SKYLIFT_WEB_REQUEST_TIMEOUT).",
    )


def _container_failed(tunnel: Tunnel, started: bool) -> ProxyError:
    return ProxyError(
        502,
        "container_failed",
        f"The container {tunnel.task_id} stopped before it finished answering"
        + (" (its response was cut off)" if started else ""),
        started=started,
        hint=f"Its logs say why: `skylift app logs` or the dashboard's container {tunnel.task_id}.",
    )


def _bad_response(exc: Exception, started: bool) -> ProxyError:
    return ProxyError(
        502, "bad_response", f"The endpoint's response is not valid HTTP: {exc}", started=started
    )


def _request_head(scope: dict, target: bytes, extra: list[tuple[bytes, bytes]], framing: bytes) -> bytes:
    lines = [scope["method"].encode() + b" " + target + b" HTTP/1.1"]
    for name, value in scope["headers"]:
        if name not in DROPPED and not name.startswith(b"x-skylift-"):
            lines.append(name + b": " + value)
    lines.extend(name + b": " + value for name, value in extra)
    lines.append(framing)
    return b"\r\n".join(lines) + b"\r\n\r\n"


def request_bytes(scope: dict, root_path: str, extra: list[tuple[bytes, bytes]], body: bytes) -> bytes:
    """A request whose body is whole, as the container is sent it."""
    framing = b"content-length: " + str(len(body)).encode()
    return _request_head(scope, raw_target(scope, root_path), extra, framing) + body


def raw_target(scope: dict, root_path: str) -> bytes:
    raw = scope.get("raw_path") or scope["path"].encode()
    if root_path:
        raw = raw[len(root_path.encode()) :] or b"/"
        if not raw.startswith(b"/"):
            raw = b"/" + raw
    query = scope.get("query_string", b"")
    return raw + (b"?" + query if query else b"")


async def forward_http(
    scope: dict, receive, send, slot: Slot, tunnel: Tunnel, root_path: str, extra: list[tuple[bytes, bytes]]
) -> None:
    """Send the request on `tunnel` (from `slot`), stream the response back; releases the slot.

    `extra` (headers the gateway adds) carries the request's id, which the response carries back."""
    target = raw_target(scope, root_path)
    request_id = next((v for n, v in extra if n == b"x-skylift-request-id"), b"")

    async def to_client(message: dict) -> None:
        try:
            await send(message)
        except OSError as exc:  # the client went away: the tunnel goes too
            raise ProxyError(499, "client_gone", f"The client went away: {exc}", started=True) from None

    first = await receive()
    body, more = first.get("body", b""), first.get("more_body", False)
    reusable = False
    current: Tunnel | None = tunnel
    try:
        for _ in range(3):
            if current is None:
                current = await slot.fresh_tunnel()
            try:
                reusable = await _exchange(
                    scope, receive, to_client, current, target, extra, body, more, request_id
                )
                return
            except StaleTunnel:
                current.close()
                current = None
                if more:
                    raise ProxyError(
                        502, "container_closed", "The container closed the connection."
                    ) from None
        raise ProxyError(502, "container_closed", "The container kept closing its connections.")
    finally:
        slot.release(current, reusable=reusable)


async def _exchange(
    scope: dict,
    receive,
    send,
    tunnel: Tunnel,
    target: bytes,
    extra: list[tuple[bytes, bytes]],
    body: bytes,
    more: bool,
    request_id: bytes,
) -> bool:
    """Send the request, stream the response; whether the tunnel may carry another request."""
    writer, reader = tunnel.writer, tunnel.reader
    if more:
        framing = b"transfer-encoding: chunked"
    else:
        framing = b"content-length: " + str(len(body)).encode()
    writer.write(_request_head(scope, target, extra, framing))
    if not more:
        writer.write(body)
    else:
        await _send_chunked(receive, writer, body)
    await writer.drain()

    response = _Response()
    parser = response.parser = httptools.HttpResponseParser(response)
    started = False
    head_only = scope["method"] == "HEAD"
    received = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.SKYLIFT_WEB_REQUEST_TIMEOUT
    while True:
        try:
            if started:
                data = await reader.read(READ)
            else:
                async with asyncio.timeout_at(deadline):  # no task of its own, unlike wait_for
                    data = await reader.read(READ)
        except TimeoutError:
            tunnel.close()
            raise _timed_out() from None
        except ConnectionError:
            data = b""
        if not data:
            if not received and tunnel.reused and not started:
                raise StaleTunnel()
            if started and response.ends_at_close:  # the close is the body's end
                await send({"type": "http.response.body", "body": response.take_body(), "more_body": False})
                return False
            raise _container_failed(tunnel, started)
        received += len(data)
        try:
            parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:  # a 101 is not HTTP here
            tunnel.close()
            raise _bad_response(exc, started) from None
        if not started:
            begun = response.begun(request_id)
            if begun is None:
                continue
            await send({"type": "http.response.start", "status": begun[0], "headers": begun[1]})
            started = True
            if head_only:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return False
        if response.chunks or response.complete:
            # A response read whole goes out in one message: the body and its end together.
            body = response.take_body()
            await send({"type": "http.response.body", "body": body, "more_body": not response.complete})
            if response.complete:
                return response.keep_alive


async def _send_chunked(receive, writer: asyncio.StreamWriter, first: bytes) -> None:
    """The rest of a streamed request body, chunk-encoded, within SKYLIFT_WEB_MAX_BODY."""
    sent = 0
    chunk, more = first, True
    while True:
        if chunk:
            sent += len(chunk)
            if sent > settings.SKYLIFT_WEB_MAX_BODY:
                writer.close()
                raise ProxyError(
                    413,
                    "too_large",
                    f"The request body is over the cap of {settings.SKYLIFT_WEB_MAX_BODY} bytes (SKYLIFT_WEB_MAX_BODY).",
                )
            writer.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            await writer.drain()
        if not more:
            break
        message = await receive()
        if message["type"] == "http.disconnect":
            writer.close()
            raise ProxyError(400, "client_gone", "The client went away while sending its body.")
        chunk, more = message.get("body", b""), message.get("more_body", False)
    writer.write(b"0\r\n\r\n")


class FastExchange(asyncio.Protocol):
    """One request whose body is whole, on a kept-alive tunnel, exchanged in callbacks (no task,
    no stream, no wait): the gateway's fast path (WebGateway.try_fast).

    The request is written at once; the tunnel's transport is lent to this protocol until the
    response ends, and the response goes to `client` (web.front's connection: `response_start`,
    `response_body`, `response_done`) as it arrives, reading paused while the client's buffer is
    full. The rules are _exchange's (the same head for the client, the same errors, the same
    SKYLIFT_WEB_REQUEST_TIMEOUT until the response begins); a failure is handed to `failed`: a
    ProxyError, or StaleTunnel when the reused tunnel closed before one byte came (its slot then
    stays the request's: it is sent again on a new tunnel to the same container, as forward_http
    does).
    """

    def __init__(
        self,
        client,
        slot: Slot,
        tunnel: Tunnel,
        request: bytes,
        request_id: bytes,
        failed: Callable[[Exception], None],
    ) -> None:
        self.client, self.slot, self.tunnel = client, slot, tunnel
        self.request_id, self.failed = request_id, failed
        self.response = _Response()
        self.parser = self.response.parser = httptools.HttpResponseParser(self.response)
        self.started = self.done = self.paused = False
        self.received = 0
        # uvloop's transports are not asyncio.Transport's subclasses: duck-typed, as uvicorn does.
        self.transport = cast(asyncio.Transport, tunnel.writer.transport)
        self.lent = cast(asyncio.Protocol, self.transport.get_protocol())
        self.transport.set_protocol(self)
        if client.write_paused:  # the client's buffer is full already (a response before this one)
            self.pause()
        self.transport.write(request)
        loop = client.loop
        self.timer: asyncio.TimerHandle | None = loop.call_at(
            loop.time() + settings.SKYLIFT_WEB_REQUEST_TIMEOUT, self._timed_out
        )

    # The tunnel's side ----------------------------------------------------------------------------

    def data_received(self, data: bytes) -> None:
        if self.done:
            return
        self.received += len(data)
        response = self.response
        try:
            self.parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            self._fail(_bad_response(exc, self.started))
            return
        if not self.started:
            begun = response.begun(self.request_id)
            if begun is None:
                return
            self.started = True
            self._stop_timer()
            self.client.response_start(*begun)
        if response.chunks or response.complete:
            self.client.response_body(response.take_body(), not response.complete)
            if response.complete:
                self._end(response.keep_alive)

    def eof_received(self) -> bool | None:
        keep_open = self.lent.eof_received()
        self._closed()
        return keep_open

    def connection_lost(self, exc: Exception | None) -> None:
        self.lent.connection_lost(exc)
        self._closed()

    def pause_writing(self) -> None:
        self.lent.pause_writing()

    def resume_writing(self) -> None:
        self.lent.resume_writing()

    # The client's side ----------------------------------------------------------------------------

    def pause(self) -> None:
        """The client reads slower than the container writes: stop reading the container."""
        if not self.done and not self.paused:
            self.paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if not self.done and self.paused:
            self.paused = False
            self.transport.resume_reading()

    def client_gone(self) -> None:
        """The client closed its connection: the tunnel goes too (what the container sends is lost)."""
        if not self.done:
            self._release(reusable=False)

    # Ends -------------------------------------------------------------------------------------------

    def _closed(self) -> None:
        if self.done:
            return
        if not self.received and self.tunnel.reused:
            # The slot stays the request's: it is sent again on a new tunnel to the same container.
            self.done = True
            self._stop_timer()
            self.transport.set_protocol(self.lent)
            self.tunnel.close()
            self.failed(StaleTunnel())
        elif self.started and self.response.ends_at_close:  # the close is the body's end
            self.client.response_body(self.response.take_body(), False)
            self._end(False)
        else:
            self._fail(_container_failed(self.tunnel, self.started))

    def _timed_out(self) -> None:
        self.timer = None
        if not self.done and not self.started:
            self._fail(_timed_out())

    def _stop_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _release(self, *, reusable: bool) -> None:
        self.done = True
        self._stop_timer()
        self.transport.set_protocol(self.lent)
        if self.paused and not self.transport.is_closing():
            self.transport.resume_reading()
        self.slot.release(self.tunnel, reusable=reusable)

    def _end(self, reusable: bool) -> None:
        self._release(reusable=reusable)
        self.client.response_done()

    def _fail(self, exc: Exception) -> None:
        self._release(reusable=False)
        self.failed(exc)
