"""Whether the control plane has been listening long enough to call an ephemeral app's client gone.

An ephemeral app whose client stops sending heartbeats is stopped (RELIABILITY F11), but a client
is silent too while the web processes that take its heartbeats are down: a restart of the
control plane (an upgrade, a crash) must not stop every `skylift run` whose program is alive.
Each web process says it is up in one Redis key, `LISTENING_KEY`, holding the time since when
some web process has been taking requests without a gap: it writes the key when it starts
(a restarting process may have cut clients off) and renews it every BEAT_SECONDS, setting a
new time only when the key had lapsed (every web process was gone for more than TTL_SECONDS).
The reconciler counts a client's silence from that time at the earliest, and judges nothing
while no web process is up.
"""

from __future__ import annotations

import asyncio
import logging
import time

from functions.queues import redis_client

__all__ = ["LISTENING_KEY", "announce_start", "keep_listening", "listening_since"]

log = logging.getLogger(__name__)

LISTENING_KEY = "skylift:control-plane:listening-since"
BEAT_SECONDS = 2.0
TTL_SECONDS = 6


def announce_start() -> None:
    """A web process starts: silences from now on are counted from now."""
    redis_client().set(LISTENING_KEY, f"{time.time():.3f}", ex=TTL_SECONDS)


def _renew() -> None:
    pipe = redis_client().pipeline(transaction=False)
    pipe.set(LISTENING_KEY, f"{time.time():.3f}", nx=True, ex=TTL_SECONDS)
    pipe.expire(LISTENING_KEY, TTL_SECONDS)
    pipe.execute()


async def keep_listening() -> None:
    """Run by each web process while it serves (config.asgi's lifespan)."""
    while True:
        try:
            await asyncio.to_thread(_renew)
        except Exception:  # noqa: BLE001 - Redis away: the key lapses, and the reconciler waits
            log.warning("could not renew %s", LISTENING_KEY, exc_info=True)
        await asyncio.sleep(BEAT_SECONDS)


def listening_since() -> float | None:
    """Since when (epoch seconds) the web processes have been taking requests; None: none is up."""
    value = redis_client().get(LISTENING_KEY)
    return float(value) if value is not None else None
