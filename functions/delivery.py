"""Delivery state: every transition of calls, inputs and containers (tasks), in one place.

The fast path, the relay, the services, the autoscaler and the host agent all change the same
rows; none of them spells a transition itself. Each transition here is a named function that
takes ids and returns what changed. It is written once, as a *plan*: a generator that yields SQL
statements (`Stmt`) and receives their rows, so that the same rule runs on Django's connection
(`run`, synchronous, inside whatever transaction the caller holds) and on an async psycopg
connection (`arun`, for the fast path and the relay, whose hot paths cannot afford the ORM).

    rows = run(finish_calls(["fc-..."]))                 # Django
    rows = await arun(conn, finish_calls(["fc-..."]))    # psycopg AsyncConnection

The rules of the contract (RELIABILITY.md) live in these statements:

- **Fencing.** An input is claimed by one container at a time; every write about it (an output,
  a generator value, a requeue, a release) names the attempt it claimed *and* the task that
  claimed it, so a stale attempt or another container (of this workspace or any other) changes
  nothing.
- **One finish rule.** A call finishes once it is closed and none of its inputs is pending or
  running; it succeeded when every input did (`_finish_calls_sql`).
- **Counted disruptions.** User retries, crashes and preemptions are counted apart; a crash spends
  a retry and counts toward the platform's crash cap, a preemption spends neither.

Statuses come from the models' `TextChoices`; they are written into the SQL as literals (not
parameters) so that PostgreSQL matches the partial indexes on unfinished inputs.

Redis messages (queue pushes, wake-ups, cancellations) are not state: callers send them after
the transition commits, from what it returns.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Generator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

from django.conf import settings
from django.db import connection, transaction

from apps.models import App

from .models import (
    LIVE_TASK_STATUSES,
    CallStatus,
    Function,
    FunctionCall,
    Input,
    InputStatus,
    OutputItem,
    Task,
    TaskStatus,
)

__all__ = [
    "PLATFORM_STOP_CAUSES",
    "Plan",
    "Rows",
    "Stmt",
    "accept_call",
    "accept_one",
    "add_inputs",
    "arun",
    "calls_started",
    "cancel_call",
    "claim",
    "fail_pending",
    "finish_calls",
    "inputs_released",
    "may_scale_down",
    "record_item",
    "record_outputs",
    "requeue_preempted",
    "requeue_stranded",
    "retry_delay",
    "run",
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
    "terminal_status",
]

T = TypeVar("T")
P = ParamSpec("P")

I = Input._meta.db_table  # noqa: E741
C = FunctionCall._meta.db_table
K = Task._meta.db_table
F = Function._meta.db_table
A = App._meta.db_table
O = OutputItem._meta.db_table  # noqa: E741


def _in(*values: str) -> str:
    """A SQL list of status literals: ('pending', 'running')."""
    return "(" + ", ".join(f"'{str(v)}'" for v in values) + ")"


PENDING, RUNNING = InputStatus.PENDING.value, InputStatus.RUNNING.value
SUCCEEDED, FAILED = InputStatus.SUCCEEDED.value, InputStatus.FAILED.value
UNFINISHED = _in(InputStatus.PENDING, InputStatus.RUNNING)
LIVE = _in(*LIVE_TASK_STATUSES)
STARTED = _in(TaskStatus.STARTING, TaskStatus.RUNNING)
SETTLED = (TaskStatus.STOPPED.value, TaskStatus.FAILED.value)

# Stops the platform itself asked for: inputs caught in them run again without spending the
# user's retries (RELIABILITY contract 5).
PLATFORM_STOP_CAUSES = frozenset({"app_stopped", "scaled_down", "host_drain", "host_lost", "agent_restart"})


# Plans and their runners ---------------------------------------------------------------------


@dataclass(frozen=True)
class Stmt:
    """One SQL statement of a plan, with named parameters (`%(name)s`)."""

    sql: str
    params: Mapping[str, Any]


class Rows(list):
    """The rows a statement returned, as dicts, and how many rows it changed."""

    rowcount: int = 0


@dataclass
class Plan(Generic[T]):
    """A transition ready to run: its statements, and whether they must share one transaction."""

    steps: Generator[Stmt, Rows, T]
    atomic: bool


def transition(
    *, atomic: bool = False
) -> Callable[[Callable[P, Generator[Stmt, Rows, T]]], Callable[P, Plan[T]]]:
    """Declare a plan: a generator of statements, run by `run` or `arun`.

    `atomic` plans (several statements that read and then write under a lock) run in one
    transaction; the others are single statements, or statements each correct on its own.
    """

    def wrap(fn: Callable[P, Generator[Stmt, Rows, T]]) -> Callable[P, Plan[T]]:
        @functools.wraps(fn)
        def plan(*args: P.args, **kwargs: P.kwargs) -> Plan[T]:
            return Plan(fn(*args, **kwargs), atomic)

        return plan

    return wrap


# Django loads json and jsonb columns as text (its fields decode them); plans get what an
# async psycopg connection gives, decoded values.
_JSON_TYPES = {114, 3802}


def _drive_sync(steps: Generator[Stmt, Rows, T]) -> T:
    with connection.cursor() as cur:
        try:
            stmt = next(steps)
            while True:
                cur.execute(stmt.sql, stmt.params)
                rows = Rows()
                if cur.description is not None:
                    names = [col.name for col in cur.description]
                    decode = [col.type_code in _JSON_TYPES for col in cur.description]
                    for row in cur.fetchall():
                        rows.append(
                            {
                                name: json.loads(value) if d and isinstance(value, str) else value
                                for name, value, d in zip(names, row, decode, strict=True)
                            }
                        )
                rows.rowcount = cur.rowcount
                stmt = steps.send(rows)
        except StopIteration as done:
            return done.value


def run(plan: Plan[T]) -> T:
    """Run a transition on Django's database connection."""
    if plan.atomic:
        with transaction.atomic():
            return _drive_sync(plan.steps)
    return _drive_sync(plan.steps)


async def _drive_async(conn: Any, steps: Generator[Stmt, Rows, T]) -> T:
    from psycopg.rows import dict_row

    async with conn.cursor(row_factory=dict_row) as cur:
        try:
            stmt = next(steps)
            while True:
                await cur.execute(stmt.sql, stmt.params)
                rows = Rows(await cur.fetchall() if cur.description is not None else ())
                rows.rowcount = cur.rowcount
                stmt = steps.send(rows)
        except StopIteration as done:
            return done.value


async def arun(conn: Any, plan: Plan[T]) -> T:
    """Run a transition on a psycopg `AsyncConnection` (autocommit) of the fast path or the relay."""
    if plan.atomic:
        async with conn.transaction():
            return await _drive_async(conn, plan.steps)
    return await _drive_async(conn, plan.steps)


# Calls finish ----------------------------------------------------------------------------------


def _finish_calls_sql(*, calls: str, inputs: str) -> str:
    """The one rule that finishes a call.

    A call is finished once it is closed (a map may still be adding inputs) and none of its
    inputs is pending or running; it succeeded when every input did, and failed otherwise.
    `inputs` is where its inputs are read: the table, or the rows a statement has just written.
    """
    return f"""UPDATE {C} c
                  SET finished_at = now(),
                      status = CASE WHEN EXISTS (SELECT 1 FROM {inputs} i
                                                  WHERE i.call_id = c.id AND i.status <> '{SUCCEEDED}')
                                    THEN '{CallStatus.FAILED.value}' ELSE '{CallStatus.SUCCEEDED.value}' END
                WHERE {calls} AND c.finished_at IS NULL AND c.closed
                  AND NOT EXISTS (SELECT 1 FROM {inputs} i WHERE i.call_id = c.id AND i.status IN {UNFINISHED})
            RETURNING c.id"""


FINISH_CALLS_SQL = _finish_calls_sql(calls="c.id = ANY(%(calls)s)", inputs=I)


@transition()
def finish_calls(call_ids: Iterable[str]) -> Generator[Stmt, Rows, list[str]]:
    """Finish those of the calls that are done; returns their ids.

    Run after the writes it depends on have committed: a map whose last two outputs two relays
    write at once is finished by whichever runs this second (it sees the other's commit).
    """
    call_ids = list(dict.fromkeys(call_ids))
    if not call_ids:
        return []
    rows = yield Stmt(FINISH_CALLS_SQL, {"calls": call_ids})
    return [r["id"] for r in rows]


# Accept ------------------------------------------------------------------------------------------

INPUT_COLUMNS = (
    "id, workspace_id, call_id, function_id, idx, method, args, args_blob, status, spawned, attempt, "
    "crashes, retries_used, preemptions, result_kind, result_blob, cause, message, created_at, enqueued_at"
)


def _insert_inputs_sql(*, workspace: str, call: str, function: str, source: str = "") -> str:
    """INSERT a batch of inputs from arrays; an index the call already has is skipped (a retried batch)."""
    return f"""INSERT INTO {I} ({INPUT_COLUMNS})
               SELECT a.id, {workspace}, {call}, {function}, a.idx, %(method)s, a.args, a.blob, '{PENDING}',
                      %(spawned)s, 0, 0, 0, 0, '', '', '', '', now(), now()
                 FROM {source} unnest(%(input_ids)s::text[], %(idxs)s::int[], %(args)s::bytea[], %(blobs)s::text[])
                      AS a(id, idx, args, blob)
               ON CONFLICT (call_id, idx) DO NOTHING
               RETURNING id, idx"""


def _insert_call_sql(*, select: str) -> str:
    # No conflict target: a retried statement that meets its own earlier row (the same id) and a
    # request that meets another's idempotency key both insert nothing, and say so.
    return f"""INSERT INTO {C} (id, workspace_id, function_id, kind, status, input_count, idempotency_key, closed,
                                created_by_id, created_at)
               {select}
               ON CONFLICT DO NOTHING
               RETURNING id, created_at"""


ACCEPT_CALL_SQL = f"""
WITH c AS (
    {_insert_call_sql(select=f"VALUES (%(call)s, %(workspace)s, %(function)s, %(kind)s, '{PENDING}', %(count)s, %(key)s, %(closed)s, %(user)s, now())")}
), i AS (
    {_insert_inputs_sql(workspace="%(workspace)s", call="c.id", function="%(function)s", source="c,")}
)
SELECT (SELECT count(*) FROM c) AS created, array(SELECT id FROM i ORDER BY idx) AS input_ids
"""

CALL_BY_KEY_SQL = f"SELECT id FROM {C} WHERE workspace_id = %(workspace)s AND idempotency_key = %(key)s"
INPUT_IDS_SQL = f"SELECT idx, id FROM {I} WHERE call_id = %(call)s AND idx >= %(start)s AND idx < %(end)s"


def _input_params(*, start_idx: int, input_ids: list[str], args: list[bytes], blobs: list[str]) -> dict:
    return {
        "input_ids": input_ids,
        "idxs": list(range(start_idx, start_idx + len(args))),
        "args": args,
        "blobs": blobs,
    }


@dataclass(frozen=True)
class Accepted:
    """The call a request made (`created`), or the one an earlier request with its key made."""

    call_id: str
    input_ids: list[str]
    created: bool


@transition()
def accept_call(
    *,
    call_id: str,
    workspace_id: str,
    function_id: str,
    user_id: int | None,
    kind: str,
    method: str,
    idempotency_key: str | None,
    closed: bool,
    input_ids: list[str],
    args: list[bytes],
    blobs: list[str],
) -> Generator[Stmt, Rows, Accepted]:
    """Accept a call and its first inputs in one statement (durable once it commits).

    With an idempotency key already used in the workspace nothing is inserted, and the call that
    key made is returned instead, with the ids of its inputs at the same indexes.
    """
    rows = yield Stmt(
        ACCEPT_CALL_SQL,
        {
            "call": call_id,
            "workspace": workspace_id,
            "function": function_id,
            "kind": kind,
            "count": len(args),
            "key": idempotency_key,
            "closed": closed,
            "user": user_id,
            "method": method,
            "spawned": kind == "spawn",
            **_input_params(start_idx=0, input_ids=input_ids, args=args, blobs=blobs),
        },
    )
    if rows[0]["created"]:
        return Accepted(call_id, list(rows[0]["input_ids"]), True)
    existing = yield Stmt(CALL_BY_KEY_SQL, {"workspace": workspace_id, "key": idempotency_key})
    if not existing:
        raise RuntimeError(f"call {call_id} was neither inserted nor found by its idempotency key")
    found = existing[0]["id"]
    ids = yield Stmt(INPUT_IDS_SQL, {"call": found, "start": 0, "end": len(args)})
    return Accepted(found, [r["id"] for r in sorted(ids, key=lambda r: r["idx"])], False)


# The fast path's `.remote()`/`.spawn()`: the limits, the function's app, the call and its one
# input in one round trip. A function of another workspace, a stopped app or a limit reached
# inserts nothing (the fast path then lets Django give the full answer).
ACCEPT_ONE_SQL = f"""
WITH n AS (
    SELECT count(*) FILTER (WHERE status = '{PENDING}') AS pending, count(*) AS outstanding FROM {I}
     WHERE function_id = %(function)s AND spawned = %(spawned)s AND status IN {UNFINISHED}
), f AS (
    SELECT f.id, f.name, f.app_id, f.workspace_id FROM {F} f JOIN {A} a ON a.id = f.app_id, n
     WHERE f.id = %(function)s AND f.workspace_id = %(workspace)s AND a.state <> 'stopped'
       AND n.pending < %(max_pending)s AND n.outstanding < %(max_outstanding)s
), c AS (
    {_insert_call_sql(select=f"SELECT %(call)s, f.workspace_id, f.id, %(kind)s, '{PENDING}', 1, %(key)s, true, %(user)s, now() FROM f")}
), i AS (
    {_insert_inputs_sql(workspace="f.workspace_id", call="c.id", function="f.id", source="f, c,")}
)
SELECT f.name, f.app_id, c.created_at, (SELECT count(*) FROM i) AS inserted,
       EXISTS (SELECT 1 FROM {K} t WHERE t.function_id = f.id AND t.status IN {LIVE}) AS live
  FROM f, c
"""

# A statement whose connection dropped may have committed: its retry finds the call it made.
ACCEPTED_ALREADY_SQL = f"""
SELECT f.name, f.app_id, c.created_at, 1 AS inserted, false AS live
  FROM {C} c JOIN {F} f ON f.id = c.function_id
 WHERE c.id = %(call)s AND c.workspace_id = %(workspace)s
"""


@transition()
def accept_one(
    *,
    call_id: str,
    input_id: str,
    workspace_id: str,
    function_id: str,
    user_id: int,
    kind: str,
    method: str,
    args: bytes,
    idempotency_key: str | None,
    max_pending: int,
    max_outstanding: int,
    retrying: bool = False,
) -> Generator[Stmt, Rows, dict | None]:
    """Accept a call of one input, checking the function, its app and the limits in the same statement.

    Returns the function's name and app, the call's creation time and whether a container of the
    function is alive; None when nothing was accepted. `retrying` is set when an earlier run of
    this very statement (same ids) lost its connection: if that one committed, its call is
    returned as accepted instead of a second one being made (or the request being refused).
    """
    params = {
        "function": function_id,
        "workspace": workspace_id,
        "user": user_id,
        "call": call_id,
        "method": method,
        "key": idempotency_key,
        "kind": kind,
        "spawned": kind == "spawn",
        "max_pending": max_pending,
        "max_outstanding": max_outstanding,
        **_input_params(start_idx=0, input_ids=[input_id], args=[args], blobs=[""]),
    }
    rows = yield Stmt(ACCEPT_ONE_SQL, params)
    if rows and rows[0]["inserted"]:
        return rows[0]
    if retrying:
        rows = yield Stmt(ACCEPTED_ALREADY_SQL, {"call": call_id, "workspace": workspace_id})
        if rows:
            return rows[0]
    return None


ADD_INPUTS_SQL = f"""
WITH c AS (
    SELECT id FROM {C} WHERE id = %(call)s AND NOT closed FOR UPDATE
), i AS (
    {_insert_inputs_sql(workspace="%(workspace)s", call="c.id", function="%(function)s", source="c,")}
), u AS (
    UPDATE {C} SET input_count = greatest(input_count, %(end)s), closed = closed OR %(close)s
      FROM c WHERE {C}.id = c.id
)
SELECT (SELECT count(*) FROM c) AS open, array(SELECT id FROM i) AS new_ids
"""


@dataclass(frozen=True)
class Added:
    """The ids of a batch's inputs by index, the ones this request inserted, and whether the call is open."""

    input_ids: list[str]
    new_ids: list[str]
    was_open: bool


@transition()
def add_inputs(
    *,
    call_id: str,
    workspace_id: str,
    function_id: str,
    kind: str,
    method: str,
    start_idx: int,
    input_ids: list[str],
    args: list[bytes],
    blobs: list[str],
    close: bool,
) -> Generator[Stmt, Rows, Added]:
    """Append a batch to an open call (a map sent in batches), closing it with the last one.

    The call's row is locked while the batch goes in, so a batch and the one that closes the call
    never interleave; a call once closed stays closed (a late duplicate of an earlier batch cannot
    reopen it and leave it unfinished forever). A repeated batch inserts nothing and returns the
    ids the first one got. When the call is closed and some index of the batch is missing,
    `input_ids` is shorter than the batch: the caller refuses it.
    """
    end = start_idx + len(args)
    rows = yield Stmt(
        ADD_INPUTS_SQL,
        {
            "call": call_id,
            "workspace": workspace_id,
            "function": function_id,
            "method": method,
            "spawned": kind == "spawn",
            "end": end,
            "close": close,
            **_input_params(start_idx=start_idx, input_ids=input_ids, args=args, blobs=blobs),
        },
    )
    ids = yield Stmt(INPUT_IDS_SQL, {"call": call_id, "start": start_idx, "end": end})
    by_idx = {r["idx"]: r["id"] for r in ids}
    ordered = [by_idx[i] for i in range(start_idx, end) if i in by_idx]
    return Added(ordered, list(rows[0]["new_ids"]), bool(rows[0]["open"]))


# Claim, release, outputs -------------------------------------------------------------------------

CLAIM_SQL = f"""
WITH live AS (
    SELECT function_id FROM {K} WHERE id = %(task)s AND status IN {STARTED}
), claimed AS (
    UPDATE {I} SET status = '{RUNNING}', attempt = attempt + 1, task_id = %(task)s, started_at = now()
     WHERE id = ANY(%(ids)s) AND status = '{PENDING}' AND function_id = (SELECT function_id FROM live)
 RETURNING id, call_id, idx, attempt, method, args, args_blob
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


def _retryable(output: dict) -> bool:
    """An output the user's `retries` may run again: an exception, a timeout, a failed batch."""
    return output["kind"] == "exception" or output["cause"] in ("timeout", "batching")


RETRY_SQL = f"""
UPDATE {I} i SET status = '{PENDING}', retries_used = retries_used + 1, task_id = NULL, enqueued_at = now()
  FROM unnest(%(ids)s::text[], %(attempts)s::int[]) AS o(id, attempt)
 WHERE i.id = o.id AND i.attempt = o.attempt AND i.status = '{RUNNING}' AND i.task_id = %(task)s
   AND i.retries_used < %(max_retries)s
RETURNING i.id, i.retries_used
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
           i.result_blob <> '' AS blob
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
UPDATE {I} i SET status = '{PENDING}', preemptions = preemptions + 1, task_id = NULL, enqueued_at = now()
  FROM unnest(%(ids)s::text[], %(attempts)s::int[]) AS o(id, attempt)
 WHERE i.id = o.id AND i.attempt = o.attempt AND i.status = '{RUNNING}' AND i.task_id = %(task)s
RETURNING i.id
"""


@transition()
def requeue_preempted(task_id: str, inputs: list[dict]) -> Generator[Stmt, Rows, list[str]]:
    """A container hands back the inputs it holds and has not finished, without spending retries."""
    rows = yield Stmt(
        REQUEUE_SQL,
        {"task": task_id, "ids": [i["id"] for i in inputs], "attempts": [int(i["attempt"]) for i in inputs]},
    )
    return [r["id"] for r in rows]


CALLS_STARTED_SQL = f"""
WITH s AS (
    UPDATE {C} SET status = '{CallStatus.RUNNING.value}' WHERE id = ANY(%(calls)s) AND status = '{CallStatus.PENDING.value}'
)
UPDATE {K} t SET inputs_served = t.inputs_served + u.n
  FROM unnest(%(tasks)s::text[], %(counts)s::int[]) AS u(id, n) WHERE t.id = u.id
"""


@transition()
def calls_started(call_ids: list[str], served: Mapping[str, int]) -> Generator[Stmt, Rows, None]:
    """Calls an input of which was claimed become running; containers count the inputs they served."""
    yield Stmt(CALLS_STARTED_SQL, {"calls": call_ids, "tasks": list(served), "counts": list(served.values())})


# Cancel, fail ----------------------------------------------------------------------------------

CANCEL_INPUTS_SQL = f"""
UPDATE {I} i
   SET status = '{InputStatus.CANCELLED.value}', cause = %(cause)s, message = %(message)s, finished_at = now(),
       finished_seq = nextval('skylift_output_seq')
  FROM {I} old
 WHERE i.id = old.id AND i.call_id = %(call)s AND i.status IN {UNFINISHED}
RETURNING i.id, old.task_id, old.status
"""

CANCEL_CALL_SQL = f"""
UPDATE {C} SET status = '{CallStatus.CANCELLED.value}', finished_at = now(), closed = true
 WHERE id = %(call)s AND finished_at IS NULL
"""


@transition(atomic=True)
def cancel_call(
    call_id: str, *, cause: str = "cancelled", message: str = ""
) -> Generator[Stmt, Rows, list[dict]]:
    """Make the call's unfinished inputs terminal `cancelled` and the call cancelled (and closed).

    Returns the inputs cancelled as {id, task_id, status (before)}: the running ones are to be
    interrupted in their containers.
    """
    rows = yield Stmt(CANCEL_INPUTS_SQL, {"call": call_id, "cause": cause[:64], "message": message})
    yield Stmt(CANCEL_CALL_SQL, {"call": call_id})
    return list(rows)


FAIL_PENDING_SQL = f"""
UPDATE {I} SET status = '{FAILED}', result_kind = 'error', cause = %(cause)s, message = %(message)s,
       finished_at = now(), finished_seq = nextval('skylift_output_seq')
 WHERE function_id = %(function)s AND status = '{PENDING}'
RETURNING call_id
"""


@transition()
def fail_pending(function_id: str, *, cause: str, message: str) -> Generator[Stmt, Rows, list[str]]:
    """Every pending input of the function fails with the cause (it cannot run as defined).

    Returns the calls that got a failed input (to wake their callers).
    """
    rows = yield Stmt(FAIL_PENDING_SQL, {"function": function_id, "cause": cause[:64], "message": message})
    calls = list(dict.fromkeys(r["call_id"] for r in rows))
    if calls:
        yield from finish_calls(calls).steps
    return calls


# Containers ----------------------------------------------------------------------------------

TASK_CREATE_SQL = f"""
INSERT INTO {K} (id, workspace_id, function_id, host_id, status, container_id, token_hash, cause, message,
                 inputs_served, created_at)
VALUES (%(task)s, %(workspace)s, %(function)s, %(host)s, '{TaskStatus.PENDING.value}', '', '', '', '', 0, now())
"""


@transition()
def task_create(
    *, task_id: str, workspace_id: str, function_id: str, host_id: int
) -> Generator[Stmt, Rows, str]:
    """A container of the function is to start on the host (placed by the autoscaler)."""
    yield Stmt(
        TASK_CREATE_SQL,
        {"task": task_id, "workspace": workspace_id, "function": function_id, "host": host_id},
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
SELECT t.id, t.token_hash, t.status, t.workspace_id, f.id AS function_id, f.app_id, f.name, f.module, f.qualname,
       f.serialized, f.params, f.timeout, f.scaledown_window, f.is_generator, f.max_inputs, f.min_containers,
       f.retries, f.definition
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
    """Whether one more container of the function may leave without taking it below its minimum."""
    rows = yield Stmt(
        f"SELECT count(*) AS live FROM {K} WHERE function_id = %(function)s AND status IN {LIVE}",
        {"function": function_id},
    )
    return rows[0]["live"] > min_containers


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


def _exit_message(cause: str, exit_code: int | None, memory_mib: int) -> str:
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


TASK_LOCK_SQL = f"""
SELECT t.status, t.cause, t.container_id, t.function_id, f.memory, f.retries
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

REQUEUE_EXITED_SQL = f"""
UPDATE {I} i SET status = '{PENDING}', task_id = NULL, enqueued_at = now(), crashes = o.crashes,
       retries_used = o.retries_used, preemptions = o.preemptions
  FROM unnest(%(ids)s::text[], %(attempts)s::int[], %(crashes)s::int[], %(retries_used)s::int[],
              %(preemptions)s::int[]) AS o(id, attempt, crashes, retries_used, preemptions)
 WHERE i.id = o.id AND i.attempt = o.attempt AND i.status = '{RUNNING}'
RETURNING i.id
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
        rows = yield Stmt(
            REQUEUE_EXITED_SQL,
            {k: [i[f] for i in requeue] for k, f in _EXITED_COLUMNS.items()},
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
    return Exited(task["function_id"], requeued, failed_calls, task["container_id"])


_EXITED_COLUMNS = {
    "ids": "id",
    "attempts": "attempt",
    "crashes": "crashes",
    "retries_used": "retries_used",
    "preemptions": "preemptions",
}


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
