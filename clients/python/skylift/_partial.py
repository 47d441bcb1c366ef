"""Decorators that mark functions and methods for the runtime, as Modal's do.

`@skylift.concurrent`, `@skylift.batched`, `@skylift.enter`, `@skylift.exit`,
`@skylift.method`, `@skylift.build` and `skylift.parameter()`. They only attach a description
to the object; `@app.function` / `@app.cls` send it to the server, and the container runtime
acts on it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from ._concurrency import batching_config, concurrency_config
from ._exceptions import InvalidError

if TYPE_CHECKING:
    from ._function import Function, MethodDecorator
    from ._typing import Batched

__all__ = [
    "Parameter",
    "batched",
    "build",
    "concurrent",
    "enter",
    "exit_",
    "method",
    "parameter",
]

CONCURRENT_ATTR = "__skylift_concurrent__"
BATCHED_ATTR = "__skylift_batched__"
HOOK_ATTR = "__skylift_hook__"
BUILD_ATTR = "__skylift_build__"  # @build: read by the image builder (skylift._image)
METHOD_ATTR = "__skylift_method__"

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def concurrent(*, max_inputs: int, target_inputs: int | None = None) -> Callable[[T], T]:
    """Let one container run up to `max_inputs` inputs at once (threads, or asyncio tasks for async code).

    The autoscaler aims at `target_inputs` per container (default: `max_inputs`) and lets bursts
    go up to `max_inputs`.
    """
    config = concurrency_config(max_inputs, target_inputs)

    def wrapper(obj: T) -> T:
        if getattr(obj, BATCHED_ATTR, None):
            raise InvalidError("@skylift.concurrent cannot be combined with @skylift.batched")
        setattr(obj, CONCURRENT_ATTR, dict(config))
        return obj

    return wrapper


class _BatchedDecorator:
    """What `@skylift.batched(...)` returns; typed so that callers pass one input and get one result."""

    def __init__(self, batching: dict[str, int]) -> None:
        self.batching = batching

    @overload
    def __call__(self, obj: Function[Any, list[T], Any], /) -> Function[..., T, Any]: ...
    @overload
    def __call__(self, obj: Callable[..., Coroutine[Any, Any, list[T]]], /) -> Batched[T]: ...
    @overload
    def __call__(self, obj: Callable[..., list[T]], /) -> Batched[T]: ...
    def __call__(self, obj: Callable[..., Any], /) -> Any:
        if getattr(obj, CONCURRENT_ATTR, None):
            raise InvalidError("@skylift.batched cannot be combined with @skylift.concurrent")
        setattr(obj, BATCHED_ATTR, dict(self.batching))
        return obj


def batched(*, max_batch_size: int, wait_ms: int) -> _BatchedDecorator:
    """Call the function with lists of inputs: up to `max_batch_size`, waiting at most `wait_ms` for more.

    Every argument arrives as a list (one item per input) and the function must return a list of
    the same length.
    """
    return _BatchedDecorator(batching_config(max_batch_size, wait_ms))


def _hook(kind: str, **details: object) -> Callable[[F], F]:
    def wrapper(f: F) -> F:
        if not callable(f):
            raise InvalidError(f"@skylift.{kind}() decorates a method")
        setattr(f, HOOK_ATTR, {"kind": kind, **details})
        return f

    return wrapper


def enter(*, snap: bool = False) -> Callable[[F], F]:
    """Run this method once when a container starts, before it takes inputs."""
    return _hook("enter", snap=snap)


def exit_() -> Callable[[F], F]:
    """Run this method when the container shuts down (30 s grace)."""
    return _hook("exit")


def build() -> Callable[[F], F]:
    """Run this method while the image is built; what it writes to disk is kept in the image.

    Stacks with `@enter()` in either order: the build mark is an attribute of its own.
    """

    def wrapper(f: F) -> F:
        if not callable(f):
            raise InvalidError("@skylift.build() decorates a method")
        setattr(f, BUILD_ATTR, True)
        if not hasattr(f, HOOK_ATTR):
            setattr(f, HOOK_ATTR, {"kind": "build"})
        return f

    return wrapper


def method(*, is_generator: bool | None = None) -> MethodDecorator:
    """Expose a method of an `@app.cls` class to `.remote()`, `.map()` and `.spawn()`."""

    def wrapper(f: F) -> F:
        if not callable(f):
            raise InvalidError("@skylift.method() decorates a method")
        setattr(f, METHOD_ATTR, {"is_generator": is_generator})
        return f

    # The method itself stays on the class; its handles (`Model(...).predict`) are Functions.
    return cast("MethodDecorator", wrapper)


_MISSING = object()
PARAMETER_TYPES = (int, str, bytes, bool)


class Parameter:
    """A class parameter: each distinct set of values gets its own pool of containers."""

    def __init__(self, default: Any = _MISSING, init: bool = True) -> None:
        self.default = default
        self.init = init
        self.name: str | None = None

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @property
    def has_default(self) -> bool:
        return self.default is not _MISSING

    def __get__(self, obj: object, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        if self.name in obj.__dict__:
            return obj.__dict__[self.name]
        if self.has_default:
            return self.default
        raise AttributeError(self.name)

    def __set__(self, obj: object, value: object) -> None:
        if self.name is None:
            raise AttributeError("skylift.parameter() is declared in the body of a class")
        obj.__dict__[self.name] = value


@overload
def parameter(*, default: T, init: bool = True) -> T: ...
@overload
def parameter(*, init: bool = True) -> Any: ...
def parameter(*, default: Any = _MISSING, init: bool = True) -> Any:
    """Declare a class parameter (int, str, bytes or bool): `name: str = skylift.parameter(default="a")`."""
    if default is not _MISSING and not isinstance(default, PARAMETER_TYPES):
        raise InvalidError(
            f"parameter defaults must be int, str, bytes or bool, got {type(default).__name__}"
        )
    return Parameter(default=default, init=init)
