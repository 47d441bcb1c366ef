"""Functions and function calls: `.remote()`, `.local()`, `.map()`, `.spawn()` and their `.aio` twins."""

from __future__ import annotations

import asyncio
import functools
import inspect
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any, Protocol

from ._exceptions import (
    DeserializationError,
    ExecutionError,
    FunctionTimeoutError,
    InvalidError,
    OutputExpiredError,
    RemoteError,
    SerializationError,
    UserCodeException,
)
from ._serialization import deserialize, serialize_args

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["Function", "FunctionCall", "Owner", "gather"]

# A map is one call whose inputs are sent in batches of MAP_BATCH, with at most MAP_WINDOW
# inputs submitted but not yet returned: memory stays bounded, and a lone map stays within the
# platform's limit of 2,000 inputs waiting per function however long the iterable is (several
# maps at once may meet it; they wait as told by the 429 and go on).
MAP_BATCH = 500
MAP_WINDOW = 2_000
WAIT_SECONDS = 50.0
GAP_WAIT_SECONDS = 0.05


class _Aio:
    """`f.remote.aio(...)`: the blocking method run in a worker thread, awaitable."""

    def __init__(self, blocking: Callable):
        self._blocking = blocking
        functools.update_wrapper(self, blocking)

    def __call__(self, *args, **kwargs):
        return self._blocking(*args, **kwargs)

    async def aio(self, *args, **kwargs):
        return await asyncio.to_thread(self._blocking, *args, **kwargs)


class _AioIter(_Aio):
    """`async for x in f.map.aio(...)`: the blocking generator drained in a worker thread."""

    def aio(self, *args, **kwargs):  # type: ignore[override]
        blocking = self._blocking

        async def agen():
            iterator = blocking(*args, **kwargs)
            sentinel = object()
            while True:
                item = await asyncio.to_thread(next, iterator, sentinel)
                if item is sentinel:
                    return
                yield item

        return agen()


def _method(kind: type[_Aio]):
    """Give a method an `.aio` twin, the way Modal's blocking methods have one."""

    class Descriptor:
        def __init__(self, fn):
            self.fn = fn
            functools.update_wrapper(self, fn)

        def __get__(self, obj, objtype=None):
            if obj is None:
                return self
            return kind(self.fn.__get__(obj, objtype))

    return Descriptor


def _add_note(exc: BaseException, note: str) -> None:
    if hasattr(exc, "add_note"):
        exc.add_note(note)


def unwrap_output(output: dict, fn_name: str) -> Any:
    """Turn one output record into its value, or raise what the remote side raised."""
    kind, status = output["result_kind"], output["status"]
    if status == "succeeded" and kind == "value":
        return deserialize(output["result"], f"the return value of {fn_name}")
    if kind == "exception":
        info = deserialize(output["result"], f"the exception raised by {fn_name}")
        exc = info.get("exc")
        if exc is None:
            exc = RemoteError(
                f"{fn_name} raised {info.get('repr') or info.get('type')} (which could not be pickled)"
            )
        _add_note(exc, "Remote traceback (most recent call last):\n" + info.get("traceback", "").rstrip())
        raise exc
    cause, message = output.get("cause", ""), output.get("message", "")
    if kind == "expired" or status == "expired":
        raise OutputExpiredError(
            f"{fn_name}: {message or 'the output is older than the 7-day retention period'}"
        )
    if cause == "timeout" or status == "timed_out":
        raise FunctionTimeoutError(f"{fn_name}: {message}")
    if cause == "serialization":
        raise SerializationError(message)
    if cause == "deserialization":
        raise DeserializationError(message)
    if status == "cancelled":
        raise ExecutionError(f"{fn_name}: the input was cancelled. {message}".strip())
    raise ExecutionError(f"{fn_name} failed ({cause or status}): {message}")


def _value(output: dict, fn_name: str, return_exceptions: bool, wrap_returned_exceptions: bool = True):
    try:
        return unwrap_output(output, fn_name)
    except Exception as exc:
        if not return_exceptions:
            raise
        return UserCodeException(exc) if wrap_returned_exceptions else exc


class _Outputs:
    """Reads a call's outputs in the order they become ready, each exactly once."""

    def __init__(self, client: Client, call_id: str):
        self.client, self.call_id = client, call_id
        self.after_seq = 0
        self.low = 0  # lowest index not received yet
        self.high = -1  # highest index received
        self.seen: set[int] = set()

    def poll(self, timeout: float) -> list[dict]:
        # Outputs are numbered as they are written, but two containers' writes can commit out of
        # that order, so reading "after the highest number seen" may skip one. While indexes below
        # the highest one received are missing, wait only briefly, then re-read from the lowest
        # missing index (in index order, after_seq 0) to close the gap.
        gap = self.low < self.high
        page = self.client.call_outputs(
            self.call_id,
            after_seq=self.after_seq,
            min_idx=self.low,
            timeout=min(timeout, GAP_WAIT_SECONDS) if gap else timeout,
        )
        fresh = []
        if not page["outputs"]:
            self.after_seq = 0
            return fresh
        for output in page["outputs"]:
            self.after_seq = max(self.after_seq, output["seq"] or 0)
            if output["idx"] not in self.seen:
                self.seen.add(output["idx"])
                self.high = max(self.high, output["idx"])
                fresh.append(output)
        while self.low in self.seen:
            self.low += 1
        return fresh


class FunctionCall:
    """A handle on a spawned call: `.get()` its result later, from here or another process."""

    def __init__(self, object_id: str, *, client: Client | None = None, fn_name: str = "function"):
        self.object_id = object_id
        self._client = client
        self._fn_name = fn_name

    @classmethod
    def from_id(cls, function_call_id: str, *, client: Client | None = None) -> FunctionCall:
        return cls(function_call_id, client=client)

    def _get_client(self) -> Client:
        if self._client is None:
            from ._client import Client

            self._client = Client.from_env()
        return self._client

    @_method(_Aio)
    def get(self, timeout: float | None = None) -> Any:
        """Wait for the result: at most `timeout` seconds (0 polls once; None waits as long as it takes)."""
        client = self._get_client()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = (
                WAIT_SECONDS if deadline is None else max(0.0, min(WAIT_SECONDS, deadline - time.monotonic()))
            )
            page = client.call_outputs(self.object_id, after_seq=0, min_idx=0, timeout=wait)
            if page["outputs"]:
                return unwrap_output(page["outputs"][0], self._fn_name)
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"{self.object_id} has no result yet")

    @_method(_AioIter)
    def iter_outputs(
        self,
        order_outputs: bool = True,
        return_exceptions: bool = False,
        wrap_returned_exceptions: bool = True,
    ) -> Iterator:
        """All outputs of a spawned map (`spawn_map`), in input order by default."""
        wrap = wrap_returned_exceptions
        client = self._get_client()
        reader, pending, next_idx = _Outputs(client, self.object_id), {}, 0
        count = client.call_retrieve(self.object_id)["input_count"]
        while next_idx < count:
            for output in reader.poll(WAIT_SECONDS):
                pending[output["idx"]] = output
            if order_outputs:
                while next_idx in pending:
                    yield _value(pending.pop(next_idx), self._fn_name, return_exceptions, wrap)
                    next_idx += 1
            else:
                for idx in sorted(pending):
                    yield _value(pending.pop(idx), self._fn_name, return_exceptions, wrap)
                    next_idx += 1

    @_method(_Aio)
    def cancel(self) -> None:
        """Cancel the call: inputs not yet finished end `cancelled`; running ones are interrupted."""
        self._get_client().call_cancel(self.object_id)

    @staticmethod
    def gather(*calls: FunctionCall) -> list[Any]:
        """Wait for several spawned calls; their results in the order given."""
        return gather(*calls)

    def __repr__(self) -> str:
        return f"FunctionCall({self.object_id!r})"


def gather(*calls: FunctionCall) -> list[Any]:
    """Wait for several spawned calls concurrently; their results in the order given."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException | None] = [None] * len(calls)

    def wait(n: int, call: FunctionCall) -> None:
        try:
            results[n] = call.get()
        except BaseException as exc:  # noqa: BLE001 - re-raised below, first one wins
            errors[n] = exc

    threads = [threading.Thread(target=wait, args=(n, c), daemon=True) for n, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for error in errors:
        if error is not None:
            raise error
    return results


class Owner(Protocol):
    """What a function or a class needs of the app it is registered on: its client while it runs.

    `App` is one; naming only this keeps functions and classes from importing the app module.
    """

    _client: Client | None


class Function:
    """A function registered on an App; hydrated with a server id while its app runs."""

    def __init__(self, app: Owner, raw_f, *, name: str, options: dict, method: str = "", owner=None):
        self._app = app
        self._raw_f = raw_f
        self._name = name
        self._options = options
        self._method = method  # for a method of an @app.cls class
        self._owner = owner  # the bound class instance handle, for methods
        self.object_id: str | None = None
        self.__name__ = getattr(raw_f, "__name__", name)
        self.__qualname__ = getattr(raw_f, "__qualname__", name)
        self.__doc__ = getattr(raw_f, "__doc__", None)
        self.__module__ = getattr(raw_f, "__module__", None)
        self.__wrapped__ = raw_f

    def get_raw_f(self):
        return self._raw_f

    @property
    def is_generator(self) -> bool:
        return inspect.isgeneratorfunction(self._raw_f) or inspect.isasyncgenfunction(self._raw_f)

    def _hydrated(self) -> tuple[Client, str]:
        if self._owner is not None:
            return self._owner._hydrated()
        if self.object_id is None or self._app._client is None:
            raise InvalidError(
                f"{self._name} is not running on Skylift: call .remote() inside `with app.run():`, from a "
                "@app.local_entrypoint() run by `skylift run`, or use .local() to run it here."
            )
        return self._app._client, self.object_id

    def _args(self, args: tuple, kwargs: dict) -> bytes:
        return serialize_args(self._raw_f, args, kwargs)

    def local(self, *args, **kwargs):
        """Run the function in this process."""
        if self._owner is not None:
            return self._raw_f(self._owner._local_instance(), *args, **kwargs)
        return self._raw_f(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        return self.local(*args, **kwargs)

    @_method(_Aio)
    def remote(self, *args, **kwargs):
        """Run the function in a container and return its result."""
        client, function_id = self._hydrated()
        created = client.call_create(
            function_id, [self._args(args, kwargs)], kind="remote", wait=WAIT_SECONDS, method=self._method
        )
        outputs = created["outputs"]
        while not outputs:
            outputs = client.call_outputs(created["call"]["id"], timeout=WAIT_SECONDS)["outputs"]
        return unwrap_output(outputs[0], self._name)

    @_method(_AioIter)
    def remote_gen(self, *args, **kwargs) -> Iterator:
        """Run a generator function in a container; yield its values as it produces them."""
        client, function_id = self._hydrated()
        call_id = client.call_create(
            function_id, [self._args(args, kwargs)], kind="remote", wait=0, method=self._method
        )["call"]["id"]
        after = -1
        while True:
            page = client.call_items(call_id, after=after, timeout=WAIT_SECONDS)
            for item in page["items"]:
                after = item["n"]
                yield deserialize(item["data"], f"a value yielded by {self._name}")
            if page["done"] and not page["items"]:
                output = page["output"]
                if not (output["status"] == "succeeded" and output["result_kind"] == "value"):
                    unwrap_output(output, self._name)
                return

    @_method(_Aio)
    def spawn(self, *args, **kwargs) -> FunctionCall:
        """Start the function in a container and return a handle to its result."""
        client, function_id = self._hydrated()
        created = client.call_create(
            function_id, [self._args(args, kwargs)], kind="spawn", wait=0, method=self._method
        )
        return FunctionCall(created["call"]["id"], client=client, fn_name=self._name)

    @_method(_AioIter)
    def map(
        self,
        *iterables: Iterable,
        order_outputs: bool = True,
        return_exceptions: bool = False,
        wrap_returned_exceptions: bool = True,
    ) -> Iterator:
        """Run the function on every item (zipped across iterables); yield results in input order.

        With `return_exceptions=True` a failed input yields its exception instead of raising it,
        wrapped in `UserCodeException` (its `.exc`) unless `wrap_returned_exceptions=False`.
        """
        return self._map(
            ((item, {}) for item in zip(*iterables, strict=False)),
            order_outputs,
            return_exceptions,
            wrap_returned_exceptions,
        )

    @_method(_AioIter)
    def starmap(
        self,
        input_iterator: Iterable,
        *,
        kwargs: dict | None = None,
        order_outputs: bool = True,
        return_exceptions: bool = False,
        wrap_returned_exceptions: bool = True,
    ) -> Iterator:
        """Like map, but each item is a tuple of positional arguments."""
        extra = kwargs or {}
        return self._map(
            ((tuple(item), extra) for item in input_iterator),
            order_outputs,
            return_exceptions,
            wrap_returned_exceptions,
        )

    @_method(_Aio)
    def for_each(self, *iterables: Iterable, ignore_exceptions: bool = False) -> None:
        """Run the function on every item and wait, discarding the results."""
        items = ((item, {}) for item in zip(*iterables, strict=False))
        for _ in self._map(items, False, ignore_exceptions, False):
            pass

    @_method(_Aio)
    def spawn_map(self, *iterables: Iterable) -> FunctionCall:
        """Submit a map and return at once; the work goes on without this process (`FunctionCall.from_id`)."""
        client, function_id = self._hydrated()
        call = client.call_create(function_id, [], kind="spawn", wait=0, method=self._method, closed=False)[
            "call"
        ]
        batch, start = [], 0
        for item in zip(*iterables, strict=False):
            batch.append(self._args(item, {}))
            if len(batch) == MAP_BATCH:
                client.call_add_inputs(call["id"], start, batch, method=self._method)
                start, batch = start + len(batch), []
        client.call_add_inputs(call["id"], start, batch, method=self._method, close=True)
        return FunctionCall(call["id"], client=client, fn_name=self._name)

    def _map(
        self,
        items: Iterator[tuple[tuple, dict]],
        order_outputs: bool,
        return_exceptions: bool,
        wrap_returned_exceptions: bool,
    ) -> Iterator:
        client, function_id = self._hydrated()
        # Serialize the first batch here, so that a bad argument is reported before anything is sent.
        first = []
        for args, kwargs in items:
            first.append(self._args(args, kwargs))
            if len(first) == MAP_BATCH:
                break
        if not first:
            return
        call_id = client.call_create(
            function_id, first, kind="map", wait=0, method=self._method, closed=len(first) < MAP_BATCH
        )["call"]["id"]
        sender = _MapSender(
            self, client.clone(), call_id, items, start=len(first), closed=len(first) < MAP_BATCH
        )
        reader, pending, next_idx = _Outputs(client, call_id), {}, 0
        try:
            while sender.total is None or next_idx < sender.total:
                sender.check()
                for output in reader.poll(min(WAIT_SECONDS, 1.0) if sender.total is None else WAIT_SECONDS):
                    pending[output["idx"]] = output
                if order_outputs:
                    ready = []
                    while next_idx in pending:
                        ready.append(pending.pop(next_idx))
                        next_idx += 1
                else:
                    ready = [pending.pop(i) for i in sorted(pending)]
                    next_idx += len(ready)
                sender.returned(next_idx)
                for output in ready:
                    yield _value(output, self._name, return_exceptions, wrap_returned_exceptions)
        finally:
            sender.stop()

    @_method(_Aio)
    def update_autoscaler(
        self,
        *,
        min_containers: int | None = None,
        max_containers: int | None = None,
        buffer_containers: int | None = None,
        scaledown_window: int | None = None,
    ) -> None:
        """Change the scaling of the running function without redeploying it."""
        client, function_id = self._hydrated()
        client.function_update_autoscaler(
            function_id,
            min_containers=min_containers,
            max_containers=max_containers,
            buffer_containers=buffer_containers,
            scaledown_window=scaledown_window,
        )

    def __repr__(self) -> str:
        return f"<skylift.Function {self._name}>"


class _MapSender:
    """Sends a map's remaining inputs in batches from a thread, within the in-flight window."""

    def __init__(
        self, function: Function, client: Client, call_id: str, items: Iterator, *, start: int, closed: bool
    ):
        self.function, self.client, self.call_id, self.items = function, client, call_id, items
        self.sent = start
        self.total: int | None = start if closed else None
        self.error: BaseException | None = None
        self.progress: queue.Queue[int] = queue.Queue()
        self.returned_count = 0
        self._stop = threading.Event()
        if not closed:
            threading.Thread(target=self._run, name="skylift-map-send", daemon=True).start()

    def returned(self, count: int) -> None:
        self.returned_count = count
        self.progress.put(count)

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def stop(self) -> None:
        self._stop.set()
        self.progress.put(-1)

    def _run(self) -> None:
        try:
            batch: list[bytes] = []
            for args, kwargs in self.items:
                if self._stop.is_set():
                    return
                batch.append(self.function._args(args, kwargs))
                if len(batch) == MAP_BATCH:
                    self._send(batch, close=False)
                    batch = []
            self._send(batch, close=True)
            self.total = self.sent
        except BaseException as exc:  # noqa: BLE001 - surfaced to the iterating caller by check()
            self.error = exc

    def _send(self, batch: list[bytes], *, close: bool) -> None:
        while self.sent + len(batch) - self.returned_count > MAP_WINDOW and not self._stop.is_set():
            try:
                self.progress.get(timeout=1.0)
            except queue.Empty:
                pass
        self.client.call_add_inputs(self.call_id, self.sent, batch, method=self.function._method, close=close)
        self.sent += len(batch)
