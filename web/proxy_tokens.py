"""Proxy auth tokens: made, listed and revoked here, and checked on the gateway's hot path.

A web endpoint with `requires_proxy_auth=True` answers only requests that carry a token of its
workspace: its key in `Skylift-Key` and its secret in `Skylift-Secret` (Modal's `Modal-Key` and
`Modal-Secret` are read too). `check` decides; the gateway answers 401 with its message.

The check asks the database nothing once warm. A token checked once is kept in this process's
memory with the revocation epoch it was checked under (`accounts.revocation`, the mechanism API
tokens use): each request reads that epoch from Redis (one GET) and trusts the cached token only
while it holds. Revoking or deleting a token replaces the epoch, so every process stops
accepting it at the next request. When Redis cannot say, nothing cached is trusted and each
request asks the database. A key no token has is remembered for a while too, so that a client
repeating a wrong key does not cost a query per request.

`last_used_at` is written at most once a minute per token, in the background, never on the
request's path.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import time
import weakref
from dataclasses import dataclass
from datetime import timedelta

import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import DatabaseError, connection, models
from django.utils import timezone

from accounts import audit, revocation
from accounts.models import Workspace, hash_secret, new_secret
from config.errors import REDIS_DOWN

from .models import ProxyToken

__all__ = [
    "INVALID",
    "MAX_HEADER_BYTES",
    "Unavailable",
    "check",
    "create",
    "delete",
    "revoke",
    "settled",
    "tokens",
]

log = logging.getLogger(__name__)

KEY_HEADERS = (b"skylift-key", b"modal-key")
SECRET_HEADERS = (b"skylift-secret", b"modal-secret")
# A key is 25 bytes and a secret 46: a longer header is refused before anything hashes it.
MAX_HEADER_BYTES = 256
# Keys are `wk-` plus letters and digits (config.ids): any other bytes never reach the database.
_KEY = re.compile(r"wk-[A-Za-z0-9]{1,29}")

# How long a checked token (or an unknown key) is kept. The revocation epoch ends it at once
# when a token is revoked; this bounds only the case of a revocation made while Redis could not
# be reached, as accounts.authentication's cache does.
CACHE_SECONDS = 5.0
# `last_used_at` is written at most this often per token.
LAST_USED_EVERY = 60.0
_CACHE_MAX = 10_000

MISSING = (
    "This endpoint requires a proxy token: send its key and secret in the Skylift-Key and "
    "Skylift-Secret headers (Modal-Key and Modal-Secret are read too). Create one with "
    "`skylift workspace proxy-tokens create` or in the dashboard."
)
INVALID = "Invalid or revoked proxy token."


def _incomplete(missing: str) -> str:
    return f"The proxy token's {missing} is missing: send both Skylift-Key and Skylift-Secret."


def _too_long(name: bytes) -> str:
    shown = "-".join(part.capitalize() for part in name.decode().split("-"))
    return (
        f"The {shown} header is too long (over {MAX_HEADER_BYTES} bytes); a proxy token's key and "
        "secret take under a hundred."
    )


class Unavailable(Exception):
    """The database could not be asked about a token this process has not checked lately."""


# Making, listing, revoking ---------------------------------------------------------------------


def create(*, workspace: Workspace, user, name: str = "") -> tuple[ProxyToken, str]:
    """A new token of the workspace, with its secret: returned once, stored only as a hash."""
    secret = new_secret("ws")
    token = ProxyToken.objects.create(
        workspace=workspace,
        name=name,
        secret_hash=hash_secret(secret),
        secret_suffix=secret[-4:],
        created_by=user,
    )
    audit.record(workspace=workspace, action="proxy_token.create", target=token, actor=user)
    return token, secret


def tokens(workspace: Workspace) -> models.QuerySet[ProxyToken]:
    """The workspace's tokens, newest first, revoked ones included."""
    return ProxyToken.objects.filter(workspace=workspace).select_related("created_by").order_by("-created_at")


def revoke(*, token: ProxyToken) -> ProxyToken:
    """Revoke a token for good: every process refuses it from its next request on."""
    changed = ProxyToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    revocation.revoked()
    if changed:
        audit.record(workspace=token.workspace_id, action="proxy_token.revoke", target=token)
    token.refresh_from_db(fields=["revoked_at"])
    return token


def delete(*, token: ProxyToken) -> None:
    """Remove a token (revoked or not); like revoking, at once everywhere."""
    ProxyToken.objects.filter(pk=token.pk).delete()
    revocation.revoked()
    audit.record(workspace=token.workspace_id, action="proxy_token.delete", target=token)


# Checking --------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Checked:
    secret_hash: str
    workspace_id: str
    epoch: bytes
    fresh_until: float


_checked: dict[str, _Checked] = {}
_unknown: dict[str, float] = {}  # key -> until when it is known to name no usable token
_touched: dict[str, float] = {}  # key -> when this process last had last_used_at written
_touching: set[asyncio.Task] = set()
_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = weakref.WeakKeyDictionary()


def _credentials(headers: list[tuple[bytes, bytes]]) -> tuple[str, str] | str:
    """(key, secret) from the headers, or what is wrong with them."""
    key = secret = None
    for name, value in headers:
        lowered = name.lower()
        if lowered in KEY_HEADERS or lowered in SECRET_HEADERS:
            if len(value) > MAX_HEADER_BYTES:
                return _too_long(lowered)
            if lowered in KEY_HEADERS:
                key = key if key is not None else value
            else:
                secret = secret if secret is not None else value
    if key is None and secret is None:
        return MISSING
    if key is None or secret is None:
        return _incomplete("key" if key is None else "secret")
    return key.decode("latin-1").strip(), secret.decode("latin-1").strip()


def _redis() -> aioredis.Redis:
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None:
        client = _clients[loop] = aioredis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5
        )
    return client


async def _epoch() -> bytes | None:
    try:
        epoch = await revocation.current_async(_redis())
    except REDIS_DOWN:
        log.warning("redis unavailable: proxy tokens are checked against the database")
        return None
    return epoch.encode() if isinstance(epoch, str) else epoch


def _in_own_thread(work):
    """Run `work` off the event loop, on a connection handed back to Django's pool at once: the
    gateway's threads are not requests', so nothing else would ever return it."""

    def run():
        try:
            return work()
        finally:
            connection.close()

    return sync_to_async(run, thread_sensitive=False)()


def _usable_row(key: str) -> tuple[str, str] | None:
    return (
        ProxyToken.objects.filter(pk=key, revoked_at__isnull=True)
        .values_list("secret_hash", "workspace_id")
        .first()
    )


async def _lookup(key: str) -> tuple[str, str] | None:
    try:
        return await _in_own_thread(lambda: _usable_row(key))
    except DatabaseError as exc:
        raise Unavailable(
            f"The proxy token could not be checked: the database did not answer ({exc})."
        ) from exc


def _touch(key: str) -> None:
    now = timezone.now()
    ProxyToken.objects.filter(pk=key).filter(
        models.Q(last_used_at__isnull=True)
        | models.Q(last_used_at__lt=now - timedelta(seconds=LAST_USED_EVERY))
    ).update(last_used_at=now)


def _touch_soon(key: str) -> None:
    async def touch():
        try:
            await _in_own_thread(lambda: _touch(key))
        except DatabaseError:
            log.warning("could not record the use of proxy token %s", key, exc_info=True)

    task = asyncio.get_running_loop().create_task(touch())
    _touching.add(task)
    task.add_done_callback(_touching.discard)


async def check(workspace_id: str, headers: list[tuple[bytes, bytes]]) -> str | None:
    """Whether a request's headers (ASGI's raw list) carry a usable proxy token of the workspace:
    None when they do, else the message for the 401.

    Warm, it costs one Redis GET and a hash. Raises `Unavailable` when the database must be
    asked and cannot answer (a 503 for the client, not a 401).
    """
    found = _credentials(headers)
    if isinstance(found, str):
        return found
    key, secret = found
    if not _KEY.fullmatch(key):
        return INVALID
    now = time.monotonic()
    if _unknown.get(key, 0.0) > now:
        return INVALID
    epoch = await _epoch()  # read before the database, so that a revocation in between is seen
    entry = _checked.get(key)
    if entry is None or epoch is None or entry.epoch != epoch or entry.fresh_until < now:
        row = await _lookup(key)
        if row is None:
            _checked.pop(key, None)
            if len(_unknown) >= _CACHE_MAX:
                _unknown.clear()
            _unknown[key] = now + CACHE_SECONDS
            return INVALID
        entry = _Checked(row[0], row[1], epoch or b"", now + CACHE_SECONDS)
        if epoch is not None:
            if len(_checked) >= _CACHE_MAX:
                _checked.clear()
            _checked[key] = entry
    if entry.workspace_id != workspace_id or not hmac.compare_digest(entry.secret_hash, hash_secret(secret)):
        return INVALID
    if now - _touched.get(key, -LAST_USED_EVERY) >= LAST_USED_EVERY:
        if len(_touched) >= _CACHE_MAX:
            _touched.clear()
        _touched[key] = now
        _touch_soon(key)
    return None


async def settled() -> None:
    """Wait for the `last_used_at` writes under way (the gateway's shutdown; tests)."""
    while _touching:
        await asyncio.gather(*_touching, return_exceptions=True)
