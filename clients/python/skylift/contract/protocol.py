"""The data-plane wire format between a container and its host agent's relay.

A frame is an 8-byte prefix (header length, body length; big-endian), a JSON header and an
opaque body. Payloads (pickled arguments and results) travel in the body, concatenated, with
their sizes in the header, so the relay never parses them.

Standard library only: this module runs inside user containers.
"""

from __future__ import annotations

import json
import socket
import struct
from typing import Any

__all__ = ["MAX_HEADER", "RESTRICTED", "decode_header", "encode_frame", "read_frame", "split_body"]

# Why the relay refuses a request of a container whose function has restrict_modal_access=True
# (its error code: "restricted"); the runtime raises AuthError with it before even asking.
RESTRICTED = (
    "This function runs with restrict_modal_access=True: it reaches no platform object (Dict, "
    "Queue, Volume API, function, secret or lookup) but its own inputs and outputs."
)

_PREFIX = struct.Struct(">II")
MAX_HEADER = 16 * 1024 * 1024


def encode_frame(header: dict[str, Any], body: bytes = b"") -> bytes:
    raw = json.dumps(header, separators=(",", ":")).encode()
    return _PREFIX.pack(len(raw), len(body)) + raw + body


def decode_header(raw: bytes) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(raw)
    return header


def split_body(body: bytes, sizes: list[int]) -> list[bytes]:
    parts, offset = [], 0
    for size in sizes:
        parts.append(body[offset : offset + size])
        offset += size
    return parts


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(n - len(buf), 1 << 20))
        if not chunk:
            raise EOFError("the relay closed the connection")
        buf += chunk
    return bytes(buf)


def read_frame(sock: socket.socket) -> tuple[dict[str, Any], bytes]:
    header_len, body_len = _PREFIX.unpack(_recv_exact(sock, _PREFIX.size))
    if header_len > MAX_HEADER:
        raise ValueError("frame header too large")
    header = decode_header(_recv_exact(sock, header_len))
    body = _recv_exact(sock, body_len) if body_len else b""
    return header, body
