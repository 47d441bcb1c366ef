"""Apps: a named group of functions, run ephemerally with `app.run()` or `skylift run`."""

from __future__ import annotations

import contextlib
import inspect
import os
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from ._exceptions import InvalidError
from ._function import Function
from ._image import Image, client_python_version
from ._resources import parse_gpu, validate_cpu, validate_memory, validate_timeout

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["App", "LocalEntrypoint", "is_local"]


def is_local() -> bool:
    """True in the caller's process, False inside a Skylift container."""
    return os.environ.get("SKYLIFT_IS_REMOTE") != "1"


class LocalEntrypoint:
    """A function that runs on the caller's machine when the app is run with `skylift run`."""

    def __init__(self, app: App, raw_f: Callable, name: str):
        self.app, self.raw_f, self.name = app, raw_f, name

    def __call__(self, *args, **kwargs):
        return self.raw_f(*args, **kwargs)


class App:
    """A group of functions that run together.

    Args:
        name: The app's name, shown in the dashboard (defaults to the module's name).
        image: Default image of its functions.
    """

    def __init__(self, name: str | None = None, *, image: Image | None = None):
        self.name = name
        self.image = image
        self.registered_functions: dict[str, Function] = {}
        self.registered_entrypoints: dict[str, LocalEntrypoint] = {}
        self._client: Client | None = None
        self.app_id: str | None = None

    def function(
        self,
        _warn_parentheses_missing: Any = None,
        *,
        image: Image | None = None,
        cpu: float | tuple[float, float] | None = None,
        memory: int | tuple[int, int] | None = None,
        gpu: str | list[str] | None = None,
        timeout: int = 300,
        secrets: list | tuple = (),
        scaledown_window: int | None = None,
        block_network: bool = False,
        serialized: bool = False,
        name: str | None = None,
    ) -> Callable[[Callable], Function]:
        """Register a function to run in containers. Options are keyword-only and validated here."""
        if _warn_parentheses_missing is not None:
            if callable(_warn_parentheses_missing):
                raise InvalidError("Use @app.function() with parentheses.")
            raise InvalidError("@app.function() options are keyword-only, e.g. @app.function(gpu='T4').")
        options: dict[str, Any] = {
            "timeout": validate_timeout(timeout),
            "gpu": parse_gpu(gpu),
            "block_network": bool(block_network),
            "serialized": bool(serialized),
        }
        if cpu is not None:
            options["cpu"] = validate_cpu(cpu)
        if memory is not None:
            options["memory"] = validate_memory(memory)
        if image is not None and not isinstance(image, Image):
            raise InvalidError(f"image must be a skylift.Image, got {type(image).__name__}")
        options["image"] = image
        if not isinstance(secrets, (list, tuple)):
            raise InvalidError("secrets must be a list of skylift.Secret objects")
        if secrets:
            raise InvalidError("Secrets are not supported by this Skylift server yet; pass secrets=[].")
        if scaledown_window is not None:
            if (
                isinstance(scaledown_window, bool)
                or not isinstance(scaledown_window, int)
                or not (1 <= scaledown_window <= 86400)
            ):
                raise InvalidError(
                    f"scaledown_window must be whole seconds from 1 to 86400, got {scaledown_window!r}"
                )
            options["scaledown_window"] = scaledown_window

        def wrapper(f: Callable) -> Function:
            if isinstance(f, Function):
                raise InvalidError(f"{f._name} is already registered as a function")
            if not callable(f):
                raise InvalidError("@app.function() decorates a function")
            tag = name or f.__qualname__
            function = Function(self, f, name=tag, options=options)
            self.registered_functions[tag] = function
            return function

        return wrapper

    def local_entrypoint(self, _warn_parentheses_missing: Any = None, *, name: str | None = None):
        """Register the function `skylift run` calls on the caller's machine."""
        if _warn_parentheses_missing is not None:
            raise InvalidError("Use @app.local_entrypoint() with parentheses.")

        def wrapper(f: Callable) -> LocalEntrypoint:
            entry = LocalEntrypoint(self, f, name or f.__qualname__)
            self.registered_entrypoints[entry.name] = entry
            return entry

        return wrapper

    # Running ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def run(self, *, client: Client | None = None, show_logs: bool = True) -> Iterator[App]:
        """Create the app on the server, define its functions, and stop it on exit."""
        from ._client import Client
        from ._logs import LogStreamer
        from ._mount import function_source

        if not is_local():
            raise InvalidError("app.run() cannot be used inside a container")
        client = client or Client.from_env()
        app_name = self.name or _default_app_name()
        app = client.app_create(app_name)
        self.app_id, self._client = app["id"], client
        streamer = LogStreamer(client, app["id"]) if show_logs else None
        try:
            uploaded: set[str] = set()
            for tag, function in self.registered_functions.items():
                source = function_source(function.get_raw_f(), serialized=function._options["serialized"])
                if source.mount_sha256 and source.mount_sha256 not in uploaded:
                    client.mount_ensure(source.mount_sha256, source.mount_content)
                    uploaded.add(source.mount_sha256)
                spec = self._function_spec(tag, function, source)
                function.object_id = client.function_create(spec)["id"]
            if streamer:
                streamer.start()
            yield self
        finally:
            try:
                client.app_stop(app["id"])
            finally:
                if streamer:
                    streamer.stop()
                for function in self.registered_functions.values():
                    function.object_id = None
                self._client, self.app_id = None, None

    def _function_spec(self, tag: str, function: Function, source) -> dict:
        options = function._options
        image = options.get("image") or self.image or Image.debian_slim()
        spec: dict[str, Any] = {
            "app_id": self.app_id,
            "name": tag,
            "module": source.module,
            "qualname": source.qualname,
            "mount_sha256": source.mount_sha256,
            "serialized": source.serialized,
            "image": image.to_spec(),
            "timeout": options["timeout"],
            "gpu": options["gpu"] or None,
            "block_network": options["block_network"],
            "is_generator": function.is_generator,
            "client_python": client_python_version(),
        }
        for key in ("cpu", "memory"):
            if key in options:
                request, limit = options[key]
                spec[key] = [request, limit] if limit is not None else request
        if "scaledown_window" in options:
            spec["scaledown_window"] = options["scaledown_window"]
        return spec


def _default_app_name() -> str:
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    return os.path.splitext(os.path.basename(path))[0] if path else "app"


def entrypoint_parameters(f: Callable) -> list[inspect.Parameter]:
    return list(inspect.signature(f).parameters.values())
