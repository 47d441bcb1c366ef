"""Transitions of calls: accept, add inputs, cancel, fail pending inputs, start, and the one finish rule."""

from __future__ import annotations

from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass

from ..models import CallStatus, InputStatus
from .plans import (
    DEPLOYED,
    FAILED,
    LIVE,
    PENDING,
    RUNNING,
    SUCCEEDED,
    UNFINISHED,
    A,
    C,
    E,
    F,
    I,
    K,
    Rows,
    Stmt,
    transition,
)

__all__ = [
    "Accepted",
    "Added",
    "ChildCall",
    "accept_call",
    "accept_child_call",
    "accept_one",
    "add_inputs",
    "calls_started",
    "cancel_call",
    "cancel_children",
    "fail_pending",
    "finish_calls",
]

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
    return f"""INSERT INTO {I} ({INPUT_COLUMNS}, codec)
               SELECT a.id, {workspace}, {call}, {function}, a.idx, %(method)s, a.args, a.blob, '{PENDING}',
                      %(spawned)s, 0, 0, 0, 0, '', '', '', '', now(), now(), %(codec)s
                 FROM {source} unnest(%(input_ids)s::text[], %(idxs)s::int[], %(args)s::bytea[], %(blobs)s::text[])
                      AS a(id, idx, args, blob)
               ON CONFLICT (call_id, idx) DO NOTHING
               RETURNING id, idx"""


def _insert_call_sql(*, select: str) -> str:
    # No conflict target: a retried statement that meets its own earlier row (the same id) and a
    # request that meets another's idempotency key both insert nothing, and say so.
    return f"""INSERT INTO {C} (id, workspace_id, function_id, kind, status, input_count, idempotency_key, closed,
                                created_by_id, created_at, parent_input_id, parent_call_id)
               {select}
               ON CONFLICT DO NOTHING
               RETURNING id, created_at"""


ACCEPT_CALL_SQL = f"""
WITH c AS (
    {_insert_call_sql(select=f"VALUES (%(call)s, %(workspace)s, %(function)s, %(kind)s, '{PENDING}', %(count)s, %(key)s, %(closed)s, %(user)s, now(), %(parent_input)s, %(parent_call)s)")}
), i AS (
    {_insert_inputs_sql(workspace="%(workspace)s", call="c.id", function="%(function)s", source="c,")}
)
SELECT (SELECT count(*) FROM c) AS created, array(SELECT id FROM i ORDER BY idx) AS input_ids
"""

CALL_BY_KEY_SQL = f"SELECT id FROM {C} WHERE workspace_id = %(workspace)s AND idempotency_key = %(key)s"
INPUT_IDS_SQL = f"SELECT idx, id FROM {I} WHERE call_id = %(call)s AND idx >= %(start)s AND idx < %(end)s"


def _input_params(
    *, start_idx: int, input_ids: list[str], args: list[bytes], blobs: list[str], codec: str
) -> dict:
    return {
        "codec": codec,
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
    parent_input_id: str | None = None,
    parent_call_id: str | None = None,
    codec: str = "",
) -> Generator[Stmt, Rows, Accepted]:
    """Accept a call and its first inputs in one statement (durable once it commits).

    With an idempotency key already used in the workspace nothing is inserted, and the call that
    key made is returned instead, with the ids of its inputs at the same indexes. A call made from
    inside a container names its parent input and call (the call graph). `codec` says how the
    inputs' arguments (and so their results) are encoded: "" cloudpickle, "json" JSON.
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
            "parent_input": parent_input_id,
            "parent_call": parent_call_id,
            **_input_params(start_idx=0, input_ids=input_ids, args=args, blobs=blobs, codec=codec),
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
# input in one round trip (its one row as plain values: unnest's arrays cost this hot path
# 0.1 ms). A function a redeploy replaced is called as its successor (`r`). A function of
# another workspace, a stopped app, a function a redeploy removed or a limit reached inserts
# nothing (the fast path then lets Django give the full answer).
def _accept_one_sql(resolve: str) -> str:
    return f"""
WITH r AS (
    {resolve}
), n AS (
    SELECT count(*) FILTER (WHERE status = '{PENDING}') AS pending, count(*) AS outstanding FROM {I}
     WHERE function_id = (SELECT id FROM r) AND spawned = %(spawned)s AND status IN {UNFINISHED}
), f AS (
    SELECT f.id, f.name, f.app_id, f.workspace_id FROM {F} f JOIN {A} a ON a.id = f.app_id, n
     WHERE f.id = (SELECT id FROM r) AND f.workspace_id = %(workspace)s AND a.state <> 'stopped'
       AND f.retired_at IS NULL AND n.pending < %(max_pending)s AND n.outstanding < %(max_outstanding)s
), c AS (
    {_insert_call_sql(select=f"SELECT %(call)s, f.workspace_id, f.id, %(kind)s, '{PENDING}', 1, %(key)s, true, %(user)s, now(), NULL, NULL FROM f")}
), i AS (
    INSERT INTO {I} ({INPUT_COLUMNS})
    SELECT %(input)s, f.workspace_id, c.id, f.id, 0, %(method)s, %(args)s, '', '{PENDING}', %(spawned)s, 0, 0, 0, 0,
           '', '', '', '', now(), now()
      FROM f, c
    RETURNING id
)
SELECT f.id AS function_id, f.name, f.app_id, c.created_at, (SELECT count(*) FROM i) AS inserted,
       EXISTS (SELECT 1 FROM {K} t WHERE t.function_id = f.id AND t.status IN {LIVE}) AS live
  FROM f, c
"""


ACCEPT_ONE_SQL = _accept_one_sql(
    f"SELECT coalesce(superseded_by_id, id) AS id FROM {F} WHERE id = %(function)s"
)
# The same, to a deployed app's function named in the request (`Function.from_name(...).remote()`
# without a lookup first): the live version's function of that name, as `apps.deployments.
# function_lookup` finds it, unless it is a web endpoint (called over HTTP only). Nothing found
# inserts nothing, and Django's answer names what is missing.
ACCEPT_ONE_BY_NAME_SQL = _accept_one_sql(
    f"""SELECT fn.id FROM {F} fn JOIN {A} ap ON ap.live_version_id = fn.version_id
      JOIN {E} env ON env.id = ap.environment_id
     WHERE ap.workspace_id = %(workspace)s AND ap.name = %(app_name)s AND ap.state = '{DEPLOYED}'
       AND env.name = %(environment)s AND fn.name = %(function_name)s AND fn.variant_key = ''
       AND jsonb_typeof(fn.definition -> 'web') IS DISTINCT FROM 'object'"""
)

# A statement whose connection dropped may have committed: its retry finds the call it made.
ACCEPTED_ALREADY_SQL = f"""
SELECT f.id AS function_id, f.name, f.app_id, c.created_at, 1 AS inserted, false AS live
  FROM {C} c JOIN {F} f ON f.id = c.function_id
 WHERE c.id = %(call)s AND c.workspace_id = %(workspace)s
"""


@transition()
def accept_one(
    *,
    call_id: str,
    input_id: str,
    workspace_id: str,
    function_id: str | None,
    user_id: int,
    kind: str,
    method: str,
    args: bytes,
    idempotency_key: str | None,
    max_pending: int,
    max_outstanding: int,
    retrying: bool = False,
    by_name: tuple[str, str, str] | None = None,
) -> Generator[Stmt, Rows, dict | None]:
    """Accept a call of one input, checking the function, its app and the limits in the same statement.

    Returns the function's name and app, the call's creation time and whether a container of the
    function is alive; None when nothing was accepted. `retrying` is set when an earlier run of
    this very statement (same ids) lost its connection: if that one committed, its call is
    returned as accepted instead of a second one being made (or the request being refused).
    `by_name` (app, function, environment) names a deployed app's function instead of
    `function_id`: the call goes to its live version's function of that name.
    """
    params = {
        "function": function_id,
        "app_name": by_name[0] if by_name else None,
        "function_name": by_name[1] if by_name else None,
        "environment": by_name[2] if by_name else None,
        "workspace": workspace_id,
        "user": user_id,
        "call": call_id,
        "method": method,
        "key": idempotency_key,
        "kind": kind,
        "spawned": kind == "spawn",
        "max_pending": max_pending,
        "max_outstanding": max_outstanding,
        "input": input_id,
        "args": args,
    }
    rows = yield Stmt(ACCEPT_ONE_BY_NAME_SQL if by_name else ACCEPT_ONE_SQL, params)
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
            **_input_params(start_idx=start_idx, input_ids=input_ids, args=args, blobs=blobs, codec=""),
        },
    )
    ids = yield Stmt(INPUT_IDS_SQL, {"call": call_id, "start": start_idx, "end": end})
    by_idx = {r["idx"]: r["id"] for r in ids}
    ordered = [by_idx[i] for i in range(start_idx, end) if i in by_idx]
    return Added(ordered, list(rows[0]["new_ids"]), bool(rows[0]["open"]))


# Cancel, fail ----------------------------------------------------------------------------------

CANCEL_INPUTS_SQL = f"""
UPDATE {I} i
   SET status = '{InputStatus.CANCELLED.value}', cause = %(cause)s, message = %(message)s, finished_at = now(),
       finished_seq = nextval('skylift_output_seq')
  FROM {I} old
 WHERE i.id = old.id AND i.call_id = ANY(%(calls)s) AND i.status IN {UNFINISHED}
RETURNING i.id, i.call_id, old.task_id, old.status
"""

CANCEL_CALLS_SQL = f"""
UPDATE {C} SET status = '{CallStatus.CANCELLED.value}', finished_at = now(), closed = true
 WHERE id = ANY(%(calls)s) AND finished_at IS NULL
"""


def _call_tree_sql(roots: str) -> str:
    """The calls `roots` selects and every call made, at any depth, from inside their inputs."""
    return f"""WITH RECURSIVE tree(id) AS (
                   {roots}
                   UNION
                   SELECT c.id::text FROM {C} c JOIN tree t ON c.parent_call_id = t.id
               )
               SELECT coalesce(array_agg(id), '{{}}') AS ids FROM tree"""


CALL_TREE_SQL = _call_tree_sql("SELECT %(call)s::text")
CHILD_TREES_SQL = _call_tree_sql(f"SELECT id::text FROM {C} WHERE parent_input_id = ANY(%(inputs)s)")


def _cancel_calls(call_ids: list[str], cause: str, message: str) -> Generator[Stmt, Rows, list[dict]]:
    rows = yield Stmt(CANCEL_INPUTS_SQL, {"calls": call_ids, "cause": cause[:64], "message": message})
    yield Stmt(CANCEL_CALLS_SQL, {"calls": call_ids})
    return list(rows)


@transition(atomic=True)
def cancel_call(
    call_id: str, *, cause: str = "cancelled", message: str = ""
) -> Generator[Stmt, Rows, list[dict]]:
    """Make the call's unfinished inputs terminal `cancelled` and the call cancelled (and closed);
    the same for every unfinished call made from inside it (the call graph), at any depth.

    Returns the inputs cancelled as {id, call_id, task_id, status (before)}: the running ones are
    to be interrupted in their containers.
    """
    tree = yield Stmt(CALL_TREE_SQL, {"call": call_id})
    return (yield from _cancel_calls(list(tree[0]["ids"]) or [call_id], cause, message))


@transition(atomic=True)
def cancel_children(
    input_ids: Iterable[str], *, cause: str, message: str
) -> Generator[Stmt, Rows, list[dict]]:
    """Cancel the calls these inputs made from their containers (and the calls those made): the
    inputs were cancelled or timed out, and nothing waits for those results any more.

    Returns the inputs cancelled, as `cancel_call` does.
    """
    input_ids = list(input_ids)
    if not input_ids:
        return []
    tree = yield Stmt(CHILD_TREES_SQL, {"inputs": input_ids})
    call_ids = list(tree[0]["ids"])
    if not call_ids:
        return []
    return (yield from _cancel_calls(call_ids, cause, message))


# Calls made from inside a container --------------------------------------------------------------

# The function a container calls: of the container's own workspace (anything else is unknown to
# it), followed to its successor when a redeploy replaced it, with its app's state and the limits.
CHILD_TARGET_SQL = f"""
WITH r AS (
    SELECT coalesce(superseded_by_id, id) AS id FROM {F} WHERE id = %(function)s AND workspace_id = %(workspace)s
), n AS (
    SELECT count(*) FILTER (WHERE status = '{PENDING}') AS pending, count(*) AS outstanding FROM {I}
     WHERE function_id = (SELECT id FROM r) AND spawned = %(spawned)s AND status IN {UNFINISHED}
)
SELECT f.id, a.state <> 'stopped' AND f.retired_at IS NULL AS live,
       n.pending + %(adding)s <= %(max_pending)s AND n.outstanding + %(adding)s <= %(max_outstanding)s AS within
  FROM {F} f JOIN {A} a ON a.id = f.app_id, n
 WHERE f.id = (SELECT id FROM r) AND f.workspace_id = %(workspace)s
"""

# The input a container says it runs: only one its own task holds, still running.
PARENT_INPUT_SQL = (
    f"SELECT id, call_id FROM {I} WHERE id = %(input)s AND task_id = %(task)s AND status = '{RUNNING}'"
)


@dataclass(frozen=True)
class ChildCall:
    """A call a container made: accepted, or refused (`refused`: not_found, stopped, limit, parent)."""

    function_id: str = ""
    accepted: Accepted | None = None
    refused: str = ""


@transition()
def accept_child_call(
    *,
    task_id: str,
    workspace_id: str,
    function_id: str,
    parent_input_id: str | None,
    call_id: str,
    kind: str,
    method: str,
    idempotency_key: str | None,
    closed: bool,
    input_ids: list[str],
    args: list[bytes],
    blobs: list[str],
    max_pending: int,
    max_outstanding: int,
) -> Generator[Stmt, Rows, ChildCall]:
    """Accept a call a container makes, as its task: a function of the task's workspace only, and
    recorded in the call graph under the input the container runs (which its task must hold).

    A call made while the parent input is no longer running (it was cancelled, or timed out) is
    refused: nothing would cancel it.
    """
    rows = yield Stmt(
        CHILD_TARGET_SQL,
        {
            "function": function_id,
            "workspace": workspace_id,
            "spawned": kind == "spawn",
            "adding": len(args),
            "max_pending": max_pending,
            "max_outstanding": max_outstanding,
        },
    )
    if not rows:
        return ChildCall(refused="not_found")
    target = rows[0]
    if not target["live"]:
        return ChildCall(target["id"], refused="stopped")
    if not target["within"]:
        return ChildCall(target["id"], refused="limit")
    parent_call_id = None
    if parent_input_id:
        parents = yield Stmt(PARENT_INPUT_SQL, {"input": parent_input_id, "task": task_id})
        if not parents:
            return ChildCall(target["id"], refused="parent")
        parent_call_id = parents[0]["call_id"]
    accepted = yield from accept_call(
        call_id=call_id,
        workspace_id=workspace_id,
        function_id=target["id"],
        user_id=None,
        kind=kind,
        method=method,
        idempotency_key=idempotency_key,
        closed=closed,
        input_ids=input_ids,
        args=args,
        blobs=blobs,
        parent_input_id=parent_input_id,
        parent_call_id=parent_call_id,
    ).steps
    return ChildCall(target["id"], accepted)


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
