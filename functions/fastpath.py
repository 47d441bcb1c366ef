"""The hot path of `.remote()` and `.spawn()`: `POST /api/v1/calls/` with one input, served without DRF.

A warm `.remote()` must come back in a few milliseconds, and Django's per-request machinery
(thread hops through sync middleware, the ORM, DRF) costs more than that on its own. This
ASGI handler serves the common case in one database round trip (authenticate from a short
cache, check the function, insert the call and its input, see whether a container is alive),
one Redis push, and a wait on the call's wake-up list; it answers with exactly what
`FunctionCallViewSet.create` would. The function is named by its id, or by its deployed app's
name, its own and the environment's (`Function.from_name(...).remote()` with no lookup first:
the same statement finds it). Anything else (another kind of call, a session, an
idempotency key already used, a stopped app, a limit reached, malformed input, any error)
falls through to Django, which gives the full answer.

The door comes first: the token is checked before any of the body is read, so a request with no
or a wrong token is answered 401 at once. Only a body this path can serve is read here (a few
hundred KiB); what falls through reaches Django behind the body cap of every route (413 past it,
declared or streamed).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import hmac
import json
import logging
import time

import psycopg
import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.http.cookie import parse_cookie
from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool
from redis.exceptions import NoScriptError

from accounts import revocation
from accounts.authentication import (
    HEADER_TOO_LONG,
    INVALID_TOKEN,
    MALFORMED_HEADER,
    MAX_AUTHORIZATION_BYTES,
    NO_CREDENTIALS,
    parse_bearer,
)
from apps.models import DEFAULT_ENVIRONMENT
from config.body_limit import declared_length, read_body
from config.database import conninfo
from config.errors import TOKEN_HINT, error_body, send_error
from config.ids import new_id

from . import blobs, delivery
from .models import CallStatus, Input
from .queues import OUTPUT_FIELDS, done_key, input_queue_key, output_message
from .ratelimit import RATE_SCRIPT, bucket_key
from .services import limits_for

__all__ = ["RemoteCallFastPath"]

log = logging.getLogger(__name__)

# As accounts.authentication: a checked token is kept this long while the revocation epoch holds
# (a revoked token stops at once; an expired one, or a workspace's changed rate, within this).
TOKEN_CACHE_SECONDS = 5.0

I = Input._meta.db_table  # noqa: E741

OUTPUT_SQL = f"""
SELECT id, idx, status, result, result_blob, result_kind, cause, message, finished_seq, codec FROM {I}
 WHERE id = %s AND status NOT IN {delivery.UNFINISHED}
"""

# A personal token's user must be a member of its workspace; a service token (a role of its own,
# accounts.service_tokens) has no membership.
TOKEN_SQL = """
SELECT t.secret_hash, t.workspace_id, t.user_id, w.input_rate, w.input_burst FROM accounts_apitoken t
  JOIN accounts_workspace w ON w.id = t.workspace_id
  JOIN auth_user u ON u.id = t.user_id AND u.is_active
  LEFT JOIN accounts_membership m ON m.workspace_id = t.workspace_id AND m.user_id = t.user_id
 WHERE t.id = %s AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
   AND (m.id IS NOT NULL OR t.role <> '')
"""


_CHALLENGE = {b"www-authenticate": b'Bearer realm="skylift"'}
# The largest body this path serves (one input of at most blobs.THRESHOLD bytes, in base64, and
# the rest of the document); a larger one goes to Django, behind the body cap of every route.
FAST_BODY_MAX = blobs.THRESHOLD * 4 // 3 + 64 * 1024


def _refusal(authorization: bytes | None) -> str | None:
    """Why an Authorization header cannot be a token's, without asking anyone; None if it may be."""
    if authorization is None:
        return NO_CREDENTIALS
    if len(authorization) > MAX_AUTHORIZATION_BYTES:
        return HEADER_TOO_LONG
    if parse_bearer(authorization.decode("latin-1")) is None:
        return MALFORMED_HEADER
    return None


def _has_session(headers: dict) -> bool:
    cookies = parse_cookie(headers.get(b"cookie", b"").decode("latin-1"))
    return settings.SESSION_COOKIE_NAME in cookies


def _replay(body: bytes, more: bool, receive):
    """`receive` for Django: first what the fast path already read, then the rest of the body."""
    replayed = False

    async def replay():
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay


def _parse(body: bytes, headers: dict) -> dict | None:
    """The request, when it is the case this path serves; None sends it to Django."""
    if not headers.get(b"content-type", b"").startswith(b"application/json"):
        return None
    try:
        data = json.loads(body)
        if not isinstance(data, dict) or set(data) - {
            "function_id",
            "kind",
            "method",
            "inputs",
            "wait",
            "idempotency_key",
            "closed",
            "app_name",
            "function_name",
            "environment",
        }:
            return None
        inputs, wait, kind = data.get("inputs"), data.get("wait", 0), data.get("kind", "remote")
        if kind not in ("remote", "spawn") or not data.get("closed", True):
            return None
        if not isinstance(inputs, list) or len(inputs) != 1 or not isinstance(inputs[0], str):
            return None
        if not isinstance(wait, (int, float)) or isinstance(wait, bool) or not 0 <= wait <= 50:
            return None
        key, method, function = data.get("idempotency_key"), data.get("method", ""), data.get("function_id")
        named = {"app_name", "function_name", "environment"} & set(data)
        if function is not None and named:
            return None  # one or the other: Django says so
        by_name = _named(data) if function is None else None
        if (
            not (isinstance(function, str) and len(function) <= 32 or by_name)
            or not isinstance(method, str)
            or len(method) > 128
        ):
            return None
        if key is not None and (not isinstance(key, str) or len(key) > 64):
            return None
        args = base64.b64decode(inputs[0], validate=True)
        if len(args) > blobs.THRESHOLD:
            return None  # large arguments go to blob storage, on Django's path
        return {
            "function": function,
            "by_name": by_name,
            "kind": kind,
            "method": method,
            "wait": float(wait),
            "key": key,
            "args": args,
        }
    except (ValueError, TypeError, binascii.Error, RecursionError):
        return None  # Django's parser gives the 400 (a document nested too deeply included)


def _named(data: dict) -> tuple[str, str, str] | None:
    """(app, function, environment) of a call to a deployed app's function by its names; None when
    the request does not name one this path can look up (Django then explains)."""
    app, name = data.get("app_name"), data.get("function_name")
    environment = data.get("environment") or DEFAULT_ENVIRONMENT
    if not (isinstance(app, str) and isinstance(name, str) and isinstance(environment, str)):
        return None
    if not all(0 < len(n) <= 128 for n in (app, name, environment)):
        return None
    return app, name, environment


class RemoteCallFastPath:
    """ASGI handler for `POST /api/v1/calls/`; `fallback` is the Django application."""

    def __init__(self, fallback):
        self.fallback = fallback
        # Both are made by the first request (`_open`), in the server's event loop; every use comes
        # after it. Until then they are None (`opened` is False).
        self.opened = False
        self.pool: AsyncConnectionPool = None  # type: ignore[assignment]  # see above
        self.redis: aioredis.Redis = None  # type: ignore[assignment]  # see above
        self.tokens: dict[str, tuple] = {}
        self.checking: asyncio.Task | None = None

    async def _open(self) -> None:
        if not self.opened:
            pool = AsyncConnectionPool(
                conninfo(), min_size=2, max_size=16, open=False, kwargs={"autocommit": True}
            )
            await pool.open()
            self.redis = aioredis.Redis.from_url(settings.REDIS_URL, max_connections=256, socket_timeout=None)
            self.rate_sha = hashlib.sha1(RATE_SCRIPT.encode()).hexdigest()  # noqa: S324 - Redis names scripts so
            self.pool = pool
            self.opened = True

    async def _check_pool(self) -> None:
        try:
            await self.pool.check()
        finally:
            self.checking = None

    async def _authenticate(
        self, authorization: bytes, *, provisional: bool = False
    ) -> tuple[tuple[str, int, float, float], bytes | None] | None:
        """(workspace, user, input rate, burst) of a valid token, and the revocation epoch it was
        checked under; None for any other header.

        `provisional`: a token checked within TOKEN_CACHE_SECONDS is taken on the cache's word,
        without asking Redis; the caller must confirm the epoch (`_serve` does, in the round trip
        that takes the rate token) before it acts on the request. It may only read a body of at
        most FAST_BODY_MAX meanwhile.
        """
        parsed = parse_bearer(authorization.decode("latin-1"))
        if parsed is None:
            return None
        token_id, secret = parsed
        await self._open()
        now = time.monotonic()
        cached = self.tokens.get(token_id)
        if not (provisional and cached is not None and cached[0] >= now):
            # Read before the database, so that a revocation in between is seen (accounts.revocation).
            epoch = await revocation.current_async(self.redis)
            if cached is None or cached[0] < now or cached[6] != epoch:
                row = await self._token_row(token_id)
                if row is None:
                    return None
                if len(self.tokens) > 10_000:
                    self.tokens.clear()
                cached = self.tokens[token_id] = (
                    now + TOKEN_CACHE_SECONDS,
                    row["secret_hash"],
                    row["workspace_id"],
                    row["user_id"],
                    float(row["input_rate"] or settings.SKYLIFT_INPUT_RATE),
                    float(row["input_burst"] or settings.SKYLIFT_INPUT_BURST),
                    epoch,
                )
        if not hmac.compare_digest(cached[1], hashlib.sha256(secret.encode()).hexdigest()):
            return None
        return (cached[2], cached[3], cached[4], cached[5]), cached[6]

    async def _epoch_and_rate(self, who: tuple[str, int, float, float]) -> tuple[bytes | None, float]:
        """In one round trip: the revocation epoch now, and a rate token of the workspace taken
        (the seconds to wait when there is none).

        EVALSHA by hand: a pipeline holding a redis-py Script asks SCRIPT EXISTS first on every
        execute, one more round trip on the hot path. Redis forgets scripts when it restarts:
        then the script is loaded and the pipeline sent again.
        """
        for attempt in range(2):
            pipe = self.redis.pipeline(transaction=False)
            pipe.get(revocation.EPOCH_KEY)
            pipe.evalsha(self.rate_sha, 1, bucket_key(who[0]), who[2], who[3], time.time(), 1)
            try:
                current, wait = await pipe.execute()
                return current, wait
            except NoScriptError:
                if attempt:
                    raise
                await self.redis.script_load(RATE_SCRIPT)
        raise AssertionError("unreachable")

    async def _token_row(self, token_id: str) -> dict | None:
        for attempt in range(2):
            try:
                async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
                    await cur.execute(TOKEN_SQL, [token_id])
                    return await cur.fetchone()
            except psycopg.OperationalError:
                # A pooled connection the database dropped: as in `_serve`, once more on a fresh one.
                if attempt:
                    raise
                await self.pool.check()
        return None

    def _check_pool_soon(self) -> None:
        # The database may have dropped every pooled connection: find the dead ones now.
        if self.pool is not None and self.checking is None:
            self.checking = asyncio.get_running_loop().create_task(self._check_pool())

    async def __call__(self, scope, receive, send) -> None:
        # The token is checked before any of the body is read: a request without a valid token
        # costs the server nothing but its headers.
        headers = dict(scope["headers"])
        # Repeated headers joined with commas, as Django reads them, so that both see one value.
        authorization = b",".join(v for k, v in scope["headers"] if k == b"authorization") or None
        if authorization is None and _has_session(headers):
            # The dashboard's session: Django checks it (reading no more than the cap of every route).
            await self.fallback(scope, receive, send)
            return
        refusal = _refusal(authorization)
        if refusal is not None or authorization is None:
            why = refusal or NO_CREDENTIALS
            await send_error(
                send, 401, error_body("unauthenticated", why, hint=TOKEN_HINT), headers=_CHALLENGE
            )
            return
        try:
            checked = await self._authenticate(authorization, provisional=True)
        except Exception:  # noqa: BLE001 - Django answers properly (a 503 on a lost database, and so on)
            log.warning("fast path could not check a token; Django answers", exc_info=True)
            self._check_pool_soon()
            await self.fallback(scope, receive, send)
            return
        if checked is None:
            await send_error(
                send, 401, error_body("unauthenticated", INVALID_TOKEN, hint=TOKEN_HINT), headers=_CHALLENGE
            )
            return
        declared = declared_length(scope)
        if declared is not None and declared > FAST_BODY_MAX:
            await self.fallback(scope, receive, send)  # too large to serve here: Django, capped
            return
        read = await read_body(receive, FAST_BODY_MAX)
        if read is None:
            return  # the client went away
        body, more = read
        headers[b"authorization"] = authorization
        request = _parse(body, headers) if not more else None
        try:
            response, source = await self._serve(request, headers, *checked) if request else (None, "")
        except Exception:  # noqa: BLE001 - Django answers properly (a 503 on a lost database, and so on)
            log.warning("fast path fell back to Django", exc_info=True)
            response = None
            self._check_pool_soon()
        if response is None:
            await self.fallback(scope, _replay(body, more, receive), send)
            return
        payload = json.dumps(response).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 201,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(payload)).encode()),
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-skylift-path", b"fast"),  # tells tests (and curious operators) which path answered
                    (b"x-skylift-output", source.encode()),  # ... and where the output came from
                ],
            }
        )
        await send({"type": "http.response.body", "body": payload})

    async def _serve(
        self, request: dict, headers: dict, who: tuple[str, int, float, float], epoch: bytes | None
    ) -> tuple[dict | None, str]:
        """The answer and where its output came from ("wake-up", "database" or "none"); None for Django."""
        await self._open()
        if request["key"] is None and b"idempotency-key" in headers:
            # The header spelling of the key, for clients that retry at the HTTP level.
            key = headers[b"idempotency-key"].decode("latin-1")
            if not 0 < len(key) <= 64:
                return None, ""  # Django explains what is wrong with it
            request = {**request, "key": key}
        call_id, input_id = new_id("fc"), new_id("in")
        current, wait = await self._epoch_and_rate(who)
        if current is None or current != epoch:
            # Something was revoked since the token's check (or Redis lost its keys): check it again.
            checked = await self._authenticate(headers[b"authorization"])
            if checked is None:
                return None, ""  # revoked: Django answers 401
            who = checked[0]
        if wait:
            return None, ""  # over the workspace's rate: Django answers 429 with Retry-After
        for attempt in range(2):
            try:
                async with self.pool.connection() as conn:
                    row = await delivery.arun(
                        conn, self._accept(request, who, call_id, input_id, retrying=attempt > 0)
                    )
                break
            except psycopg.OperationalError:
                # A pooled connection the database dropped (restart, terminated sessions): drop the
                # dead ones and try once more on a fresh one, without taking the rate token twice.
                # The statement may have committed before the connection dropped: the retry, with
                # the same ids, then finds the call it made (`retrying`) instead of making another.
                if attempt:
                    raise
                await self.pool.check()
        if row is None:
            return None, ""  # unknown function, stopped app, limit, or a reused key: Django knows what to say
        # The call is committed: from here on nothing may send the request to Django (that would
        # accept it twice). What fails is caught up by others: a lost push by the reconciler, a
        # missed container start by the autoscaler's next tick, a lost wait by the caller's polls.
        try:
            output, source = await self._dispatch(request, row["function_id"], row["live"], call_id, input_id)
        except Exception:  # noqa: BLE001
            log.warning("call %s accepted; its dispatch is left to the reconciler", call_id, exc_info=True)
            output, source = None, "none"
        return {
            "call": {
                "id": call_id,
                "function_id": row["function_id"],
                "function_name": row["name"],
                "app_id": row["app_id"],
                "kind": request["kind"],
                # As the row stood when the call was created; GET /calls/{id}/ reads it afresh.
                "status": CallStatus.PENDING.value,
                "input_count": 1,
                "created_at": row["created_at"].isoformat().replace("+00:00", "Z"),
                "finished_at": None,
            },
            "input_ids": [input_id],
            "outputs": [output] if output else [],
        }, source

    async def _dispatch(
        self, request: dict, function_id: str, live: bool, call_id: str, input_id: str
    ) -> tuple[dict | None, str]:
        queue = input_queue_key(function_id)
        deadline = time.monotonic() + min(request["wait"], settings.SKYLIFT_LONG_POLL_SECONDS)
        if live and request["wait"]:
            # The push and the first wait for the result share one round trip.
            pipe = self.redis.pipeline(transaction=False)
            pipe.rpush(queue, input_id)
            pipe.blpop([done_key(call_id)], timeout=min(request["wait"], 1.0))
            woken = (await pipe.execute())[1]
        else:
            await self.redis.rpush(queue, input_id)
            if not live:
                from .autoscaler import ensure_capacity_detached

                await sync_to_async(ensure_capacity_detached, thread_sensitive=False)(function_id)
            woken = None
        if not request["wait"]:
            return None, "none"
        return await self._wait(call_id, input_id, deadline, woken)

    @staticmethod
    def _accept(request: dict, who: tuple, call_id: str, input_id: str, *, retrying: bool):
        max_pending, max_outstanding = limits_for(request["kind"])
        return delivery.accept_one(
            call_id=call_id,
            input_id=input_id,
            workspace_id=who[0],
            function_id=request["function"],
            by_name=request["by_name"],
            user_id=who[1],
            kind=request["kind"],
            method=request["method"],
            args=request["args"],
            idempotency_key=request["key"],
            max_pending=max_pending,
            max_outstanding=max_outstanding,
            retrying=retrying,
        )

    async def _wait(self, call_id: str, input_id: str, deadline: float, woken) -> tuple[dict | None, str]:
        first = woken is not None
        while True:
            remaining = deadline - time.monotonic()
            if not first:
                woken = await self.redis.blpop([done_key(call_id)], timeout=max(0.01, min(remaining, 1.0)))
            first = False
            if woken:
                # The relay puts a small output of a one-input call in the wake-up, after committing it.
                carried = _carried_output(woken[1], input_id)
                if carried is not None:
                    return carried, "wake-up"
            if woken or remaining <= 1.0:
                # Woken, or about to give up: the database decides (a lost wake-up costs one poll).
                async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
                    await cur.execute(OUTPUT_SQL, [input_id])
                    out = await cur.fetchone()
                if out is not None and out["result_blob"]:
                    out["result"] = await asyncio.to_thread(blobs.load, out["result_blob"])
                if out is not None:
                    result = bytes(out["result"]) if out["result"] is not None else None
                    return output_message(out, result), "database"
            if remaining <= 0:
                return None, "none"


def _carried_output(message: bytes, input_id: str) -> dict | None:
    """The output a wake-up carries, when it is this input's; None for a plain nudge."""
    if message[:1] != b"{":
        return None
    try:
        output = json.loads(message)
    except ValueError:
        return None
    if (
        not isinstance(output, dict)
        or output.get("input_id") != input_id
        or set(output) != set(OUTPUT_FIELDS)
    ):
        return None
    return output
