"""Metering: each second of a container's life in exactly one usage record.

A container is a function's task, a sandbox, or a build step (`UsageKind`). It is metered from its
`started_at` to its `stopped_at` (the times the delivery core records; a build step's, its builder).
Its ContainerMeter row says up to when it is metered; metering takes that row's lock, writes the
window from there to now (or to the stop) under the key "container:window start" (ON CONFLICT DO
NOTHING) and moves the mark, in one transaction. An agent that restarts, a second agent, the control
plane settling a lost host's containers, or the same sample sent twice therefore never count a
second twice, and a window not written is written by the next sample.

Charged: CPU core-seconds = max(reserved cores, measured use) over the window; memory
GiB-seconds = max(reserved, measured at the sample, ephemeral disk / 20) times its length (disk
raises the memory charged at 20:1); GPU-seconds = GPUs held times its length. Without a sample
(the cgroup is gone) the reservation is charged.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction

from . import prices
from .cgroups import Sample
from .models import UsageKind, UsageRecord

log = logging.getLogger("skylift.billing")

GIB = 1024**3
DISK_PER_MEMORY = 20  # a GiB of disk charges as 1/20 GiB of memory

SUBJECT_COLUMNS = """{id} AS id, '{kind}' AS kind, {workspace}.workspace_id, a.environment_id, a.id AS app_id,
       {function} AS function_id, {task} AS task_id, {sandbox} AS sandbox_id, NULL AS build_id,
       {cpu} AS cpu, {memory} AS memory, {gpu_type} AS gpu_type, {gpus} AS gpus,
       {workspace}.started_at, {workspace}.stopped_at"""

SUBJECT_SQL: dict[str, str] = {
    UsageKind.FUNCTION: "SELECT "
    + SUBJECT_COLUMNS.format(
        id="t.id",
        kind=UsageKind.FUNCTION.value,
        workspace="t",
        function="f.id",
        task="t.id",
        sandbox="NULL",
        cpu="f.cpu",
        memory="f.memory",
        gpu_type="t.gpu_type",
        gpus="coalesce(cardinality(t.gpu_devices), 0)",
    )
    + """
  FROM functions_task t JOIN functions_function f ON f.id = t.function_id
  JOIN skylift_apps_app a ON a.id = f.app_id
 WHERE t.id = %s AND t.started_at IS NOT NULL""",
    UsageKind.SANDBOX: "SELECT "
    + SUBJECT_COLUMNS.format(
        id="s.id",
        kind=UsageKind.SANDBOX.value,
        workspace="s",
        function="NULL",
        task="NULL",
        sandbox="s.id",
        cpu="s.cpu",
        memory="s.memory",
        gpu_type="''",
        gpus="0",
    )
    + """
  FROM functions_sandbox s LEFT JOIN skylift_apps_app a ON a.id = s.app_id
 WHERE s.id = %s AND s.started_at IS NOT NULL""",
}

COLUMNS = (
    "id, key, kind, workspace_id, environment_id, app_id, function_id, task_id, sandbox_id, build_id, hour, start, "
    "seconds, cpu_seconds, cpu_used_seconds, memory_gib_seconds, gpu_type, gpu_seconds, disk_gib_seconds, price_id"
)
ROW = "(" + ", ".join(["%s"] * len(COLUMNS.split(", "))) + ")"


@dataclass(frozen=True)
class Subject:
    """A container to meter, as its record says: who pays, what it reserved, when it lived."""

    id: str  # ta-…, sb-…, or bu-…:<step index>
    kind: str
    workspace_id: str
    environment_id: str | None
    app_id: str | None
    function_id: str | None
    task_id: str | None
    sandbox_id: str | None
    build_id: str | None
    cpu: float  # reserved cores
    memory: float  # reserved MiB
    gpu_type: str
    gpus: int
    started_at: datetime
    stopped_at: datetime | None


def _hours(start: datetime, end: datetime):
    """[start, end) cut at each hour boundary."""
    while start < end:
        boundary = start.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        yield start, min(end, boundary)
        start = min(end, boundary)


def meter(kind: str, subject_id: str, sample: Sample | None = None) -> int:
    """Write the usage of a task or sandbox since it was last metered, up to now or its stop; the
    records written."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SUBJECT_SQL[kind], [subject_id])
        row = cursor.fetchone()
        if row is None:
            return 0
        subject = Subject(*row)
        return _write(cursor, subject, sample)


def meter_task(task_id: str, sample: Sample | None = None) -> int:
    return meter(UsageKind.FUNCTION, task_id, sample)


def meter_sandbox(sandbox_id: str, sample: Sample | None = None) -> int:
    return meter(UsageKind.SANDBOX, sandbox_id, sample)


def meter_subject(subject: Subject, sample: Sample | None = None) -> int:
    """Meter a container its owner describes (a build step: billing/build_meter.py)."""
    with transaction.atomic(), connection.cursor() as cursor:
        return _write(cursor, subject, sample)


def _write(cursor, subject: Subject, sample: Sample | None) -> int:
    cursor.execute(
        "INSERT INTO billing_containermeter (subject, metered_until, cpu_ns) VALUES (%s, %s, 0) "
        "ON CONFLICT DO NOTHING",
        [subject.id, subject.started_at],
    )
    cursor.execute(
        "SELECT metered_until, cpu_ns, clock_timestamp() FROM billing_containermeter WHERE subject = %s FOR UPDATE",
        [subject.id],
    )
    since, cpu_ns, now = cursor.fetchone()
    until = min(now, subject.stopped_at or now)
    total = (until - since).total_seconds()
    if total <= 0:
        return 0
    reserved_cpu, reserved_gib = subject.cpu, subject.memory / 1024
    used_cpu = max(0, sample.cpu_ns - cpu_ns) / 1e9 if sample else 0.0
    used_gib = sample.memory_bytes / GIB if sample else 0.0
    disk_gib = sample.disk_bytes / GIB if sample else 0.0
    memory_gib = max(reserved_gib, used_gib, disk_gib / DISK_PER_MEMORY)
    price_id = prices.current(subject.workspace_id).id
    new_id = UsageRecord._meta.get_field("id").get_default
    params: list = []
    for start, end in _hours(since, until):
        seconds = (end - start).total_seconds()
        share = seconds / total
        params += [
            new_id(),
            f"{subject.id}:{start.timestamp():.6f}",
            subject.kind,
            subject.workspace_id,
            subject.environment_id,
            subject.app_id,
            subject.function_id,
            subject.task_id,
            subject.sandbox_id,
            subject.build_id,
            start.replace(minute=0, second=0, microsecond=0),
            start,
            seconds,
            max(reserved_cpu * seconds, used_cpu * share),
            used_cpu * share,
            memory_gib * seconds,
            subject.gpu_type if subject.gpus else "",
            subject.gpus * seconds,
            disk_gib * seconds,
            price_id,
        ]
    rows = len(params) // len(COLUMNS.split(", "))
    # One statement: the rollups' trigger sums all its windows at once (billing/rollup.py).
    cursor.execute(
        f"INSERT INTO billing_usagerecord ({COLUMNS}) VALUES {', '.join([ROW] * rows)} ON CONFLICT (key) DO NOTHING",
        params,
    )
    written = cursor.rowcount
    cursor.execute(
        "UPDATE billing_containermeter SET metered_until = %s, cpu_ns = %s WHERE subject = %s",
        [until, sample.cpu_ns if sample else cpu_ns, subject.id],
    )
    return written


# Each task and sandbox of the host that runs, or stopped and is not fully metered.
HOST_SQL = """
SELECT %(function)s, t.id, t.container_id FROM functions_task t LEFT JOIN billing_containermeter m ON m.subject = t.id
 WHERE t.host_id = %(host)s AND t.started_at IS NOT NULL
   AND (t.stopped_at IS NULL OR m.metered_until IS NULL OR m.metered_until < t.stopped_at)
UNION ALL
SELECT %(sandbox)s, s.id, s.container_id FROM functions_sandbox s LEFT JOIN billing_containermeter m ON m.subject = s.id
 WHERE s.host_id = %(host)s AND s.started_at IS NOT NULL
   AND (s.stopped_at IS NULL OR m.metered_until IS NULL OR m.metered_until < s.stopped_at)
"""


def meter_host(host_id: str, read=None, disk=None) -> int:
    """One sampling round of a host agent: each of its containers that runs or is not fully metered.

    `read(container_id)` is its cgroup's Sample (billing/cgroups.py), `disk(container_id)` the bytes
    of its writable layer (billing/disk.py; none: not measured)."""
    from . import cgroups

    read = read or cgroups.sample
    with connection.cursor() as cursor:
        cursor.execute(
            HOST_SQL,
            {"host": host_id, "function": UsageKind.FUNCTION.value, "sandbox": UsageKind.SANDBOX.value},
        )
        containers = cursor.fetchall()
    written = 0
    for kind, subject_id, container_id in containers:
        try:
            sample = read(container_id) if container_id else None
            if sample is not None and disk is not None:
                sample = sample.with_disk(disk(container_id))
            written += meter(kind, subject_id, sample)
        except Exception:  # noqa: BLE001 - the next round meters this window
            log.warning("metering %s %s failed", kind, subject_id, exc_info=True)
    return written


UNSETTLED_SQL = """
SELECT %(function)s, t.id FROM functions_task t LEFT JOIN billing_containermeter m ON m.subject = t.id
 WHERE t.started_at IS NOT NULL AND t.stopped_at < now() - make_interval(secs => %(older)s) AND t.stopped_at > now() - interval '1 day'
   AND (m.metered_until IS NULL OR m.metered_until < t.stopped_at)
UNION ALL
SELECT %(sandbox)s, s.id FROM functions_sandbox s LEFT JOIN billing_containermeter m ON m.subject = s.id
 WHERE s.started_at IS NOT NULL AND s.stopped_at < now() - make_interval(secs => %(older)s) AND s.stopped_at > now() - interval '1 day'
   AND (m.metered_until IS NULL OR m.metered_until < s.stopped_at)
"""


def settle_unmetered(older_than: timedelta) -> int:
    """Meter tasks and sandboxes stopped longer ago than `older_than` and not fully metered (their
    host was lost), at their reservation."""
    with connection.cursor() as cursor:
        cursor.execute(
            UNSETTLED_SQL,
            {
                "older": older_than.total_seconds(),
                "function": UsageKind.FUNCTION.value,
                "sandbox": UsageKind.SANDBOX.value,
            },
        )
        rows = cursor.fetchall()
    return sum(meter(kind, subject_id) for kind, subject_id in rows)
