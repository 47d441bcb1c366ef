"""Web endpoint decorators, as Modal's: `@fastapi_endpoint`, `@asgi_app`, `@wsgi_app`, `@web_server`.

Each only attaches a description (`WEB_ATTR`) to the function or method; `@app.function` and
`@app.cls` send it with the definition, the server gives the endpoint its URL, and the container
runtime (`skylift._web_runtime`) serves it. A web function is called over HTTP: `.remote()` and
the other calls refuse it, pointing at its URL (`Function.get_web_url()`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ._exceptions import InvalidError

__all__ = [
    "WEB_ATTR",
    "asgi_app",
    "check_web_function",
    "fastapi_endpoint",
    "web_config",
    "web_endpoint",
    "web_server",
    "wsgi_app",
]

WEB_ATTR = "__skylift_web__"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# A label is one DNS label's worth: lower-case letters, digits and hyphens.
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")

F = TypeVar("F", bound=Callable[..., Any])


def _common(
    kind: str, label: str | None, custom_domains: Sequence[str] | None, requires_proxy_auth: bool
) -> dict[str, Any]:
    if label is not None and not _LABEL.match(label):
        raise InvalidError(
            f"label={label!r} is not a valid URL label: use lower-case letters, digits and hyphens "
            "(at most 63, not starting or ending with a hyphen)"
        )
    config: dict[str, Any] = {"kind": kind, "label": label, "requires_proxy_auth": bool(requires_proxy_auth)}
    if custom_domains:
        config["custom_domains"] = _domains(custom_domains)
    return config


def _domains(custom_domains: Sequence[str]) -> list[str]:
    """The custom domains, checked: full host names such as api.example.com, lower-cased."""
    if isinstance(custom_domains, str):
        raise InvalidError(
            f"custom_domains={custom_domains!r} is one string: pass a list, custom_domains=[{custom_domains!r}]"
        )
    domains = []
    for domain in custom_domains:
        name = domain.lower().rstrip(".") if isinstance(domain, str) else ""
        labels = name.split(".")
        if len(labels) < 2 or len(name) > 253 or not all(_LABEL.match(part) for part in labels):
            raise InvalidError(
                f"custom_domains: {domain!r} is not a host name: give a full name such as "
                "'api.example.com' (letters, digits and hyphens; no scheme, port, path or wildcard)"
            )
        if name not in domains:
            domains.append(name)
    return domains


def _marking(config: dict[str, Any], decorator: str) -> Callable[[F], F]:
    def wrapper(obj: F) -> F:
        from ._function import Function

        if isinstance(obj, Function):
            raise InvalidError(
                f"@{decorator} goes below @app.function(): write @app.function() on top, then @{decorator}"
            )
        if not callable(obj):
            raise InvalidError(f"@{decorator} decorates a function")
        if getattr(obj, WEB_ATTR, None):
            raise InvalidError(f"{obj.__qualname__} already has a web decorator: one per function")
        setattr(obj, WEB_ATTR, dict(config))
        return obj

    return wrapper


def fastapi_endpoint(
    _warn_parentheses_missing: Any = None,
    *,
    method: str = "GET",
    label: str | None = None,
    custom_domains: Sequence[str] | None = None,
    docs: bool = False,
    requires_proxy_auth: bool = False,
) -> Callable[[F], F]:
    """Serve the function over HTTP, wrapped in a FastAPI app (its image must have `fastapi`).

    Query parameters and JSON bodies reach its arguments by FastAPI's rules; `docs=True` serves
    `/docs`.
    """
    if _warn_parentheses_missing is not None:
        raise InvalidError("Use @fastapi_endpoint() with parentheses.")
    if method.upper() not in METHODS:
        raise InvalidError(f"method={method!r} is not an HTTP method: use one of {', '.join(METHODS)}")
    config = _common("fastapi", label, custom_domains, requires_proxy_auth)
    config |= {"method": method.upper(), "docs": bool(docs)}
    return _marking(config, "fastapi_endpoint")


def web_endpoint(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """Modal's old name: it refuses, as Modal's does, naming the new one."""
    from ._exceptions import DeprecationError

    raise DeprecationError("@web_endpoint was renamed @fastapi_endpoint (same options).")


def asgi_app(
    _warn_parentheses_missing: Any = None,
    *,
    label: str | None = None,
    custom_domains: Sequence[str] | None = None,
    requires_proxy_auth: bool = False,
) -> Callable[[F], F]:
    """Serve the ASGI app (FastAPI, Starlette, FastHTML...) the function returns; it takes no arguments."""
    if _warn_parentheses_missing is not None:
        raise InvalidError("Use @asgi_app() with parentheses.")
    return _marking(_common("asgi", label, custom_domains, requires_proxy_auth), "asgi_app")


def wsgi_app(
    _warn_parentheses_missing: Any = None,
    *,
    label: str | None = None,
    custom_domains: Sequence[str] | None = None,
    requires_proxy_auth: bool = False,
) -> Callable[[F], F]:
    """Serve the WSGI app (Flask, Django...) the function returns; it takes no arguments."""
    if _warn_parentheses_missing is not None:
        raise InvalidError("Use @wsgi_app() with parentheses.")
    return _marking(_common("wsgi", label, custom_domains, requires_proxy_auth), "wsgi_app")


def web_server(
    port: int,
    *,
    startup_timeout: float = 5.0,
    label: str | None = None,
    custom_domains: Sequence[str] | None = None,
    requires_proxy_auth: bool = False,
) -> Callable[[F], F]:
    """Serve whatever the function starts listening on `port` inside the container (any process).

    The function runs when the container starts; requests wait until the port accepts
    connections, for at most `startup_timeout` seconds.
    """
    if not isinstance(port, int) or not 1 <= port <= 65535:
        raise InvalidError(f"web_server(port={port!r}): the port is a number from 1 to 65535")
    if not 0 < float(startup_timeout) <= 3600:
        raise InvalidError("web_server(startup_timeout=...) is a number of seconds, above 0 and at most 3600")
    config = _common("server", label, custom_domains, requires_proxy_auth)
    config |= {"port": port, "startup_timeout": float(startup_timeout)}
    return _marking(config, "web_server")


def check_web_function(
    fn: Callable[..., Any], config: dict[str, Any], name: str, *, method: bool = False
) -> None:
    """What a web function must be: no generator, no batching; an app or server factory takes no arguments."""
    import inspect

    from ._partial import BATCHED_ATTR

    if inspect.isgeneratorfunction(fn) or inspect.isasyncgenfunction(fn):
        raise InvalidError(
            f"{name} is a generator: a web endpoint returns a response (return a StreamingResponse to stream)"
        )
    if getattr(fn, BATCHED_ATTR, None):
        raise InvalidError(f"{name}: a web endpoint cannot be @batched")
    if config["kind"] != "fastapi":
        try:
            params = list(inspect.signature(fn).parameters.values())
        except (TypeError, ValueError):
            return
        if method:
            params = params[1:]  # self
        required = [
            p.name for p in params if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        if required:
            raise InvalidError(
                f"{name} takes arguments ({', '.join(required)}): a function that starts an app or a "
                "server takes none (give a class parameters to configure it per URL)"
            )


def web_config(obj: object) -> dict[str, Any] | None:
    """The web description a decorator attached to `obj`, or None."""
    config = getattr(obj, WEB_ATTR, None)
    return dict(config) if config else None
