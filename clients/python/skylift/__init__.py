"""Skylift: run Python functions in containers on a Skylift platform.

The decorator API follows Modal's, so `import skylift as modal` runs a typical Modal program.
This package is also the in-container runtime: keep its import light (no httpx, no rich).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import exception
from ._app import App, is_local
from ._cls import Cls
from ._context import current_function_call_id, current_input_id
from ._exceptions import Error
from ._function import Function, FunctionCall, gather
from ._image import Image
from ._output import enable_output
from ._partial import batched, build, concurrent, enter, method, parameter
from ._partial import exit_ as exit  # noqa: A004 - Modal's name for the decorator
from ._retries import Retries
from ._secret import Secret
from ._unsupported import top_level_name
from ._volume import Volume

__all__ = [
    "App",
    "Cls",
    "Error",
    "Function",
    "FunctionCall",
    "Image",
    "Retries",
    "Secret",
    "Volume",
    "batched",
    "build",
    "concurrent",
    "current_function_call_id",
    "current_input_id",
    "enable_output",
    "enter",
    "exception",
    "exit",
    "gather",
    "is_local",
    "method",
    "parameter",
]
__version__ = "0.1.0"

if not TYPE_CHECKING:  # type checkers see only the names Skylift has

    def __getattr__(name: str) -> object:
        """Modal's names Skylift lacks (`skylift.Dict`...): they raise InvalidError, naming
        themselves, when a program uses them; `skylift.Stub` points to `App`."""
        return top_level_name(name)
