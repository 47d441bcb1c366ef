"""Types of the public API that no code runs: the options of the decorators, and the shapes of
`.map()`, `.starmap()` and `FunctionCall.iter_outputs()`, whose item type depends on
`return_exceptions`.

A leaf module: it imports nothing of the SDK at run time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator, Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypedDict, TypeVar, overload

if TYPE_CHECKING:
    from ._image import Image
    from ._retries import Retries
    from ._secret import Secret
    from ._volume import Volume

__all__ = ["Batched", "FunctionOptions", "MapCall", "OutputsCall", "ResourceOptions", "StarmapCall"]

R_co = TypeVar("R_co", covariant=True)


class ResourceOptions(TypedDict, total=False):
    """What `with_options()` may change: resources, scaling, retries, timeout (see `App.function`)."""

    cpu: float | tuple[float, float] | None
    memory: int | tuple[int, int] | None
    gpu: str | list[str] | None
    timeout: int
    secrets: Sequence[Secret]
    scaledown_window: int | None
    retries: int | Retries | None
    min_containers: int | None
    max_containers: int | None
    buffer_containers: int | None
    max_inputs: int | None


class FunctionOptions(ResourceOptions, total=False):
    """The keyword options of `@app.function()` and `@app.cls()`."""

    block_network: bool
    i6pn: bool | None
    serialized: bool
    image: Image | None
    volumes: dict[str | PurePosixPath, Volume] | None
    single_use_containers: bool
    include_source: bool | None


class MapCall(Protocol[R_co]):
    """`f.map(*iterables, kwargs={...})`: the results in input order; with `return_exceptions=True`
    failures too."""

    @overload
    def __call__(
        self,
        *iterables: Iterable[Any],
        kwargs: dict[str, Any] | None = ...,
        order_outputs: bool = ...,
        return_exceptions: Literal[False] = ...,
        wrap_returned_exceptions: bool = ...,
    ) -> Iterator[R_co]: ...
    @overload
    def __call__(
        self,
        *iterables: Iterable[Any],
        kwargs: dict[str, Any] | None = ...,
        order_outputs: bool = ...,
        return_exceptions: bool,
        wrap_returned_exceptions: bool = ...,
    ) -> Iterator[R_co | Exception]: ...

    @overload
    def aio(
        self,
        *iterables: Iterable[Any],
        kwargs: dict[str, Any] | None = ...,
        order_outputs: bool = ...,
        return_exceptions: Literal[False] = ...,
        wrap_returned_exceptions: bool = ...,
    ) -> AsyncIterator[R_co]: ...
    @overload
    def aio(
        self,
        *iterables: Iterable[Any],
        kwargs: dict[str, Any] | None = ...,
        order_outputs: bool = ...,
        return_exceptions: bool,
        wrap_returned_exceptions: bool = ...,
    ) -> AsyncIterator[R_co | Exception]: ...


class StarmapCall(Protocol[R_co]):
    """`f.starmap(tuples)`: as `MapCall`, each item a tuple of positional arguments."""

    @overload
    def __call__(
        self,
        input_iterator: Iterable[Sequence[Any]],
        *,
        kwargs: dict[str, Any] | None = ...,
        order_outputs: bool = ...,
        return_exceptions: Literal[False] = ...,
        wrap_returned_exceptions: bool = ...,
    ) -> Iterator[R_co]: ...
    @overload
    def __call__(
        self,
        input_iterator: Iterable[Sequence[Any]],
        *,
        kwargs: dict[str, Any] | None = ...,
        order_outputs: bool = ...,
        return_exceptions: bool,
        wrap_returned_exceptions: bool = ...,
    ) -> Iterator[R_co | Exception]: ...

    @overload
    def aio(
        self,
        input_iterator: Iterable[Sequence[Any]],
        *,
        kwargs: dict[str, Any] | None = ...,
        order_outputs: bool = ...,
        return_exceptions: Literal[False] = ...,
        wrap_returned_exceptions: bool = ...,
    ) -> AsyncIterator[R_co]: ...
    @overload
    def aio(
        self,
        input_iterator: Iterable[Sequence[Any]],
        *,
        kwargs: dict[str, Any] | None = ...,
        order_outputs: bool = ...,
        return_exceptions: bool,
        wrap_returned_exceptions: bool = ...,
    ) -> AsyncIterator[R_co | Exception]: ...


class OutputsCall(Protocol[R_co]):
    """`call.iter_outputs()` of a spawned map: as `MapCall`, for a map already submitted."""

    @overload
    def __call__(
        self,
        order_outputs: bool = ...,
        return_exceptions: Literal[False] = ...,
        wrap_returned_exceptions: bool = ...,
    ) -> Iterator[R_co]: ...
    @overload
    def __call__(
        self,
        order_outputs: bool = ...,
        *,
        return_exceptions: bool,
        wrap_returned_exceptions: bool = ...,
    ) -> Iterator[R_co | Exception]: ...

    @overload
    def aio(
        self,
        order_outputs: bool = ...,
        return_exceptions: Literal[False] = ...,
        wrap_returned_exceptions: bool = ...,
    ) -> AsyncIterator[R_co]: ...
    @overload
    def aio(
        self,
        order_outputs: bool = ...,
        *,
        return_exceptions: bool,
        wrap_returned_exceptions: bool = ...,
    ) -> AsyncIterator[R_co | Exception]: ...


class Batched(Protocol[R_co]):
    """A function or method marked by `@skylift.batched`: called with lists of arguments, it returns
    a list of results, and each caller gets one of them (an `R_co`)."""

    __skylift_batched__: dict[str, int]

    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...
