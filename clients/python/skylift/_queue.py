"""`skylift.Queue`: FIFO queues shared by functions and their callers, as Modal's.

    q = skylift.Queue.from_name("jobs", create_if_missing=True)
    q.put_many(range(1000)); q.get(); q.get_many(100, timeout=5); q.len()

A queue has partitions (`partition="..."`, each a FIFO of its own; the default one without); a
`get` that finds nothing waits (block=True) until a put anywhere wakes it, or raises
`queue.Empty` when its timeout passes; a put into a full partition waits for room, or raises
`queue.Full`. Items live in the platform's PostgreSQL: an acknowledged put survives restarts.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Iterable, Iterator
from typing import Any, ClassVar

from ._exceptions import InvalidError
from ._function import _Blocking, _BlockingIter
from ._state import ObjectInfo, Objects, StateObject, dumps, loads, preview

__all__ = ["Queue"]

# The server waits at most this long per request; a longer wait is several requests.
SERVER_WAIT_SECONDS = 50.0
FULL_RETRY_SECONDS = 0.2
BATCH = 5_000


def _partition(partition: str | None) -> str | None:
    if partition is not None and (not isinstance(partition, str) or not 0 < len(partition) <= 64):
        raise InvalidError(f"A partition key is a string of 1 to 64 characters, got {partition!r}.")
    return partition


class Queue(StateObject):
    """A distributed FIFO queue of anything cloudpickle can serialize."""

    _kind: ClassVar[str] = "queue"
    _prefix: ClassVar[str] = "qu"
    objects: ClassVar[Objects[Queue]]

    @_Blocking
    def info(self) -> ObjectInfo:
        return ObjectInfo(self._api().state_get("queue", self.object_id))

    @_Blocking
    def put(
        self,
        v: Any,
        block: bool = True,
        timeout: float | None = None,
        *,
        partition: str | None = None,
        partition_ttl: int = 24 * 3600,
    ) -> None:
        """Add `v` at the end (of the partition)."""
        self._put([v], block, timeout, partition)

    @_Blocking
    def put_many(
        self,
        vs: Iterable[Any],
        block: bool = True,
        timeout: float | None = None,
        *,
        partition: str | None = None,
        partition_ttl: int = 24 * 3600,
    ) -> None:
        """Add the values at the end (of the partition), in order; each batch of 5,000 all or none."""
        values = list(vs)
        for start in range(0, len(values), BATCH):
            self._put(values[start : start + BATCH], block, timeout, partition)

    def _put(self, values: list[Any], block: bool, timeout: float | None, partition: str | None) -> None:
        partition = _partition(partition)
        pickled = [dumps(v, "value") for v in values]
        previews = [preview(v) for v in values]
        deadline = None if timeout is None else time.monotonic() + timeout
        api = self._api()
        while True:
            try:
                api.queue_put(self.object_id, partition, pickled, previews)
                return
            except queue.Full:
                if not block or (deadline is not None and time.monotonic() >= deadline):
                    raise
                time.sleep(FULL_RETRY_SECONDS)

    @_Blocking
    def get(self, block: bool = True, timeout: float | None = None, *, partition: str | None = None) -> Any:
        """Take the oldest value. Blocking, wait for one (queue.Empty when `timeout` passes);
        not blocking, None when there is none."""
        values = self._get(1, block, timeout, partition)
        return values[0] if values else None

    @_Blocking
    def get_many(
        self, n_values: int, block: bool = True, timeout: float | None = None, *, partition: str | None = None
    ) -> list[Any]:
        """Take up to `n_values` of the oldest values; blocking, wait until there is at least one."""
        if not isinstance(n_values, int) or n_values < 1:
            raise InvalidError(f"n_values must be a positive whole number, got {n_values!r}")
        return self._get(min(n_values, BATCH), block, timeout, partition)

    def _get(self, n: int, block: bool, timeout: float | None, partition: str | None) -> list[Any]:
        partition = _partition(partition)
        api = self._api()
        if not block:
            return [loads(v, "value") for v in api.queue_get(self.object_id, partition, n, 0.0)]
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            remaining = SERVER_WAIT_SECONDS if deadline is None else max(0.0, deadline - time.monotonic())
            got = api.queue_get(self.object_id, partition, n, min(remaining, SERVER_WAIT_SECONDS))
            if got:
                return [loads(v, "value") for v in got]
            if deadline is not None and time.monotonic() >= deadline:
                raise queue.Empty()

    @_Blocking
    def len(self, *, partition: str | None = None, total: bool = False) -> int:
        """Items in the partition, or in every partition with total."""
        return self._api().queue_len(self.object_id, _partition(partition), total=total)

    @_Blocking
    def clear(self, *, partition: str | None = None, all: bool = False) -> None:  # noqa: A002 - Modal's name
        """Remove the items of the partition, or of every partition with all."""
        self._api().queue_clear(self.object_id, _partition(partition), everything=all)

    @_BlockingIter
    def iterate(self, *, partition: str | None = None, item_poll_timeout: float = 0.0) -> Iterator[Any]:
        """The values in order, left in the queue; then, for up to item_poll_timeout seconds after
        the last, the values that arrive."""
        api, partition = self._api(), _partition(partition)
        after, last_seen = 0, time.monotonic()
        while True:
            items = api.queue_peek(self.object_id, partition, 1000, after=after)
            for item in items:
                yield loads(item["value"], "value")
                after = int(item["id"])
            if items:
                last_seen = time.monotonic()
                continue
            if time.monotonic() - last_seen >= item_poll_timeout:
                return
            time.sleep(min(0.1, item_poll_timeout))

    def __len__(self) -> int:
        return int(self.len())


Queue.objects = Objects(Queue)
