"""Log lines: what the API, the live tail and the CLI read, and the retention that deletes them.

Containers' lines reach the platform through their host agent's relay (op "log",
`hosts.relay_store.record_logs`), which writes them here (LogLine) and, for `skylift run`'s live
output, to a short Redis stream per app. This module reads the table: one query with the same
filters for a page of history (`page`), for the lines after a cursor (`tail`, what the dashboard's
WebSocket, its fallback polling and `skylift app logs --follow` use), and for a download.

The tail's cursor. Line ids come from a sequence, taken when a line is inserted; two relays that
insert at once may commit in the other order, so a reader that saw id 12 may later find 11. A
cursor therefore never passes a line younger than SETTLE (its transaction may still be open; the
relay's are a few milliseconds): `tail` returns every matching line after the cursor, but the
cursor it hands back stops at the last line older than SETTLE. The next read repeats the young
lines, and the reader drops the ids it has shown (lines are never changed, so an id is enough).

Retention: lines older than SKYLIFT_LOG_RETENTION_DAYS are deleted by `purge`, oldest first in
batches of BATCH through the `created_at` index, until none is left or RUN_SECONDS pass; the Celery
task sends itself again at once while a backlog remains (as output expiry does), so deletion runs
as fast as PostgreSQL allows (benchmarks/logs.py measures it against the insert rate).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Min
from django.utils import timezone

from apps.models import App
from config.errors import ApiError
from config.moments import moment

from .models import Function, LogLine

__all__ = [
    "BATCH",
    "MAX_LIMIT",
    "RUN_SECONDS",
    "SETTLE",
    "Filters",
    "Purged",
    "download",
    "filters_from",
    "limit_from",
    "line_id",
    "page",
    "purge",
    "retention",
    "tail",
]

SETTLE = timedelta(seconds=1)
MAX_LIMIT = 5_000
DEFAULT_LIMIT = 500
BATCH = 20_000
RUN_SECONDS = 50.0
DOWNLOAD_CHUNK = 5_000

L = LogLine._meta.db_table

_COLUMNS = (
    """l.id, l.app_id, a.name, l.function_id, f.name, l.call_id, l.task_id, l.stream, l.text, l.created_at"""
)
_FROM = (
    f"{L} l JOIN {App._meta.db_table} a ON a.id = l.app_id "
    f"LEFT JOIN {Function._meta.db_table} f ON f.id = l.function_id"
)


@dataclass(frozen=True)
class Filters:
    """Which lines: all of them given are ANDed; `q` is a case-insensitive substring of the text."""

    workspace_id: str
    app: str = ""
    function: str = ""
    call: str = ""
    container: str = ""
    stream: str = ""
    since: datetime | None = None
    until: datetime | None = None
    q: str = ""

    def where(self) -> tuple[str, list[Any]]:
        clauses: list[str] = ["l.workspace_id = %s"]
        params: list[Any] = [self.workspace_id]
        for column, value in (
            ("l.app_id", self.app),
            ("l.function_id", self.function),
            ("l.call_id", self.call),
            ("l.task_id", self.container),
            ("l.stream", self.stream),
        ):
            if value:
                clauses.append(f"{column} = %s")
                params.append(value)
        if self.since is not None:
            clauses.append("l.created_at >= %s")
            params.append(self.since)
        if self.until is not None:
            clauses.append("l.created_at < %s")
            params.append(self.until)
        if self.q:
            clauses.append("l.text ILIKE %s")
            params.append("%" + self.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
        return " AND ".join(clauses), params


def line_id(params, name: str) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    if not str(raw).isdigit() or len(str(raw)) > 18:
        raise ApiError(f"{name} is the id of a log line (a whole number).", field=name)
    return int(raw)


def limit_from(params, default: int = DEFAULT_LIMIT) -> int:
    raw = params.get("limit")
    if raw in (None, ""):
        return default
    if not str(raw).isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(f"limit is a whole number from 1 to {MAX_LIMIT}.", field="limit")
    return int(raw)


def filters_from(workspace_id: str, params) -> Filters:
    """The filters of a request's query string (API or WebSocket); bad values are 400s."""
    stream = params.get("stream") or ""
    if stream not in ("", "stdout", "stderr"):
        raise ApiError("stream is stdout or stderr.", field="stream")
    for name in ("app", "function", "call", "container"):
        if len(params.get(name) or "") > 32:
            raise ApiError(f"{name} is an id.", field=name)
    q = params.get("q") or ""
    if len(q) > 500:
        raise ApiError("q is at most 500 characters.", field="q")
    found = Filters(
        workspace_id=workspace_id,
        app=params.get("app") or "",
        function=params.get("function") or "",
        call=params.get("call") or "",
        container=params.get("container") or "",
        stream=stream,
        since=moment(params, "since"),
        until=moment(params, "until"),
        q=q,
    )
    if found.since and found.until and found.since >= found.until:
        raise ApiError("since is before until.", field="since")
    return found


def _entry(row) -> dict:
    return {
        "id": str(row[0]),
        "app_id": row[1],
        "app": row[2],
        "function_id": row[3],
        "function": row[4] or "",
        "call_id": row[5],
        "container_id": row[6],
        "stream": row[7],
        "text": row[8],
        "created_at": row[9],
    }


def _settled_id(cur) -> int:
    """The id of the newest line older than SETTLE: lines up to it are committed (see the module)."""
    cur.execute(
        f"SELECT id FROM {L} WHERE created_at < now() - %s ORDER BY created_at DESC, id DESC LIMIT 1",
        [SETTLE],
    )
    row = cur.fetchone()
    return int(row[0]) if row else 0


def page(filters: Filters, *, before: int | None = None, limit: int = DEFAULT_LIMIT) -> dict:
    """The newest `limit` matching lines (older than `before`), oldest first; `next_before` pages
    back while older ones exist, and `cursor` is where a tail of the same filters starts."""
    where, params = filters.where()
    if before is not None:
        where += " AND l.id < %s"
        params.append(before)
    with connection.cursor() as cur:
        cursor = _settled_id(cur)
        cur.execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE {where} ORDER BY l.id DESC LIMIT %s", [*params, limit]
        )
        rows = cur.fetchall()
    rows.reverse()
    return {
        "results": [_entry(r) for r in rows],
        "next_before": str(rows[0][0]) if len(rows) == limit else None,
        "cursor": str(cursor),
    }


def tail(filters: Filters, *, after: int, limit: int = MAX_LIMIT) -> dict:
    """The matching lines after `after`, oldest first, and the cursor to read on from.

    The lines may repeat ones a previous read gave (those younger than SETTLE): drop the ids
    already shown. A full page moves the cursor to its last line, so a reader always advances.
    """
    where, params = filters.where()
    with connection.cursor() as cur:
        settled = _settled_id(cur)
        cur.execute(
            f"SELECT {_COLUMNS} FROM {_FROM} WHERE {where} AND l.id > %s ORDER BY l.id LIMIT %s",
            [*params, after, limit],
        )
        rows = cur.fetchall()
    if len(rows) == limit:
        cursor = int(rows[-1][0])
    else:
        cursor = max(after, settled)
    return {"results": [_entry(r) for r in rows], "cursor": str(cursor), "next_before": None}


def download(filters: Filters) -> Iterator[str]:
    """Every matching line, oldest first, as text lines `time stream [function] text`."""
    where, params = filters.where()
    last = 0
    while True:
        with connection.cursor() as cur:
            cur.execute(
                f"SELECT {_COLUMNS} FROM {_FROM} WHERE {where} AND l.id > %s ORDER BY l.id LIMIT %s",
                [*params, last, DOWNLOAD_CHUNK],
            )
            rows = cur.fetchall()
        if not rows:
            return
        yield "".join(
            f"{r[9].isoformat(timespec='milliseconds')} {r[7]} [{r[2]}{'.' + r[4] if r[4] else ''}"
            f"{' ' + r[6] if r[6] else ''}] {r[8]}\n"
            for r in rows
        )
        last = int(rows[-1][0])
        if len(rows) < DOWNLOAD_CHUNK:
            return


def retention() -> timedelta:
    """The platform's retention (a workspace's settings may choose another: `log_retention_days`)."""
    return timedelta(days=settings.SKYLIFT_LOG_RETENTION_DAYS)


def _shortest_retention() -> timedelta:
    from accounts.models import Workspace

    shortest = Workspace.objects.filter(log_retention_days__isnull=False).aggregate(
        days=Min("log_retention_days")
    )["days"]
    return min(retention(), timedelta(days=shortest)) if shortest else retention()


@dataclass
class Purged:
    rows: int = 0
    done: bool = False


def purge(*, now: datetime | None = None, batch: int = BATCH, budget: float = RUN_SECONDS) -> Purged:
    """Delete the lines older than their workspace's retention, batch after batch (each its own commit).

    The `created_at` index walks the lines older than the shortest retention of any workspace; each
    is deleted when it is older than its own workspace's (`log_retention_days`, else the platform's)."""
    now = now or timezone.now()
    cutoff = now - _shortest_retention()
    started = time.monotonic()
    result = Purged()
    while True:
        with connection.cursor() as cur:
            cur.execute(
                f"""DELETE FROM {L} WHERE id IN (
                        SELECT l.id FROM {L} l JOIN accounts_workspace w ON w.id = l.workspace_id
                        WHERE l.created_at < %s
                          AND l.created_at < %s - make_interval(days => COALESCE(w.log_retention_days, %s))
                        ORDER BY l.created_at LIMIT %s)""",
                [cutoff, now, settings.SKYLIFT_LOG_RETENTION_DAYS, batch],
            )
            count = cur.rowcount
        result.rows += count
        if count < batch:
            result.done = True
            return result
        if time.monotonic() - started >= budget:
            return result
