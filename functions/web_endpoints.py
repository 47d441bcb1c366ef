"""Web endpoints of functions: made when a function is defined, found by the gateway by name.

A function's definition says which of its parts are served over HTTP (`definition["web"]`, or
`definition["methods"][m]["web"]` for a class's methods; see skylift._web). Defining the function
records one `WebEndpoint` per part with its URL names (`functions.web_names`); the gateway
(`web.gateway`) looks a request's host or path up here and serves it from the live version.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import F, Func, Q

from apps.models import DEFAULT_ENVIRONMENT, AppState
from config.errors import ApiError
from skylift.contract.web import web_parts

from . import ratelimit
from .models import Function, WebEndpoint
from .web_names import custom_url, endpoint_names, is_host_name, is_label, web_url

__all__ = [
    "Route",
    "custom_domains",
    "custom_urls_of",
    "register",
    "route_by_domain",
    "route_by_host",
    "route_by_path",
    "urls_of",
]


def register(function: Function) -> None:
    """Record the endpoints of a function just defined (a variant serves under its parent's names)."""
    if function.variant_key:
        return
    parts = web_parts(function.definition or {})
    app = function.app
    environment = app.environment.name if app.environment_id and app.environment else None
    for method, web in parts.items():
        # A served (ephemeral) app answers on its -dev names only: custom domains are a deployment's.
        domains = _checked(web)
        if app.state == AppState.EPHEMERAL:
            domains = []
        _check_unclaimed(function, domains)
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
                "custom_domains": domains,
            },
        )
    WebEndpoint.objects.filter(function=function).exclude(method__in=list(parts)).delete()


def _checked(web: dict[str, Any]) -> list[str]:
    """The part's label and custom domains, checked as the SDK does (a definition may come from any client)."""
    label = web.get("label")
    if label is not None and not (isinstance(label, str) and is_label(label)):
        raise ApiError(
            f"label={label!r} is not a valid URL label: use lower-case letters, digits and hyphens.",
            field="label",
        )
    domains = web.get("custom_domains") or []
    if not isinstance(domains, list) or not all(isinstance(d, str) and is_host_name(d) for d in domains):
        raise ApiError(
            f"custom_domains={domains!r} is not a list of host names such as 'api.example.com'.",
            field="custom_domains",
        )
    return domains


def _check_unclaimed(function: Function, domains: list[str]) -> None:
    """A custom domain is one running app's: another app serving it already refuses the definition."""
    if not domains:
        return
    holder = (
        _running(WebEndpoint.objects.filter(custom_domains__overlap=domains))
        .exclude(app_id=function.app_id)
        .select_related("app")
        .first()
    )
    if holder is None:
        return
    taken = next(d for d in domains if d in holder.custom_domains)
    whose = (
        f"the app {holder.app.name!r}"
        if holder.workspace_id == function.workspace_id
        else "another workspace"
    )
    raise ApiError(
        f"The custom domain {taken} is served by {whose} already: a domain belongs to one running app.",
        code="conflict",
        status_code=409,
        field="custom_domains",
        hint="Stop the app that serves it (`skylift app stop`), or choose another domain.",
    )


def urls_of(function: Function) -> dict[str, str]:
    """Each served part's URL: method name ("" for a function) -> URL."""
    return {e.method: web_url(e.host_label, e.path) for e in function.web_endpoints.all()}


def custom_urls_of(function: Function) -> dict[str, list[str]]:
    """The URLs of each served part's custom domains (only the parts that have some)."""
    return {
        e.method: [custom_url(domain) for domain in e.custom_domains]
        for e in function.web_endpoints.all()
        if e.custom_domains
    }


def custom_domains() -> frozenset[str]:
    """Every custom domain an endpoint has claimed (of running apps or not: a stopped app's answers 404)."""
    return frozenset(
        WebEndpoint.objects.exclude(custom_domains=[])
        .annotate(domain=Func(F("custom_domains"), function="unnest"))
        .values_list("domain", flat=True)
        .distinct()
    )


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


def _running(endpoints):
    """The endpoints of the live versions of apps that run."""
    return (
        endpoints.filter(function__retired_at__isnull=True)
        .exclude(app__state=AppState.STOPPED)
        .filter(Q(app__live_version__isnull=True) | Q(function__version_id=F("app__live_version_id")))
    )


def _live(endpoints) -> Route | None:
    found = _running(endpoints).select_related("function", "workspace").order_by("-id").first()
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


def route_by_domain(domain: str) -> Route | None:
    return _live(WebEndpoint.objects.filter(custom_domains__contains=[domain.lower()]))
