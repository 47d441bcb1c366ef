"""The relay's database side: claim inputs, record outputs and logs, in batches.

Raw SQL over an async psycopg pool rather than the ORM: this is the data plane's hot path,
and each operation is one round trip for a whole batch. Table names come from the models.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

from apps.models import App
from config.database import conninfo
from functions import blobs
from functions.models import Function, FunctionCall, Input, LogLine, OutputItem, Task

__all__ = ["RelayStore", "retry_delay"]

I = Input._meta.db_table  # noqa: E741
C = FunctionCall._meta.db_table
T = Task._meta.db_table
F = Function._meta.db_table
A = App._meta.db_table
L = LogLine._meta.db_table
O = OutputItem._meta.db_table  # noqa: E741

_STATUS_FOR = {"value": "succeeded", "exception": "failed"}


def retry_delay(retries: dict, used: int) -> float:
    """Seconds before retry number `used` (1-based): initial_delay × backoff_coefficient^(used-1), capped."""
    initial = float(retries.get("initial_delay", 1.0))
    coefficient = float(retries.get("backoff_coefficient", 2.0))
    cap = float(retries.get("max_delay", 60.0))
    return min(cap, initial * coefficient ** max(0, used - 1))


class RelayStore:
    def __init__(self):
        self.pool = AsyncConnectionPool(
            conninfo(), min_size=1, max_size=8, open=False, kwargs={"autocommit": True}
        )

    async def open(self) -> None:
        await self.pool.open()

    async def close(self) -> None:
        await self.pool.close()

    async def task_hello(self, task_id: str, token: str) -> dict | None:
        """Authenticate a container by its task token and mark it running."""
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                f"""SELECT t.id, t.token_hash, t.status, t.workspace_id, f.id AS function_id, f.app_id, f.name,
                           f.module, f.qualname, f.serialized, f.params, f.timeout, f.scaledown_window,
                           f.is_generator, f.max_inputs, f.min_containers, f.retries, f.definition
                      FROM {T} t JOIN {F} f ON f.id = t.function_id WHERE t.id = %s""",
                [task_id],
            )
            row = await cur.fetchone()
            expected = row["token_hash"] if row else ""
            given = hashlib.sha256(token.encode()).hexdigest()
            if (
                row is None
                or not hmac.compare_digest(expected, given)
                or row["status"] not in ("starting", "running")
            ):
                return None
            await cur.execute(
                f"UPDATE {T} SET status = 'running', started_at = coalesce(started_at, now()) "
                f"WHERE id = %s AND status IN ('starting', 'running')",
                [task_id],
            )
            return row

    async def task_failed(self, task_id: str, cause: str, message: str) -> None:
        """Record why a container is giving up (e.g. the user's module failed to import)."""
        async with self.pool.connection() as conn:
            await conn.execute(
                f"UPDATE {T} SET cause = %s, message = %s WHERE id = %s",
                [cause[:64], message[:20_000], task_id],
            )

    async def claim(self, task_id: str, input_ids: list[str]) -> tuple[list[dict], bool]:
        """Claim pending inputs for a container in one statement; already claimed or finished ones are skipped.

        Returns the claimed inputs (in the order asked), and whether the container may still take
        inputs: one the control plane has settled (its host was declared lost, it was stopped) is
        fenced off and claims nothing (RELIABILITY F9).
        """
        async with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            await cur.execute(
                f"""WITH live AS (
                        SELECT EXISTS (SELECT 1 FROM {T} WHERE id = %(task)s AND status IN ('starting', 'running'))
                               AS ok
                    ), claimed AS (
                        UPDATE {I} SET status = 'running', attempt = attempt + 1, task_id = %(task)s,
                               started_at = now()
                         WHERE id = ANY(%(ids)s) AND status = 'pending' AND (SELECT ok FROM live)
                     RETURNING id, call_id, idx, attempt, method, args, args_blob
                    )
                    SELECT live.ok AS live, claimed.* FROM live LEFT JOIN claimed ON true""",
                {"task": task_id, "ids": input_ids},
            )
            rows = await cur.fetchall()
        live = bool(rows[0]["live"])
        rows = [r for r in rows if r["id"] is not None]
        for row in rows:
            if row["args_blob"]:
                row["args"] = await asyncio.to_thread(blobs.load, row["args_blob"])
        order = {input_id: n for n, input_id in enumerate(input_ids)}
        rows.sort(key=lambda r: order[r["id"]])
        return rows, live

    async def release(self, task_id: str, input_ids: list[str]) -> None:
        """Undo a claim whose answer was lost (the connection died): the inputs go back to pending.

        An input the lost claim did take is running under this container but was never handed
        to it; one it did not take is left alone. Nothing is spent: the next claim runs it.
        """
        async with self.pool.connection() as conn:
            await conn.execute(
                f"""UPDATE {I} SET status = 'pending', task_id = NULL, enqueued_at = now()
                     WHERE id = ANY(%s) AND task_id = %s AND status = 'running'""",
                [input_ids, task_id],
            )

    async def mark_started(self, call_ids: list[str], served: dict[str, int]) -> None:
        """Bookkeeping kept off the claim: calls become `running`, containers count what they served."""
        async with self.pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(
                f"""WITH s AS (
                        UPDATE {C} SET status = 'running' WHERE id = ANY(%s) AND status = 'pending'
                    )
                    UPDATE {T} t SET inputs_served = t.inputs_served + u.n
                      FROM unnest(%s::text[], %s::int[]) AS u(id, n) WHERE t.id = u.id""",
                [call_ids, list(served), list(served.values())],
            )

    async def record_outputs(
        self, outputs: list[dict], retries: dict
    ) -> tuple[list[dict], list[str], list[dict]]:
        """Write terminal outputs, fenced by attempt; failures with user retries left go back to pending.

        Returns (the outputs written, as rows of the input; the calls that finished; the inputs to
        push again later, as {id, delay}). An output whose attempt is stale writes nothing.
        """
        retryable = [o for o in outputs if o["kind"] == "exception" or o["cause"] in ("timeout", "batching")]
        max_retries = int(retries.get("max_retries", 0) or 0)
        again: list[dict] = []
        async with self.pool.connection() as conn:
            if retryable and max_retries:
                async with conn.cursor() as cur:
                    await cur.execute(
                        f"""UPDATE {I} i SET status = 'pending', retries_used = retries_used + 1, task_id = NULL,
                                   enqueued_at = now()
                              FROM unnest(%s::text[], %s::int[]) AS o(id, attempt)
                             WHERE i.id = o.id AND i.attempt = o.attempt AND i.status = 'running'
                               AND i.retries_used < %s
                         RETURNING i.id, i.retries_used""",
                        [[o["id"] for o in retryable], [int(o["attempt"]) for o in retryable], max_retries],
                    )
                    for input_id, used in await cur.fetchall():
                        again.append({"id": input_id, "delay": retry_delay(retries, used)})
            retried = {a["id"] for a in again}
            terminal = [o for o in outputs if o["id"] not in retried]
            written = await self._write_terminal(conn, terminal) if terminal else []
            finished = [w["call_id"] for w in written if w["finished"]]
            # Calls of several inputs are finished by a separate statement, which sees every write
            # committed before it (two relays writing a map's last outputs at once both run it).
            rest = list({w["call_id"] for w in written if not w["finished"]})
            finished += await self.finish_calls(conn, rest)
        return written, finished, again

    async def _write_terminal(self, conn, outputs: list[dict]) -> list[dict]:
        ids, attempts, statuses, bodies, kinds, causes, messages, keys = [], [], [], [], [], [], [], []
        for out in outputs:
            # A large result goes to blob storage; the row keeps its key.
            key = (
                await asyncio.to_thread(blobs.store, out["body"])
                if len(out["body"]) > blobs.THRESHOLD
                else ""
            )
            keys.append(key)
            if out["kind"] == "error":
                status = {"timeout": "timed_out", "cancelled": "cancelled"}.get(out["cause"], "failed")
            else:
                status = _STATUS_FOR[out["kind"]]
            ids.append(out["id"])
            attempts.append(int(out["attempt"]))
            statuses.append(status)
            bodies.append(b"" if key else out["body"])
            kinds.append(out["kind"])
            causes.append(out["cause"][:64])
            messages.append(out["message"][:10_000])
        async with conn.cursor(row_factory=dict_row) as cur:
            # A stale attempt (the input was requeued meanwhile) matches nothing: the first valid
            # terminal write wins. A call of one input (`.remote()`, `.spawn()`) finishes in the
            # same statement: its only input has just become terminal.
            await cur.execute(
                f"""WITH w AS (
                        UPDATE {I} i
                           SET status = o.status, result = o.body, result_blob = o.blob, result_kind = o.kind,
                               cause = o.cause, message = o.message, finished_at = now(),
                               finished_seq = nextval('skylift_output_seq')
                          FROM unnest(%s::text[], %s::int[], %s::text[], %s::bytea[], %s::text[], %s::text[],
                                      %s::text[], %s::text[])
                               AS o(id, attempt, status, body, kind, cause, message, blob)
                         WHERE i.id = o.id AND i.attempt = o.attempt AND i.status = 'running'
                     RETURNING i.call_id, i.id, i.idx, i.status, i.result_kind, i.cause, i.message,
                               i.finished_seq, i.result_blob <> '' AS blob
                    ), single AS (
                        UPDATE {C} c
                           SET finished_at = now(),
                               status = CASE WHEN w.status = 'succeeded' THEN 'succeeded' ELSE 'failed' END
                          FROM w
                         WHERE c.id = w.call_id AND c.input_count = 1 AND c.closed AND c.finished_at IS NULL
                     RETURNING c.id
                    )
                    SELECT w.*, w.call_id IN (SELECT id FROM single) AS finished FROM w""",
                [ids, attempts, statuses, bodies, kinds, causes, messages, keys],
            )
            return await cur.fetchall()

    async def record_item(self, input_id: str, attempt: int, n: int, data: bytes) -> bool:
        """Store the n-th value of a generator while its attempt still runs; a repeat is ignored."""
        async with self.pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(
                f"""INSERT INTO {O} (input_id, n, data, created_at)
                    SELECT id, %s, %s, now() FROM {I} WHERE id = %s AND attempt = %s AND status = 'running'
                    ON CONFLICT (input_id, n) DO NOTHING""",
                [n, data, input_id, attempt],
            )
            return cur.rowcount == 1

    async def requeue(self, task_id: str, inputs: list[dict]) -> list[str]:
        """Hand a container's unfinished inputs back without spending user retries (preemption)."""
        async with self.pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(
                f"""UPDATE {I} i SET status = 'pending', preemptions = preemptions + 1, task_id = NULL,
                           enqueued_at = now()
                      FROM unnest(%s::text[], %s::int[]) AS o(id, attempt)
                     WHERE i.id = o.id AND i.attempt = o.attempt AND i.status = 'running' AND i.task_id = %s
                 RETURNING i.id""",
                [[i["id"] for i in inputs], [int(i["attempt"]) for i in inputs], task_id],
            )
            return [row[0] for row in await cur.fetchall()]

    async def may_exit(self, task: dict) -> bool:
        """An idle container may leave unless that would take the function below min_containers."""
        if not task["min_containers"]:
            return True
        async with self.pool.connection() as conn, conn.cursor() as cur:
            await cur.execute(
                f"SELECT count(*) FROM {T} WHERE function_id = %s AND status IN ('pending', 'starting', 'running')",
                [task["function_id"]],
            )
            (live,) = await cur.fetchone()
        return live > task["min_containers"]

    async def finish_calls(self, conn, call_ids: list[str]) -> list[str]:
        if not call_ids:
            return []
        async with conn.cursor() as cur:
            await cur.execute(
                f"""UPDATE {C} c
                       SET finished_at = now(),
                           status = CASE WHEN EXISTS (SELECT 1 FROM {I} i WHERE i.call_id = c.id
                                                        AND i.status <> 'succeeded')
                                         THEN 'failed' ELSE 'succeeded' END
                     WHERE c.id = ANY(%s) AND c.finished_at IS NULL AND c.closed
                       AND NOT EXISTS (SELECT 1 FROM {I} i WHERE i.call_id = c.id
                                         AND i.status IN ('pending', 'running'))
                 RETURNING c.id""",
                [call_ids],
            )
            return [r[0] for r in await cur.fetchall()]

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
