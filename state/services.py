"""Dicts and Queues as objects: create, find and delete them; and the waits of a blocked `get`.

The entries and items themselves are read and written by `state.operations` (plans that the API,
the relay and the fast path all run). Redis carries only wake-ups: after a put commits, the
putter pushes to the partition's wake-up list (`wake_key`); a blocked getter waits on it holding
no database connection, then claims in the database. A lost wake-up costs a getter one re-check
(`functions.longpoll`), never an item: the items are in PostgreSQL before anyone is woken.
"""

from __future__ import annotations

import logging
import re

from django.db import IntegrityError, transaction

from apps.deployments import environment_get
from config.errors import ApiError
from functions import delivery
from functions.longpoll import long_poll
from functions.queues import REDIS_DOWN, redis_client

from . import operations
from .models import Dict, Queue

log = logging.getLogger(__name__)

__all__ = [
    "KINDS",
    "NAME_RE",
    "object_create",
    "object_delete",
    "queue_get_blocking",
    "wake_getters",
    "wake_key",
]

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
KINDS: dict[str, type[Dict] | type[Queue]] = {"dict": Dict, "queue": Queue}
WAKE_TTL_SECONDS = 60
MAX_WAIT_SECONDS = 50.0


def _kind(model: type[Dict] | type[Queue]) -> str:
    return "dict" if model is Dict else "queue"


def object_create(
    model: type[Dict] | type[Queue],
    *,
    workspace,
    name: str | None,
    environment: str | None = None,
    user=None,
    app_id: str | None = None,
) -> Dict | Queue:
    """A new, empty Dict or Queue of the environment; `name` None makes an ephemeral one.

    409 when the environment has one of that name already.
    """
    kind = _kind(model)
    label = kind.capitalize()
    if name is not None and (not isinstance(name, str) or not NAME_RE.fullmatch(name)):
        raise ApiError(
            f"{name!r} is not a valid {kind} name.",
            field="name",
            hint=f"{label} names are 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
        )
    env = environment_get(workspace=workspace, name=environment)
    try:
        with transaction.atomic():
            return model.objects.create(
                workspace=workspace, environment=env, name=name, created_by=user, app_id=app_id
            )
    except IntegrityError:
        raise ApiError(
            f"A {kind} named {name!r} already exists in the environment {env.name!r}.",
            code="already_exists",
            status_code=409,
            field="name",
            hint=f"Use it with {label}.from_name({name!r}), or delete it first.",
        ) from None


def object_delete(obj: Dict | Queue) -> None:
    """Delete the object with all its entries or items (one statement each: no row is loaded)."""
    obj.delete()
    if isinstance(obj, Queue):
        wake_getters(obj.id, None, everyone=True)


# Wake-ups ----------------------------------------------------------------------------------------


def wake_key(queue_id: str, partition: str | None) -> str:
    return f"skylift:queue:{queue_id}:{partition or ''}"


def wake_getters(queue_id: str, partition: str | None, *, everyone: bool = False) -> None:
    """Nudge the getters blocked on a partition (after the put committed); best effort."""
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.rpush(wake_key(queue_id, partition), "1")
        pipe.expire(wake_key(queue_id, partition), WAKE_TTL_SECONDS)
        pipe.execute()
    except REDIS_DOWN:
        log.warning("redis unavailable: getters of %s wake on their next re-check", queue_id)


def queue_get_blocking(
    *, workspace_id: str, queue_id: str, partition: str | None, n: int, timeout: float
) -> list[bytes]:
    """Claim up to `n` values, waiting up to `timeout` seconds (at most MAX_WAIT_SECONDS) for one.

    An empty list when none came in time; 404 when the Queue does not exist (or is deleted
    while waiting).
    """
    partition = operations.check_partition(partition)

    def look() -> operations.Got | None:
        got = delivery.run(operations.queue_get(workspace_id, queue_id, partition, n))
        return got if got.values or not got.found else None

    got = long_poll(look, key=wake_key(queue_id, partition), timeout=max(0.0, min(timeout, MAX_WAIT_SECONDS)))
    if got is None:
        return []
    if not got.found:
        raise operations.not_found("queue", queue_id)
    return got.values
