"""The in-container web runtime's coalescing transport: writes of one event loop turn leave in one send.

A real Unix socket pair and a real event loop (asyncio's, and uvloop's, which a container uses when
its image has it); the far end reads what arrived with one recv. The sends themselves are counted
on asyncio's transport (uvloop's, in C, cannot be watched).
"""

from __future__ import annotations

import asyncio
import socket

import pytest
import uvloop

from skylift._web_runtime import _Coalescing

LOOPS = {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}


def _run(loop_name: str, coroutine):
    with asyncio.Runner(loop_factory=LOOPS[loop_name]) as runner:
        return runner.run(coroutine)


class _Answering(asyncio.Protocol):
    """Writes its answers as uvicorn does a response: the head, then the body, apart."""

    def __init__(self, answers: list[list[bytes]], closes: bool = False) -> None:
        self.answers, self.closes = answers, closes
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        assert self.transport is not None
        for piece in self.answers.pop(0):
            self.transport.write(piece)
        if self.closes:
            self.transport.close()


async def _serve(protocol: _Answering, requests: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """What the far end received per request, and each send the socket's transport was asked for."""
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    theirs.setblocking(False)
    transport, _ = await loop.connect_accepted_socket(lambda: _Coalescing(protocol, loop), ours)
    sends: list[bytes] = []
    write = transport.write

    def counted(data) -> None:
        sends.append(bytes(data))
        write(data)

    if isinstance(transport, asyncio.Transport):  # asyncio's own transport, in Python
        transport.write = counted  # type: ignore[method-assign]
    received = []
    for request in requests:
        await loop.sock_sendall(theirs, request)
        await asyncio.sleep(0.05)  # every write of the answer has left by now
        received.append(theirs.recv(65536))
    theirs.close()
    return received, sends


@pytest.mark.parametrize("loop_name", LOOPS)
def test_it_sends_a_responses_head_and_body_in_one_piece(loop_name):
    # given
    head = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"
    protocol = _Answering([[head, b"ok"], [b"second"]])
    # when
    received, sends = _run(loop_name, _serve(protocol, [b"first request", b"second request"]))
    # then
    assert received == [head + b"ok", b"second"]
    if loop_name == "asyncio":
        assert sends == [head + b"ok", b"second"]


@pytest.mark.parametrize("loop_name", LOOPS)
def test_what_is_written_before_a_close_is_sent_before_it(loop_name):
    protocol = _Answering([[b"HTTP/1.1 400 Bad Request\r\n\r\n", b"bad"]], closes=True)
    received, sends = _run(loop_name, _serve(protocol, [b"nonsense"]))
    assert received == [b"HTTP/1.1 400 Bad Request\r\n\r\nbad"]
    if loop_name == "asyncio":
        assert sends == received


@pytest.mark.parametrize("loop_name", LOOPS)
def test_uvicorns_protocol_gets_the_callbacks_itself_after_the_connection_is_made(loop_name):
    async def check() -> None:
        loop = asyncio.get_running_loop()
        ours, theirs = socket.socketpair()
        protocol = _Answering([])
        transport, _ = await loop.connect_accepted_socket(lambda: _Coalescing(protocol, loop), ours)
        assert transport.get_protocol() is protocol
        transport.close()
        theirs.close()

    _run(loop_name, check())
