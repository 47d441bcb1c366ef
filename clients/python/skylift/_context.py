"""What the running input is, inside a container: `current_input_id()`, `current_function_call_id()`.

Held in a context variable, so it is right in threads (each input runs in its own context)
and in asyncio tasks alike.
"""

from __future__ import annotations

import contextvars
import os
from dataclasses import dataclass

__all__ = [
    "CurrentInput",
    "check_not_restricted",
    "current",
    "current_function_call_id",
    "current_input_id",
]


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


def check_not_restricted() -> None:
    """Raise AuthError in a container of a function with restrict_modal_access=True (whose relay
    refuses its platform requests anyway)."""
    if os.environ.get("SKYLIFT_RESTRICTED") == "1":
        from ._exceptions import AuthError
        from .contract.protocol import RESTRICTED

        raise AuthError(RESTRICTED)
