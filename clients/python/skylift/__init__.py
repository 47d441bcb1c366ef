"""Skylift: run Python functions in containers on a Skylift platform.

The decorator API follows Modal's, so `import skylift as modal` runs a typical Modal program.
What of Modal's API Skylift lacks is here too, and refuses when used with an InvalidError that
says it is not supported yet (docs/modal-compatibility.md has the whole table).
This package is also the in-container runtime: keep its import light (no httpx, no rich).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _unsupported, exception
from ._app import App, is_local
from ._cls import Cls
from ._context import current_function_call_id, current_input_id
from ._dict import Dict
from ._exceptions import Error
from ._function import Function, FunctionCall, gather
from ._image import Image
from ._output import enable_output
from ._partial import batched, build, concurrent, enter, method, parameter
from ._partial import exit_ as exit  # noqa: A004 - Modal's name for the decorator
from ._queue import Queue
from ._retries import Retries
from ._sandbox import Sandbox
from ._schedule import Cron, Period
from ._secret import Secret
from ._tunnel import Tunnel
from ._unsupported import (
    CloudBucketMount,
    Environment,
    FilePatternMatcher,
    NetworkFileSystem,
    Probe,
    Proxy,
    SandboxSnapshot,
    SchedulerPlacement,
    Server,
    Workspace,
    billing,
    forward,
    interact,
)
from ._volume import FileEntry, FileEntryType, Volume
from ._web import asgi_app, fastapi_endpoint, web_endpoint, web_server, wsgi_app

if TYPE_CHECKING:
    from ._client import Client

__all__ = [
    "App",
    "Client",
    "CloudBucketMount",
    "Cls",
    "Cron",
    "Dict",
    "Environment",
    "Error",
    "FilePatternMatcher",
    "Function",
    "FunctionCall",
    "Image",
    "NetworkFileSystem",
    "Period",
    "Probe",
    "Proxy",
    "Queue",
    "Retries",
    "Sandbox",
    "SandboxSnapshot",
    "SchedulerPlacement",
    "Secret",
    "Server",
    "Tunnel",
    "Volume",
    "Workspace",
    "asgi_app",
    "batched",
    "billing",
    "build",
    "concurrent",
    "current_function_call_id",
    "current_input_id",
    "enable_output",
    "enter",
    "exception",
    "exit",
    "fastapi_endpoint",
    "forward",
    "gather",
    "interact",
    "is_local",
    "method",
    "parameter",
    "types",
    "web_endpoint",
    "web_server",
    "wsgi_app",
]
__version__ = "0.1.0"

# `modal.types`: the return types Skylift has; Modal's others refuse.
types = _unsupported.partial_module("types", FileEntry=FileEntry, FileEntryType=FileEntryType)

_unsupported.install_members(
    {
        "App": App,
        "Cls": Cls,
        "Function": Function,
        "FunctionCall": FunctionCall,
        "Image": Image,
        "Secret": Secret,
        "Volume": Volume,
    }
)

if not TYPE_CHECKING:  # type checkers see Client imported above

    def __getattr__(name: str) -> Any:
        # The client (httpx and the generated API) is imported when first asked for: containers
        # import this package and never need it.
        if name == "Client":
            from ._client import Client

            _unsupported.install_members({"Client": Client})
            return Client
        # `modal.Stub` points to App, as Modal's does; any other name is an AttributeError.
        raise _unsupported.missing_name(name)
