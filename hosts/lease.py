"""A host's lease: renewed by the agent's heartbeats, and the agent fences itself before it runs out.

The control plane declares a host lost once its lease has expired and runs that host's inputs
elsewhere (attempt + 1). An agent cut off from the control plane cannot know that happened, so
it acts on its own clock: when it has not renewed the lease for a little less than the lease
length, it kills every container it runs (they would be duplicates soon). When it reaches the
control plane again after such a gap, it kills any container whose task was settled meanwhile.
Outputs still in flight from the old attempts are refused by attempt number (RELIABILITY F9).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.db import close_old_connections

from . import services
from .tokens import HostTokenError

if TYPE_CHECKING:
    from .models import Host

__all__ = ["Lease"]

log = logging.getLogger("skylift.agent")


class Lease:
    def __init__(
        self,
        host: Host,
        *,
        renew_every: float,
        length: float,
        on_refused: Callable[[HostTokenError], None] | None = None,
    ) -> None:
        self.host = host
        # Called once the control plane refuses a heartbeat (the host's token was revoked, or another
        # agent registered the host): this agent serves the host no longer, and stops.
        self.on_refused = on_refused
        self.renew_every = renew_every
        self.length = length
        self.renewed_at = time.monotonic()  # when the last successful renewal started
        self.fenced = False
        self._lock = threading.Lock()

    @property
    def fence_after(self) -> float:
        """Seconds without a renewal after which the agent fences: one beat before the lease ends."""
        return max(self.length / 2, self.length - self.renew_every)

    def expired(self, now: float | None = None) -> bool:
        return (now if now is not None else time.monotonic()) - self.renewed_at > self.fence_after

    def renew(self) -> None:
        """One heartbeat; after a gap long enough to have been declared lost, kill what was settled."""
        while True:
            started = time.monotonic()
            close_old_connections()
            services.host_heartbeat(host=self.host)
            if time.monotonic() - started <= self.renew_every:
                break
            # A renewal that hung (across a partition) says little about when it landed: renew again.
        with self._lock:
            gap = started - self.renewed_at
            self.renewed_at = started
            was_fenced, self.fenced = self.fenced, False
        if was_fenced or gap > self.fence_after:
            killed = services.fence_settled(host=self.host)
            log.warning(
                "lease renewed after %.1f s; %d container(s) outlived it and were killed", gap, killed
            )

    def fence(self) -> None:
        with self._lock:
            if self.fenced or not self.expired():
                return
            self.fenced = True
        killed = services.fence_all(host=self.host)
        log.warning(
            "no lease renewal for %.1f s (lease %.1f s): fenced, %d container(s) killed",
            time.monotonic() - self.renewed_at,
            self.length,
            killed,
        )

    def run_heartbeat(self, stop: threading.Event) -> None:
        while not stop.wait(self.renew_every):
            try:
                self.renew()
            except HostTokenError as refused:
                log.error("the control plane refused this host's heartbeat: %s", refused)
                if refused.fence:  # the host is lost: its inputs run elsewhere already
                    killed = services.fence_all(host=self.host)
                    log.warning("fenced: %d container(s) killed", killed)
                stop.set()
                if self.on_refused is not None:
                    self.on_refused(refused)
                return
            except Exception:  # noqa: BLE001 - a missed beat is retried on the next one
                log.warning("heartbeat failed", exc_info=True)

    def run_watchdog(self, stop: threading.Event) -> None:
        """Separate from the heartbeat, which may hang on a partitioned connection."""
        while not stop.wait(min(self.renew_every, 0.5)):
            if self.expired() and not self.fenced:
                try:
                    self.fence()
                except Exception:  # noqa: BLE001 - Docker hiccup: try again on the next check
                    log.warning("fencing failed", exc_info=True)
