"""What the running input is, inside a container: `current_input_id()`, `current_function_call_id()`.

Held in a context variable, so it is right in threads (each input runs in its own context)
and in asyncio tasks alike.
"""

from __future__ import annotations

import contextvars
from dataclasses import dataclass

__all__ = ["CurrentInput", "current_function_call_id", "current_input_id", "current"]


@dataclass(frozen=True)
class CurrentInput:
    input_id: str
    call_id: str


current: contextvars.ContextVar[CurrentInput | None] = contextvars.ContextVar(
    "skylift_current_input", default=None
)


def current_input_id() -> str | None:
    """The id (`in-…`) of the input being processed, or None outside a Skylift container."""
    value = current.get()
    return value.input_id if value else None


def current_function_call_id() -> str | None:
    """The id (`fc-…`) of the call the current input belongs to, or None outside a container."""
    value = current.get()
    return value.call_id if value else None
