"""Every read and write of Dict entries and Queue items, each written once as a plan.

The same plan runs on Django's connection (`delivery.run`: the API) and on an async psycopg
connection (`delivery.arun`: the relay, for containers, and the fast path, for the caller's hot
operations), so that one statement owns each rule. Each statement names the object *and* the
workspace asking: an object of another workspace, or one deleted meanwhile, is simply not found
(the plan answers `found=False`), in the same round trip as the work itself.

Use moves an object's `last_used_at` forward (at most once every TOUCH_SECONDS, inside the same
statement), which is what retention counts from (`state.retention`).

Queue items are claimed with `DELETE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED)`: two
getters never receive the same item, and neither waits on the other's lock. The items are chosen
once, in a materialized CTE: as a subquery the planner may run again for each row it deletes
(a nested loop), and each run skips the rows the statement has deleted and takes the next ones,
so a get of 3 took a whole partition (seen once in the suite: 5,000 items). Puts of one
partition take a transaction-scoped advisory lock, so the partition's item cap holds under
concurrent putters.

Limits (`check_*`) are checked before any statement: a refused request writes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Generator, Sequence
from dataclasses import dataclass

from django.conf import settings

from config.errors import ApiError
from functions.delivery.plans import Rows, Stmt, transition

from .models import Dict, DictEntry, Queue, QueueItem

__all__ = [
    "PREVIEW_CHARS",
    "Found",
    "Got",
    "check_key",
    "check_partition",
    "check_value",
    "dict_clear",
    "dict_entries",
    "dict_get",
    "dict_len",
    "dict_pop",
    "dict_put",
    "key_hash",
    "not_found",
    "queue_clear",
    "queue_get",
    "queue_len",
    "queue_peek",
    "queue_put",
]

D = Dict._meta.db_table
E = DictEntry._meta.db_table
Q = Queue._meta.db_table
QI = QueueItem._meta.db_table

TOUCH_SECONDS = 600
PREVIEW_CHARS = 200
MAX_BATCH = 5_000  # entries of one update, items of one put_many or get_many
MAX_PARTITION_KEY = 64


def _object(table: str) -> str:
    """A CTE `o`: the object if this workspace has it; moves its `last_used_at` along (`t`)."""
    return f"""o AS (SELECT id FROM {table} WHERE id = %(object)s AND workspace_id = %(workspace)s),
               t AS (UPDATE {table} SET last_used_at = now()
                      WHERE id = (SELECT id FROM o) AND last_used_at < now() - interval '{TOUCH_SECONDS} seconds')"""


def _params(object_id: str, workspace_id: str, **more: object) -> dict[str, object]:
    return {"object": object_id, "workspace": workspace_id, **more}


def not_found(kind: str, object_id: str) -> ApiError:
    return ApiError(
        f"No {kind} {object_id} in this workspace: it was deleted, or never existed.",
        code="not_found",
        status_code=404,
        hint=f"Look it up again with {kind.capitalize()}.from_name(...), or create it.",
    )


# Limits ------------------------------------------------------------------------------------------


def key_hash(key: bytes) -> bytes:
    """How a Dict finds an entry: the sha256 of the key's pickled bytes."""
    return hashlib.sha256(key).digest()


def check_value(value: bytes, what: str = "value") -> None:
    if not isinstance(value, (bytes, bytearray, memoryview)):
        raise ApiError(f"The {what} must be bytes (cloudpickled by the SDK).", field=what)
    limit = settings.SKYLIFT_STATE_MAX_VALUE_BYTES
    if len(value) > limit:
        raise ApiError(
            f"The {what} is {len(value):,} bytes pickled; the limit is {limit:,} bytes.",
            code="too_large",
            status_code=413,
            field=what,
            hint="Store large data in a Volume and put its path here, or raise SKYLIFT_STATE_MAX_VALUE_BYTES.",
        )


def check_key(key: bytes) -> None:
    limit = settings.SKYLIFT_STATE_MAX_KEY_BYTES
    if len(key) > limit:
        raise ApiError(
            f"The key is {len(key):,} bytes pickled; the limit is {limit:,} bytes.",
            code="too_large",
            status_code=413,
            field="key",
            hint="Use a shorter key (a hash of a long one, say), or raise SKYLIFT_STATE_MAX_KEY_BYTES.",
        )


def check_partition(partition: object) -> str:
    if partition is None or partition == "":  # the default partition
        return ""
    if not isinstance(partition, str) or not 0 < len(partition) <= MAX_PARTITION_KEY:
        raise ApiError(
            f"A partition key is a string of 1 to {MAX_PARTITION_KEY} characters, got {partition!r}.",
            field="partition",
        )
    return partition


def _check_batch(n: int, what: str) -> None:
    if n > MAX_BATCH:
        raise ApiError(f"At most {MAX_BATCH:,} {what} per request, got {n:,}.", field=what)


def _preview(text: object) -> str:
    return text[:PREVIEW_CHARS] if isinstance(text, str) else ""


# Dicts -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Found:
    """What a read of one entry found: whether the Dict exists, and the entry's value if it has one."""

    found: bool
    value: bytes | None


@transition()
def dict_get(workspace_id: str, dict_id: str, key: bytes) -> Generator[Stmt, Rows, Found]:
    check_key(key)
    rows = yield Stmt(
        f"""WITH {_object(D)}
            SELECT e.value FROM o LEFT JOIN {E} e ON e.dict_id = o.id AND e.key_hash = %(hash)s""",
        _params(dict_id, workspace_id, hash=key_hash(key)),
    )
    if not rows:
        return Found(False, None)
    value = rows[0]["value"]
    return Found(True, bytes(value) if value is not None else None)


@transition()
def dict_put(
    workspace_id: str,
    dict_id: str,
    entries: Sequence[tuple[bytes, bytes, str, str]],
    *,
    skip_if_exists: bool = False,
) -> Generator[Stmt, Rows, tuple[bool, int]]:
    """Write entries (key, value, key preview, value preview); a later one of the same key wins.

    Returns (the Dict exists, how many entries were written): with `skip_if_exists`, a key that
    is there already keeps its value and is not counted.
    """
    _check_batch(len(entries), "entries")
    latest: dict[bytes, tuple[bytes, bytes, str, str]] = {}
    for key, value, key_preview, value_preview in entries:
        check_key(key)
        check_value(value)
        latest[key_hash(key)] = (key, value, _preview(key_preview), _preview(value_preview))
    conflict = (
        "DO NOTHING"
        if skip_if_exists
        else """DO UPDATE SET value = EXCLUDED.value, value_preview = EXCLUDED.value_preview,
                              updated_at = EXCLUDED.updated_at"""
    )
    rows = yield Stmt(
        f"""WITH {_object(D)},
                 w AS (INSERT INTO {E} (dict_id, key_hash, key, value, key_preview, value_preview, updated_at)
                       SELECT o.id, n.h, n.k, n.v, n.kp, n.vp, now()
                         FROM o, unnest(%(hashes)s::bytea[], %(keys)s::bytea[], %(values)s::bytea[],
                                        %(kps)s::text[], %(vps)s::text[]) AS n(h, k, v, kp, vp)
                       ON CONFLICT (dict_id, key_hash) {conflict}
                       RETURNING 1)
            SELECT (SELECT count(*) FROM o) AS found, (SELECT count(*) FROM w) AS written""",
        _params(
            dict_id,
            workspace_id,
            hashes=list(latest),
            keys=[e[0] for e in latest.values()],
            values=[e[1] for e in latest.values()],
            kps=[e[2] for e in latest.values()],
            vps=[e[3] for e in latest.values()],
        ),
    )
    return bool(rows[0]["found"]), int(rows[0]["written"])


@transition()
def dict_pop(workspace_id: str, dict_id: str, key: bytes) -> Generator[Stmt, Rows, Found]:
    check_key(key)
    rows = yield Stmt(
        f"""WITH {_object(D)},
                 p AS (DELETE FROM {E} WHERE dict_id = (SELECT id FROM o) AND key_hash = %(hash)s
                       RETURNING value)
            SELECT (SELECT count(*) FROM o) AS found, (SELECT value FROM p) AS value""",
        _params(dict_id, workspace_id, hash=key_hash(key)),
    )
    value = rows[0]["value"]
    return Found(bool(rows[0]["found"]), bytes(value) if value is not None else None)


@transition()
def dict_len(workspace_id: str, dict_id: str) -> Generator[Stmt, Rows, int | None]:
    """How many entries the Dict has; None when there is no such Dict."""
    rows = yield Stmt(
        f"""WITH {_object(D)}
            SELECT (SELECT count(*) FROM {E} WHERE dict_id = o.id) AS n FROM o""",
        _params(dict_id, workspace_id),
    )
    return int(rows[0]["n"]) if rows else None


@transition()
def dict_clear(workspace_id: str, dict_id: str) -> Generator[Stmt, Rows, int | None]:
    """Remove every entry; how many there were (None: no such Dict)."""
    rows = yield Stmt(
        f"""WITH {_object(D)},
                 c AS (DELETE FROM {E} WHERE dict_id = (SELECT id FROM o) RETURNING 1)
            SELECT (SELECT count(*) FROM o) AS found, (SELECT count(*) FROM c) AS n""",
        _params(dict_id, workspace_id),
    )
    return int(rows[0]["n"]) if rows[0]["found"] else None


@transition()
def dict_entries(
    workspace_id: str, dict_id: str, *, after: int = 0, limit: int = 1000, values: bool = True
) -> Generator[Stmt, Rows, list[dict] | None]:
    """A page of entries in the order their keys were first written, after the entry `after`.

    Each as {id, key, value (None without `values`), key_preview, value_preview}; None when
    there is no such Dict.
    """
    limit = max(1, min(int(limit), MAX_BATCH))
    value = "e.value" if values else "NULL::bytea AS value"
    rows = yield Stmt(
        f"""WITH {_object(D)}
            SELECT e.id, e.key, {value}, e.key_preview, e.value_preview
              FROM o LEFT JOIN LATERAL (SELECT * FROM {E} WHERE dict_id = o.id AND id > %(after)s
                                         ORDER BY id LIMIT %(limit)s) e ON true
             ORDER BY e.id""",
        _params(dict_id, workspace_id, after=int(after), limit=limit),
    )
    if not rows:
        return None
    return [
        {
            "id": r["id"],
            "key": bytes(r["key"]),
            "value": bytes(r["value"]) if r["value"] is not None else None,
            "key_preview": r["key_preview"],
            "value_preview": r["value_preview"],
        }
        for r in rows
        if r["id"] is not None
    ]


# Queues ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Got:
    """What a get found: whether the Queue exists, and the values claimed (oldest first)."""

    found: bool
    values: list[bytes]


class PartitionFull(ApiError):
    def __init__(self, queue_id: str, partition: str, held: int, adding: int) -> None:
        limit = settings.SKYLIFT_QUEUE_MAX_PARTITION_ITEMS
        where = f"partition {partition!r}" if partition else "the default partition"
        super().__init__(
            f"{where.capitalize()} of {queue_id} holds {held:,} of at most {limit:,} items; "
            f"{adding:,} more do not fit. Nothing was added.",
            code="queue_full",
            status_code=409,
            field="values",
            hint="Get items out first (put(block=True) waits for room), use another partition, "
            "or raise SKYLIFT_QUEUE_MAX_PARTITION_ITEMS.",
        )


@transition(atomic=True)
def queue_put(
    workspace_id: str,
    queue_id: str,
    partition: str | None,
    values: Sequence[bytes],
    previews: Sequence[str] = (),
) -> Generator[Stmt, Rows, bool]:
    """Add values at the end of a partition, all or none; False when there is no such Queue.

    Raises PartitionFull (nothing added) when they do not all fit.
    """
    partition = check_partition(partition)
    _check_batch(len(values), "values")
    for value in values:
        check_value(value)
    shown = [_preview(p) for p in previews] or [""] * len(values)
    if len(shown) != len(values):
        raise ApiError("previews must be one per value when given.", field="previews")
    params = _params(queue_id, workspace_id, partition=partition)
    yield Stmt(
        "SELECT pg_advisory_xact_lock(hashtextextended(%(object)s || '/' || %(partition)s, 0))", params
    )
    rows = yield Stmt(
        f"""WITH {_object(Q)}
            SELECT (SELECT count(*) FROM {QI} WHERE queue_id = o.id AND partition = %(partition)s) AS n FROM o""",
        params,
    )
    if not rows:
        return False
    held, limit = int(rows[0]["n"]), settings.SKYLIFT_QUEUE_MAX_PARTITION_ITEMS
    if held + len(values) > limit:
        raise PartitionFull(queue_id, partition, held, len(values))
    if values:
        yield Stmt(
            f"""INSERT INTO {QI} (queue_id, partition, value, preview, created_at)
                SELECT %(object)s, %(partition)s, n.v, n.p, now()
                  FROM unnest(%(values)s::bytea[], %(previews)s::text[]) WITH ORDINALITY AS n(v, p, i)
                 ORDER BY n.i""",
            {**params, "values": list(values), "previews": shown},
        )
    return True


@transition()
def queue_get(workspace_id: str, queue_id: str, partition: str | None, n: int) -> Generator[Stmt, Rows, Got]:
    """Claim (remove and return) up to `n` of the oldest values of a partition, without waiting."""
    partition = check_partition(partition)
    n = max(1, min(int(n), MAX_BATCH))
    rows = yield Stmt(
        f"""WITH {_object(Q)},
                 c AS MATERIALIZED (SELECT id FROM {QI} WHERE queue_id = (SELECT id FROM o) AND partition = %(partition)s
                                     ORDER BY id LIMIT %(n)s FOR UPDATE SKIP LOCKED),
                 g AS (DELETE FROM {QI} WHERE id IN (SELECT id FROM c) RETURNING id, value)
            SELECT g.id, g.value FROM o LEFT JOIN g ON true ORDER BY g.id""",
        _params(queue_id, workspace_id, partition=partition, n=n),
    )
    return Got(bool(rows), [bytes(r["value"]) for r in rows if r["id"] is not None])


@transition()
def queue_len(
    workspace_id: str, queue_id: str, partition: str | None = None, *, total: bool = False
) -> Generator[Stmt, Rows, int | None]:
    """Items of one partition, or of all with `total`; None when there is no such Queue."""
    partition = check_partition(partition)
    where = "" if total else "AND partition = %(partition)s"
    rows = yield Stmt(
        f"""WITH {_object(Q)}
            SELECT (SELECT count(*) FROM {QI} WHERE queue_id = o.id {where}) AS n FROM o""",
        _params(queue_id, workspace_id, partition=partition),
    )
    return int(rows[0]["n"]) if rows else None


@transition()
def queue_clear(
    workspace_id: str, queue_id: str, partition: str | None = None, *, everything: bool = False
) -> Generator[Stmt, Rows, int | None]:
    """Remove the items of one partition, or of all with `everything`; how many (None: no such Queue)."""
    partition = check_partition(partition)
    where = "" if everything else "AND partition = %(partition)s"
    rows = yield Stmt(
        f"""WITH {_object(Q)},
                 c AS (DELETE FROM {QI} WHERE queue_id = (SELECT id FROM o) {where} RETURNING 1)
            SELECT (SELECT count(*) FROM o) AS found, (SELECT count(*) FROM c) AS n""",
        _params(queue_id, workspace_id, partition=partition),
    )
    return int(rows[0]["n"]) if rows[0]["found"] else None


@transition()
def queue_peek(
    workspace_id: str, queue_id: str, partition: str | None = None, n: int = 10, *, after: int = 0
) -> Generator[Stmt, Rows, list[dict] | None]:
    """The oldest `n` items of a partition after the item `after`, left in place:
    {id, value, preview, created_at} each."""
    partition = check_partition(partition)
    n = max(1, min(int(n), 1000))
    rows = yield Stmt(
        f"""WITH {_object(Q)}
            SELECT i.id, i.value, i.preview, i.created_at
              FROM o LEFT JOIN LATERAL (SELECT * FROM {QI} WHERE queue_id = o.id AND partition = %(partition)s
                                         AND id > %(after)s ORDER BY id LIMIT %(n)s) i ON true
             ORDER BY i.id""",
        _params(queue_id, workspace_id, partition=partition, n=n, after=int(after)),
    )
    if not rows:
        return None
    return [
        {"id": r["id"], "value": bytes(r["value"]), "preview": r["preview"], "created_at": r["created_at"]}
        for r in rows
        if r["id"] is not None
    ]
