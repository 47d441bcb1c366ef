"""Functions and function calls: `.remote()`, `.local()`, `.map()`, `.spawn()` and their `.aio` twins."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import queue
import threading
import time
import types
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, TypeVar, cast, overload

from ._exceptions import (
    DeserializationError,
    ExecutionError,
    FunctionTimeoutError,
    InvalidError,
    OutputExpiredError,
    RemoteError,
    ResourceExhaustedError,
    SerializationError,
    UserCodeException,
)
from ._lookup import Lookup, remote_only
from ._serialization import deserialize, serialize_args
from ._typing import MapCall, OutputsCall, StarmapCall
from ._variants import Variant

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._client import Client
    from ._typing import Batched, ResourceOptions
    from .call_graph import InputInfo

__all__ = ["Function", "FunctionCall", "FunctionDecorator", "MethodDecorator", "Owner", "gather"]

P = ParamSpec("P")  # the parameters of the decorated function
ReturnType = TypeVar("ReturnType")  # what `.remote()` returns: the function's result, awaited if async
OriginalReturnType = TypeVar("OriginalReturnType")  # what the function itself returns (`.local()`)
A = ParamSpec("A")
S = TypeVar("S")
T = TypeVar("T")
Y = TypeVar("Y")

# A map is one call whose inputs are sent in batches of MAP_BATCH, with at most MAP_WINDOW
# inputs submitted but not yet returned: memory stays bounded, and a lone map stays within the
# platform's limit of 2,000 inputs waiting per function however long the iterable is (several
# maps at once may meet it; they wait as told by the 429 and go on).
MAP_BATCH = 500
MAP_WINDOW = 2_000
WAIT_SECONDS = 50.0
GAP_WAIT_SECONDS = 0.05
# A map's reader re-reads a gap in index order this long after it opened, then at doubling
# intervals up to the maximum while it stays open (see _Outputs.poll).
GAP_REREAD_SECONDS = 0.1
GAP_REREAD_MAX_SECONDS = 5.0


class _Aio(Generic[A, T]):
    """`f.remote(...)` blocks; `await f.remote.aio(...)` runs it in a worker thread."""

    def __init__(self, blocking: Callable[A, T]) -> None:
        self._blocking = blocking
        functools.update_wrapper(self, blocking)

    def __call__(self, *args: A.args, **kwargs: A.kwargs) -> T:
        return self._blocking(*args, **kwargs)

    async def aio(self, *args: A.args, **kwargs: A.kwargs) -> T:
        return await asyncio.to_thread(self._blocking, *args, **kwargs)


class _AioIter(Generic[A, Y]):
    """`for x in f.map(...)` blocks; `async for x in f.map.aio(...)` drains it in a worker thread."""

    def __init__(self, blocking: Callable[A, Iterator[Y]]) -> None:
        self._blocking = blocking
        functools.update_wrapper(self, blocking)

    def __call__(self, *args: A.args, **kwargs: A.kwargs) -> Iterator[Y]:
        return self._blocking(*args, **kwargs)

    def aio(self, *args: A.args, **kwargs: A.kwargs) -> AsyncIterator[Y]:
        blocking = self._blocking

        async def agen() -> AsyncIterator[Y]:
            iterator = blocking(*args, **kwargs)
            sentinel = object()
            while True:
                item = await asyncio.to_thread(next, iterator, sentinel)
                if item is sentinel:
                    return
                yield cast(Y, item)

        return agen()


class _Blocking(Generic[S, A, T]):
    """A blocking method with an `.aio` twin, the way Modal's blocking methods have one.

    Its type keeps the method's: `f.remote` takes what the method takes after `self`.
    """

    def __init__(self, fn: Callable[Concatenate[S, A], T]) -> None:
        self.fn = fn
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]  # a descriptor, not a callable

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _Blocking[S, A, T]: ...
    @overload
    def __get__(self, obj: S, objtype: type | None = None) -> _Aio[A, T]: ...
    def __get__(self, obj: S | None, objtype: type | None = None) -> _Blocking[S, A, T] | _Aio[A, T]:
        if obj is None:
            return self
        bound: Callable[A, T] = types.MethodType(self.fn, obj)  # its name and doc go with it
        return _Aio(bound)


class _BlockingIter(Generic[S, A, Y]):
    """`_Blocking` for a method that yields: `.aio` is an async iterator."""

    def __init__(self, fn: Callable[Concatenate[S, A], Iterator[Y]]) -> None:
        self.fn = fn
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]  # a descriptor, not a callable

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _BlockingIter[S, A, Y]: ...
    @overload
    def __get__(self, obj: S, objtype: type | None = None) -> _AioIter[A, Y]: ...
    def __get__(self, obj: S | None, objtype: type | None = None) -> _BlockingIter[S, A, Y] | _AioIter[A, Y]:
        if obj is None:
            return self
        bound: Callable[A, Iterator[Y]] = types.MethodType(self.fn, obj)
        return _AioIter(bound)


class _ResultsMethod(Generic[S, T]):
    """`_BlockingIter` typed as `T` (a map's `MapCall`...): results whose item type depends on
    `return_exceptions`, which one signature cannot say."""

    def __init__(self, fn: Callable[..., Iterator[Any]]) -> None:
        self.fn = fn
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]  # a descriptor, not a callable

    @overload
    def __get__(self, obj: None, objtype: type | None = None) -> _ResultsMethod[S, T]: ...
    @overload
    def __get__(self, obj: S, objtype: type | None = None) -> T: ...
    def __get__(self, obj: S | None, objtype: type | None = None) -> _ResultsMethod[S, T] | T:
        if obj is None:
            return self
        return cast(T, _AioIter(types.MethodType(self.fn, obj)))


def _add_note(exc: BaseException, note: str) -> None:
    if hasattr(exc, "add_note"):
        exc.add_note(note)


def unwrap_output(output: dict[str, Any], fn_name: str) -> Any:
    """Turn one output record into its value, or raise what the remote side raised."""
    kind, status = output["result_kind"], output["status"]
    if status == "succeeded" and kind == "value":
        if output.get("codec") == "json":  # a call made with JSON arguments (from any language)
            return json.loads(output["result"])
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
    if cause == "resource_exhausted":
        raise ResourceExhaustedError(f"{fn_name}: {message}")
    if cause == "deserialization":
        raise DeserializationError(message)
    if status == "cancelled":
        raise ExecutionError(f"{fn_name}: the input was cancelled. {message}".strip())
    raise ExecutionError(f"{fn_name} failed ({cause or status}): {message}")


def _value(
    output: dict[str, Any], fn_name: str, return_exceptions: bool, wrap_returned_exceptions: bool = True
) -> Any:
    try:
        return unwrap_output(output, fn_name)
    except Exception as exc:
        if not return_exceptions:
            raise
        return UserCodeException(exc) if wrap_returned_exceptions else exc


class _Outputs:
    """Reads a call's outputs in the order they become ready, each exactly once."""

    def __init__(self, client: Client, call_id: str) -> None:
        self.client, self.call_id = client, call_id
        self.after_seq = 0
        self.low = 0  # lowest index not received yet
        self.high = -1  # highest index received
        self.seen: set[int] = set()
        self.reread_every = GAP_REREAD_SECONDS
        self.reread_at = 0.0

    def poll(self, timeout: float) -> list[dict[str, Any]]:
        # Outputs are numbered as they are written, but two containers' writes run at once (their
        # numbers interleave) and can commit out of that order, so a read "after the highest
        # number seen" (after_seq) skips outputs that commit late with lower numbers. A read in
        # index order from the lowest missing index (after_seq 0) skips nothing; after_seq only
        # spares sending again the outputs received above a gap. So: with no gap (every index
        # below `low` received, none above it) read in index order. While indexes below the
        # highest one received are missing, read after the highest number, waiting only
        # briefly; and in index order after an empty page, and GAP_REREAD_SECONDS after the gap
        # opened, then at doubling intervals while it stays open (an input still running).
        # Before, only an empty page led to a read in index order, which does not come while
        # outputs keep arriving: the skipped ones stalled a map for 0.5-1 s (benchmarks/calls.py).
        gap = self.low < self.high
        now = time.monotonic()
        by_index = not gap or not self.after_seq or now >= self.reread_at
        if gap and by_index:
            self.reread_every = min(self.reread_every * 2, GAP_REREAD_MAX_SECONDS)
            self.reread_at = now + self.reread_every
        low = self.low
        page = self.client.call_outputs(
            self.call_id,
            after_seq=0 if by_index else self.after_seq,
            min_idx=self.low,
            timeout=min(timeout, GAP_WAIT_SECONDS) if gap else timeout,
        )
        fresh = self._take(page["outputs"])
        if not page["outputs"]:
            self.after_seq = 0
        if self.low != low:
            self.reread_every, self.reread_at = GAP_REREAD_SECONDS, time.monotonic() + GAP_REREAD_SECONDS
        return fresh

    def _take(self, outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The outputs not received before, noted as received."""
        fresh: list[dict[str, Any]] = []
        for output in outputs:
            self.after_seq = max(self.after_seq, output["seq"] or 0)
            if output["idx"] not in self.seen:
                self.seen.add(output["idx"])
                self.high = max(self.high, output["idx"])
                fresh.append(output)
        while self.low in self.seen:
            self.low += 1
        return fresh


class FunctionCall(Generic[ReturnType]):
    """A handle on a spawned call: `.get()` its result later, from here or another process."""

    def __init__(self, object_id: str, *, client: Client | None = None, fn_name: str = "function") -> None:
        self.object_id = object_id
        self._client = client
        self._fn_name = fn_name

    @classmethod
    def from_id(cls, function_call_id: str, *, client: Client | None = None) -> FunctionCall[Any]:
        return cls(function_call_id, client=client)

    def _get_client(self) -> Client:
        if self._client is None:
            from ._relay_client import default_client

            self._client = default_client()
        return self._client

    def get_dashboard_url(self) -> str:
        """The call's page in the dashboard: its inputs, attempts, traceback, logs and cold start."""
        from ._dashboard import dashboard_url

        return dashboard_url(self._client, "call", self.object_id)

    @_Blocking
    def get(self, /, timeout: float | None = None) -> ReturnType:
        """Wait for the result: at most `timeout` seconds (0 polls once; None waits as long as it takes)."""
        client = self._get_client()
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = (
                WAIT_SECONDS if deadline is None else max(0.0, min(WAIT_SECONDS, deadline - time.monotonic()))
            )
            page = client.call_outputs(self.object_id, after_seq=0, min_idx=0, timeout=wait)
            if page["outputs"]:
                result: ReturnType = unwrap_output(page["outputs"][0], self._fn_name)
                return result
            if deadline is not None and time.monotonic() >= deadline:
                raise TimeoutError(f"{self.object_id} has no result yet")

    @_ResultsMethod["FunctionCall[ReturnType]", OutputsCall[ReturnType]]
    def iter_outputs(
        self,
        order_outputs: bool = True,
        return_exceptions: bool = False,
        wrap_returned_exceptions: bool = True,
    ) -> Iterator[Any]:
        """All outputs of a spawned map (`spawn_map`), in input order by default."""
        wrap = wrap_returned_exceptions
        client = self._get_client()
        reader, next_idx = _Outputs(client, self.object_id), 0
        pending: dict[int, dict[str, Any]] = {}
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

    @_Blocking
    def cancel(self, /) -> None:
        """Cancel the call: inputs not yet finished end `cancelled`; running ones are interrupted."""
        self._get_client().call_cancel(self.object_id)

    @_Blocking
    def get_call_graph(self, /) -> list[InputInfo]:
        """The call graph this call belongs to, from its root call: each input, its status, and the
        inputs of the calls it made from its container (`.remote`, `.map`, `.spawn` inside a function)."""
        from .call_graph import InputInfo

        graph = self._get_client().call_graph(self.object_id)
        return [InputInfo.from_dict(node) for node in graph["inputs"]]

    @staticmethod
    def gather(*calls: FunctionCall[T]) -> list[T]:
        """Wait for several spawned calls; their results in the order given."""
        return gather(*calls)

    def __repr__(self) -> str:
        return f"FunctionCall({self.object_id!r})"


def gather(*calls: FunctionCall[T]) -> list[T]:
    """Wait for several spawned calls concurrently; their results in the order given."""
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException | None] = [None] * len(calls)

    def wait(n: int, call: FunctionCall[T]) -> None:
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


class FunctionDecorator(Protocol):
    """What `@app.function(...)` returns: it registers a function and keeps its type."""

    @overload
    def __call__(self, f: Batched[T], /) -> Function[..., T, Any]: ...
    @overload
    def __call__(
        self, f: Callable[P, Coroutine[Any, Any, T]], /
    ) -> Function[P, T, Coroutine[Any, Any, T]]: ...
    @overload
    def __call__(self, f: Callable[P, T], /) -> Function[P, T, T]: ...


class MethodDecorator(Protocol):
    """What `@skylift.method()` returns. The method stays itself on the class; the handles of an
    `@app.cls` class (`Model(...).predict`) are Functions, and that is its type."""

    @overload
    def __call__(self, f: Batched[T], /) -> Function[..., T, Any]: ...
    @overload
    def __call__(
        self, f: Callable[Concatenate[Any, P], Coroutine[Any, Any, T]], /
    ) -> Function[P, T, Coroutine[Any, Any, T]]: ...
    @overload
    def __call__(self, f: Callable[Concatenate[Any, P], T], /) -> Function[P, T, T]: ...


class _Bound(Protocol):
    """What a method needs of its class bound to parameter values (`BoundCls`)."""

    def _hydrated(self) -> tuple[Client, str]: ...
    def _local_instance(self) -> Any: ...
    def _web_url(self, method: str) -> str | None: ...
    def _web_part(self, method: str) -> dict[str, Any] | None: ...


class Owner(Protocol):
    """What a function or a class needs of the app it is registered on: its client while it runs.

    `App` is one; naming only this keeps functions and classes from importing the app module.
    """

    _client: Client | None


class Function(Generic[P, ReturnType, OriginalReturnType]):
    """A function registered on an App; hydrated with a server id while its app runs.

    Typed as the function it wraps: `.remote()` takes its arguments and returns its result
    (awaited, for an `async def`); `.local()` and calling it return what the function returns.
    """

    def __init__(
        self,
        app: Owner,
        raw_f: Callable[..., OriginalReturnType],
        *,
        name: str,
        options: dict[str, Any],
        method: str = "",
        owner: _Bound | None = None,
    ) -> None:
        self._app = app
        self._raw_f = raw_f
        self._name = name
        self._options = options
        self._method = method  # for a method of an @app.cls class
        self._owner = owner  # the bound class instance handle, for methods
        self._parent: Function[P, ReturnType, OriginalReturnType] | None = None  # of a variant
        self._variant = Variant()  # with_options(), with_concurrency(), with_batching()
        self._variants: dict[tuple[str, str], str] = {}  # (function id, variant key) -> variant id
        self.object_id: str | None = None
        self._description: dict[str, Any] | None = None  # of a function looked up by name
        self._web_urls: dict[str, str] = {}  # its web endpoint's URL ("" -> URL), set by the server
        self.__name__ = getattr(raw_f, "__name__", name)
        self.__qualname__ = getattr(raw_f, "__qualname__", name)
        self.__doc__ = getattr(raw_f, "__doc__", None)
        self.__module__ = getattr(raw_f, "__module__", "")
        self.__wrapped__ = raw_f

    def get_raw_f(self) -> Callable[..., OriginalReturnType]:
        return self._raw_f

    @classmethod
    def from_name(
        cls,
        app_name: str,
        name: str,
        *,
        environment_name: str | None = None,
        client: Client | None = None,
    ) -> Function[..., Any, Any]:
        """The function `name` of the deployed app `app_name`, looked up when first used.

        Raises NotFoundError then if the app (in the environment: SKYLIFT_ENVIRONMENT, or `main`)
        or the function does not exist.
        """
        owner = Lookup(app_name, environment_name, client)
        return Function(owner, remote_only(app_name, name), name=name, options={"definition": {}})

    def hydrate(self, client: Client | None = None) -> Function[P, ReturnType, OriginalReturnType]:
        """Look the function up now (a looked-up one is otherwise looked up when first used)."""
        self._hydrated()
        return self

    @property
    def is_generator(self) -> bool:
        described = self._described()
        if described is not None:
            return bool(described.get("is_generator"))
        return inspect.isgeneratorfunction(self._raw_f) or inspect.isasyncgenfunction(self._raw_f)

    def _described(self) -> dict[str, Any] | None:
        """For a function looked up by name: the server's description of it (looked up once)."""
        root = self._root()
        if not isinstance(root._app, Lookup) or self._owner is not None:
            return None
        if root._description is None:
            root._description = root._app.describe(root._name)
            root.object_id = root._description["id"]
            root._web_urls = root._description.get("web_urls") or {}
            root._options = {**root._options, "definition": root._description.get("definition") or {}}
        return root._description

    def get_web_url(self) -> str | None:
        """The URL of this web endpoint (None when it is not one), in the form the server is
        configured for: `https://{workspace}--{app}-{function}.{domain}`, or the path form
        `{server}/web/{workspace}/{app}/{function}`. Known once its app runs or is deployed, or
        when it was looked up by name."""
        if self._owner is not None:
            return self._owner._web_url(self._method)
        root = self._root()
        self._described()
        return root._web_urls.get("")

    def get_dashboard_url(self) -> str:
        """The function's page in the dashboard (charts, scaling, calls), once its app runs or is
        deployed, or when it was looked up by name."""
        from ._dashboard import dashboard_url

        if self._owner is not None:
            client, object_id = self._owner._hydrated()
            return dashboard_url(client, "function", object_id)
        root = self._root()
        self._described()
        if root.object_id is None:
            raise InvalidError(
                f"{self._name} has no id yet: its dashboard URL is known inside `with app.run():`, after "
                "app.deploy(), or for a function looked up with Function.from_name()."
            )
        return dashboard_url(self._app._client, "function", root.object_id)

    def _web(self) -> dict[str, Any] | None:
        """Its web endpoint's description, when it is one."""
        if self._owner is not None:
            return self._owner._web_part(self._method)
        self._described()
        web: dict[str, Any] | None = self._root()._options.get("definition", {}).get("web")
        return web

    def _hydrated(self) -> tuple[Client, str]:
        web = self._web()
        if web:
            url = self.get_web_url()
            raise InvalidError(
                f"{self._name} is a web endpoint: call it over HTTP"
                + (f" at {url}" if url else " at its URL (get_web_url() once its app runs)")
                + ", or run it here with .local()"
            )
        if self._owner is not None:
            return self._owner._hydrated()
        root = self._root()
        self._described()
        client = self._app._client
        if client is None:
            client = _in_container(root)
        if root.object_id is None or client is None:
            raise InvalidError(
                f"{self._name} is not running on Skylift: call .remote() inside `with app.run():`, from a "
                "@app.local_entrypoint() run by `skylift run`, or use .local() to run it here."
            )
        if not self._variant.overrides:
            return client, root.object_id
        # Keyed by the function's id too: each run of the app defines it anew.
        key = (root.object_id, self._variant.key)
        if key not in root._variants:
            root._variants[key] = client.function_variant(
                root.object_id, params=None, options=self._variant.overrides
            )["id"]
        return client, root._variants[key]

    def _target(self) -> tuple[Client, str | dict[str, str]]:
        """Where `.remote()` and `.spawn()` send a call: the function's id, or, for a function
        looked up by name and not yet described, its names (the server finds it in the call's
        own request, refusing a web endpoint as `_hydrated` does; no lookup round trip first)."""
        root = self._root()
        if (
            isinstance(root._app, Lookup)
            and root._description is None
            and self._owner is None
            and not self._variant.overrides
        ):
            named = root._app.named(root._name)
            if named is not None:
                return named
        return self._hydrated()

    def _root(self) -> Function[P, ReturnType, OriginalReturnType]:
        return self._parent._root() if self._parent is not None else self

    def _not_a_method(self) -> None:
        if self._owner is not None:
            raise InvalidError(
                f"{self._name} is a method: call with_options(), with_concurrency() or with_batching() "
                "on its class"
            )

    def _with_variant(self, variant: Variant) -> Function[P, ReturnType, OriginalReturnType]:
        clone: Function[P, ReturnType, OriginalReturnType] = Function(
            self._app, self._raw_f, name=self._name, options=self._options
        )
        clone._parent = self._root()
        clone._variant = variant
        return clone

    def with_options(self, **options: Unpack[ResourceOptions]) -> Function[P, ReturnType, OriginalReturnType]:
        """The same function with other resources, scaling, retries or timeout: its own pool of
        containers. Stacks: `f.with_options(cpu=2).with_options(timeout=60)`."""
        self._not_a_method()
        return self._with_variant(self._variant.with_options(options))

    def with_concurrency(
        self, *, max_inputs: int, target_inputs: int | None = None
    ) -> Function[P, ReturnType, OriginalReturnType]:
        """The same function running up to `max_inputs` inputs at once per container, as
        `@skylift.concurrent` does: its own pool of containers."""
        self._not_a_method()
        return self._with_variant(
            self._variant.with_concurrency(
                self._options["definition"], max_inputs=max_inputs, target_inputs=target_inputs
            )
        )

    def with_batching(
        self, *, max_batch_size: int, wait_ms: int
    ) -> Function[P, ReturnType, OriginalReturnType]:
        """The same function called with batches of inputs, as `@skylift.batched` does: its own
        pool of containers. The function takes lists and returns a list."""
        self._not_a_method()
        if self.is_generator:
            raise InvalidError(f"{self._name} is a generator: generators cannot be batched")
        return self._with_variant(
            self._variant.with_batching(
                self._options["definition"], max_batch_size=max_batch_size, wait_ms=wait_ms, name=self._name
            )
        )

    def _args(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
        return serialize_args(self._raw_f, args, kwargs)

    def local(self, *args: P.args, **kwargs: P.kwargs) -> OriginalReturnType:
        """Run the function in this process."""
        if self._owner is not None:
            return self._raw_f(self._owner._local_instance(), *args, **kwargs)
        return self._raw_f(*args, **kwargs)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> OriginalReturnType:
        return self.local(*args, **kwargs)

    @_Blocking
    def remote(self, /, *args: P.args, **kwargs: P.kwargs) -> ReturnType:
        """Run the function in a container and return its result."""
        client, function_id = self._target()
        created = client.call_create(
            function_id, [self._args(args, kwargs)], kind="remote", wait=WAIT_SECONDS, method=self._method
        )
        outputs = created["outputs"]
        while not outputs:
            outputs = client.call_outputs(created["call"]["id"], timeout=WAIT_SECONDS)["outputs"]
        result: ReturnType = unwrap_output(outputs[0], self._name)
        return result

    @_BlockingIter
    def remote_gen(self, /, *args: P.args, **kwargs: P.kwargs) -> Iterator[Any]:
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

    @_Blocking
    def spawn(self, /, *args: P.args, **kwargs: P.kwargs) -> FunctionCall[ReturnType]:
        """Start the function in a container and return a handle to its result."""
        client, function_id = self._target()
        created = client.call_create(
            function_id, [self._args(args, kwargs)], kind="spawn", wait=0, method=self._method
        )
        return FunctionCall(created["call"]["id"], client=client, fn_name=self._name)

    @_ResultsMethod["Function[P, ReturnType, OriginalReturnType]", MapCall[ReturnType]]
    def map(
        self,
        *iterables: Iterable[Any],
        kwargs: dict[str, Any] | None = None,
        order_outputs: bool = True,
        return_exceptions: bool = False,
        wrap_returned_exceptions: bool = True,
    ) -> Iterator[Any]:
        """Run the function on every item (zipped across iterables); yield results in input order.

        `kwargs` are keyword arguments given to every call. With `return_exceptions=True` a failed
        input yields its exception instead of raising it, wrapped in `UserCodeException` (its
        `.exc`) unless `wrap_returned_exceptions=False`.
        """
        return self._map(
            _inputs(iterables, kwargs),
            order_outputs,
            return_exceptions,
            wrap_returned_exceptions,
        )

    @_ResultsMethod["Function[P, ReturnType, OriginalReturnType]", StarmapCall[ReturnType]]
    def starmap(
        self,
        input_iterator: Iterable[Sequence[Any]],
        *,
        kwargs: dict[str, Any] | None = None,
        order_outputs: bool = True,
        return_exceptions: bool = False,
        wrap_returned_exceptions: bool = True,
    ) -> Iterator[Any]:
        """Like map, but each item is a tuple of positional arguments."""
        extra = _keywords(kwargs)
        return self._map(
            ((tuple(item), extra) for item in input_iterator),
            order_outputs,
            return_exceptions,
            wrap_returned_exceptions,
        )

    @_Blocking
    def for_each(
        self,
        /,
        *iterables: Iterable[Any],
        kwargs: dict[str, Any] | None = None,
        ignore_exceptions: bool = False,
    ) -> None:
        """Run the function on every item and wait, discarding the results."""
        for _ in self._map(_inputs(iterables, kwargs), False, ignore_exceptions, False):
            pass

    @_Blocking
    def spawn_map(
        self, /, *iterables: Iterable[Any], kwargs: dict[str, Any] | None = None
    ) -> FunctionCall[ReturnType]:
        """Submit a map and return at once; the work goes on without this process (`FunctionCall.from_id`)."""
        extra = _keywords(kwargs)
        client, function_id = self._hydrated()
        call = client.call_create(function_id, [], kind="spawn", wait=0, method=self._method, closed=False)[
            "call"
        ]
        batch: list[bytes] = []
        start = 0
        for item in zip(*iterables, strict=False):
            batch.append(self._args(item, extra))
            if len(batch) == MAP_BATCH:
                client.call_add_inputs(call["id"], start, batch, method=self._method)
                start, batch = start + len(batch), []
        client.call_add_inputs(call["id"], start, batch, method=self._method, close=True)
        return FunctionCall(call["id"], client=client, fn_name=self._name)

    def _map(
        self,
        items: Iterator[tuple[tuple[Any, ...], dict[str, Any]]],
        order_outputs: bool,
        return_exceptions: bool,
        wrap_returned_exceptions: bool,
    ) -> Iterator[Any]:
        client, function_id = self._hydrated()
        # Serialize the first batch here, so that a bad argument is reported before anything is sent.
        first: list[bytes] = []
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
        reader, next_idx = _Outputs(client, call_id), 0
        pending: dict[int, dict[str, Any]] = {}
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

    @_Blocking
    def update_autoscaler(
        self,
        /,
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


def _in_container(root: Function[Any, Any, Any]) -> Client | None:
    """Inside a container, the relay's client; a function of the container's own app is looked up
    by name (as the container's version defined it) the first time it is called."""
    from ._relay_client import container_client

    relay = container_client()
    if relay is None:
        return None
    if root.object_id is None:
        root.object_id = relay.function_in_app(root._name)["id"]
    return relay.as_client()


def _keywords(kwargs: dict[str, Any] | None) -> dict[str, Any]:
    """The keyword arguments a map gives to every input, checked before anything is sent."""
    if kwargs is None:
        return {}
    if not isinstance(kwargs, dict) or not all(isinstance(k, str) for k in kwargs):
        raise InvalidError(f"kwargs must be a dict of keyword arguments, got {kwargs!r}")
    return kwargs


def _inputs(
    iterables: tuple[Iterable[Any], ...], kwargs: dict[str, Any] | None
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    """A map's inputs: the iterables zipped, each with the same keyword arguments."""
    extra = _keywords(kwargs)
    return ((item, extra) for item in zip(*iterables, strict=False))


class _MapSender:
    """Sends a map's remaining inputs in batches from a thread, within the in-flight window."""

    def __init__(
        self,
        function: Function[Any, Any, Any],
        client: Client,
        call_id: str,
        items: Iterator[tuple[tuple[Any, ...], dict[str, Any]]],
        *,
        start: int,
        closed: bool,
    ) -> None:
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
