"""A cap on request bodies at the ASGI door.

Django's ASGI handler spools a whole body to disk before any view (or DATA_UPLOAD_MAX_MEMORY_SIZE)
looks at it, so without this a client could fill the disk with one request. A body whose
Content-Length is over the cap is answered 413 before it is read; one that streams past the cap
(no or a false Content-Length) ends the request as a disconnect.
"""

from __future__ import annotations

import json
import re

from django.conf import settings

__all__ = ["BodyLimit"]

_VOLUME_UPLOAD = re.compile(r"/api/v1/volumes/[^/]+/files/")
# Above Django's own limit, so that its 413 (with its message) answers ordinary oversize bodies.
_MARGIN = 1024 * 1024


def body_cap(scope) -> int:
    if scope["method"] == "PUT" and _VOLUME_UPLOAD.fullmatch(scope["path"]):
        return settings.SKYLIFT_VOLUME_MAX_UPLOAD
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE + _MARGIN


class BodyLimit:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        cap = body_cap(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > cap:
            body = json.dumps(
                {
                    "error": {
                        "code": "too_large",
                        "message": f"The request body is larger than {cap} bytes.",
                        "hint": "Send less at once (volume uploads: SKYLIFT_VOLUME_MAX_UPLOAD).",
                    }
                }
            ).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 413,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode()),
                        (b"connection", b"close"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return None
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
