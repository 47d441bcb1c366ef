"""Pickling of arguments and results with cloudpickle, with errors that name what failed."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import cloudpickle

from ._exceptions import DeserializationError, SerializationError

__all__ = ["deserialize", "serialize_args"]


def _name_of(index: int | None, key: str | None, fn: Callable[..., object]) -> str:
    if key is not None:
        return f"argument {key!r}"
    try:
        params = [
            p
            for p in inspect.signature(fn).parameters.values()
            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        ]
        if index is not None and index < len(params):
            return f"argument {params[index].name!r} (position {index})"
    except (TypeError, ValueError):
        pass
    return f"positional argument {index}"


def serialize_args(fn: Callable[..., object], args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes:
    """cloudpickle (args, kwargs); on failure name the argument that cannot be pickled."""
    try:
        data: bytes = cloudpickle.dumps((args, kwargs))
        return data
    except Exception as exc:  # noqa: BLE001 - find the culprit to report it
        fn_name = getattr(fn, "__name__", "the function")
        for i, value in enumerate(args):
            try:
                cloudpickle.dumps(value)
            except Exception as inner:  # noqa: BLE001
                raise SerializationError(
                    f"{_name_of(i, None, fn)} of {fn_name} cannot be pickled: {type(inner).__name__}: {inner}. "
                    "Pass data that cloudpickle can serialize (no locks, sockets, open files or generators)."
                ) from None
        for key, value in kwargs.items():
            try:
                cloudpickle.dumps(value)
            except Exception as inner:  # noqa: BLE001
                raise SerializationError(
                    f"{_name_of(None, key, fn)} of {fn_name} cannot be pickled: {type(inner).__name__}: {inner}."
                ) from None
        raise SerializationError(f"the arguments of {fn_name} cannot be pickled: {exc}") from None


def deserialize(data: bytes, what: str) -> Any:
    try:
        return cloudpickle.loads(data)
    except Exception as exc:  # noqa: BLE001
        raise DeserializationError(
            f"could not deserialize {what}: {type(exc).__name__}: {exc}. "
            "The output is kept on the server; fix the local environment (e.g. install the missing module) "
            "and fetch it again."
        ) from exc
