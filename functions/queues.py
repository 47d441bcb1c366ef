"""Redis keys and the synchronous Redis client of the control plane.

Redis only carries messages: the ids of inputs ready to run, wake-ups for callers waiting on
outputs, and the live log stream. The records themselves live in PostgreSQL, and the
reconciler re-pushes whatever a lost message stranded.
"""

from __future__ import annotations

import base64
import functools
import re
from typing import Any

import redis
from django.conf import settings

__all__ = [
    "DELAYED_KEY",
    "OUTPUT_FIELDS",
    "REDIS_DOWN",
    "STATS_KEY",
    "stream_cursor",
    "cancel_key",
    "cancellation_messages",
    "done_key",
    "input_queue_key",
    "logs_key",
    "output_message",
    "redis_client",
    "sandbox_started_key",
]

# What a Redis that is restarting or unreachable raises (the data plane's asyncio client too).
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)

# Wake-up lists and log streams expire on their own, so abandoned calls leave nothing behind.
DONE_TTL_SECONDS = 600
LOG_STREAM_MAXLEN = 10_000
LOG_STREAM_TTL_SECONDS = 24 * 3600


# An output as the API returns it, and as a wake-up carries a one-input call's small output.
OUTPUT_FIELDS = ("input_id", "idx", "status", "result_kind", "result", "cause", "message", "seq", "codec")


def output_message(row: dict, result: bytes | None) -> dict:
    """The output of an input's row (id, idx, status, result_kind, cause, message, finished_seq, codec)."""
    return {
        "input_id": row["id"],
        "idx": row["idx"],
        "status": row["status"],
        "result_kind": row["result_kind"],
        "result": base64.b64encode(result).decode() if result is not None else None,
        "cause": row["cause"],
        "message": row["message"],
        "seq": row["finished_seq"],
        "codec": row["codec"],  # "json" for a JSON call's output
    }


def input_queue_key(function_id: str) -> str:
    return f"skylift:q:{function_id}"


def done_key(call_id: str) -> str:
    return f"skylift:done:{call_id}"


def sandbox_started_key(sandbox_id: str) -> str:
    """Wakes who waits for a sandbox to start (its agent pushes once it runs or failed to)."""
    return f"skylift:sandbox-started:{sandbox_id}"


def cancel_key(task_id: str) -> str:
    """Ids of inputs a container must stop running (the relay long-polls it for the container)."""
    return f"skylift:cancel:{task_id}"


# Counters of the data plane (a hash): e.g. stale_outputs_refused, the outputs of attempts that
# were over when they arrived (proof that fencing works, RELIABILITY F9).
STATS_KEY = "skylift:stats"

# Inputs waiting out a retry backoff: member "<function id>:<input id>", score = when due.
DELAYED_KEY = "skylift:delayed"
# Hash: "{function id}|{gateway process}" -> JSON {busy, at}: web requests in flight or waiting for a
# container in each gateway process (web.pool); the autoscaler counts them as it counts inputs.
WEB_DEMAND_KEY = "skylift:web:demand"
WEB_DEMAND_FRESH_SECONDS = 3.0


def cancellation_messages(pipe: Any, cancelled: list[dict], call_ids: list[str]) -> None:
    """The messages to send once a cancel committed (on a pipeline, sync or async): the running
    inputs are interrupted in their containers, and the callers of every call touched are woken.

    `cancelled` are the rows `delivery.cancel_call` (or `cancel_children`) returned.
    """
    for row in cancelled:
        if row["status"] == "running" and row["task_id"]:
            pipe.rpush(cancel_key(row["task_id"]), row["id"])
            pipe.expire(cancel_key(row["task_id"]), 3600)
    for call_id in dict.fromkeys([*call_ids, *(row["call_id"] for row in cancelled)]):
        pipe.rpush(done_key(call_id), "x")
        pipe.expire(done_key(call_id), DONE_TTL_SECONDS)


def logs_key(app_id: str) -> str:
    return f"skylift:logs:{app_id}"


@functools.cache
def redis_client() -> redis.Redis:
    # No socket timeout: blocking reads (BLPOP, XREAD BLOCK) wait longer than redis-py's default
    # of 5 s, and their own timeouts bound them.
    return redis.Redis.from_url(
        settings.REDIS_URL, health_check_interval=30, socket_keepalive=True, socket_timeout=None
    )


_STREAM_ID = re.compile(r"^([0-9]{1,20})(?:-([0-9]{1,20}))?$", re.ASCII)


def stream_cursor(after: str | None) -> str | None:
    """A Redis stream id to read after ('$', '0', 'ms' or 'ms-seq', each part under 2**64), or None."""
    if after in ("$", "0"):
        return after
    m = _STREAM_ID.match(after or "")
    if m is None or any(part is not None and int(part) >= 2**64 for part in m.groups()):
        return None
    return after
