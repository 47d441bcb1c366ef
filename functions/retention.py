"""Retention: a call's outputs are readable for 7 days; then their payloads go, blobs included.

What expiry does to an input finished more than OUTPUT_RETENTION ago, in one statement per batch:
its result and arguments are dropped (`result_kind = 'expired'`, so a late `.get()` raises
OutputExpiredError rather than not finding the call), its blob keys are cleared, and the values a
generator yielded for it (OutputItem rows) are deleted. The row itself stays, a few hundred bytes
with the status, cause and timestamps, as the call's history for the dashboard and as the
'expired' marker; the call row stays too. Deleting those marker rows later is a separate policy
this module does not apply.

Keeping up: the job works batch after batch (oldest first, through a partial index of the finished
inputs not yet expired) until nothing is left or RUN_SECONDS pass, and the Celery task reschedules
itself at once while a backlog remains, so expiry runs as fast as PostgreSQL allows rather than
10,000 rows per beat (benchmarks/retention.py measures it against the rate inputs are accepted).

Blobs are content-addressed, so one file may serve several rows: a blob of an expired row is
deleted only when no row refers to it any more, and not if it was stored (or stored again: the
same bytes) within BLOB_GRACE, which covers a row whose blob is written but not yet committed
(see `blobs.collect`). Blobs whose row never came (a request that failed after storing its
arguments, an output refused as stale) are found by `blobs_sweep`, once a day, by age.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from . import blobs, delivery
from .models import Input

__all__ = ["BATCH", "OUTPUT_RETENTION", "RUN_SECONDS", "Expired", "blobs_sweep", "outputs_expire"]

OUTPUT_RETENTION = timedelta(days=7)
BATCH = 5_000
# One run of the job stops after this long; the task then reschedules itself.
RUN_SECONDS = 50.0
# A blob stored (or stored again) this recently is kept even when no committed row refers to it.
BLOB_GRACE = timedelta(hours=1)
# A blob file no row refers to, stored longer ago than this, is an orphan (`blobs_sweep`).
ORPHAN_AGE = timedelta(days=1)
SWEEP_CHUNK = 1_000

I = Input._meta.db_table  # noqa: E741

# Of these blob keys, those no row refers to (`input_args_blob_idx`, `input_result_blob_idx`).
UNREFERENCED_BLOBS_SQL = f"""
SELECT k FROM unnest(%s::text[]) AS k
 WHERE NOT EXISTS (SELECT 1 FROM {I} WHERE args_blob = k AND args_blob <> '')
   AND NOT EXISTS (SELECT 1 FROM {I} WHERE result_blob = k AND result_blob <> '')
"""


@dataclass
class Expired:
    """What one run did: rows expired, blob files removed, and whether the backlog is cleared."""

    rows: int = 0
    blobs: int = 0
    done: bool = False


def outputs_expire(
    *, now: datetime | None = None, batch: int = BATCH, budget: float = RUN_SECONDS
) -> Expired:
    """Expire the outputs of inputs finished more than OUTPUT_RETENTION before `now`.

    Batch after batch until none is left (`done`) or `budget` seconds have passed. Each batch
    commits on its own: a run that is stopped half-way loses nothing, and the next one goes on.
    """
    cutoff = (now or timezone.now()) - OUTPUT_RETENTION
    started = time.monotonic()
    result = Expired()
    while True:
        count, keys = delivery.run(delivery.outputs_expired(cutoff, batch))
        unreferenced = []
        if keys:
            with connection.cursor() as cur:
                cur.execute(UNREFERENCED_BLOBS_SQL, [keys])
                unreferenced = [key for (key,) in cur.fetchall()]
        result.rows += count
        result.blobs += sum(blobs.collect(key, grace=BLOB_GRACE.total_seconds()) for key in unreferenced)
        if count < batch:
            result.done = True
            return result
        if time.monotonic() - started >= budget:
            return result


def blobs_sweep() -> int:
    """Remove blob files no row refers to that were stored more than ORPHAN_AGE ago, and what
    interrupted writes left behind; returns how many files went.

    Expiry removes the blobs of the rows it expires; these are the others: payloads whose row was
    never committed, or was refused (an output of an attempt that was over). Reads the whole blob
    directory, so it runs daily (Celery beat), not with every expiry.
    """
    age = ORPHAN_AGE.total_seconds()
    removed = blobs.remove_leftovers(older_than=age)
    keys = blobs.keys(older_than=age)
    while chunk := list(itertools.islice(keys, SWEEP_CHUNK)):
        with connection.cursor() as cur:
            cur.execute(UNREFERENCED_BLOBS_SQL, [chunk])
            unreferenced = [key for (key,) in cur.fetchall()]
        removed += sum(blobs.collect(key, grace=age) for key in unreferenced)
    return removed
