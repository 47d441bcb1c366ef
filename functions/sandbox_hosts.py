"""What the control plane sends a sandbox's host agent once a transition commits: the start of a
placed sandbox, and the stops (functions/sandboxes.py and functions/sandbox_pool.py both send them)."""

from __future__ import annotations

import functools

from django.db import transaction

from hosts.tasks import start_sandbox, stop_sandbox

from . import delivery
from .models import Sandbox

__all__ = ["place", "send_stops"]


def place(sandbox: Sandbox, *, wait: bool = True) -> bool:
    """Inside the caller's transaction: place it, and start it once that commits. Without `wait`,
    no busy host is waited for (see delivery.place_sandbox)."""
    placed = delivery.run(delivery.place_sandbox(sandbox_id=sandbox.id, wait=wait))
    if placed.task_id is None:
        return False
    sandbox_id, queue = sandbox.id, placed.queue
    transaction.on_commit(lambda: start_sandbox.apply_async(kwargs={"sandbox_id": sandbox_id}, queue=queue))
    return True


def send_stops(stops: list[delivery.Stop]) -> None:
    """Inside the caller's transaction: send each stop to its host once that commits."""
    for stop in stops:
        if stop.queue:
            transaction.on_commit(functools.partial(_send_stop, stop.sandbox_id, stop.queue))


def _send_stop(sandbox_id: str, queue: str) -> None:
    stop_sandbox.apply_async(kwargs={"sandbox_id": sandbox_id}, queue=queue)
