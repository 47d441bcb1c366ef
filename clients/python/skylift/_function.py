"""Functions and function calls: `.remote()`, `.local()`, `.map()`, `.spawn()`."""

from __future__ import annotations

import inspect
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ._exceptions import (
    DeserializationError,
    ExecutionError,
    FunctionTimeoutError,
    InvalidError,
    RemoteError,
    SerializationError,
)
from ._serialization import deserialize, serialize_args

if TYPE_CHECKING:
    from ._app import App
    from ._client import Client

__all__ = ["Function", "FunctionCall"]

# Inputs per request: large maps are sent in batches of this many (one transaction each).
MAP_BATCH = 1000
WAIT_SECONDS = 50.0


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
    if cause == "timeout" or status == "timed_out":
        raise FunctionTimeoutError(f"{fn_name}: {message}")
    if cause == "serialization":
        raise SerializationError(message)
    if cause == "deserialization":
        raise DeserializationError(message)
    if status == "cancelled":
        raise ExecutionError(f"{fn_name}: the input was cancelled. {message}".strip())
    raise ExecutionError(f"{fn_name} failed ({cause or status}): {message}")


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

    def get(self, timeout: float | None = None) -> Any:
        """Wait for the result (at most `timeout` seconds; None waits as long as it takes)."""
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

    def cancel(self) -> None:
        self._get_client().call_cancel(self.object_id)


class Function:
    """A function registered on an App; hydrated with a server id while its app runs."""

    def __init__(self, app: App, raw_f, *, name: str, options: dict):
        self._app = app
        self._raw_f = raw_f
        self._name = name
        self._options = options
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
        if self.object_id is None or self._app._client is None:
            raise InvalidError(
                f"{self._name} is not running on Skylift: call .remote() inside `with app.run():`, from a "
                "@app.local_entrypoint() run by `skylift run`, or use .local() to run it here."
            )
        return self._app._client, self.object_id

    def local(self, *args, **kwargs):
        """Run the function in this process."""
        return self._raw_f(*args, **kwargs)

    def __call__(self, *args, **kwargs):
        return self.local(*args, **kwargs)

    def remote(self, *args, **kwargs):
        """Run the function in a container and return its result."""
        client, function_id = self._hydrated()
        blob = serialize_args(self._raw_f, args, kwargs)
        created = client.call_create(function_id, [blob], kind="remote", wait=WAIT_SECONDS)
        outputs = created["outputs"]
        while not outputs:
            outputs = client.call_outputs(created["call"]["id"], timeout=WAIT_SECONDS)["outputs"]
        return unwrap_output(outputs[0], self._name)

    def spawn(self, *args, **kwargs) -> FunctionCall:
        """Start the function in a container and return a handle to its result."""
        client, function_id = self._hydrated()
        blob = serialize_args(self._raw_f, args, kwargs)
        created = client.call_create(function_id, [blob], kind="spawn", wait=0)
        return FunctionCall(created["call"]["id"], client=client, fn_name=self._name)

    def map(
        self, *iterables: Iterable, order_outputs: bool = True, return_exceptions: bool = False
    ) -> Iterator:
        """Run the function on every item (zipped across iterables); yield results in input order."""
        client, function_id = self._hydrated()
        blobs = [serialize_args(self._raw_f, item, {}) for item in zip(*iterables, strict=False)]
        calls = []
        for start in range(0, len(blobs), MAP_BATCH):
            created = client.call_create(function_id, blobs[start : start + MAP_BATCH], kind="map", wait=0)
            calls.append((start, created["call"]["id"], len(blobs[start : start + MAP_BATCH])))
        for offset, call_id, count in calls:
            yield from self._collect(client, call_id, offset, count, order_outputs, return_exceptions)

    def _collect(self, client, call_id, offset, count, order_outputs, return_exceptions):
        received: dict[int, dict] = {}
        delivered: set[int] = set()
        next_idx = 0  # next index to yield, in order
        low = 0  # lowest index neither delivered nor received
        after_seq = 0
        while len(delivered) < count:
            page = client.call_outputs(call_id, after_seq=after_seq, min_idx=low, timeout=WAIT_SECONDS)
            if not page["outputs"]:
                # An idle poll re-reads from the lowest missing index: it closes the window in which
                # an output committed out of sequence order could have been skipped.
                after_seq = 0
                continue
            for output in page["outputs"]:
                after_seq = max(after_seq, output["seq"] or 0)
                if output["idx"] not in delivered:
                    received.setdefault(output["idx"], output)
            ready = []
            if order_outputs:
                while next_idx in received:
                    ready.append(next_idx)
                    next_idx += 1
            else:
                ready = sorted(received)
            for idx in ready:
                delivered.add(idx)
                yield self._value(received.pop(idx), return_exceptions)
            while low in delivered or low in received:
                low += 1

    def _value(self, output, return_exceptions):
        try:
            return unwrap_output(output, self._name)
        except Exception as exc:
            if return_exceptions:
                return exc
            raise

    def __repr__(self) -> str:
        return f"<skylift.Function {self._name}>"
