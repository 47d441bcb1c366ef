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

import httptools
from django.conf import settings

from .pool import Slot, Tunnel

__all__ = ["ProxyError", "forward_http"]

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


class _Stale(Exception):
    """A reused tunnel was closed before the response began: send the request again on a new one."""


class _Response:
    """httptools' callbacks, collected."""

    def __init__(self) -> None:
        self.headers: list[tuple[bytes, bytes]] = []
        self.head = False
        self.chunks: list[bytes] = []
        self.complete = False
        self.keep_alive = False
        self.parser: httptools.HttpResponseParser | None = None

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name.lower(), value))

    def on_headers_complete(self) -> None:
        self.head = True

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        self.complete = True
        # Asked now: once the message is over, the parser answers False whatever the response said.
        self.keep_alive = self.parser is not None and self.parser.should_keep_alive()


def _request_head(scope: dict, target: bytes, extra: list[tuple[bytes, bytes]], framing: bytes) -> bytes:
    lines = [scope["method"].encode() + b" " + target + b" HTTP/1.1"]
    for name, value in scope["headers"]:
        if name not in DROPPED and not name.startswith(b"x-skylift-"):
            lines.append(name + b": " + value)
    lines.extend(name + b": " + value for name, value in extra)
    lines.append(framing)
    return b"\r\n".join(lines) + b"\r\n\r\n"


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
            except _Stale:
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
            raise ProxyError(
                504,
                "timeout",
                f"The endpoint did not begin its response within {settings.SKYLIFT_WEB_REQUEST_TIMEOUT:g} s "
                "(SKYLIFT_WEB_REQUEST_TIMEOUT).",
            ) from None
        except ConnectionError:
            data = b""
        if not data:
            if not received and tunnel.reused and not started:
                raise _Stale()
            raise ProxyError(
                502,
                "container_failed",
                f"The container {tunnel.task_id} stopped before it finished answering"
                + (" (its response was cut off)" if started else ""),
                started=started,
                hint=f"Its logs say why: `skylift app logs` or the dashboard's container {tunnel.task_id}.",
            )
        received += len(data)
        try:
            parser.feed_data(data)
        except httptools.HttpParserError as exc:
            tunnel.close()
            raise ProxyError(
                502, "bad_response", f"The endpoint's response is not valid HTTP: {exc}", started=started
            ) from None
        if response.head and not started:
            status = parser.get_status_code()
            if 100 <= status < 200:  # an interim answer: the real one follows
                response.head = False
                response.headers.clear()
                continue
            headers = [(n, v) for n, v in response.headers if n not in DROPPED_RESPONSE]
            headers.append((b"x-skylift-request-id", request_id))  # what finds the request in the logs
            await send({"type": "http.response.start", "status": status, "headers": headers})
            started = True
            if head_only:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
                return False
        if started and (response.chunks or response.complete):
            chunks, response.chunks = response.chunks, []
            body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
            # A response read whole goes out in one message: the body and its end together.
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
