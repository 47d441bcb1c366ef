"""The relay's database side: claim inputs, record outputs and logs, in batches.

An async psycopg pool rather than the ORM: this is the data plane's hot path, and each
operation is one round trip for a whole batch. The transitions are `functions.delivery`'s,
run here on the pool; what is left here are reads and logs.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from typing import Any, TypeVar

from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from accounts.models import Workspace
from apps.models import DEFAULT_ENVIRONMENT, App, Environment
from config.database import conninfo
from functions import blobs, delivery
from functions.models import Function, FunctionCall, Input, LogLine, OutputItem
from vault import identity
from vault.models import Secret, SigningKey
from vault.services import env_for

__all__ = ["RelayStore"]

T = TypeVar("T")

C = FunctionCall._meta.db_table
F = Function._meta.db_table
L = LogLine._meta.db_table
I = Input._meta.db_table  # noqa: E741
S = Secret._meta.db_table
SK = SigningKey._meta.db_table

CALL_SQL = f"""
SELECT id, function_id, kind, status, input_count, closed, created_at, finished_at FROM {C}
 WHERE id = %s AND workspace_id = %s
"""
OUTPUT_COLUMNS = "id, idx, status, result, result_blob, result_kind, cause, message, finished_seq"
# As functions.outputs reads them: after a sequence number in the order written, or from the start
# in index order from `min_idx` (how a reader fills a gap left by commits out of order).
OUTPUTS_AFTER_SQL = f"""
SELECT {OUTPUT_COLUMNS} FROM {I}
 WHERE call_id = %(call)s AND status NOT IN {delivery.UNFINISHED} AND idx >= %(min_idx)s
   AND (finished_seq > %(after)s OR finished_seq IS NULL)
 ORDER BY finished_seq LIMIT %(limit)s
"""
# A generator call's values after a position, and its end (`functions.outputs.items_wait`, for a
# container's `.remote_gen()`).
ITEMS_SQL = f"""
SELECT o.n, o.data FROM {OutputItem._meta.db_table} o JOIN {I} i ON i.id = o.input_id
 WHERE i.call_id = %(call)s AND i.idx = 0 AND o.n > %(after)s ORDER BY o.n LIMIT %(limit)s
"""
ITEMS_END_SQL = f"""
SELECT {OUTPUT_COLUMNS} FROM {I} WHERE call_id = %(call)s AND idx = 0 AND status NOT IN {delivery.UNFINISHED}
"""
OUTPUTS_FROM_START_SQL = f"""
SELECT {OUTPUT_COLUMNS} FROM {I}
 WHERE call_id = %(call)s AND status NOT IN {delivery.UNFINISHED} AND idx >= %(min_idx)s
 ORDER BY idx LIMIT %(limit)s
"""


class RelayStore:
    def __init__(self) -> None:
        self.pool = AsyncConnectionPool(
            conninfo(), min_size=1, max_size=8, open=False, kwargs={"autocommit": True}
        )

    async def open(self) -> None:
        await self.pool.open()

    async def close(self) -> None:
        await self.pool.close()

    async def _run(self, plan: delivery.Plan[T]) -> T:
        async with self.pool.connection() as conn:
            return await delivery.arun(conn, plan)

    async def task_hello(self, task_id: str, token: str) -> dict | None:
        """Authenticate a container by its task token and mark it running."""
        return await self._run(delivery.task_hello(task_id, hashlib.sha256(token.encode()).hexdigest()))

    async def secret_env(self, task: dict) -> dict[str, str]:
        """The environment a container gets from its function's secrets (`vault.services.env_for`):
        decrypted here, sent over its socket, never written anywhere."""
        ids = list(task["secrets"] or [])
        if not ids:
            return {}
        async with self.pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(
                f"SELECT id, ciphertext FROM {S} WHERE id = ANY(%s) AND workspace_id = %s",
                [ids, task["workspace_id"]],
            )
            rows = await cur.fetchall()
        return env_for(ids, {row[0]: bytes(row[1]) for row in rows})

    async def identity_token(self, task: dict) -> str:
        """The container's OIDC identity token (`vault.identity`), signed with the newest key
        (made the first time one is needed)."""
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            newest = f"SELECT kid, private_token FROM {SK} ORDER BY created_at DESC LIMIT 1"
            await cur.execute(newest)
            key = await cur.fetchone()
            if key is None:
                kid, token, jwk = await asyncio.to_thread(identity.new_signing_key)
                await cur.execute(
                    f"""INSERT INTO {SK} (kid, private_token, public_jwk, created_at)
                        VALUES (%s, %s, %s, now()) ON CONFLICT DO NOTHING""",
                    [kid, token, Jsonb(jwk)],
                )
                await cur.execute(newest)
                key = await cur.fetchone()
            await cur.execute(
                f"""SELECT w.name AS workspace_name, a.name AS app_name,
                           coalesce(e.name, %s) AS environment_name
                      FROM {App._meta.db_table} a
                      JOIN {Workspace._meta.db_table} w ON w.id = a.workspace_id
                      LEFT JOIN {Environment._meta.db_table} e ON e.id = a.environment_id
                     WHERE a.id = %s""",
                [DEFAULT_ENVIRONMENT, task["app_id"]],
            )
            names = await cur.fetchone()
        assert key is not None and names is not None
        return identity.sign(identity.claims_for(task, names), key["kid"], bytes(key["private_token"]))

    async def task_failed(self, task_id: str, cause: str, message: str) -> None:
        """Record why a container is giving up (e.g. the user's module failed to import)."""
        await self._run(delivery.task_reason(task_id, cause, message))

    async def claim(self, task_id: str, input_ids: list[str]) -> tuple[list[dict], bool]:
        """Claim pending inputs for a container (`delivery.claim`), with large arguments read back."""
        rows, live = await self._run(delivery.claim(task_id, input_ids))
        for row in rows:
            if row["args_blob"]:
                row["args"] = await asyncio.to_thread(blobs.load, row["args_blob"])
        return rows, live

    async def member_inputs(
        self, task_id: str, after: tuple[datetime, str] | None, limit: int
    ) -> tuple[list[dict], bool]:
        """The inputs a cluster member runs beside its leader (`delivery.cluster_inputs`), with
        large arguments read back."""
        rows, live = await self._run(delivery.cluster_inputs(task_id, after, limit))
        for row in rows:
            if row["args_blob"]:
                row["args"] = await asyncio.to_thread(blobs.load, row["args_blob"])
        return rows, live

    async def release(self, task_id: str, input_ids: list[str]) -> None:
        await self._run(delivery.inputs_released(task_id, input_ids))

    async def mark_started(self, call_ids: list[str], served: dict[str, int]) -> None:
        await self._run(delivery.calls_started(call_ids, served))

    async def record_outputs(
        self, task_id: str, outputs: list[dict], retries: dict
    ) -> tuple[list[dict], list[str], list[dict]]:
        """Write a container's outputs (`delivery.record_outputs`); large results go to blob storage first.

        Returns (the outputs written; the calls that finished; the inputs to push again later, as
        {id, delay}). An output whose attempt is stale, or of an input this task does not hold,
        writes nothing.
        """
        for out in outputs:
            if len(out["body"]) > blobs.THRESHOLD:
                out["blob"] = await asyncio.to_thread(blobs.store, out["body"])
        written, finished, again = await self._run(delivery.record_outputs(task_id, outputs, retries))
        return (
            written,
            finished,
            [{"id": a["id"], "delay": delivery.retry_delay(retries, a["used"])} for a in again],
        )

    async def record_item(self, task_id: str, input_id: str, attempt: int, n: int, data: bytes) -> bool:
        return await self._run(delivery.record_item(task_id, input_id, attempt, n, data))

    async def requeue(self, task_id: str, inputs: list[dict], reason: str = "preempted") -> list[str]:
        """Hand a container's unfinished inputs back without spending user retries (preemption)."""
        return await self._run(delivery.requeue_preempted(task_id, inputs, str(reason)))

    async def may_exit(self, task: dict) -> bool:
        """An idle container may leave unless that would take the function below min_containers."""
        if not task["min_containers"]:
            return True
        return await self._run(delivery.may_scale_down(task["function_id"], task["min_containers"]))

    # Calls made from inside containers ---------------------------------------------------------

    async def accept_child(self, **kwargs: Any) -> delivery.ChildCall:
        """A call a container makes, as its task (`delivery.accept_child_call`); large arguments go to
        blob storage first."""
        args = kwargs.pop("args")
        keys = [await asyncio.to_thread(blobs.store, a) if len(a) > blobs.THRESHOLD else "" for a in args]
        stored = [b"" if key else a for a, key in zip(args, keys, strict=True)]
        return await self._run(delivery.accept_child_call(args=stored, blobs=keys, **kwargs))

    async def add_inputs(self, **kwargs: Any) -> delivery.Added:
        args = kwargs.pop("args")
        keys = [await asyncio.to_thread(blobs.store, a) if len(a) > blobs.THRESHOLD else "" for a in args]
        stored = [b"" if key else a for a, key in zip(args, keys, strict=True)]
        return await self._run(delivery.add_inputs(args=stored, blobs=keys, **kwargs))

    async def finish(self, call_ids: list[str]) -> list[str]:
        return await self._run(delivery.finish_calls(call_ids))

    async def cancel(self, call_id: str) -> list[dict]:
        return await self._run(delivery.cancel_call(call_id))

    async def cancel_children(self, input_ids: list[str], cause: str, message: str) -> list[dict]:
        return await self._run(delivery.cancel_children(input_ids, cause=cause, message=message))

    async def call(self, workspace_id: str, call_id: str) -> dict | None:
        """A call of the workspace (None for any other: a container sees only its own workspace's)."""
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(CALL_SQL, [call_id, workspace_id])
            return await cur.fetchone()

    async def items(self, call_id: str, *, after: int, limit: int = 1000) -> tuple[list[dict], dict | None]:
        """A generator call's values after `after`, and its output once it ended (read first: every
        value is stored before the output, so an ended call's values are all here)."""
        params = {"call": call_id, "after": after, "limit": limit}
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(ITEMS_END_SQL, params)
            end = await cur.fetchone()
            await cur.execute(ITEMS_SQL, params)
            items = await cur.fetchall()
        if end is not None and end["result_blob"]:
            end["result"] = await asyncio.to_thread(blobs.load, end["result_blob"])
        return items, end

    async def outputs(self, call_id: str, *, after_seq: int, min_idx: int, limit: int = 1000) -> list[dict]:
        sql = OUTPUTS_AFTER_SQL if after_seq else OUTPUTS_FROM_START_SQL
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(sql, {"call": call_id, "after": after_seq, "min_idx": min_idx, "limit": limit})
            rows = await cur.fetchall()
        for row in rows:
            if row["result_blob"]:
                row["result"] = await asyncio.to_thread(blobs.load, row["result_blob"])
        return rows

    async def calls_for_dashboard(self, call_ids: list[str]) -> list[dict]:
        if not call_ids:
            return []
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                f"""SELECT c.id, c.function_id, f.name AS function_name, f.app_id, c.kind, c.status, c.input_count,
                           c.created_at, c.finished_at
                      FROM {C} c JOIN {F} f ON f.id = c.function_id WHERE c.id = ANY(%s)""",
                [call_ids],
            )
            return await cur.fetchall()

    async def record_logs(self, task: dict, lines: list[dict]) -> None:
        async with self.pool.connection() as conn, conn.cursor() as cur:
            await cur.executemany(
                f"""INSERT INTO {L} (workspace_id, app_id, function_id, task_id, call_id, stream, text, created_at)
                    VALUES (%s, %s, %s, %s, %s, %s, %s, now())""",
                [
                    [
                        task["workspace_id"],
                        task["app_id"],
                        task["function_id"],
                        task["id"],
                        line.get("call_id"),
                        line["stream"],
                        line["text"],
                    ]
                    for line in lines
                ],
            )
