"""A sandbox's idle clock kept by traffic through its tunnels (`idle_timeout`).

A sandbox with an `idle_timeout` stops once nothing has used it for that long
(`delivery.sandboxes_expired`). An open exec counts (functions/sandbox_exec.py touches it), and so
does traffic through its tunnels: a request to one of its ports, for as long as it is open (a
WebSocket or a long response counts while it lasts), as Modal counts a tunnel's open connections.

Requests are many and cheap; a database write each would not be. Each process gathers the
sandboxes that saw traffic, and the ones with a request open, and writes them all in one statement
every EVERY_SECONDS (below the smallest idle_timeout, 5 s), the first at once. A sandbox's clock
thus restarts at most EVERY_SECONDS after its traffic, never before it.
"""

from __future__ import annotations

import asyncio
import logging

from asgiref.sync import sync_to_async
from django.db import close_old_connections

from . import delivery

__all__ = ["EVERY_SECONDS", "ActivityClock"]

log = logging.getLogger(__name__)

EVERY_SECONDS = 2.0


def _write(sandbox_ids: list[str]) -> int:
    close_old_connections()
    try:
        return delivery.run(delivery.sandboxes_active(sandbox_ids))
    finally:
        close_old_connections()


class ActivityClock:
    """One per process (the gateway's): `begin` and `end` around a request to a sandbox's port."""

    def __init__(self, every: float = EVERY_SECONDS) -> None:
        self.every = every
        self.open: dict[str, int] = {}
        self.seen: set[str] = set()
        self.writes = 0  # statements written, for the tests' count
        self._flusher: asyncio.Task | None = None

    def begin(self, sandbox_id: str) -> None:
        self.open[sandbox_id] = self.open.get(sandbox_id, 0) + 1
        self._mark(sandbox_id)

    def end(self, sandbox_id: str) -> None:
        left = self.open.get(sandbox_id, 0) - 1
        if left > 0:
            self.open[sandbox_id] = left
        else:
            self.open.pop(sandbox_id, None)
        self._mark(sandbox_id)

    def _mark(self, sandbox_id: str) -> None:
        self.seen.add(sandbox_id)
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush_forever())

    async def flush(self) -> int:
        """Write the sandboxes seen since the last write and those with a request open; how many."""
        due = sorted(self.seen | set(self.open))
        self.seen = set()
        if not due:
            return 0
        self.writes += 1
        await sync_to_async(_write, thread_sensitive=False)(due)
        return len(due)

    async def _flush_forever(self) -> None:
        # Runs while there is traffic: writes at once (the first request after a quiet spell), then
        # every `every` seconds; ends after a round with none (the next request starts it again).
        while True:
            try:
                if not await self.flush():
                    return
            except Exception:  # noqa: BLE001 - the next round writes them again (still open) or not at all
                log.warning("could not mark sandboxes active", exc_info=True)
            await asyncio.sleep(self.every)
