"""The periodic check that metering lost or doubled nothing: each stopped task's and sandbox's
metered seconds against its own start and end times (billing.tasks.reconcile_usage, on Celery beat)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.db import connection

from . import metering

log = logging.getLogger("skylift.billing")

TOLERANCE = 0.01
# A stopped task's last window is written by its agent's next round; settled here after this.
GRACE = timedelta(seconds=60)

# Tasks and sandboxes: the records of each (by its own foreign key) against its lifetime.
SQL = """
SELECT t.id, extract(epoch FROM t.stopped_at - t.started_at) AS lived, coalesce(sum(r.seconds), 0) AS metered
  FROM functions_task t LEFT JOIN billing_usagerecord r ON r.task_id = t.id
 WHERE t.started_at IS NOT NULL AND t.stopped_at BETWEEN now() - make_interval(secs => %(window)s) AND now() - make_interval(secs => %(grace)s)
 GROUP BY t.id, t.started_at, t.stopped_at
UNION ALL
SELECT s.id, extract(epoch FROM s.stopped_at - s.started_at), coalesce(sum(r.seconds), 0)
  FROM functions_sandbox s LEFT JOIN billing_usagerecord r ON r.sandbox_id = s.id
 WHERE s.started_at IS NOT NULL AND s.stopped_at BETWEEN now() - make_interval(secs => %(window)s) AND now() - make_interval(secs => %(grace)s)
 GROUP BY s.id, s.started_at, s.stopped_at
"""


@dataclass(frozen=True)
class Difference:
    task_id: str  # or a sandbox's id
    lived: float  # seconds between the task's start and stop
    metered: float  # seconds in its usage records


def reconcile(window: timedelta = timedelta(hours=2), grace: timedelta = GRACE) -> list[Difference]:
    """Tasks and sandboxes stopped in the last `window` (and at least `grace` ago) whose metered seconds differ by
    more than 1 % from their lifetime; each is logged as a warning."""
    metering.settle_unmetered(grace)
    with connection.cursor() as cursor:
        cursor.execute(SQL, {"window": window.total_seconds(), "grace": grace.total_seconds()})
        rows = cursor.fetchall()
    found = []
    for task_id, lived, metered in rows:
        lived = float(lived)
        if abs(metered - lived) > TOLERANCE * max(lived, 1e-9):
            found.append(Difference(task_id, lived, metered))
            log.warning("usage of %s: %.3f s metered, %.3f s lived", task_id, metered, lived)
    return found
