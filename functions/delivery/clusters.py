"""Transitions of clusters (`@clustered(size=N)`, docs/clusters.md): N tasks that live and end together.

A cluster's members are placed in one decision (`placement.place_cluster`). Its leader (rank 0)
claims inputs as any container does (`inputs.claim`), and only its outputs are recorded; each
other member is handed every input its leader takes (`cluster_inputs`), runs it, and its result
goes nowhere. A cluster lives only whole: once one member has settled (exited, crashed, failed to
start, lost with its host), the others are stopped (`clusters_broken`). Why the member ended
decides what the input the leader held has spent: a member the platform stopped or lost, or one
killed from outside (SIGKILL, SIGTERM, not for memory), ends the cluster as a preemption (cause
`cluster_ended`: the input runs again on a new cluster without spending a retry); a member that
crashed or failed to start (`cluster_member_crashed`) counts as a crash of the input, under its
retries and the platform's crash cap, as a crash of the leader would, so that a member that
crashes every time cannot run the input again forever.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime

from hosts.models import Host

from ..models import TaskStatus
from .ends import CLUSTER_ENDED, KILLED_EXIT_CODES, PLATFORM_STOP_CAUSES
from .plans import STARTED, I, K, Rows, Stmt, _in, transition

__all__ = ["CLUSTER_ENDED", "CLUSTER_MEMBER_CRASHED", "cluster_inputs", "clusters_broken"]

CLUSTER_ENDED_MESSAGE = "another container of its cluster ended: it runs again without spending a retry"
CLUSTER_MEMBER_CRASHED = "cluster_member_crashed"
CLUSTER_MEMBER_CRASHED_MESSAGE = "another container of its cluster crashed while running this input"
H = Host._meta.db_table

# Every input the leader took, in the order it took them, after the last one the member was
# handed: those it holds now, and those it finished before the member looked (a member runs each).
MEMBER_INPUTS_SQL = f"""
WITH me AS (
    SELECT cluster_id FROM {K}
     WHERE id = %(task)s AND cluster_id <> '' AND cluster_rank > 0 AND status IN {STARTED}
)
SELECT EXISTS (SELECT 1 FROM me) AS live, x.* FROM (SELECT 1) one LEFT JOIN (
    SELECT i.id, i.call_id, i.idx, i.attempt, i.method, i.codec, i.args, i.args_blob, i.started_at
      FROM {K} l JOIN {I} i ON i.task_id = l.id
     WHERE l.cluster_id = (SELECT cluster_id FROM me) AND l.cluster_rank = 0
       AND (%(after_at)s::timestamptz IS NULL OR (i.started_at, i.id) > (%(after_at)s::timestamptz, %(after_id)s))
     ORDER BY i.started_at, i.id
     LIMIT %(max)s
) x ON true
"""


@transition()
def cluster_inputs(
    task_id: str, after: tuple[datetime, str] | None, limit: int
) -> Generator[Stmt, Rows, tuple[list[dict], bool]]:
    """What a member (rank > 0) of a cluster runs: the inputs its leader took (each attempt once),
    after `after` (the `started_at` and id of the last one it was handed); and whether the member
    is live (one the platform stopped or settled gets nothing more)."""
    at, last = after if after is not None else (None, "")
    rows = yield Stmt(MEMBER_INPUTS_SQL, {"task": task_id, "after_at": at, "after_id": last, "max": limit})
    live = bool(rows[0]["live"])
    return [{k: v for k, v in r.items() if k != "live"} for r in rows if r["id"] is not None], live


# Members of clusters one of whose members has settled, still live: they are to stop. One still
# pending (no container yet) settles at once: it never starts.
BROKEN_SQL = f"""
UPDATE {K} t
   SET status = CASE WHEN t.status = '{TaskStatus.PENDING.value}' THEN '{TaskStatus.STOPPED.value}'
                     ELSE '{TaskStatus.STOPPING.value}' END,
       cause = CASE WHEN EXISTS (
                   SELECT 1 FROM {K} c
                    WHERE c.cluster_id = t.cluster_id AND c.status = '{TaskStatus.FAILED.value}'
                      AND c.cause <> ALL(%(not_crashes)s::text[])
                      AND NOT (coalesce(c.exit_code, 0) = ANY(%(killed)s::int[]) AND c.cause <> 'oom')
               ) THEN '{CLUSTER_MEMBER_CRASHED}' ELSE '{CLUSTER_ENDED}' END,
       stopped_at = CASE WHEN t.status = '{TaskStatus.PENDING.value}' THEN now() ELSE t.stopped_at END
  FROM {H} h
 WHERE t.cluster_id <> '' AND t.status IN {_in(TaskStatus.PENDING, TaskStatus.STARTING, TaskStatus.RUNNING)}
   AND h.id = t.host_id AND (%(cluster)s = '' OR t.cluster_id = %(cluster)s)
   AND EXISTS (SELECT 1 FROM {K} o WHERE o.cluster_id = t.cluster_id
                                   AND o.status IN {_in(TaskStatus.STOPPED, TaskStatus.FAILED)})
RETURNING t.id, t.status, h.name AS host
"""


@transition()
def clusters_broken(cluster_id: str = "") -> Generator[Stmt, Rows, list[tuple[str, str]]]:
    """Stop the live members of the cluster (of every cluster when none is named) that lost one of
    theirs. Returns the (task, host queue) of each to stop; the caller sends the stops after commit."""
    not_crashes = sorted(PLATFORM_STOP_CAUSES | {CLUSTER_MEMBER_CRASHED})
    rows = yield Stmt(
        BROKEN_SQL, {"cluster": cluster_id, "not_crashes": not_crashes, "killed": list(KILLED_EXIT_CODES)}
    )
    return [(r["id"], f"host.{r['host']}") for r in rows if r["status"] == TaskStatus.STOPPING.value]
