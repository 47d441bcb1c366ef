"""Plans and their runners: a transition is written once and runs on either kind of connection.

A plan is a generator that yields SQL statements (`Stmt`) and receives their rows (`Rows`, as
dicts), so the same rule runs on Django's connection (`run`, synchronous, inside whatever
transaction the caller holds) and on an async psycopg connection (`arun`, for the fast path and
the relay, whose hot paths cannot afford the ORM). The table names and the status literals the
statements are written with live here too.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Generator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec, TypeVar

import psycopg
from django.db import connection, transaction

from apps.models import App, AppState, Environment

from ..models import (
    LIVE_TASK_STATUSES,
    Function,
    FunctionCall,
    Input,
    InputAttempt,
    InputStatus,
    OutputItem,
    Task,
    TaskStatus,
)

__all__ = ["Plan", "Rows", "Stmt", "arun", "run", "transition"]

T = TypeVar("T")
P = ParamSpec("P")

I = Input._meta.db_table  # noqa: E741
C = FunctionCall._meta.db_table
K = Task._meta.db_table
F = Function._meta.db_table
A = App._meta.db_table
E = Environment._meta.db_table
O = OutputItem._meta.db_table  # noqa: E741
H = InputAttempt._meta.db_table  # attempts that ended without the input's final output


def record_attempts_sql(ended: str, outcome: str, task: str = "%(task)s") -> str:
    """A CTE body that records, as attempt history, the rows of `ended`: a CTE over the inputs a
    transition just took from running to pending, with columns id, attempt, started_at, and the
    `outcome`, cause, message and traceback expressions (SQL) of each."""
    return f"""INSERT INTO {H} (input_id, attempt, task_id, outcome, cause, message, traceback, started_at, ended_at)
        SELECT id, attempt, {task}, {outcome}, cause, message, traceback, started_at, now() FROM {ended}"""


def _in(*values: str) -> str:
    """A SQL list of status literals: ('pending', 'running')."""
    return "(" + ", ".join(f"'{str(v)}'" for v in values) + ")"


PENDING, RUNNING = InputStatus.PENDING.value, InputStatus.RUNNING.value
SUCCEEDED, FAILED = InputStatus.SUCCEEDED.value, InputStatus.FAILED.value
UNFINISHED = _in(InputStatus.PENDING, InputStatus.RUNNING)
LIVE = _in(*LIVE_TASK_STATUSES)
STARTED = _in(TaskStatus.STARTING, TaskStatus.RUNNING)
SETTLED = (TaskStatus.STOPPED.value, TaskStatus.FAILED.value)
DEPLOYED = AppState.DEPLOYED.value


# Plans and their runners ---------------------------------------------------------------------


@dataclass(frozen=True)
class Stmt:
    """One SQL statement of a plan, with named parameters (`%(name)s`).

    `prepared`: a statement run often whose planning costs more than its execution (placement's
    candidates at 1,000 hosts: about 0.5 ms to plan, 0.2 to run), and whose plan does not depend
    on its parameters' values. `run` prepares it once per database session and has the database
    plan it once for all values (`plan_cache_mode = force_generic_plan`, set for the rest of the
    transaction: it also applies to the transaction's later prepared statements and database
    functions). `arun`'s connections prepare every statement run often already."""

    sql: str
    params: Mapping[str, Any]
    prepared: bool = False


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


GENERIC_PLANS_SQL = "SET LOCAL plan_cache_mode = force_generic_plan"


def _drive_sync(steps: Generator[Stmt, Rows, T]) -> T:
    with connection.cursor() as django_cursor:
        bound: psycopg.Cursor | None = None  # binds on the server, for prepared statements
        cur: Any  # Django's cursor (binds on the client) or `bound`
        try:
            stmt = next(steps)
            while True:
                if stmt.prepared:
                    if bound is None:
                        bound = psycopg.Cursor(connection.connection)
                        bound.execute(GENERIC_PLANS_SQL)
                    cur = bound
                    cur.execute(stmt.sql, stmt.params, prepare=True)
                else:
                    cur = django_cursor
                    cur.execute(stmt.sql, stmt.params)
                rows = Rows()
                described = cur.description  # made anew each time it is asked for
                if described is not None:
                    names = [col.name for col in described]
                    decode = [col.type_code in _JSON_TYPES for col in described]
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
        finally:
            if bound is not None:
                bound.close()


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
