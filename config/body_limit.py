"""A cap on request bodies at the ASGI door.

Django's ASGI handler spools a whole body to disk before any view (or DATA_UPLOAD_MAX_MEMORY_SIZE)
looks at it, so without this a client could fill the disk with one request. A body whose
Content-Length is over the cap is answered 413 before it is read; one that streams past the cap
(no or a false Content-Length) ends the request as a disconnect.

`read_body` is the same cap for an ASGI handler that reads a body itself (the fast path of calls):
it keeps the chunks, never more than the cap, and says when the body went past it.
"""

from __future__ import annotations

import re

from django.conf import settings

from config.errors import error_body, send_error

__all__ = ["BodyLimit", "body_cap", "declared_length", "read_body", "send_too_large"]

_VOLUME_UPLOAD = re.compile(r"/api/v1/volumes/[^/]+/files/")
# Above Django's own limit, so that its 413 (with its message) answers ordinary oversize bodies.
_MARGIN = 1024 * 1024


def body_cap(scope) -> int:
    if scope["method"] == "PUT" and _VOLUME_UPLOAD.fullmatch(scope["path"]):
        return settings.SKYLIFT_VOLUME_MAX_UPLOAD
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE + _MARGIN


def declared_length(scope) -> int | None:
    declared = dict(scope.get("headers") or []).get(b"content-length")
    return int(declared) if declared is not None and declared.isdigit() else None


async def send_too_large(send, cap: int) -> None:
    body = error_body(
        "too_large",
        f"The request body is larger than {cap} bytes.",
        hint="Send less at once (SKYLIFT_MAX_REQUEST_BYTES; volume uploads: SKYLIFT_VOLUME_MAX_UPLOAD).",
    )
    await send_error(send, 413, body)


async def read_body(receive, cap: int) -> bytes | None:
    """The whole request body, or None once it passes `cap` bytes (or the client went away)."""
    chunks, seen = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        seen += len(chunk)
        if seen > cap:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class BodyLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        cap = body_cap(scope)
        declared = declared_length(scope)
        if declared is not None and declared > cap:
            return await send_too_large(send, cap)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    return {"type": "http.disconnect"}
            return message

        return await self.app(scope, counted, send)
