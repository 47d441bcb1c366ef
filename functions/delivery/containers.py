"""Transitions of containers (tasks): created, starting, running, stop requested, failed, lost, exited."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field

from django.conf import settings

from ..models import AttemptOutcome, TaskStatus
from .calls import cancel_children, finish_calls
from .clusters import CLUSTER_ENDED, CLUSTER_MEMBER_CRASHED, CLUSTER_MEMBER_CRASHED_MESSAGE, clusters_broken
from .ends import PLATFORM_STOP_CAUSES
from .plans import (
    FAILED,
    LIVE,
    PENDING,
    RUNNING,
    SETTLED,
    STARTED,
    F,
    I,
    K,
    Rows,
    Stmt,
    _in,
    record_attempts_sql,
    transition,
)

__all__ = [
    "Exited",
    "may_scale_down",
    "task_container",
    "task_create",
    "task_exited",
    "task_hello",
    "task_lost",
    "task_reason",
    "task_start_failed",
    "task_starting",
    "task_stopping",
    "tasks_start_timed_out",
]

# Containers ----------------------------------------------------------------------------------

TASK_CREATE_SQL = f"""
INSERT INTO {K} (id, workspace_id, function_id, host_id, status, container_id, token_hash, cause, message,
                 inputs_served, gpu_devices, gpu_type, cluster_id, cluster_rank, created_at)
VALUES (%(task)s, %(workspace)s, %(function)s, %(host)s, '{TaskStatus.PENDING.value}', '', '', '', '', 0,
        %(gpu_devices)s, %(gpu_type)s, %(cluster)s, %(rank)s, now())
"""


@transition()
def task_create(
    *,
    task_id: str,
    workspace_id: str,
    function_id: str,
    host_id: int,
    gpu_devices: tuple[int, ...] = (),
    gpu_type: str = "",
    cluster_id: str = "",
    cluster_rank: int = 0,
) -> Generator[Stmt, Rows, str]:
    """A container of the function is to start on the host, with these of its GPU devices
    (placed by `placement.place_container`), as the member of this rank of a cluster
    (`placement.place_cluster`) or of none."""
    yield Stmt(
        TASK_CREATE_SQL,
        {
            "task": task_id,
            "workspace": workspace_id,
            "function": function_id,
            "host": host_id,
            "gpu_devices": list(gpu_devices),
            "gpu_type": gpu_type,
            "cluster": cluster_id,
            "rank": cluster_rank,
        },
    )
    return task_id


@transition()
def task_starting(task_id: str, token_hash: str) -> Generator[Stmt, Rows, bool]:
    """The host agent takes the task to start its container, with the hash of the container's token.

    False when another delivery of the start message took it first, or it was stopped meanwhile.
    """
    rows = yield Stmt(
        f"""UPDATE {K} SET status = '{TaskStatus.STARTING.value}', token_hash = %(hash)s
             WHERE id = %(task)s AND status = '{TaskStatus.PENDING.value}'""",
        {"task": task_id, "hash": token_hash},
    )
    return rows.rowcount == 1


@transition()
def task_container(task_id: str, container_id: str) -> Generator[Stmt, Rows, None]:
    """The container of a starting task exists."""
    yield Stmt(
        f"UPDATE {K} SET container_id = %(container)s WHERE id = %(task)s AND status = '{TaskStatus.STARTING.value}'",
        {"task": task_id, "container": container_id},
    )


@transition()
def task_start_failed(task_id: str, message: str) -> Generator[Stmt, Rows, None]:
    """The container could not be started (Docker refused it, its files were missing)."""
    yield Stmt(
        f"""UPDATE {K} SET status = '{TaskStatus.FAILED.value}', cause = 'start_failed', message = %(message)s,
                   stopped_at = now()
             WHERE id = %(task)s AND status IN {LIVE}""",
        {"task": task_id, "message": message[:20_000]},
    )


TASK_HELLO_SQL = f"""
SELECT t.id, t.token_hash, t.status, t.workspace_id, t.cluster_id, t.cluster_rank, f.id AS function_id, f.app_id, f.name, f.module, f.qualname,
       f.serialized, f.params, f.timeout, f.scaledown_window, f.is_generator, f.max_inputs, f.min_containers,
       f.retries, f.definition, f.secrets, f.restrict_modal_access
  FROM {K} t JOIN {F} f ON f.id = t.function_id WHERE t.id = %(task)s
"""


@transition()
def task_hello(task_id: str, token_hash: str) -> Generator[Stmt, Rows, dict | None]:
    """A container proves its task token: it runs. Returns its task and function, or None if refused."""
    import hmac

    rows = yield Stmt(TASK_HELLO_SQL, {"task": task_id})
    row = rows[0] if rows else None
    if (
        row is None
        or not hmac.compare_digest(row["token_hash"], token_hash)
        or row["status"] not in (TaskStatus.STARTING, TaskStatus.RUNNING)
    ):
        return None
    yield Stmt(
        f"""UPDATE {K} SET status = '{TaskStatus.RUNNING.value}', started_at = coalesce(started_at, now())
             WHERE id = %(task)s AND status IN {STARTED}""",
        {"task": task_id},
    )
    return row


@transition()
def task_reason(task_id: str, cause: str, message: str) -> Generator[Stmt, Rows, None]:
    """Record why a container is giving up (its module failed to import), before it exits."""
    yield Stmt(
        f"UPDATE {K} SET cause = %(cause)s, message = %(message)s WHERE id = %(task)s",
        {"task": task_id, "cause": cause[:64], "message": message[:20_000]},
    )


@transition()
def task_stopping(task_id: str, cause: str) -> Generator[Stmt, Rows, bool]:
    """The platform asks a live container to stop (scale-down, app stopped); False if it was not live."""
    rows = yield Stmt(
        f"UPDATE {K} SET status = '{TaskStatus.STOPPING.value}', cause = %(cause)s WHERE id = %(task)s AND status IN {LIVE}",
        {"task": task_id, "cause": cause[:64]},
    )
    return rows.rowcount == 1


@transition()
def may_scale_down(function_id: str, min_containers: int) -> Generator[Stmt, Rows, bool]:
    """Whether one more container of the function may leave without taking it below its minimum.

    A function a redeploy retired has no minimum any more: its successor keeps the warm ones.
    """
    rows = yield Stmt(
        f"""SELECT count(*) AS live,
                   (SELECT retired_at IS NOT NULL FROM {F} WHERE id = %(function)s) AS retired
              FROM {K} WHERE function_id = %(function)s AND status IN {LIVE}""",
        {"function": function_id},
    )
    return bool(rows[0]["retired"]) or rows[0]["live"] > min_containers


@transition()
def tasks_start_timed_out(deadline_seconds: float) -> Generator[Stmt, Rows, list[str]]:
    """Containers that did not come up within the deadline are given up."""
    rows = yield Stmt(
        f"""UPDATE {K} SET status = '{TaskStatus.FAILED.value}', cause = 'start_timeout', stopped_at = now()
             WHERE status IN {_in(TaskStatus.PENDING, TaskStatus.STARTING)}
               AND created_at < now() - make_interval(secs => %(deadline)s)
            RETURNING id""",
        {"deadline": deadline_seconds},
    )
    return [r["id"] for r in rows]


@transition()
def task_lost(task_id: str) -> Generator[Stmt, Rows, bool]:
    """A live container on a host that stopped renewing its lease is lost (settle it with task_exited)."""
    rows = yield Stmt(
        f"UPDATE {K} SET cause = 'host_lost' WHERE id = %(task)s AND status IN {LIVE}", {"task": task_id}
    )
    return rows.rowcount == 1


def _stop_message(cause: str) -> str:
    """Why the platform took a container away from the inputs it ran (PLATFORM_STOP_CAUSES)."""
    return {
        "app_stopped": "the app was stopped",
        "scaled_down": "the autoscaler scaled the function down",
        "host_drain": "its host was drained",
        "host_lost": "its host stopped answering and was declared lost",
        "agent_restart": "its host agent restarted",
        "gpu_lost": "a GPU it held was lost",
        "container_stopped": "its container was stopped (from the dashboard, the CLI or the API)",
        CLUSTER_ENDED: "another container of its cluster ended",  # = clusters.CLUSTER_ENDED_MESSAGE
    }.get(cause, cause) + ": it runs again without spending a retry"


def _exit_message(cause: str, exit_code: int | None, memory_mib: int) -> str:
    if cause == CLUSTER_MEMBER_CRASHED:
        return CLUSTER_MEMBER_CRASHED_MESSAGE
    if cause == "oom":
        return f"the container exceeded its memory limit of {memory_mib} MiB and was killed (OOM)"
    if exit_code is not None and exit_code > 128:
        return (
            f"the container exited with code {exit_code} (killed by signal {exit_code - 128}) "
            "while running this input"
        )
    return f"the container exited with code {exit_code} while running this input"


@dataclass(frozen=True)
class Exited:
    """What a container's end changed: inputs to push again, calls to wake, and its container."""

    function_id: str
    requeued: list[str]
    failed_calls: list[str]
    container_id: str
    # The inputs of the calls its inputs had made, cancelled (`queues.cancellation_messages`).
    cancelled: list[dict]
    # The other members of its cluster, to stop now (task, host queue): a cluster lives only whole.
    stops: list[tuple[str, str]] = field(default_factory=list)
    cluster_id: str = ""


TASK_LOCK_SQL = f"""
SELECT t.status, t.cause, t.container_id, t.function_id, t.cluster_id, f.memory, f.retries
  FROM {K} t JOIN {F} f ON f.id = t.function_id WHERE t.id = %(task)s FOR UPDATE OF t
"""

TASK_END_SQL = f"""
UPDATE {K} SET status = %(status)s, exit_code = %(exit_code)s, cause = %(cause)s, stopped_at = now()
 WHERE id = %(task)s
"""

HELD_INPUTS_SQL = f"""
SELECT id, call_id, attempt, crashes, retries_used, preemptions FROM {I}
 WHERE task_id = %(task)s AND status = '{RUNNING}' FOR UPDATE
"""

# Each attempt the container's end cut short is recorded as history, crashed or preempted.
REQUEUE_EXITED_SQL = f"""
WITH r AS (
    UPDATE {I} i SET status = '{PENDING}', task_id = NULL, enqueued_at = now(), crashes = o.crashes,
           retries_used = o.retries_used, preemptions = o.preemptions
      FROM unnest(%(ids)s::text[], %(attempts)s::int[], %(crashes)s::int[], %(retries_used)s::int[],
                  %(preemptions)s::int[], %(outcomes)s::text[])
           AS o(id, attempt, crashes, retries_used, preemptions, outcome)
     WHERE i.id = o.id AND i.attempt = o.attempt AND i.status = '{RUNNING}'
 RETURNING i.id, i.attempt, i.started_at, o.outcome, %(cause)s AS cause, %(message)s AS message,
           '' AS traceback
), h AS (
    {record_attempts_sql("r", "outcome")}
)
SELECT id FROM r
"""

FAIL_EXITED_SQL = f"""
UPDATE {I} i SET status = '{FAILED}', result_kind = 'error', cause = %(cause)s, message = %(message)s,
       crashes = o.crashes, finished_at = now(), finished_seq = nextval('skylift_output_seq')
  FROM unnest(%(ids)s::text[], %(attempts)s::int[], %(crashes)s::int[]) AS o(id, attempt, crashes)
 WHERE i.id = o.id AND i.attempt = o.attempt AND i.status = '{RUNNING}'
RETURNING i.call_id
"""


@transition(atomic=True)
def task_exited(task_id: str, *, exit_code: int | None, oom: bool) -> Generator[Stmt, Rows, Exited | None]:
    """Record a container's end, and settle what it was running (RELIABILITY F2, F4, F16).

    An input caught in a crash runs again while the user's retries last, up to the platform's
    crash cap (so a poison input cannot loop forever); caught in a stop the platform asked for,
    it runs again without spending retries. OOM is reported only on Docker's evidence. Safe to
    repeat: a second report of the same end finds nothing running under the task.
    """
    rows = yield Stmt(TASK_LOCK_SQL, {"task": task_id})
    if not rows:
        return None
    task = rows[0]
    cause = "oom" if oom else ("idle" if exit_code == 0 else "container_crash")
    if task["cause"] == CLUSTER_MEMBER_CRASHED:
        cause = CLUSTER_MEMBER_CRASHED  # its inputs count the crash of the member, whatever its own end
    if task["status"] not in SETTLED:
        yield Stmt(
            TASK_END_SQL,
            {
                "task": task_id,
                "status": TaskStatus.STOPPED.value if exit_code == 0 else TaskStatus.FAILED.value,
                "exit_code": exit_code,
                "cause": task["cause"] or cause,
            },
        )
    platform_stop = task["cause"] in PLATFORM_STOP_CAUSES
    max_retries = int((task["retries"] or {}).get("max_retries", 0) or 0)
    held = yield Stmt(HELD_INPUTS_SQL, {"task": task_id})
    requeue, failed = [], []
    for inp in held:
        if platform_stop:
            requeue.append({**inp, "preemptions": inp["preemptions"] + 1})
        elif inp["crashes"] + 1 >= settings.SKYLIFT_CONTAINER_CRASH_CAP or inp["retries_used"] >= max_retries:
            failed.append({**inp, "crashes": inp["crashes"] + 1})
        else:
            requeue.append({**inp, "crashes": inp["crashes"] + 1, "retries_used": inp["retries_used"] + 1})
    requeued: list[str] = []
    if requeue:
        ended = task["cause"] if platform_stop else cause
        rows = yield Stmt(
            REQUEUE_EXITED_SQL,
            {
                **{k: [i[f] for i in requeue] for k, f in _EXITED_COLUMNS.items()},
                "outcomes": [(AttemptOutcome.PREEMPTED if platform_stop else AttemptOutcome.CRASHED).value]
                * len(requeue),
                "task": task_id,
                "cause": ended,
                "message": _stop_message(ended)
                if platform_stop
                else _exit_message(cause, exit_code, task["memory"]),
            },
        )
        requeued = [r["id"] for r in rows]
    failed_calls: list[str] = []
    if failed:
        rows = yield Stmt(
            FAIL_EXITED_SQL,
            {
                "ids": [i["id"] for i in failed],
                "attempts": [i["attempt"] for i in failed],
                "crashes": [i["crashes"] for i in failed],
                "cause": cause,
                "message": _exit_message(cause, exit_code, task["memory"]),
            },
        )
        failed_calls = list(dict.fromkeys(r["call_id"] for r in rows))
        yield from finish_calls(failed_calls).steps
    # What those inputs called from the container is of no use now: a run again makes its own.
    cancelled = yield from cancel_children(
        [inp["id"] for inp in held],
        cause="cancelled",
        message="The input that made this call was interrupted: its container exited.",
    ).steps
    stops = (yield from clusters_broken(task["cluster_id"]).steps) if task["cluster_id"] else []
    return Exited(
        task["function_id"],
        requeued,
        failed_calls,
        task["container_id"],
        cancelled,
        stops,
        task["cluster_id"],
    )


_EXITED_COLUMNS = {
    "ids": "id",
    "attempts": "attempt",
    "crashes": "crashes",
    "retries_used": "retries_used",
    "preemptions": "preemptions",
}
