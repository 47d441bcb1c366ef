"""Revocation takes effect at once, although checked tokens are cached.

Two caches keep a checked token for a few seconds, so that the hot path of a call asks the
database nothing about it: Django's (`accounts.authentication`) and the fast path's
(`functions.fastpath`). Each entry remembers the revocation epoch it was checked under: a
random value in Redis that every change taking access away replaces (a token revoked, edited
or deleted; a user deactivated or deleted; a membership changed or removed). A request trusts
a cached entry only while Redis holds that same epoch, and otherwise asks the database again;
that costs one Redis GET per request. Where Redis cannot say (it is down, or lost its keys and
starts a new epoch), no cached entry is trusted.

One case is left to the caches' few seconds: a revocation made while Redis could not be
reached, which Redis, once reachable again, never heard of.
"""

from __future__ import annotations

import logging
import secrets

import redis
from django.conf import settings
from django.db import transaction

from config.errors import REDIS_DOWN

__all__ = ["EPOCH_KEY", "current", "current_async", "revoked", "watch"]

log = logging.getLogger(__name__)

EPOCH_KEY = "skylift:auth:epoch"

_client: redis.Redis | None = None


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5)
    return _client


def _new_epoch() -> str:
    return secrets.token_hex(8)


def current() -> bytes | None:
    """The epoch now; None when Redis cannot say, and then no cached token may be trusted."""
    try:
        client = _redis()
        epoch = client.get(EPOCH_KEY)
        if epoch is None:  # a fresh Redis, or one that lost its keys: a new epoch no entry has
            client.set(EPOCH_KEY, _new_epoch(), nx=True)
            epoch = client.get(EPOCH_KEY)
        return epoch.encode() if isinstance(epoch, str) else epoch
    except REDIS_DOWN:
        log.warning("redis unavailable: cached tokens are checked against the database")
        return None


async def current_async(client) -> bytes | None:
    """`current` for an asyncio Redis client; Redis errors are the caller's to handle."""
    epoch = await client.get(EPOCH_KEY)
    if epoch is None:
        await client.set(EPOCH_KEY, _new_epoch(), nx=True)
        epoch = await client.get(EPOCH_KEY)
    return epoch


def _bump() -> None:
    try:
        _redis().set(EPOCH_KEY, _new_epoch())
    except REDIS_DOWN:
        log.warning(
            "redis unavailable: a revocation reaches cached tokens only as they expire", exc_info=True
        )


def revoked() -> None:
    """Say that access was taken away: no cached token is trusted from now on.

    A new epoch now, and another once the current transaction commits: a request that read the
    rows before the commit may have cached them under the first.
    """
    _bump()
    transaction.on_commit(_bump)


def _on_save(sender, instance, created=False, update_fields=None, **kwargs) -> None:
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return  # nothing was taken away
    revoked()


def _on_delete(sender, instance, **kwargs) -> None:
    revoked()


def watch(model) -> None:
    """Changes made to `model`'s rows through the model (the admin, scripts) revoke, as the
    services' own revocations do: for models whose rows grant access (tokens, memberships)."""
    from django.db.models.signals import post_delete, post_save

    label = model._meta.label
    post_save.connect(_on_save, sender=model, dispatch_uid=f"revocation-save-{label}")
    post_delete.connect(_on_delete, sender=model, dispatch_uid=f"revocation-delete-{label}")


def connect_signals() -> None:
    """Changes made through the models (the admin, scripts) revoke as `services.token_revoke` does."""
    from django.contrib.auth import get_user_model

    from .models import ApiToken, Membership

    for model in (ApiToken, Membership, get_user_model()):
        watch(model)
