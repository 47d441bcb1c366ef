"""A cap on request bodies at the ASGI door.

Django's ASGI handler spools a whole body to disk before any view (or DATA_UPLOAD_MAX_MEMORY_SIZE)
looks at it, so without this a client could fill the disk with one request. A body whose
Content-Length is over the cap is answered 413 before it is read; one that streams past the cap
(no or a false Content-Length) is cut (the application sees a disconnect) and answered 413.
"""

from __future__ import annotations

import re

from django.conf import settings

from config.errors import error_body, send_error

__all__ = ["BodyLimit", "body_cap", "declared_length", "read_body"]

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


async def read_body(receive, limit: int) -> tuple[bytes, bool] | None:
    """The request body as far as `limit` bytes (or one chunk past): (body, whether more follows).

    For a handler that serves small bodies itself and hands the rest to an application behind
    `BodyLimit` (the fast path of calls). None when the client went away.
    """
    chunks, seen = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunk = message.get("body", b"")
        chunks.append(chunk)
        seen += len(chunk)
        more = message.get("more_body", False)
        if not more or seen > limit:
            return b"".join(chunks), more


class BodyLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        cap = body_cap(scope)
        declared = declared_length(scope)
        if declared is not None and declared > cap:
            await send_too_large(send, cap)
            return
        seen, cut, started = 0, False, False

        async def counted():
            nonlocal seen, cut
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > cap:
                    cut = True
                    return {"type": "http.disconnect"}
            return message

        async def watched(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, watched)
        if cut and not started:
            # Django gives up on a request whose client went away, answering nothing; this one's is
            # still there, and is told why.
            await send_too_large(send, cap)
