"""Modal's names that Skylift does not have yet: using one raises InvalidError that names it.

A Modal program that only imports such a name still loads; the error comes when the program uses
it (calls it, reads an attribute of it, decorates with it, passes the option), which is always
before anything is created on the server. A Modal option given its Modal default is accepted:
it asks for nothing Skylift lacks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any, NoReturn

from ._exceptions import InvalidError

__all__ = [
    "RENAMED_OPTIONS",
    "UNSUPPORTED_NAMES",
    "UNSUPPORTED_OPTIONS",
    "check_modal_options",
    "not_supported",
    "top_level_name",
]


def not_supported(feature: str, hint: str = "") -> InvalidError:
    """The error for a Modal feature Skylift lacks: it names the feature and says so."""
    return InvalidError(f"Skylift does not support {feature} yet." + (f" {hint}" if hint else ""))


class _UnsupportedClass(type):
    """The type of a Modal class Skylift lacks: making one or reading an attribute of it raises.

    `isinstance(x, modal.Dict)` still works (it is False).
    """

    _feature: str
    _hint: str

    def __call__(cls, *args: Any, **kwargs: Any) -> NoReturn:
        raise not_supported(cls._feature, cls._hint)

    def __getattr__(cls, name: str) -> NoReturn:
        if name.startswith("__"):
            raise AttributeError(name)
        raise not_supported(f"{cls._feature}.{name}", cls._hint)


class _UnsupportedModule(ModuleType):
    """A Modal module Skylift lacks (`modal.billing`): reading any of its names raises."""

    def __getattr__(self, name: str) -> NoReturn:
        if name.startswith("__"):
            raise AttributeError(name)
        raise not_supported(f"{self.__name__}.{name}")


def _unsupported_function(feature: str, hint: str) -> Callable[..., NoReturn]:
    def unsupported(*args: Any, **kwargs: Any) -> NoReturn:
        raise not_supported(feature, hint)

    return unsupported


_WEB = "Web endpoints are not in Skylift yet: call the function with .remote() instead."

# Top-level names of Modal (modal/__init__.py) that Skylift lacks: kind, and a hint if any.
UNSUPPORTED_NAMES: dict[str, tuple[str, str]] = {
    "CloudBucketMount": ("class", "Mount a skylift.Volume instead."),
    "Cron": ("class", "Schedules are not in Skylift yet."),
    "Dict": ("class", ""),
    "Environment": ("class", ""),
    "FilePatternMatcher": ("class", ""),
    "NetworkFileSystem": ("class", "Use a skylift.Volume."),
    "Period": ("class", "Schedules are not in Skylift yet."),
    "Probe": ("class", ""),
    "Proxy": ("class", ""),
    "Queue": ("class", ""),
    "Sandbox": ("class", ""),
    "SandboxSnapshot": ("class", ""),
    "SchedulerPlacement": ("class", ""),
    "Server": ("class", ""),
    "Tunnel": ("class", ""),
    "Workspace": ("class", ""),
    "asgi_app": ("decorator", _WEB),
    "fastapi_endpoint": ("decorator", _WEB),
    "web_endpoint": ("decorator", _WEB),
    "web_server": ("decorator", _WEB),
    "wsgi_app": ("decorator", _WEB),
    "forward": ("function", ""),
    "interact": ("function", ""),
    "billing": ("module", ""),
    "types": ("module", ""),
}

_made: dict[str, object] = {}


def top_level_name(name: str) -> object:
    """`skylift.<name>` for a name the package does not define: Modal's unsupported names raise
    InvalidError when used; `Stub` and anything else raise AttributeError."""
    if name == "Stub":
        raise AttributeError(
            "modal.Stub was renamed modal.App (Modal 1.0 removed the old name): use skylift.App, "
            "or modal.App with `import skylift as modal`."
        )
    if name not in UNSUPPORTED_NAMES:
        raise AttributeError(f"module 'skylift' has no attribute {name!r}")
    if name not in _made:
        kind, hint = UNSUPPORTED_NAMES[name]
        made: object
        if kind == "class":
            made = _UnsupportedClass(
                name, (), {"_feature": f"modal.{name}", "_hint": hint, "__module__": "skylift"}
            )
        elif kind == "decorator":
            made = _unsupported_function(f"@modal.{name}", hint)
        elif kind == "function":
            made = _unsupported_function(f"modal.{name}()", hint)
        else:
            made = _UnsupportedModule(f"modal.{name}")
        _made[name] = made
    return _made[name]


# Options of Modal's @app.function() / @app.cls() / with_options() that Skylift lacks, with their
# Modal defaults: given its default, an option is accepted (and does nothing).
UNSUPPORTED_OPTIONS: dict[str, object] = {
    "cloud": None,
    "enable_memory_snapshot": False,
    "env": None,
    "ephemeral_disk": None,
    "experimental_options": None,
    "i6pn": None,
    "include_source": None,
    "is_generator": None,
    "network_file_systems": None,
    "nonpreemptible": False,
    "proxy": None,
    "region": None,
    "restrict_modal_access": False,
    "routing_region": None,
    "schedule": None,
    "startup_timeout": None,
    "_experimental_restrict_output": False,
}
# Also accepted: the other values that ask for nothing (True is Skylift's own way for include_source).
_ALSO_DEFAULT: dict[str, tuple[object, ...]] = {
    "env": ({},),
    "network_file_systems": ({},),
    "experimental_options": ({},),
    "include_source": (True,),
    "i6pn": (False,),
}
# Options Modal itself renamed before 1.0 (it raises for them too).
RENAMED_OPTIONS: dict[str, str] = {
    "keep_warm": "min_containers=",
    "concurrency_limit": "max_containers=",
    "container_idle_timeout": "scaledown_window=",
    "allow_concurrent_inputs": "@modal.concurrent(max_inputs=...) on the function or class",
}


def _is_default(name: str, value: object) -> bool:
    defaults = (UNSUPPORTED_OPTIONS[name], *_ALSO_DEFAULT.get(name, ()))
    return any(value is d or (type(value) is type(d) and value == d) for d in defaults)


def check_modal_options(options: Mapping[str, Any], known: tuple[str, ...]) -> None:
    """Refuse options beyond Skylift's own (`known`): Modal's that Skylift lacks name themselves."""
    for name, value in options.items():
        if name in RENAMED_OPTIONS:
            raise InvalidError(f"{name}= was renamed in Modal 1.0: use {RENAMED_OPTIONS[name]}")
        if name in UNSUPPORTED_OPTIONS:
            if _is_default(name, value):
                continue
            raise not_supported(f"the option {name}= (given {value!r})")
        raise InvalidError(f"Unknown option {name}=; the options are: {', '.join(known)}")
