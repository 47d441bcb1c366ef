"""Web endpoints of functions: made when a function is defined, found by the gateway by name.

A function's definition says which of its parts are served over HTTP (`definition["web"]`, or
`definition["methods"][m]["web"]` for a class's methods; see skylift._web). Defining the function
records one `WebEndpoint` per part with its URL names (`functions.web_names`); the gateway
(`web.gateway`) looks a request's host or path up here and serves it from the live version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q

from apps.models import DEFAULT_ENVIRONMENT, AppState
from skylift.contract.web import web_parts

from . import ratelimit
from .models import Function, WebEndpoint
from .web_names import endpoint_names, web_url

__all__ = ["Route", "register", "route_by_host", "route_by_path", "urls_of"]


def register(function: Function) -> None:
    """Record the endpoints of a function just defined (a variant serves under its parent's names)."""
    if function.variant_key:
        return
    parts = web_parts(function.definition or {})
    app = function.app
    environment = app.environment.name if app.environment_id and app.environment else None
    for method, web in parts.items():
        names = endpoint_names(
            workspace=function.workspace.name,
            environment=None if environment in (None, DEFAULT_ENVIRONMENT) else environment,
            app=app.name,
            name=f"{function.name}-{method}" if method else function.name,
            label=web.get("label"),
            dev=app.state == AppState.EPHEMERAL,
        )
        WebEndpoint.objects.update_or_create(
            function=function,
            method=method,
            defaults={
                "workspace_id": function.workspace_id,
                "app": app,
                "kind": str(web.get("kind", "")),
                "host_label": names.host_label,
                "path": names.path,
                "requires_proxy_auth": bool(web.get("requires_proxy_auth")),
            },
        )
    WebEndpoint.objects.filter(function=function).exclude(method__in=list(parts)).delete()


def urls_of(function: Function) -> dict[str, str]:
    """Each served part's URL: method name ("" for a function) -> URL."""
    return {e.method: web_url(e.host_label, e.path) for e in function.web_endpoints.all()}


@dataclass(frozen=True)
class Route:
    """What the gateway needs to serve a request of an endpoint (immutable: cached in memory)."""

    endpoint_id: int
    workspace_id: str
    app_id: str
    function_id: str
    method: str
    kind: str
    requires_proxy_auth: bool
    web: dict[str, Any]
    parameters: dict[str, dict[str, Any]]  # a class's parameters (type, required), read from the query
    timeout: int
    max_containers: int | None
    concurrency: int
    rate: float  # the workspace's requests and inputs per second
    burst: float


def _live(endpoints) -> Route | None:
    found = (
        endpoints.filter(function__retired_at__isnull=True)
        .exclude(app__state=AppState.STOPPED)
        .filter(Q(app__live_version__isnull=True) | Q(function__version_id=F("app__live_version_id")))
        .select_related("function", "workspace")
        .order_by("-id")
        .first()
    )
    if found is None:
        return None
    function = found.function
    definition = function.definition or {}
    web = web_parts(definition).get(found.method, {})
    rate, burst = ratelimit.limits(found.workspace)
    return Route(
        endpoint_id=found.pk,
        workspace_id=found.workspace_id,
        app_id=found.app_id,
        function_id=function.pk,
        method=found.method,
        kind=found.kind,
        requires_proxy_auth=found.requires_proxy_auth,
        web=web,
        parameters=dict(definition.get("parameters") or {}),
        timeout=function.timeout,
        max_containers=function.max_containers,
        concurrency=int((definition.get("concurrency") or {}).get("max_inputs") or 1),
        rate=rate,
        burst=burst,
    )


def route_by_host(host_label: str) -> Route | None:
    return _live(WebEndpoint.objects.filter(host_label=host_label.lower()))


def route_by_path(path: str) -> Route | None:
    return _live(WebEndpoint.objects.filter(path=path.lower()))
