"""Transitions of inputs in containers: claim, release, outputs and retries, generator values, requeue."""

from __future__ import annotations

from collections.abc import Callable, Generator, Mapping
from datetime import datetime
from typing import Any

from ..call_reports import remote_traceback
from ..models import AttemptOutcome, InputStatus
from .calls import _finish_calls_sql, finish_calls
from .clusters import CLUSTER_ENDED, CLUSTER_ENDED_MESSAGE, CLUSTER_MEMBER_CRASHED
from .plans import (
    FAILED,
    PENDING,
    RUNNING,
    STARTED,
    SUCCEEDED,
    UNFINISHED,
    H,
    I,
    K,
    O,
    Rows,
    Stmt,
    record_attempts_sql,
    transition,
)

__all__ = [
    "claim",
    "inputs_released",
    "outputs_expired",
    "record_item",
    "record_outputs",
    "requeue_preempted",
    "requeue_stranded",
    "retry_delay",
    "terminal_status",
]

# Claim, release, outputs -------------------------------------------------------------------------

CLAIM_SQL = f"""
WITH live AS (
    SELECT function_id FROM {K} WHERE id = %(task)s AND status IN {STARTED}
), claimed AS (
    UPDATE {I} SET status = '{RUNNING}', attempt = attempt + 1, task_id = %(task)s, started_at = now()
     WHERE id = ANY(%(ids)s) AND status = '{PENDING}' AND function_id = (SELECT function_id FROM live)
 RETURNING id, call_id, idx, attempt, method, codec, args, args_blob
)
SELECT l.live, claimed.* FROM (SELECT EXISTS (SELECT 1 FROM live) AS live) l LEFT JOIN claimed ON true
"""


@transition()
def claim(task_id: str, input_ids: list[str]) -> Generator[Stmt, Rows, tuple[list[dict], bool]]:
    """A container claims pending inputs of its own function: attempt + 1, running under it.

    Returns the claimed inputs (in the order asked; already claimed, finished or foreign ones are
    skipped) and whether the container may still take inputs: one the control plane has settled
    (its host was declared lost, it was stopped) is fenced off and claims nothing (RELIABILITY F9).
    """
    rows = yield Stmt(CLAIM_SQL, {"task": task_id, "ids": input_ids})
    live = bool(rows[0]["live"])
    claimed = [{k: v for k, v in r.items() if k != "live"} for r in rows if r["id"] is not None]
    order = {input_id: n for n, input_id in enumerate(input_ids)}
    claimed.sort(key=lambda r: order[r["id"]])
    return claimed, live


RELEASE_SQL = f"""
UPDATE {I} SET status = '{PENDING}', task_id = NULL, enqueued_at = now()
 WHERE id = ANY(%(ids)s) AND task_id = %(task)s AND status = '{RUNNING}'
RETURNING id
"""


@transition()
def inputs_released(task_id: str, input_ids: list[str]) -> Generator[Stmt, Rows, list[str]]:
    """Undo a claim whose answer was lost (the connection died): the inputs go back to pending.

    An input the lost claim did take is running under this container but was never handed to it;
    one it did not take is left alone. Nothing is spent: the next claim runs it.
    """
    rows = yield Stmt(RELEASE_SQL, {"task": task_id, "ids": input_ids})
    return [r["id"] for r in rows]


def terminal_status(kind: str, cause: str) -> str:
    """The input status an output puts it in: a value succeeds, an exception fails, errors by cause."""
    if kind == "value":
        return SUCCEEDED
    if kind == "exception":
        return FAILED
    return {"timeout": InputStatus.TIMED_OUT.value, "cancelled": InputStatus.CANCELLED.value}.get(
        cause, FAILED
    )


# The most of a retried attempt's traceback its history keeps.
TRACEBACK_MAX = 20_000


def _ended(output: dict) -> str:
    """How a retried output's attempt ended (AttemptOutcome)."""
    return AttemptOutcome.TIMED_OUT.value if output["cause"] == "timeout" else AttemptOutcome.FAILED.value


def _retryable(output: dict) -> bool:
    """An output the user's `retries` may run again: an exception, a timeout, a failed batch."""
    return output["kind"] == "exception" or output["cause"] in ("timeout", "batching")


# A retried attempt is recorded as history, with its exception, in the same statement.
RETRY_SQL = f"""
WITH r AS (
    UPDATE {I} i SET status = '{PENDING}', retries_used = retries_used + 1, task_id = NULL, enqueued_at = now()
      FROM unnest(%(ids)s::text[], %(attempts)s::int[], %(outcomes)s::text[], %(causes)s::text[],
                  %(messages)s::text[], %(tracebacks)s::text[])
           AS o(id, attempt, outcome, cause, message, traceback)
     WHERE i.id = o.id AND i.attempt = o.attempt AND i.status = '{RUNNING}' AND i.task_id = %(task)s
       AND i.retries_used < %(max_retries)s
 RETURNING i.id, i.retries_used, i.attempt, i.started_at, o.outcome, o.cause, o.message, o.traceback
), h AS (
    {record_attempts_sql("r", "outcome")}
)
SELECT id, retries_used FROM r
"""

# A stale attempt (the input was requeued meanwhile) or another container matches nothing: the
# first valid terminal write wins. A call of one input (`.remote()`, `.spawn()`) is finished by
# the same statement, by the finish rule read over the row just written: its only input.
WRITE_OUTPUTS_SQL = f"""
WITH w AS (
    UPDATE {I} i
       SET status = o.status, result = o.body, result_blob = o.blob, result_kind = o.kind, cause = o.cause,
           message = o.message, finished_at = now(), finished_seq = nextval('skylift_output_seq')
      FROM unnest(%(ids)s::text[], %(attempts)s::int[], %(statuses)s::text[], %(bodies)s::bytea[],
                  %(kinds)s::text[], %(causes)s::text[], %(messages)s::text[], %(blobs)s::text[])
           AS o(id, attempt, status, body, kind, cause, message, blob)
     WHERE i.id = o.id AND i.attempt = o.attempt AND i.status = '{RUNNING}' AND i.task_id = %(task)s
 RETURNING i.call_id, i.id, i.idx, i.status, i.result_kind, i.cause, i.message, i.finished_seq,
           i.codec, i.result_blob <> '' AS blob
), single AS (
    {_finish_calls_sql(calls="c.input_count = 1 AND c.id IN (SELECT call_id FROM w)", inputs="w")}
)
SELECT w.*, w.call_id IN (SELECT id FROM single) AS finished FROM w
"""


def retry_delay(retries: Mapping[str, Any], used: int) -> float:
    """Seconds before retry number `used` (1-based): initial_delay x backoff_coefficient^(used-1), capped."""
    initial = float(retries.get("initial_delay", 1.0))
    coefficient = float(retries.get("backoff_coefficient", 2.0))
    cap = float(retries.get("max_delay", 60.0))
    return min(cap, initial * coefficient ** max(0, used - 1))


@transition()
def record_outputs(
    task_id: str, outputs: list[dict], retries: Mapping[str, Any]
) -> Generator[Stmt, Rows, tuple[list[dict], list[str], list[dict]]]:
    """Record a container's outputs, fenced by attempt and by the task that claimed each input.

    Each output is {id, attempt, kind (value | exception | error), cause, message, body, blob}.
    Failures with user retries left go back to pending instead. Returns (the outputs written, as
    rows of the input; the calls that finished; the inputs to push again later, as {id, used}).
    An output of a stale attempt, or about an input this task does not hold, writes nothing.
    """
    max_retries = int(retries.get("max_retries", 0) or 0)
    again: list[dict] = []
    retryable = [o for o in outputs if _retryable(o)]
    if retryable and max_retries:
        rows = yield Stmt(
            RETRY_SQL,
            {
                "task": task_id,
                "ids": [o["id"] for o in retryable],
                "attempts": [int(o["attempt"]) for o in retryable],
                "outcomes": [_ended(o) for o in retryable],
                "causes": [o["cause"][:64] for o in retryable],
                "messages": [o["message"][:10_000] for o in retryable],
                "tracebacks": [
                    remote_traceback(o["body"])[:TRACEBACK_MAX] if o["kind"] == "exception" else ""
                    for o in retryable
                ],
                "max_retries": max_retries,
            },
        )
        again = [{"id": r["id"], "used": r["retries_used"]} for r in rows]
    retried = {a["id"] for a in again}
    terminal = [o for o in outputs if o["id"] not in retried]
    if not terminal:
        return [], [], again
    written = yield Stmt(
        WRITE_OUTPUTS_SQL,
        {
            "task": task_id,
            "ids": [o["id"] for o in terminal],
            "attempts": [int(o["attempt"]) for o in terminal],
            "statuses": [terminal_status(o["kind"], o["cause"]) for o in terminal],
            "bodies": [b"" if o.get("blob") else o["body"] for o in terminal],
            "kinds": [o["kind"] for o in terminal],
            "causes": [o["cause"][:64] for o in terminal],
            "messages": [o["message"][:10_000] for o in terminal],
            "blobs": [o.get("blob") or "" for o in terminal],
        },
    )
    finished = [w["call_id"] for w in written if w["finished"]]
    # Calls of several inputs are finished by a separate statement, which sees every write
    # committed before it.
    rest = [w["call_id"] for w in written if not w["finished"]]
    if rest:
        finished += yield from finish_calls(rest).steps
    return list(written), finished, again


RECORD_ITEM_SQL = f"""
INSERT INTO {O} (input_id, n, data, created_at)
SELECT id, %(n)s, %(data)s, now() FROM {I}
 WHERE id = %(input)s AND attempt = %(attempt)s AND status = '{RUNNING}' AND task_id = %(task)s
ON CONFLICT (input_id, n) DO NOTHING
"""


@transition()
def record_item(
    task_id: str, input_id: str, attempt: int, n: int, data: bytes
) -> Generator[Stmt, Rows, bool]:
    """Store the n-th value a generator yielded while the attempt that claimed it runs; a repeat is ignored."""
    rows = yield Stmt(
        RECORD_ITEM_SQL, {"task": task_id, "input": input_id, "attempt": attempt, "n": n, "data": data}
    )
    return rows.rowcount == 1


REQUEUE_SQL = f"""
WITH r AS (
    UPDATE {I} i SET status = '{PENDING}', preemptions = preemptions + 1, task_id = NULL, enqueued_at = now()
      FROM unnest(%(ids)s::text[], %(attempts)s::int[]) AS o(id, attempt)
     WHERE i.id = o.id AND i.attempt = o.attempt AND i.status = '{RUNNING}' AND i.task_id = %(task)s
 RETURNING i.id, i.attempt, i.started_at, %(cause)s AS cause, %(message)s AS message, '' AS traceback
), h AS (
    {record_attempts_sql("r", f"'{AttemptOutcome.PREEMPTED.value}'")}
)
SELECT id FROM r
"""

# Why a container hands inputs back (`reason` of its requeue), and what the history says of it.
REQUEUE_REASONS = {
    "preempted": "its container was stopping (scaled down, drained or replaced) before it ran",
    "timeout": "another input of its batch ran past the timeout, and the container gave the rest back",
}


@transition()
def requeue_preempted(
    task_id: str, inputs: list[dict], reason: str = "preempted"
) -> Generator[Stmt, Rows, list[str]]:
    """A container hands back the inputs it holds and has not finished, without spending retries.

    Each handed-back attempt is recorded as history, preempted, with `reason` (REQUEUE_REASONS;
    another is taken as "preempted": the container says it, not the platform), or as its cluster's
    end when that is why the platform stopped the container (`clusters.clusters_broken`)."""
    reason = reason if reason in REQUEUE_REASONS else "preempted"
    cause, message = reason, REQUEUE_REASONS[reason]
    if reason == "preempted":
        stopped = yield Stmt(f"SELECT cause FROM {K} WHERE id = %(task)s", {"task": task_id})
        if stopped and stopped[0]["cause"] == CLUSTER_ENDED:
            cause, message = CLUSTER_ENDED, CLUSTER_ENDED_MESSAGE
        elif stopped and stopped[0]["cause"] == CLUSTER_MEMBER_CRASHED:
            # Not handed back: they stay under the container, whose end settles them as crashed
            # (`containers.task_exited`), spending retries, under the crash cap.
            return []
    rows = yield Stmt(
        REQUEUE_SQL,
        {
            "task": task_id,
            "ids": [i["id"] for i in inputs],
            "attempts": [int(i["attempt"]) for i in inputs],
            "cause": cause,
            "message": message,
        },
    )
    return [r["id"] for r in rows]


# The reconciler's repair -------------------------------------------------------------------------

STRANDED_SQL = f"""
SELECT id, function_id FROM {I}
 WHERE status = '{PENDING}' AND enqueued_at < now() - make_interval(secs => %(after)s)
 LIMIT %(limit)s
"""


@transition()
def requeue_stranded(
    after_seconds: float, queue_lengths: Callable[[list[str]], Mapping[str, int]], limit: int = 5000
) -> Generator[Stmt, Rows, dict[str, list[str]]]:
    """Pending inputs whose message may have been lost, by function, marked pushed again now.

    Only for functions whose queue is empty (`queue_lengths` reads them): while ids are queued,
    containers are still working through them, and duplicates would only pop ids that claim
    nothing. Returns the ids to push, by function.
    """
    rows = yield Stmt(STRANDED_SQL, {"after": after_seconds, "limit": limit})
    by_function: dict[str, list[str]] = {}
    for row in rows:
        by_function.setdefault(row["function_id"], []).append(row["id"])
    if not by_function:
        return {}
    lengths = queue_lengths(list(by_function))
    stranded = {f: ids for f, ids in by_function.items() if lengths.get(f) == 0}
    ids = [i for batch in stranded.values() for i in batch]
    if ids:
        yield Stmt(
            f"UPDATE {I} SET enqueued_at = now() WHERE id = ANY(%(ids)s) AND status = '{PENDING}'",
            {"ids": ids},
        )
    return stranded


# The oldest finished inputs not yet expired (`input_unexpired_idx`), locked so that two runs
# never take the same rows: their payloads and items dropped (found by primary key: a join would
# let the planner hash the whole table), and the blob keys they held, as the locked rows stood.
EXPIRE_BATCH_SQL = f"""
WITH batch AS (
    SELECT id, args_blob, result_blob FROM {I}
     WHERE finished_at < %(cutoff)s AND finished_at IS NOT NULL AND result_kind <> 'expired'
       AND status NOT IN {UNFINISHED}
     ORDER BY finished_at
     LIMIT %(batch)s
       FOR UPDATE SKIP LOCKED
), expired AS (
    UPDATE {I}
       SET result = NULL, result_kind = 'expired', args = ''::bytea, args_blob = '', result_blob = ''
     WHERE id = ANY(ARRAY(SELECT id FROM batch))
 RETURNING id
), items AS (
    DELETE FROM {O} WHERE input_id = ANY(ARRAY(SELECT id FROM expired))
), tracebacks AS (
    UPDATE {H} SET traceback = '' WHERE input_id = ANY(ARRAY(SELECT id FROM expired)) AND traceback <> ''
)
SELECT (SELECT count(*) FROM expired) AS expired,
       ARRAY(SELECT DISTINCT k FROM batch b, unnest(ARRAY[b.args_blob, b.result_blob]) AS k WHERE k <> '')
           AS blobs
"""


@transition()
def outputs_expired(cutoff: datetime, batch: int) -> Generator[Stmt, Rows, tuple[int, list[str]]]:
    """Past retention, a batch of outputs expires: payloads, generator values and the tracebacks of
    earlier attempts go, the rows stay as `expired` markers (OutputExpiredError). Returns how many,
    and the blob keys they held."""
    rows = yield Stmt(EXPIRE_BATCH_SQL, {"cutoff": cutoff, "batch": batch})
    return rows[0]["expired"], list(rows[0]["blobs"] or [])
