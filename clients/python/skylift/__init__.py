"""Skylift: run Python functions in containers on a Skylift platform.

The decorator API follows Modal's, so `import skylift as modal` runs a typical Modal program.
This package is also the in-container runtime: keep its import light (no httpx, no rich).
"""

from __future__ import annotations

from . import exception
from ._app import App, is_local
from ._function import Function, FunctionCall
from ._image import Image

__all__ = ["App", "Function", "FunctionCall", "Image", "exception", "is_local"]
__version__ = "0.1.0"
