"""A function's metrics over a window, computed on read in SQL from the platform's own records.

The function page charts them. "The function" is every row of that name in its app: each deployed
version makes a new row (and a class's parameters or `with_options` a variant), and a chart that
restarted at every deploy would hide what a deploy changed; deploys are marked on the charts instead.

A window (1h, 6h, 24h, 7d) is cut into equal buckets with PostgreSQL's `date_bin`, the last one
ending at the current step. Per bucket:

- from the inputs (`functions_input`): arrivals per second (by `created_at`); successes and
  failures (by `finished_at`; a cancelled input is neither); p50/p95 latency of the inputs that
  finished (`finished_at - started_at`); p50/p95 queue time of the inputs that started
  (`started_at - created_at`); pending and running inputs at the bucket's end;
- from the containers (`functions_task`): cold starts (`started_at - created_at`, the container
  asked for until its runtime proved its token) and live containers at the bucket's end;
- from billing's meters (`billing_usagerecord`, the cgroup's measured CPU, and the memory charged:
  the larger of reserved and measured): mean cores and GiB over the bucket;
- and the app's versions made in the window: the deploy markers.

Four queries whatever the window and the number of calls (one per source), each over the rows of
the window only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from django.utils import timezone

from apps.models import AppVersion

from .models import Function

__all__ = ["SERIES", "WINDOWS", "Metrics", "function_metrics"]

# A window: its length and the width of its buckets (60 to 84 points per chart).
WINDOWS: dict[str, tuple[timedelta, timedelta]] = {
    "1h": (timedelta(hours=1), timedelta(minutes=1)),
    "6h": (timedelta(hours=6), timedelta(minutes=5)),
    "24h": (timedelta(hours=24), timedelta(minutes=20)),
    "7d": (timedelta(days=7), timedelta(hours=2)),
}

SERIES = (
    "inputs_per_second",
    "succeeded",
    "failed",
    "success_rate",
    "latency_p50",
    "latency_p95",
    "queue_p50",
    "queue_p95",
    "cold_start_p50",
    "cold_starts",
    "pending",
    "running",
    "containers",
    "cpu_cores",
    "memory_gib",
)

_FAILED = "('failed', 'timed_out', 'terminated')"

# Inputs of the functions, by bucket: arrivals, outcomes, latency and queue time.
_INPUTS_SQL = f"""
WITH fns AS (SELECT id FROM functions_function WHERE app_id = %(app)s AND name = %(name)s),
ins AS (
    SELECT created_at, started_at, finished_at, status FROM functions_input
     WHERE function_id IN (SELECT id FROM fns)
       AND created_at < %(end)s AND (finished_at IS NULL OR finished_at >= %(start)s)
),
arrived AS (
    SELECT date_bin(%(step)s, created_at, %(start)s) AS b, count(*) AS n
      FROM ins WHERE created_at >= %(start)s GROUP BY 1
),
finished AS (
    SELECT date_bin(%(step)s, finished_at, %(start)s) AS b,
           count(*) FILTER (WHERE status = 'succeeded') AS ok,
           count(*) FILTER (WHERE status IN {_FAILED}) AS bad,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at))
               FILTER (WHERE started_at IS NOT NULL AND status <> 'cancelled') AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at))
               FILTER (WHERE started_at IS NOT NULL AND status <> 'cancelled') AS p95
      FROM ins WHERE finished_at >= %(start)s AND finished_at < %(end)s GROUP BY 1
),
started AS (
    SELECT date_bin(%(step)s, started_at, %(start)s) AS b,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at)) AS q50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at)) AS q95
      FROM ins WHERE started_at >= %(start)s AND started_at < %(end)s GROUP BY 1
),
-- Pending and running at each bucket's end, swept from the inputs' changes: +1 pending when made,
-- -1 when it started (or ended without starting), +1 running when it started, -1 when it ended.
-- Changes before the window fall in its first bucket; one pass over the rows, not one per bucket.
changes AS (
    SELECT greatest(date_bin(%(step)s, e.at, %(start)s), %(start)s::timestamptz) AS b,
           sum(e.dp) AS dp, sum(e.dr) AS dr
      FROM (SELECT created_at AS at, 1 AS dp, 0 AS dr FROM ins
            UNION ALL SELECT coalesce(started_at, finished_at), -1, 0 FROM ins
             WHERE coalesce(started_at, finished_at) IS NOT NULL
            UNION ALL SELECT started_at, 0, 1 FROM ins WHERE started_at IS NOT NULL
            UNION ALL SELECT finished_at, 0, -1 FROM ins WHERE started_at IS NOT NULL AND finished_at IS NOT NULL
           ) e
     GROUP BY 1
),
waiting AS (
    SELECT g.b,
           sum(coalesce(c.dp, 0)) OVER (ORDER BY g.b) AS pending,
           sum(coalesce(c.dr, 0)) OVER (ORDER BY g.b) AS running
      FROM generate_series(%(start)s::timestamptz, %(end)s::timestamptz - %(step)s, %(step)s) AS g(b)
      LEFT JOIN changes c ON c.b = g.b
)
SELECT w.b, coalesce(a.n, 0), coalesce(f.ok, 0), coalesce(f.bad, 0), f.p50, f.p95, s.q50, s.q95,
       w.pending, w.running
  FROM waiting w
  LEFT JOIN arrived a ON a.b = w.b
  LEFT JOIN finished f ON f.b = w.b
  LEFT JOIN started s ON s.b = w.b
 ORDER BY w.b
"""

# Containers: cold starts by the bucket they became ready in, and how many were live at its end.
# A container that ended without a stop time (it failed to start) counts as gone at once.
_TASKS_SQL = """
WITH fns AS (SELECT id FROM functions_function WHERE app_id = %(app)s AND name = %(name)s),
tasks AS (
    SELECT created_at, started_at,
           coalesce(stopped_at, CASE WHEN status IN ('pending', 'starting', 'running', 'stopping')
                                     THEN 'infinity'::timestamptz ELSE created_at END) AS gone_at
      FROM functions_task
     WHERE function_id IN (SELECT id FROM fns) AND created_at < %(end)s
       AND (stopped_at IS NULL OR stopped_at >= %(start)s)
),
cold AS (
    SELECT date_bin(%(step)s, started_at, %(start)s) AS b, count(*) AS n,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM started_at - created_at)) AS p50
      FROM tasks WHERE started_at >= %(start)s AND started_at < %(end)s GROUP BY 1
),
live AS (
    SELECT t.b, count(k.*) AS n
      FROM (SELECT b, least(b + %(step)s, %(now)s) AS at
              FROM generate_series(%(start)s::timestamptz, %(end)s::timestamptz - %(step)s, %(step)s) AS b) t
      LEFT JOIN tasks k ON k.created_at <= t.at AND k.gone_at > t.at
     GROUP BY t.b
)
SELECT l.b, coalesce(c.n, 0), c.p50, l.n FROM live l LEFT JOIN cold c ON c.b = l.b ORDER BY l.b
"""

# Billing's meters: core-seconds measured and GiB-seconds charged, as means over each bucket.
_USAGE_SQL = """
SELECT date_bin(%(step)s, start, %(start)s) AS b, sum(cpu_used_seconds), sum(memory_gib_seconds)
  FROM billing_usagerecord
 WHERE function_id IN (SELECT id FROM functions_function WHERE app_id = %(app)s AND name = %(name)s)
   AND start >= %(start)s AND start < %(end)s
 GROUP BY 1
"""


@dataclass
class Metrics:
    window: str
    step_seconds: int
    start: datetime
    end: datetime
    times: list[datetime]
    series: dict[str, list[float | None]]
    deploys: list[dict] = field(default_factory=list)
    totals: dict[str, int] = field(default_factory=dict)


def _round(value, digits: int = 4) -> float | None:
    return None if value is None else round(float(value), digits)


def function_metrics(function: Function, window: str, *, now: datetime | None = None) -> Metrics:
    """The metrics of `function` (every version and variant of its name) over `window`."""
    length, step = WINDOWS[window]
    now = now or timezone.now()
    seconds = step.total_seconds()
    # Buckets aligned on the step (from the epoch), the last one holding `now`.
    epoch = datetime(2000, 1, 1, tzinfo=now.tzinfo)
    last = epoch + ((now - epoch) // step) * step
    count = int(length / step)
    start = last - (count - 1) * step
    end = last + step
    params: dict[str, Any] = {
        "app": function.app_id,
        "name": function.name,
        "start": start,
        "end": end,
        "step": step,
        "now": now,
    }
    series: dict[str, list[float | None]] = {name: [None] * count for name in SERIES}
    times = [start + i * step for i in range(count)]
    totals = {"inputs": 0, "succeeded": 0, "failed": 0}

    def index(bucket: datetime) -> int | None:
        i = int((bucket - start) / step)
        return i if 0 <= i < count else None

    with connection.cursor() as cursor:
        cursor.execute(_INPUTS_SQL, params)
        for b, arrived, ok, bad, p50, p95, q50, q95, pending, running in cursor.fetchall():
            i = index(b)
            if i is None:
                continue
            totals["inputs"] += arrived
            totals["succeeded"] += ok
            totals["failed"] += bad
            series["inputs_per_second"][i] = round(arrived / seconds, 4)
            series["succeeded"][i] = ok
            series["failed"][i] = bad
            series["success_rate"][i] = round(ok / (ok + bad), 4) if ok + bad else None
            series["latency_p50"][i] = _round(p50)
            series["latency_p95"][i] = _round(p95)
            series["queue_p50"][i] = _round(q50)
            series["queue_p95"][i] = _round(q95)
            series["pending"][i] = int(pending)
            series["running"][i] = int(running)
        cursor.execute(_TASKS_SQL, params)
        for b, colds, p50, live in cursor.fetchall():
            i = index(b)
            if i is not None:
                series["cold_starts"][i] = colds
                series["cold_start_p50"][i] = _round(p50)
                series["containers"][i] = live
        cursor.execute(_USAGE_SQL, params)
        for b, cpu, memory in cursor.fetchall():
            i = index(b)
            if i is not None:
                series["cpu_cores"][i] = _round((cpu or 0) / seconds)
                series["memory_gib"][i] = _round((memory or 0) / seconds)
    versions = (
        AppVersion.objects.filter(app_id=function.app_id, created_at__gte=start, created_at__lt=end)
        .select_related("created_by")
        .order_by("created_at")
    )
    deploys = [
        {
            "version": v.number,
            "at": v.created_at,
            "by": v.created_by.username if v.created_by_id and v.created_by else "",
        }
        for v in versions
    ]
    return Metrics(
        window=window,
        step_seconds=int(seconds),
        start=start,
        end=end,
        times=times,
        series=series,
        deploys=deploys,
        totals=totals,
    )
