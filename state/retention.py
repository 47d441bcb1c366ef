"""Retention of Dicts and Queues: what nobody uses any more is deleted, with its data.

- A named one unused (no read or write) for SKYLIFT_STATE_RETENTION_DAYS.
- An ephemeral one (no name) once its owner is done: the app run that made it in a container has
  stopped; or, for one whose owner vanished without saying (a killed program that never left its
  `ephemeral()` block), once unused for SKYLIFT_STATE_EPHEMERAL_RETENTION_SECONDS. An `ephemeral()`
  block that ends deletes its object at once, without waiting for this sweep.

"Unused" counts from `last_used_at`, which every operation moves forward (at most every
`operations.TOUCH_SECONDS`, so it is that coarse).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from apps.models import AppState

from . import services
from .models import Dict, Queue

__all__ = ["sweep"]

BATCH = 500


def sweep(now: datetime | None = None) -> dict[str, int]:
    """Delete what retention allows; how many of each kind went."""
    now = now or timezone.now()
    named_before = now - timedelta(days=settings.SKYLIFT_STATE_RETENTION_DAYS)
    orphan_before = now - timedelta(seconds=settings.SKYLIFT_STATE_EPHEMERAL_RETENTION_SECONDS)
    due = (
        Q(name__isnull=False, last_used_at__lt=named_before)
        | Q(name__isnull=True, last_used_at__lt=orphan_before)
        | Q(name__isnull=True, app__state=AppState.STOPPED)
    )
    deleted: dict[str, int] = {}
    for kind, model in services.KINDS.items():
        count = 0
        while True:
            batch: list[Dict | Queue] = list(model.objects.filter(due).order_by("last_used_at")[:BATCH])
            for obj in batch:
                services.object_delete(obj)
            count += len(batch)
            if len(batch) < BATCH:
                break
        deleted[kind] = count
    return deleted
