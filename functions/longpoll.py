"""Long-polls that wait on Redis holding no database connection.

A request that waits for an output, a generator's value or a log line spends nearly all its
time blocked on Redis. With a pool of 20 database connections, a waiter that kept its connection
would let 20 idle clients starve the whole API; so every long-poll waits through
`wait_without_database`, which hands the request's connection back to the pool first, and looks
at the database again only when woken or at a coarse re-check.

Wake-ups: the relay (and cancel, and the reconciler) RPUSH to a call's list `done_key(call)`. A
waiter here does not pop it: BLMOVE from the list to itself leaves the wake-up in place, so every
waiter blocked on the list is served by the same push (a BLPOP would wake only one of two `.get()`s
on the same call). The woken waiter then deletes the list before it looks at the database: a
wake-up pushed before the delete belongs to an output committed before the look, which the look
sees; one pushed after it stays for the next wait.

Each blocked waiter also holds a Redis connection: waiters take theirs from a pool of their own
(`MAX_WAITERS`), so that however many clients wait, the rest of the control plane (accepting
inputs, cancelling) still gets Redis connections. Past that many, a waiter finds no connection
and falls back to looking at the database every REDIS_DOWN_POLL_SECONDS, as when Redis is away.

What a wake-up cannot promise the re-check covers: a waiter looks at least every RECHECK_SECONDS
(a wake-up lost because the relay could not reach Redis, or deleted by another waiter in the
instant between this one's look and its wait), and at once when its Redis connection fails (Redis
restarted: the wake-ups it held are gone). 200 idle waiters cost 200 / RECHECK_SECONDS small
indexed queries per second.

A busy waiter (a map reading its outputs as they come) is woken within milliseconds: each wait
first blocks for HOLD_SECONDS keeping its connection, and gives it back only if nothing came by
then. Giving it back and taking another costs the pool's check and Django's set-up of the
connection, round trips that a map's many short waits would otherwise pay (seen as 10 % of a
10,000-input map's throughput). A wait holds only while most of the pool is free, so that many
waiters starting together (200 `.get()`s at once) never fill it.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any, TypeVar

import redis
from django.conf import settings
from django.db import connection

from config.database import pool_usage

__all__ = ["RECHECK_SECONDS", "long_poll", "wait_for_wake_up", "wait_without_database"]

log = logging.getLogger(__name__)

T = TypeVar("T")

# How often an idle waiter looks at the database without a wake-up. Each look wakes a thread of
# the web process: at 5 s, 200 idle waiters slowed a warm .remote() by 12 % (GIL and pool churn);
# at 15 s, not measurably (benchmarks/calls.py --parts longpoll).
RECHECK_SECONDS = 15.0
# How long a wait keeps its database connection before giving it back (see above).
HOLD_SECONDS = 0.05
# While Redis is unreachable, waiters fall back to looking at the database this often.
REDIS_DOWN_POLL_SECONDS = 1.0
# Redis connections for blocked waiters (one each) in one process.
MAX_WAITERS = 5_000


@functools.cache
def _waiters_redis() -> redis.Redis:
    # No socket timeout: each wait's own timeout bounds it (as functions.queues.redis_client).
    return redis.Redis.from_url(
        settings.REDIS_URL,
        max_connections=MAX_WAITERS,
        health_check_interval=30,
        socket_keepalive=True,
        socket_timeout=None,
    )


def wait_without_database(wait: Callable[[redis.Redis], T]) -> T:
    """Run `wait(r)`, a blocking read on the Redis client `r` of waiters, with this thread's
    database connection back in the pool.

    Django opens a connection again on the next query. Inside a transaction the connection
    cannot be given back (the transaction would be lost): it is kept, as it was before.
    """
    if not connection.in_atomic_block:
        connection.close()  # pooled (CONN_MAX_AGE 0 with a pool): back to the pool, not closed
    return wait(_waiters_redis())


def _pool_mostly_free() -> bool:
    """Whether fewer than half of this process's pooled database connections are in use."""
    usage = pool_usage()
    return usage is None or usage.in_use < usage.max // 2


def wait_for_wake_up(key: str, timeout: float) -> bool:
    """Wait up to `timeout` seconds for a wake-up on the list `key`, holding no database connection.

    True when one came, or when Redis failed (the caller should look at the database now).
    """
    try:
        # A BLMOVE timeout of 0 would block forever.
        # (redis-py's stub says whole seconds; BLMOVE takes fractions of one)
        woken = None
        if _pool_mostly_free():
            held: Any = max(min(timeout, HOLD_SECONDS), 0.01)
            woken = _waiters_redis().blmove(key, key, held, "RIGHT", "LEFT")
            timeout -= HOLD_SECONDS
        if woken is None and timeout > 0:
            seconds: Any = max(timeout, 0.01)
            woken = wait_without_database(lambda r: r.blmove(key, key, seconds, "RIGHT", "LEFT"))
        if woken is not None:
            _waiters_redis().delete(key)
        return woken is not None
    except redis.RedisError as exc:
        # Redis away or restarting (its wake-ups are lost), or MAX_WAITERS reached: poll the database.
        log.warning("no wake-up from redis (%s); a long-poll looks at the database instead", exc)
        time.sleep(min(timeout, REDIS_DOWN_POLL_SECONDS))
        return True


def long_poll(look: Callable[[], T], *, key: str, timeout: float, wait_first: bool = False) -> T | None:
    """`look()` until it returns something truthy or `timeout` seconds pass; returns its last answer.

    Between looks the waiter blocks on the wake-up list `key` with no database connection, for at
    most RECHECK_SECONDS. With `wait_first` (nothing can be there yet: the request just created the
    call) it waits before its first look; it then returns None if the time runs out unlooked.
    """
    deadline = time.monotonic() + min(timeout, settings.SKYLIFT_LONG_POLL_SECONDS)
    found = None if wait_first else look()
    while not found:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        wait_for_wake_up(key, min(remaining, RECHECK_SECONDS))
        found = look()
    return found
