"""Reading a call's outputs and a generator's values, long-polling for those not ready yet.

Reads only: the transitions that write outputs live elsewhere. The database is the source of
truth; Redis wake-ups only say when to look again (`functions.longpoll`), and a waiting request
holds no database connection.
"""

from __future__ import annotations

from django.db.models import Q

from . import blobs
from .longpoll import long_poll
from .models import TERMINAL_INPUT_STATUSES, FunctionCall, Input, OutputItem
from .queues import done_key

__all__ = ["items_wait", "outputs_wait"]

OUTPUT_FIELDS = (
    "id",
    "idx",
    "status",
    "result",
    "result_blob",
    "result_kind",
    "cause",
    "message",
    "finished_seq",
    "codec",
)


def _with_results(rows) -> list[dict]:
    """Outputs as the API returns them: a large result is read back from blob storage."""
    rows = list(rows)
    for row in rows:
        if row.get("result_blob"):
            row["result"] = blobs.load(row["result_blob"])
    return rows


def _ready_outputs(call: FunctionCall, *, after_seq: int, min_idx: int, limit: int) -> list[dict]:
    """Outputs after `after_seq` in the order they were written; from the start (after_seq 0), in
    index order from `min_idx`, which is how a reader fills a gap left by out-of-order commits."""
    rows = Input.objects.filter(call=call, status__in=TERMINAL_INPUT_STATUSES, idx__gte=min_idx)
    if after_seq:
        rows = rows.filter(Q(finished_seq__gt=after_seq) | Q(finished_seq__isnull=True)).order_by(
            "finished_seq"
        )
    else:
        rows = rows.order_by("idx")
    rows = rows.values(*OUTPUT_FIELDS)[:limit]
    return _with_results(rows)


def outputs_wait(
    *,
    call: FunctionCall,
    after_seq: int = 0,
    min_idx: int = 0,
    timeout: float = 0,
    limit: int = 1000,
    fresh: bool = False,
) -> list[dict]:
    """Outputs of `call` that became ready after `after_seq`, waiting up to `timeout` seconds.

    A `fresh` call (created by this request) has no output yet: wait for the wake-up first.
    """
    return (
        long_poll(
            lambda: _ready_outputs(call, after_seq=after_seq, min_idx=min_idx, limit=limit),
            key=done_key(call.id),
            timeout=timeout,
            wait_first=fresh,
        )
        or []
    )


def items_wait(
    *, call: FunctionCall, after: int = -1, timeout: float = 0, limit: int = 1000
) -> tuple[list, bool, dict | None]:
    """Values a generator call yielded after position `after`, waiting up to `timeout` s for some.

    Returns (items, done, output): once the input is terminal every item is already stored (the
    container sends them before its output), so `done` with no new items means the stream ended.
    """

    def look() -> tuple[list, bool, dict | None] | None:
        output = (
            Input.objects.filter(call=call, idx=0, status__in=TERMINAL_INPUT_STATUSES)
            .values(*OUTPUT_FIELDS)
            .first()
        )
        items = list(
            OutputItem.objects.filter(input__call=call, input__idx=0, n__gt=after)
            .order_by("n")
            .values("n", "data")[:limit]
        )
        if not items and output is None:
            return None
        return items, output is not None, (_with_results([output])[0] if output else None)

    return long_poll(look, key=done_key(call.id), timeout=timeout) or ([], False, None)
