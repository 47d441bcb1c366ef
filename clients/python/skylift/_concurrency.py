"""The concurrency and batching a function or class runs with, checked: for `@concurrent` and
`@batched`, and for `with_concurrency()` and `with_batching()`.

A leaf module: decorators, functions and variants all import it.
"""

from __future__ import annotations

from ._exceptions import InvalidError

__all__ = ["MAX_BATCH_SIZE", "MAX_CONCURRENT_INPUTS", "MAX_WAIT_MS", "batching_config", "concurrency_config"]

MAX_CONCURRENT_INPUTS = 1000
MAX_BATCH_SIZE = 1000
MAX_WAIT_MS = 10 * 60 * 1000


def _positive_int(name: str, value: object, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (1 <= value <= maximum):
        raise InvalidError(f"{name} must be a whole number from 1 to {maximum}, got {value!r}")
    return value


def concurrency_config(max_inputs: int, target_inputs: int | None = None) -> dict[str, int]:
    """The checked concurrency of `@concurrent(...)` and `with_concurrency(...)`."""
    _positive_int("max_inputs", max_inputs, MAX_CONCURRENT_INPUTS)
    if target_inputs is not None:
        _positive_int("target_inputs", target_inputs, MAX_CONCURRENT_INPUTS)
        if target_inputs > max_inputs:
            raise InvalidError(f"target_inputs ({target_inputs}) cannot exceed max_inputs ({max_inputs})")
    return {"max_inputs": max_inputs, "target_inputs": target_inputs or max_inputs}


def batching_config(max_batch_size: int, wait_ms: int) -> dict[str, int]:
    """The checked batching of `@batched(...)` and `with_batching(...)`."""
    _positive_int("max_batch_size", max_batch_size, MAX_BATCH_SIZE)
    if isinstance(wait_ms, bool) or not isinstance(wait_ms, int) or not (0 <= wait_ms <= MAX_WAIT_MS):
        raise InvalidError(
            f"wait_ms must be a whole number of milliseconds from 0 to {MAX_WAIT_MS}, got {wait_ms!r}"
        )
    return {"max_batch_size": max_batch_size, "wait_ms": wait_ms}
