"""What the dashboard shows of calls: the facts of each row of a calls table, and one call's report.

A calls table row (`with_row_facts`): queue time (the call made until its first input started),
whether an input waited for a container to start (a cold start), the container of its first input,
and its attempts (the most any input took). Each is a correlated subquery on the call's inputs, so
a page of 50 calls costs one query, evaluated for those 50 rows only.

A call's report (`call_report`): its inputs' states and attempts (how many were lost to container
crashes, spent on user retries, caused by the platform's preemptions) with the final cause, each
input's attempts in order with how each ended and why (`attempt_history`: the ended ones from
`InputAttempt`, the last one from the input itself), the remote traceback of the failures, the call's log lines, and a cold-start breakdown of its first
input from the platform's own timestamps, stage by stage as benchmarks/foundation.py measures them
(less the Docker-side split, which only the host sees).

The remote traceback is read out of the pickled error body without unpickling it (the control
plane never runs user bytes): `pickletools` walks the opcodes and the string that is a traceback
is taken as text.
"""

from __future__ import annotations

import pickletools
from datetime import datetime

from django.db.models import Exists, F, Max, OuterRef, QuerySet, Subquery

from . import blobs
from .models import AttemptOutcome, FunctionCall, Input, InputAttempt, InputStatus, LogLine, Task

__all__ = [
    "CRASH_CAUSES",
    "INPUTS_SHOWN",
    "LOG_LINES_SHOWN",
    "TRACEBACKS_SHOWN",
    "attempt_history",
    "call_report",
    "remote_traceback",
    "with_row_facts",
]

INPUTS_SHOWN = 200
TRACEBACKS_SHOWN = 20
LOG_LINES_SHOWN = 2_000

_TRACEBACK_HEAD = "Traceback (most recent call last):"
_STRING_OPS = {"SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"}


def with_row_facts(queryset: QuerySet[FunctionCall]) -> QuerySet[FunctionCall]:
    """The calls with `first_started_at`, `first_task_id`, `attempts` and `cold_start` annotated."""
    inputs = Input.objects.filter(call=OuterRef("pk"))
    return queryset.annotate(
        first_started_at=Subquery(
            inputs.filter(started_at__isnull=False).order_by("started_at").values("started_at")[:1]
        ),
        first_task_id=Subquery(inputs.order_by("idx").values("task_id")[:1]),
        attempts=Subquery(inputs.values("call").annotate(most=Max("attempt")).values("most")[:1]),
        cold_start=Exists(inputs.filter(task__started_at__gt=F("created_at"))),
    )


def remote_traceback(body: bytes | memoryview | None) -> str:
    """The traceback text an exception output carries ("" when there is none), without unpickling."""
    if not body:
        return ""
    try:
        for op, arg, _ in pickletools.genops(bytes(body)):
            if op.name in _STRING_OPS and isinstance(arg, str) and arg.startswith(_TRACEBACK_HEAD):
                return arg
    except Exception:  # noqa: BLE001 - a body that is not a pickle has no traceback to show
        return ""
    return ""


def _seconds(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds(), 3)


def cold_start_breakdown(first: Input | None, task: Task | None) -> dict:
    """The stages from the call's first input made to its output, from the platform's timestamps.

    `cold` is whether the input waited for its container to start (the container became ready
    after the input was made); a warm input's container stages are empty.
    """
    if first is None:
        return {"cold": False, "stages": []}
    cold = bool(task and task.started_at and task.started_at > first.created_at)
    stages = []
    if cold and task is not None:
        asked = max(task.created_at, first.created_at)
        stages += [
            {
                "name": "container_requested",
                "what": "The input made until the autoscaler asked for a container (0 if it already had)",
                "seconds": max(_seconds(first.created_at, asked) or 0.0, 0.0),
            },
            {
                "name": "container_start",
                "what": "Placement, image, docker create and start, Python start-up, runtime imports, "
                "relay authentication (the container running)",
                "seconds": _seconds(asked, task.started_at),
            },
            {
                "name": "input_claimed",
                "what": "Log channel, import of the user's module, enter hooks, first claim",
                "seconds": _seconds(task.started_at, first.started_at),
            },
        ]
    else:
        stages.append(
            {
                "name": "queued",
                "what": "The input made until a running container claimed it",
                "seconds": _seconds(first.created_at, first.started_at),
            }
        )
    stages.append(
        {
            "name": "run",
            "what": "The function ran and its output was recorded",
            "seconds": _seconds(first.started_at, first.finished_at),
        }
    )
    return {"cold": cold, "stages": stages}


def _traceback_of(row: Input) -> str:
    if row.result_kind != "exception":
        return ""
    body = row.result
    if not body and row.result_blob:
        try:
            body = blobs.load(row.result_blob)
        except OSError:
            return ""
    return remote_traceback(body)


# The causes of an input that failed because its container died under it (delivery.task_exited).
CRASH_CAUSES = frozenset({"container_crash", "oom"})


def _attempt(row: InputAttempt) -> dict:
    return {
        "attempt": row.attempt,
        "outcome": row.outcome,
        "cause": row.cause,
        "message": row.message,
        "traceback": row.traceback,
        "task_id": row.task_id,
        "started_at": row.started_at,
        "ended_at": row.ended_at,
    }


def attempt_history(row: Input, ended: list[InputAttempt], traceback: str) -> list[dict]:
    """The input's attempts in order: those that ended and were followed by another (`ended`,
    recorded by the transitions), then the one it is in or ended with, from the input itself."""
    history = [_attempt(a) for a in sorted(ended, key=lambda a: (a.attempt, a.ended_at))]
    if row.attempt == 0 or any(a["attempt"] == row.attempt for a in history):
        return history  # never claimed, or waiting for its next attempt
    if row.status == InputStatus.PENDING:
        return history
    crashed = row.status == InputStatus.FAILED and row.cause in CRASH_CAUSES
    history.append(
        {
            "attempt": row.attempt,
            "outcome": AttemptOutcome.CRASHED.value if crashed else row.status,
            "cause": row.cause,
            "message": row.message,
            "traceback": traceback,
            "task_id": row.task_id or "",
            "started_at": row.started_at,
            "ended_at": row.finished_at,
        }
    )
    return history


def call_report(call: FunctionCall) -> dict:
    """The call's inputs (the first INPUTS_SHOWN), status counts, tracebacks, logs and cold start."""
    counts: dict[str, int] = {}
    for status in Input.objects.filter(call=call).values_list("status", flat=True).order_by():
        counts[status] = counts.get(status, 0) + 1
    rows = list(Input.objects.filter(call=call).order_by("idx").defer("args")[:INPUTS_SHOWN])
    ended: dict[str, list[InputAttempt]] = {}
    for attempt in InputAttempt.objects.filter(input_id__in=[r.id for r in rows]):
        ended.setdefault(attempt.input_id, []).append(attempt)
    shown_tracebacks = 0
    inputs = []
    for row in rows:
        traceback = ""
        if row.result_kind == "exception" and shown_tracebacks < TRACEBACKS_SHOWN:
            traceback = _traceback_of(row)
            shown_tracebacks += 1
        inputs.append(
            {
                "id": row.id,
                "idx": row.idx,
                "status": row.status,
                "attempts": row.attempt,
                "crashes": row.crashes,
                "retries_used": row.retries_used,
                "preemptions": row.preemptions,
                "cause": row.cause,
                "message": row.message,
                "traceback": traceback,
                "task_id": row.task_id or "",
                "created_at": row.created_at,
                "started_at": row.started_at,
                "finished_at": row.finished_at,
                "queue_seconds": _seconds(row.created_at, row.started_at),
                "run_seconds": _seconds(row.started_at, row.finished_at),
                "attempt_history": attempt_history(row, ended.get(row.id, []), traceback),
            }
        )
    first = rows[0] if rows and rows[0].idx == 0 else None
    task = Task.objects.filter(pk=first.task_id).first() if first and first.task_id else None
    logs = list(
        LogLine.objects.filter(call=call)
        .order_by("id")
        .values("id", "stream", "text", "task_id", "created_at")[:LOG_LINES_SHOWN]
    )
    return {
        "call_id": call.id,
        "counts": counts,
        "inputs": inputs,
        "inputs_shown": len(inputs),
        "cold_start": cold_start_breakdown(first, task),
        "logs": [{**line, "task_id": line["task_id"] or ""} for line in logs],
    }
