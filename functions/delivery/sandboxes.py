"""Transitions of sandboxes: placed, starting, running, stop requested (terminate, timeout, idle), exited.

A sandbox is its own container record (functions.models.Sandbox), changed only here, as tasks are
in `containers`. Its `timeout` and `idle_timeout` are enforced by the control plane's tick
(`sandboxes_expired`), not by the client, which may be gone.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass

from hosts.models import Host

from ..models import Sandbox, SandboxStatus
from .placement import lost_devices_sql
from .plans import Rows, Stmt, _in, transition

__all__ = [
    "Stop",
    "sandbox_active",
    "sandbox_claim",
    "sandbox_container",
    "sandbox_exited",
    "sandbox_start_failed",
    "sandbox_starting",
    "sandbox_stopping",
    "sandboxes_active",
    "sandboxes_expired",
    "sandboxes_host_lost",
    "sandboxes_on_lost_devices",
    "sandboxes_pool_retired",
]

S = Sandbox._meta.db_table
H = Host._meta.db_table
SB_LIVE = _in(SandboxStatus.PENDING, SandboxStatus.STARTING, SandboxStatus.RUNNING)
SB_SETTLED = (SandboxStatus.STOPPED.value, SandboxStatus.FAILED.value)


@dataclass(frozen=True)
class Stop:
    """A sandbox asked to stop: its host's queue (empty when it was never placed) and container."""

    sandbox_id: str
    queue: str
    container_id: str


@transition()
def sandbox_starting(sandbox_id: str) -> Generator[Stmt, Rows, bool]:
    """The host agent takes the sandbox to start its container; False if another delivery took it
    first, or it was stopped meanwhile."""
    rows = yield Stmt(
        f"""UPDATE {S} SET status = '{SandboxStatus.STARTING.value}'
             WHERE id = %(sb)s AND status = '{SandboxStatus.PENDING.value}' AND host_id IS NOT NULL""",
        {"sb": sandbox_id},
    )
    return rows.rowcount == 1


@transition()
def sandbox_container(sandbox_id: str, container_id: str) -> Generator[Stmt, Rows, bool]:
    """Its container runs; False when it was asked to stop while starting (the caller stops it).
    A pooled one is not started for anyone yet: its `started_at` is its claim's (sandbox_claim)."""
    rows = yield Stmt(
        f"""UPDATE {S} SET container_id = %(container)s, status = '{SandboxStatus.RUNNING.value}',
                   started_at = CASE WHEN pool THEN NULL ELSE now() END, active_at = now()
             WHERE id = %(sb)s AND status = '{SandboxStatus.STARTING.value}'""",
        {"sb": sandbox_id, "container": container_id},
    )
    if rows.rowcount != 1:
        yield Stmt(
            f"UPDATE {S} SET container_id = %(container)s WHERE id = %(sb)s",
            {"sb": sandbox_id, "container": container_id},
        )
    return rows.rowcount == 1


CLAIM_SQL = f"""
UPDATE {S} SET pool = false, created_at = statement_timestamp(), started_at = statement_timestamp(),
              active_at = statement_timestamp()
 WHERE id = (SELECT id FROM {S}
              WHERE pool AND status = '{SandboxStatus.RUNNING.value}' AND container_id <> ''
                AND workspace_id = %(workspace)s AND image_id = %(image)s
              ORDER BY pooled_at LIMIT 1 FOR UPDATE SKIP LOCKED)
   AND pool AND status = '{SandboxStatus.RUNNING.value}'
RETURNING id
"""


@transition()
def sandbox_claim(workspace_id: str, image_id: str) -> Generator[Stmt, Rows, str | None]:
    """Take a running pooled sandbox of this workspace and image for a create (functions/sandbox_pool.py):
    from now on it is the caller's, its clocks (timeout, idle, metering) starting now. None when
    the pool has none ready."""
    rows = yield Stmt(CLAIM_SQL, {"workspace": workspace_id, "image": image_id})
    return rows[0]["id"] if rows else None


@transition()
def sandbox_start_failed(sandbox_id: str, message: str) -> Generator[Stmt, Rows, None]:
    yield Stmt(
        f"""UPDATE {S} SET status = '{SandboxStatus.FAILED.value}', cause = 'start_failed', message = %(message)s,
                   stopped_at = now()
             WHERE id = %(sb)s AND status NOT IN {_in(*SB_SETTLED)}""",
        {"sb": sandbox_id, "message": message[:20_000]},
    )


@transition()
def sandbox_active(sandbox_id: str) -> Generator[Stmt, Rows, bool]:
    """An exec began or ended: the idle clock starts again. False when the sandbox is not running."""
    rows = yield Stmt(
        f"UPDATE {S} SET active_at = now() WHERE id = %(sb)s AND status = '{SandboxStatus.RUNNING.value}'",
        {"sb": sandbox_id},
    )
    return rows.rowcount == 1


@transition()
def sandboxes_active(sandbox_ids: list[str]) -> Generator[Stmt, Rows, int]:
    """Traffic went through these sandboxes' tunnels: their idle clocks start again, in one write
    (functions/sandbox_activity.py gathers them). How many were running."""
    rows = yield Stmt(
        f"UPDATE {S} SET active_at = now() WHERE id = ANY(%(ids)s) AND status = '{SandboxStatus.RUNNING.value}'",
        {"ids": sorted(sandbox_ids)},
    )
    return rows.rowcount


STOPPING_SQL = f"""
UPDATE {S} s SET status = CASE WHEN s.host_id IS NULL THEN '{SandboxStatus.STOPPED.value}'
                               ELSE '{SandboxStatus.STOPPING.value}' END,
       stopped_at = CASE WHEN s.host_id IS NULL THEN now() ELSE NULL END,
       cause = %(cause)s
 WHERE s.id = ANY(%(ids)s) AND s.status IN {SB_LIVE}
RETURNING s.id, s.container_id, (SELECT 'host.' || h.name FROM {H} h WHERE h.id = s.host_id) AS queue
"""


@transition()
def sandbox_stopping(sandbox_id: str, cause: str) -> Generator[Stmt, Rows, Stop | None]:
    """Stop a live sandbox (terminate); one never placed stops at once. None if it was not live."""
    rows = yield Stmt(STOPPING_SQL, {"ids": [sandbox_id], "cause": cause[:64]})
    return Stop(rows[0]["id"], rows[0]["queue"] or "", rows[0]["container_id"]) if rows else None


# As a function's containers (placement.lost_devices_sql): a lost device ends a sandbox (it is not
# run again).
LOST_DEVICES_SQL = lost_devices_sql(S)


@transition()
def sandboxes_on_lost_devices(*, host_id: int) -> Generator[Stmt, Rows, list[str]]:
    """The host's live sandboxes holding a device it does not have healthy end (cause `gpu_lost`):
    a pending one at once, another stopping. Returns the sandboxes whose containers are to be
    killed: those, and those stopped so before that have not ended yet."""
    rows = yield Stmt(LOST_DEVICES_SQL, {"host": host_id})
    return [r["id"] for r in rows]


EXPIRED_SQL = f"""
SELECT id FROM {S}
 WHERE status IN {SB_LIVE}
   AND (created_at + make_interval(secs => timeout) < now()
        OR (idle_timeout IS NOT NULL AND status = '{SandboxStatus.RUNNING.value}'
            AND active_at + make_interval(secs => idle_timeout) < now()))
 FOR UPDATE SKIP LOCKED
"""
IDLE_SQL = f"""SELECT id FROM {S} WHERE id = ANY(%(ids)s)
  AND NOT (created_at + make_interval(secs => timeout) < now())"""


@transition(atomic=True)
def sandboxes_expired() -> Generator[Stmt, Rows, list[Stop]]:
    """Sandboxes past their `timeout`, or idle past their `idle_timeout`, asked to stop."""
    rows = yield Stmt(EXPIRED_SQL, {})
    ids = [r["id"] for r in rows]
    if not ids:
        return []
    idle = {r["id"] for r in (yield Stmt(IDLE_SQL, {"ids": ids}))}
    stops: list[Stop] = []
    for cause, chosen in (("idle_timeout", sorted(idle)), ("timeout", sorted(set(ids) - idle))):
        if chosen:
            done = yield Stmt(STOPPING_SQL, {"ids": chosen, "cause": cause})
            stops += [Stop(r["id"], r["queue"] or "", r["container_id"]) for r in done]
    return stops


@transition()
def sandbox_exited(sandbox_id: str, *, exit_code: int | None, oom: bool) -> Generator[Stmt, Rows, str | None]:
    """Record a sandbox container's end (safe to repeat); returns its container id, None if unknown."""
    rows = yield Stmt(
        f"""UPDATE {S} SET status = CASE WHEN status = '{SandboxStatus.STOPPING.value}' OR %(code)s = 0
                                       THEN '{SandboxStatus.STOPPED.value}' ELSE '{SandboxStatus.FAILED.value}' END,
                   exit_code = %(code)s,
                   cause = CASE WHEN cause <> '' THEN cause WHEN %(oom)s THEN 'oom'
                                WHEN %(code)s = 0 THEN 'exited' ELSE 'container_crash' END,
                   stopped_at = now()
             WHERE id = %(sb)s AND status NOT IN {_in(*SB_SETTLED)}
            RETURNING container_id""",
        {"sb": sandbox_id, "code": exit_code, "oom": oom},
    )
    if rows:
        return rows[0]["container_id"]
    rows = yield Stmt(f"SELECT container_id FROM {S} WHERE id = %(sb)s", {"sb": sandbox_id})
    return rows[0]["container_id"] if rows else None


@transition(atomic=True)
def sandboxes_pool_retired(in_use: list[tuple[str, str]]) -> Generator[Stmt, Rows, list[Stop]]:
    """Pooled sandboxes nobody claimed whose (workspace, image) is not `in_use` any more are asked
    to stop."""
    rows = yield Stmt(
        f"""SELECT id FROM {S} WHERE pool AND status IN {SB_LIVE}
              AND NOT (workspace_id || ':' || image_id = ANY(%(pairs)s))
            FOR UPDATE SKIP LOCKED""",
        {"pairs": [f"{w}:{i}" for w, i in in_use]},
    )
    if not rows:
        return []
    done = yield Stmt(STOPPING_SQL, {"ids": [r["id"] for r in rows], "cause": "pool_retired"})
    return [Stop(r["id"], r["queue"] or "", r["container_id"]) for r in done]


@transition()
def sandboxes_host_lost() -> Generator[Stmt, Rows, list[str]]:
    """Sandboxes on a host whose lease ran out end (its agent kills its containers as its lease
    runs out, RELIABILITY F9): their end could not be reported otherwise."""
    rows = yield Stmt(
        f"""UPDATE {S} SET status = CASE WHEN status = '{SandboxStatus.STOPPING.value}'
                                       THEN '{SandboxStatus.STOPPED.value}' ELSE '{SandboxStatus.FAILED.value}' END,
                   cause = CASE WHEN cause <> '' THEN cause ELSE 'host_lost' END, stopped_at = now()
             WHERE status NOT IN {_in(*SB_SETTLED)}
               AND host_id IN (SELECT id FROM {H} WHERE lease_expires_at < now())
            RETURNING id""",
        {},
    )
    return [r["id"] for r in rows]
