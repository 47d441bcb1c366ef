"""The caller's hot Dict operations, `POST /api/v1/dicts/{id}/get/` and `.../put/`, served without DRF.

A Dict get from the caller must take a few milliseconds, and Django's per-request machinery
(sync middleware, thread hops, DRF) costs more than that on its own. As `functions.fastpath` does
for `.remote()`, this ASGI handler serves the common case itself: the token checked as the calls'
fast path checks it (its short cache, the revocation epoch from Redis), then one statement of
`state.operations` on an async pool (which names the workspace: another workspace's Dict is not
found). It answers exactly what `DictViewSet` would.

Anything else falls through to Django, which gives the full answer: a session, a body it does not
expect, a Dict not found, a limit refused (nothing was written), any error. Both operations are
safe to run twice (a get; a put of the same value), so falling through after a failure is safe.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import re

from config.body_limit import declared_length, read_body
from config.errors import ApiError
from functions import delivery
from functions.fastpath import RemoteCallFastPath, _has_session, _refusal, _replay

from . import operations as ops

__all__ = ["DictFastPath"]

log = logging.getLogger(__name__)

PATH = re.compile(r"^/api/v1/dicts/(di-[A-Za-z0-9]{1,29})/(get|put)/$")
BODY_MAX = 4 * 1024 * 1024


def serves(scope) -> bool:
    return scope["method"] == "POST" and PATH.match(scope["path"]) is not None


def _parse(body: bytes, headers: dict, op: str) -> dict | None:
    """The request when it is the case served here; None sends it to Django."""
    if not headers.get(b"content-type", b"").startswith(b"application/json"):
        return None
    try:
        data = json.loads(body)
        if not isinstance(data, dict):
            return None
        if op == "get":
            if set(data) != {"key"} or not isinstance(data["key"], str):
                return None
            return {"key": base64.b64decode(data["key"], validate=True)}
        if set(data) - {"entries", "skip_if_exists"} or not isinstance(
            data.get("skip_if_exists", False), bool
        ):
            return None
        entries = data.get("entries")
        if not isinstance(entries, list) or not 0 < len(entries) <= ops.MAX_BATCH:
            return None
        parsed = []
        for e in entries:
            if not isinstance(e, dict) or set(e) - {"key", "value", "key_preview", "value_preview"}:
                return None
            kp, vp = e.get("key_preview", ""), e.get("value_preview", "")
            if not all(isinstance(x, str) for x in (e.get("key"), e.get("value"), kp, vp)):
                return None
            key = base64.b64decode(e["key"], validate=True)
            value = base64.b64decode(e["value"], validate=True)
            parsed.append((key, value, kp, vp))
        return {"entries": parsed, "skip_if_exists": data.get("skip_if_exists", False)}
    except (ValueError, TypeError, binascii.Error, RecursionError):
        return None


class DictFastPath:
    """ASGI handler for the Dict operations above; `calls` lends its pool, Redis and token check."""

    def __init__(self, calls: RemoteCallFastPath, fallback):
        self.calls = calls
        self.fallback = fallback

    async def __call__(self, scope, receive, send) -> None:
        headers = dict(scope["headers"])
        authorization = b",".join(v for k, v in scope["headers"] if k == b"authorization") or None
        declared = declared_length(scope)
        if (
            authorization is None
            or _refusal(authorization) is not None
            or _has_session(headers)
            or (declared is not None and declared > BODY_MAX)
        ):
            await self.fallback(scope, receive, send)  # Django says what is wrong (401, 413, ...)
            return
        read = await read_body(receive, BODY_MAX)
        if read is None:
            return  # the client went away
        body, more = read
        answer = None
        if not more:
            try:
                answer = await self._serve(scope, headers, authorization, body)
            except ApiError:
                answer = None  # a limit: Django answers it, and nothing was written
            except Exception:  # noqa: BLE001 - Django answers properly (a 503 on a lost database, ...)
                log.warning("dict fast path fell back to Django", exc_info=True)
                self.calls._check_pool_soon()
        if answer is None:
            await self.fallback(scope, _replay(body, more, receive), send)
            return
        payload = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-skylift-path", b"fast"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def _serve(self, scope, headers: dict, authorization: bytes, body: bytes) -> dict | None:
        match = PATH.match(scope["path"])
        assert match is not None  # `serves` said so
        dict_id, op = match.group(1), match.group(2)
        request = _parse(body, headers, op)
        if request is None:
            return None
        checked = await self.calls._authenticate(authorization)  # not provisional: the epoch is read now
        if checked is None:
            return None  # Django answers 401
        workspace_id = checked[0][0]
        async with self.calls.pool.connection() as conn:
            if op == "put":
                put = ops.dict_put(
                    workspace_id, dict_id, request["entries"], skip_if_exists=request["skip_if_exists"]
                )
                found, written = await delivery.arun(conn, put)
                return {"written": written} if found else None
            got = await delivery.arun(conn, ops.dict_get(workspace_id, dict_id, request["key"]))
        if not got.found:
            return None  # Django's 404
        value = got.value
        return {
            "found": value is not None,
            "value": base64.b64encode(value).decode() if value is not None else None,
        }
