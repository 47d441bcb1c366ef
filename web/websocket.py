"""One WebSocket through a tunnel: the gateway is the client's server and the container's client.

The handshake goes to the container's server with the client's headers (websockets' sans-I/O
client protocol speaks the wire format); once the container accepts, the client is accepted with
the same subprotocol, and messages are carried both ways until either side closes. A container
that refuses the handshake answers the client with its own status and body (the ASGI denial
response). Messages up to 2 MiB, as Modal's.
"""

from __future__ import annotations

import asyncio
import contextlib

from django.conf import settings
from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from .http11 import DROPPED, ProxyError, raw_target
from .pool import Slot, Tunnel

__all__ = ["forward_websocket"]

MAX_MESSAGE = 2 * 1024 * 1024
# The handshake's own headers, which the client protocol writes itself.
HANDSHAKE = frozenset(
    {
        b"host",
        b"sec-websocket-key",
        b"sec-websocket-version",
        b"sec-websocket-extensions",
        b"sec-websocket-protocol",
    }
)


async def forward_websocket(
    scope: dict, receive, send, slot: Slot, tunnel: Tunnel, root_path: str, extra: list[tuple[bytes, bytes]]
) -> None:
    """Carry the WebSocket on `tunnel` (from `slot`, not to be reused after); releases the slot."""
    connect = await receive()
    if connect["type"] != "websocket.connect":
        slot.release(tunnel)
        return
    try:
        protocol = await _handshake(scope, send, tunnel, root_path, extra)
        if protocol is None:
            return
        await _carry(receive, send, tunnel, protocol)
    finally:
        slot.release(tunnel, reusable=False)


async def _handshake(
    scope: dict, send, tunnel: Tunnel, root_path: str, extra: list[tuple[bytes, bytes]]
) -> ClientProtocol | None:
    host = next((v.decode("latin-1") for n, v in scope["headers"] if n == b"host"), "skylift")
    uri = parse_uri("ws://" + host + raw_target(scope, root_path).decode("latin-1"))
    protocol = ClientProtocol(uri, subprotocols=scope.get("subprotocols") or None, max_size=MAX_MESSAGE)
    request = protocol.connect()
    for name, value in scope["headers"]:
        if name not in DROPPED and name not in HANDSHAKE and not name.startswith(b"x-skylift-"):
            request.headers[name.decode("latin-1")] = value.decode("latin-1")
    for name, value in extra:
        request.headers[name.decode("latin-1")] = value.decode("latin-1")
    protocol.send_request(request)
    _flush(protocol, tunnel)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.SKYLIFT_WEB_REQUEST_TIMEOUT
    while protocol.state is State.CONNECTING and protocol.handshake_exc is None:
        try:
            data = await asyncio.wait_for(tunnel.reader.read(65536), max(0.0, deadline - loop.time()))
        except TimeoutError:
            raise ProxyError(
                504, "timeout", "The endpoint did not answer the WebSocket handshake in time."
            ) from None
        if not data:
            raise ProxyError(
                502, "container_failed", f"The container {tunnel.task_id} closed during the handshake."
            )
        protocol.receive_data(data)
    response = next((e for e in protocol.events_received() if isinstance(e, Response)), None)
    if protocol.state is not State.OPEN or response is None:
        status = response.status_code if response is not None else 502
        body = response.body if response is not None and response.body else b""
        await send(
            {
                "type": "websocket.http.response.start",
                "status": status if status != 101 else 502,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")],
            }
        )
        await send(
            {"type": "websocket.http.response.body", "body": body or b"The endpoint refused the WebSocket."}
        )
        return None
    await send({"type": "websocket.accept", "subprotocol": protocol.subprotocol})
    return protocol


def _flush(protocol: ClientProtocol, tunnel: Tunnel) -> None:
    for data in protocol.data_to_send():
        if data:
            tunnel.writer.write(data)


async def _carry(receive, send, tunnel: Tunnel, protocol: ClientProtocol) -> None:
    async def from_client() -> None:
        while True:
            message = await receive()
            if message["type"] == "websocket.receive":
                if message.get("text") is not None:
                    protocol.send_text(message["text"].encode())
                else:
                    protocol.send_binary(message.get("bytes") or b"")
                _flush(protocol, tunnel)
                await tunnel.writer.drain()
            elif message["type"] == "websocket.disconnect":
                if protocol.state is State.OPEN:
                    protocol.send_close(message.get("code", 1000))
                    _flush(protocol, tunnel)
                return

    async def from_container() -> None:
        parts: list[bytes] = []
        text = False
        while True:
            data = await tunnel.reader.read(256 * 1024)
            if not data:
                protocol.receive_eof()
            else:
                protocol.receive_data(data)
            for frame in protocol.events_received():
                if not isinstance(frame, Frame):
                    continue
                if frame.opcode in (Opcode.TEXT, Opcode.BINARY):
                    parts, text = [bytes(frame.data)], frame.opcode is Opcode.TEXT
                elif frame.opcode is Opcode.CONT:
                    parts.append(bytes(frame.data))
                elif frame.opcode is Opcode.CLOSE:
                    code = protocol.close_rcvd.code if protocol.close_rcvd else 1000
                    await send({"type": "websocket.close", "code": code})
                    _flush(protocol, tunnel)
                    return
                else:
                    continue  # pings are answered by the protocol
                if frame.fin:
                    payload = b"".join(parts)
                    if text:
                        await send({"type": "websocket.send", "text": payload.decode()})
                    else:
                        await send({"type": "websocket.send", "bytes": payload})
            _flush(protocol, tunnel)
            if not data:
                await send({"type": "websocket.close", "code": 1011})
                return

    tasks = [asyncio.ensure_future(from_client()), asyncio.ensure_future(from_container())]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(BaseException):
                await task
