"""Ephemeral disk: the bytes each container of a host wrote to its writable layer.

Docker computes a container's writable-layer size (`SizeRw`) by walking the layer, so the gauge
asks once per `every` seconds for all the host's containers in one listing, and answers from that
between asks. A container's disk is charged by raising its memory at 20:1 (billing/metering.py).
"""

from __future__ import annotations

import logging
import time

from hosts import docker_client

log = logging.getLogger("skylift.billing")


class DiskGauge:
    def __init__(self, host_name: str, every: float = 60.0):
        self.host_name = host_name
        self.every = every
        self.sizes: dict[str, int] = {}
        self.read_at = float("-inf")

    def refresh(self) -> None:
        listing = docker_client.client().api.containers(
            all=True, size=True, filters={"label": f"skylift.host={self.host_name}"}
        )
        self.sizes = {c["Id"]: int(c.get("SizeRw") or 0) for c in listing}
        self.read_at = time.monotonic()

    def __call__(self, container_id: str) -> int:
        """The container's writable layer in bytes, as last read; 0 if unknown."""
        if time.monotonic() - self.read_at >= self.every:
            try:
                self.refresh()
            except Exception:  # noqa: BLE001 - the last sizes stay; asked again next round
                log.warning("reading the containers' disk use failed", exc_info=True)
                self.read_at = time.monotonic()
        size = self.sizes.get(container_id)
        if size is None:  # full ids in the listing; a short id matches its prefix
            size = next((v for k, v in self.sizes.items() if k.startswith(container_id)), 0)
        return size
