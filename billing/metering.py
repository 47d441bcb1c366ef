"""Metering: each second of a task's life in exactly one usage record.

A task is metered from its `started_at` to its `stopped_at` (the times the delivery core records).
Its Meter row says up to when it is metered; metering takes that row's lock, writes the window
from there to now (or to the stop) under the key "task:window start" (ON CONFLICT DO NOTHING) and
moves the mark, in one transaction. An agent that restarts, a second agent, the control plane
settling a lost host's tasks, or the same sample sent twice therefore never count a second twice,
and a window not written is written by the next sample.

Charged: CPU core-seconds = max(reserved cores, measured use) over the window; memory
GiB-seconds = max(reserved, measured at the sample) times its length; GPU-seconds = GPUs held times
its length. Without a sample (the cgroup is gone) the reservation is charged.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import connection, transaction

from functions.models import Task

from . import prices
from .cgroups import Sample
from .models import UsageRecord

log = logging.getLogger("skylift.billing")

GIB = 1024**3

TASK_SQL = """
SELECT t.id, t.workspace_id, t.function_id, f.app_id, a.environment_id, f.cpu, f.memory, t.gpu_type,
       cardinality(t.gpu_devices) AS gpus, t.started_at, t.stopped_at, clock_timestamp() AS now
  FROM functions_task t JOIN functions_function f ON f.id = t.function_id
  JOIN skylift_apps_app a ON a.id = f.app_id
 WHERE t.id = %s AND t.started_at IS NOT NULL
"""

INSERT_SQL = """
INSERT INTO billing_usagerecord (id, key, workspace_id, environment_id, app_id, function_id, task_id, hour, start,
    seconds, cpu_seconds, cpu_used_seconds, memory_gib_seconds, gpu_type, gpu_seconds, price_id)
VALUES (%(id)s, %(key)s, %(workspace_id)s, %(environment_id)s, %(app_id)s, %(function_id)s, %(task_id)s, %(hour)s,
    %(start)s, %(seconds)s, %(cpu_seconds)s, %(cpu_used_seconds)s, %(memory_gib_seconds)s, %(gpu_type)s,
    %(gpu_seconds)s, %(price_id)s)
ON CONFLICT (key) DO NOTHING
"""


def _hours(start: datetime, end: datetime):
    """[start, end) cut at each hour boundary."""
    while start < end:
        boundary = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        yield start, min(end, boundary)
        start = min(end, boundary)


def meter_task(task_id: str, sample: Sample | None = None) -> int:
    """Write the task's usage since it was last metered, up to now or its stop; the records written."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(TASK_SQL, [task_id])
        columns = [c.name for c in cursor.description]
        row = cursor.fetchone()
        if row is None:
            return 0
        task = dict(zip(columns, row, strict=True))
        cursor.execute(
            "INSERT INTO billing_meter (task_id, metered_until, cpu_ns) VALUES (%s, %s, 0) ON CONFLICT DO NOTHING",
            [task_id, task["started_at"]],
        )
        cursor.execute(
            "SELECT metered_until, cpu_ns FROM billing_meter WHERE task_id = %s FOR UPDATE", [task_id]
        )
        since, cpu_ns = cursor.fetchone()
        until = min(task["now"], task["stopped_at"] or task["now"])
        total = (until - since).total_seconds()
        if total <= 0:
            return 0
        reserved_cpu, reserved_gib = task["cpu"], task["memory"] / 1024
        used_cpu = max(0, sample.cpu_ns - cpu_ns) / 1e9 if sample else 0.0
        used_gib = sample.memory_bytes / GIB if sample else 0.0
        price_id = prices.current(task["workspace_id"]).id
        written = 0
        for start, end in _hours(since, until):
            seconds = (end - start).total_seconds()
            share = seconds / total
            cursor.execute(
                INSERT_SQL,
                {
                    "id": UsageRecord._meta.get_field("id").get_default(),
                    "key": f"{task_id}:{start.timestamp():.6f}",
                    "workspace_id": task["workspace_id"],
                    "environment_id": task["environment_id"],
                    "app_id": task["app_id"],
                    "function_id": task["function_id"],
                    "task_id": task_id,
                    "hour": start.replace(minute=0, second=0, microsecond=0),
                    "start": start,
                    "seconds": seconds,
                    "cpu_seconds": max(reserved_cpu * seconds, used_cpu * share),
                    "cpu_used_seconds": used_cpu * share,
                    "memory_gib_seconds": max(reserved_gib, used_gib) * seconds,
                    "gpu_type": task["gpu_type"] if task["gpus"] else "",
                    "gpu_seconds": (task["gpus"] or 0) * seconds,
                    "price_id": price_id,
                },
            )
            written += cursor.rowcount
        cursor.execute(
            "UPDATE billing_meter SET metered_until = %s, cpu_ns = %s WHERE task_id = %s",
            [until, sample.cpu_ns if sample else cpu_ns, task_id],
        )
        return written


HOST_TASKS_SQL = """
SELECT t.id, t.container_id FROM functions_task t LEFT JOIN billing_meter m ON m.task_id = t.id
 WHERE t.host_id = %s AND t.started_at IS NOT NULL
   AND (t.stopped_at IS NULL OR m.metered_until IS NULL OR m.metered_until < t.stopped_at)
"""


def meter_host(host_id: str, read=None) -> int:
    """One sampling round of a host agent: each of its tasks that runs or is not fully metered."""
    from . import cgroups

    read = read or cgroups.sample
    with connection.cursor() as cursor:
        cursor.execute(HOST_TASKS_SQL, [host_id])
        tasks = cursor.fetchall()
    written = 0
    for task_id, container_id in tasks:
        try:
            written += meter_task(task_id, read(container_id) if container_id else None)
        except Exception:  # noqa: BLE001 - the next round meters this window
            log.warning("metering task %s failed", task_id, exc_info=True)
    return written


def settle_unmetered(older_than: timedelta) -> int:
    """Meter tasks stopped longer ago than `older_than` and not fully metered (their host was lost)."""
    ids = Task.objects.raw(
        """SELECT t.id FROM functions_task t LEFT JOIN billing_meter m ON m.task_id = t.id
            WHERE t.started_at IS NOT NULL AND t.stopped_at < now() - %s AND t.stopped_at > now() - interval '1 day'
              AND (m.metered_until IS NULL OR m.metered_until < t.stopped_at)""",
        [older_than],
    )
    return sum(meter_task(task.id) for task in ids)
