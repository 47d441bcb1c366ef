"""The web gateway: serves functions' web endpoints to the public, over HTTP and WebSockets.

Part of the control plane's ASGI application (config.asgi sends it what `serves` recognises). A
request is routed by its host name (`{label}.{SKYLIFT_WEB_DOMAIN}`) or its path
(`/web/{workspace}/{app}/{function}/...`) to the live version's endpoint
(functions.web_endpoints), checked (proxy auth, the workspace's rate, the body cap), given a
container with room (web.pool, starting one when none runs) and sent through that container's
host agent (hosts.relay_web) as HTTP/1.1 on a kept-alive tunnel; the response streams back as
the container writes it. A WebSocket is carried both ways on a tunnel of its own.

Every refusal is a clear status with a JSON body of the API's shape: 400 malformed, 401 proxy
auth, 404 no such endpoint (or a stopped app), 413 body past the cap, 429 over the rate (with
Retry-After), 502 a container that failed or vanished mid-request (with the request's id, which
names the container, whose logs tell the rest), 503 no room within the bounded wait, 504 no
response within SKYLIFT_WEB_REQUEST_TIMEOUT or a web server that never listened.
"""

from __future__ import annotations

import asyncio
import ipaddress
import itertools
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qsl

import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from config.errors import error_body, send_error
from config.ids import new_id
from functions import web_endpoints
from functions.ratelimit import RATE_SCRIPT, bucket_key

from . import proxy_tokens
from .http11 import FastExchange, ProxyError, StaleTunnel, forward_http, request_bytes
from .pool import Busy, FunctionPool, Slot, StartFailed, Tunnel, TunnelRefused
from .websocket import forward_websocket

__all__ = ["WebGateway", "gateway", "serves", "watch_custom_domains"]

log = logging.getLogger(__name__)

ROUTE_CACHE_SECONDS = 1.0
VARIANT_CACHE_MAX = 10_000
PATH_PREFIX = "/web/"
UNREACHABLE_RETRIES = 5
TOKENS_AHEAD_SECONDS = 0.5
CUSTOM_DOMAINS_SECONDS = 2.0
_UNKNOWN = object()  # a route not read within ROUTE_CACHE_SECONDS


def _host(scope: dict) -> str:
    for name, value in scope["headers"]:
        if name == b"host":
            return value.decode("latin-1").rsplit(":", 1)[0].lower() if b"]" not in value else ""
    return ""


_REQUEST_PREFIX = new_id("wr", 10)
_request_numbers = itertools.count(1)


def _request_id() -> str:
    """A request's id: this process's random prefix and a count (no randomness read per request)."""
    return f"{_REQUEST_PREFIX}{next(_request_numbers):x}"


# Every custom domain an endpoint claimed, refreshed by `watch_custom_domains` in the background.
_custom_domains: frozenset[str] = frozenset()


def serves(scope: dict) -> bool:
    """Whether a request is for a web endpoint (the rest goes to the API and the dashboard)."""
    if scope["path"].startswith(PATH_PREFIX):
        return True
    host = _host(scope)
    if host in _custom_domains:
        return True
    domain = settings.SKYLIFT_WEB_DOMAIN
    return bool(domain) and host.endswith("." + domain)


def _read_custom_domains() -> frozenset[str]:
    close_old_connections()
    try:
        return web_endpoints.custom_domains()
    finally:
        close_old_connections()


async def watch_custom_domains() -> None:
    """Keep this process's set of custom domains current: a domain a deploy claims is served
    within CUSTOM_DOMAINS_SECONDS (`serves` runs on every request, so it cannot ask the database)."""
    global _custom_domains
    while True:
        try:
            _custom_domains = await asyncio.to_thread(_read_custom_domains)
        except Exception:  # noqa: BLE001 - the next round tries again; the known set stays meanwhile
            log.warning("could not read the web endpoints' custom domains", exc_info=True)
        await asyncio.sleep(CUSTOM_DOMAINS_SECONDS)


@dataclass(frozen=True)
class Target:
    route: web_endpoints.Route
    root_path: str  # the path form's prefix (cut from the path the app sees; its own links use it)


def _variant(route: web_endpoints.Route, params: dict[str, Any]) -> str:
    from functions.models import Function
    from functions.services import function_variant

    close_old_connections()
    try:
        blob = json.dumps(dict(sorted(params.items())), separators=(",", ":")).encode()
        parent = Function.objects.select_related("app", "workspace", "version", "image", "mount").get(
            pk=route.function_id
        )
        return function_variant(parent=parent, params=blob, options={}).pk
    finally:
        close_old_connections()


def _resolve(kind: str, key: str) -> web_endpoints.Route | None:
    close_old_connections()
    try:
        if kind == "domain":
            return web_endpoints.route_by_domain(key)
        return web_endpoints.route_by_host(key) if kind == "host" else web_endpoints.route_by_path(key)
    finally:
        close_old_connections()


def _start_first_container(function_id: str) -> None:
    from functions.autoscaler import ensure_capacity_detached

    ensure_capacity_detached(function_id)


class Refused(Exception):
    def __init__(
        self, status: int, code: str, message: str, *, hint: str | None = None, headers=None
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.hint = status, code, hint
        self.headers: dict[bytes, bytes] = headers or {}


class WebGateway:
    def __init__(self) -> None:
        self.redis: aioredis.Redis | None = None
        self.routes: dict[tuple[str, str], tuple[float, web_endpoints.Route | None]] = {}
        self.resolving: dict[tuple[str, str], asyncio.Future[web_endpoints.Route | None]] = {}
        self.variants: dict[tuple[str, str], str] = {}
        self.pools: dict[str, FunctionPool] = {}
        self.tokens: dict[str, tuple[int, float]] = {}  # workspace -> (tokens taken ahead, until)
        self.refills: dict[str, asyncio.Future[int]] = {}
        self.trusted = [ipaddress.ip_network(p, strict=False) for p in settings.SKYLIFT_WEB_TRUSTED_PROXIES]
        self.trusted_addresses: dict[str, bool] = {}

    def _redis(self) -> aioredis.Redis:
        if self.redis is None:
            self.redis = aioredis.Redis.from_url(settings.REDIS_URL, max_connections=256, socket_timeout=None)
        return self.redis

    def _pool(self, function_id: str) -> FunctionPool:
        pool = self.pools.get(function_id)
        if pool is None:
            pool = self.pools[function_id] = FunctionPool(function_id, self._redis(), self._cold_start)
        return pool

    @staticmethod
    def _cold_start(function_id: str) -> None:
        """Start the function's first container, from a worker thread (the ORM is synchronous)."""
        asyncio.get_running_loop().run_in_executor(None, _start_first_container, function_id)

    async def __call__(self, scope: dict, receive, send) -> None:
        request_id = _request_id()
        try:
            target = await self._target(scope)
            function_id = await self._admit(scope, target)
            await self._serve(scope, receive, send, target, function_id, request_id)
        except Refused as refused:
            await self._refuse(send, scope, refused, request_id)

    async def _serve(
        self, scope: dict, receive, send, target: Target, function_id: str, request_id: str
    ) -> None:
        """An admitted request: a container with room, a tunnel to it, the exchange."""
        pool = self._pool(function_id)
        for _ in range(UNREACHABLE_RETRIES):
            slot = await self._acquire(pool, target.route.method)
            try:
                tunnel = await slot.tunnel()
            except (TunnelRefused, OSError, TimeoutError):
                # Gone before the request was sent (it left, or crashed): another container takes it.
                slot.release()
                continue
            await self._forward(scope, receive, send, target, slot, tunnel, request_id)
            return
        raise Refused(
            502,
            "container_unreachable",
            f"The endpoint's containers could not be reached (request {request_id}).",
            hint="Try again shortly.",
        )

    def try_fast(self, client, scope: dict, body: bytes) -> bool:
        """Serve an HTTP request whose body came whole in callbacks (http11.FastExchange), when
        nothing about it has to wait: its route read within ROUTE_CACHE_SECONDS, a rate token taken
        ahead, its pool's containers read within REFRESH_SECONDS, one with room and a kept-alive
        tunnel idle to it. False leaves the request to the ASGI path (__call__), which takes the same
        decisions, waiting where it must; so does a request with proxy auth, class parameters or
        HEAD. (X-Forwarded-For and -Proto were read into the scope before, by uvicorn's rule, as
        web.front does for the requests it asks about.)

        `client` is web.front's connection; a request that fails before its response begins goes
        back to it with the ASGI app that answers (`client.serve_with`)."""
        if scope["method"] == "HEAD":
            return False
        try:
            kind, key, _, root = self._locate(scope)
            _check_length(scope)
        except Refused:
            return False
        route = self._cached_route(kind, key)
        if not isinstance(route, web_endpoints.Route) or route.requires_proxy_auth or route.parameters:
            return False
        pool = self.pools.get(route.function_id)
        if pool is None or not pool.fresh:
            return False
        slot = pool.try_acquire(route.method)
        if slot is None:
            return False
        tunnel = slot.idle_tunnel()
        if tunnel is None or not self._take_ahead(route.workspace_id):
            slot.release(tunnel, reusable=True)
            return False
        request_id = _request_id()

        def failed(exc: Exception) -> None:
            if isinstance(exc, StaleTunnel):  # the container never saw it: sent again, on a new tunnel
                client.serve_with(self._resent(Target(route, root), slot, request_id))
                return
            refused = _refused(exc, request_id) if isinstance(exc, ProxyError) else None
            if refused is None:
                client.response_cut()
            else:
                client.serve_with(self._refusal(refused, request_id))

        try:
            request = request_bytes(scope, root, self._extra(scope, root, request_id), body)
            client.exchange = FastExchange(client, slot, tunnel, request, request_id.encode(), failed)
        except Exception:
            slot.release(tunnel, reusable=False)
            raise
        return True

    def _resent(self, target: Target, slot: Slot, request_id: str):
        """The ASGI app that sends a request again on a new tunnel to its slot's container, when the
        kept-alive one was closed before a byte came (forward_http's rule: one more try there)."""

        async def app(scope: dict, receive, send) -> None:
            try:
                try:
                    tunnel = await slot.fresh_tunnel()
                except (TunnelRefused, OSError, TimeoutError) as exc:
                    slot.release()
                    raise _unreachable(slot, request_id, exc) from exc
                await self._forward(scope, receive, send, target, slot, tunnel, request_id)
            except Refused as refused:
                await self._refuse(send, scope, refused, request_id)

        return app

    def _refusal(self, refused: Refused, request_id: str):
        """The ASGI app that answers with `refused`."""

        async def app(scope: dict, receive, send) -> None:
            await self._refuse(send, scope, refused, request_id)

        return app

    @staticmethod
    async def _refuse(send, scope: dict, refused: Refused, request_id: str) -> None:
        if scope["type"] == "websocket":
            await _refuse_websocket(send, refused, request_id)
        else:
            body = error_body(refused.code, str(refused), hint=refused.hint)
            body["error"]["request_id"] = request_id
            headers = {**refused.headers, b"x-skylift-request-id": request_id.encode()}
            await send_error(send, refused.status, body, headers=headers)

    @staticmethod
    async def _acquire(pool: FunctionPool, method: str) -> Slot:
        try:
            return await pool.acquire(method)
        except Busy as exc:
            raise Refused(
                503,
                "no_capacity",
                f"The endpoint has no container with room: {exc}.",
                hint="Try again shortly; raise max_containers or @concurrent(max_inputs=...) for more room.",
                headers={b"retry-after": b"1"},
            ) from exc
        except StartFailed as exc:
            status = 504 if "listened" in str(exc) else 502
            raise Refused(status, exc.reason, str(exc)) from exc

    # Routing and admission -----------------------------------------------------------------------

    @staticmethod
    def _locate(scope: dict) -> tuple[str, str, str, str]:
        """Where a request goes: its route's kind and key, the place it names, and the root path."""
        path = scope["path"]
        domain = settings.SKYLIFT_WEB_DOMAIN
        host = _host(scope)
        if host in _custom_domains:  # the whole host is the endpoint's, /web/ paths included
            return "domain", host, host, ""
        if domain and host.endswith("." + domain) and not path.startswith(PATH_PREFIX):
            label = host[: -len(domain) - 1]
            return "host", label, f"{label}.{domain}", ""
        parts = path[len(PATH_PREFIX) :].split("/", 3)
        if len(parts) < 3 or not all(parts[:3]):
            raise Refused(
                404,
                "not_found",
                f"No web endpoint at {path}: a web URL is /web/WORKSPACE/APP/FUNCTION/...",
                hint="`skylift app list` and the dashboard show each deployed endpoint's URL.",
            )
        key = "/".join(parts[:3])
        return "path", key, f"/web/{key}", f"/web/{key}"

    async def _target(self, scope: dict) -> Target:
        kind, key, where, root = self._locate(scope)
        route = await self._route(kind, key)
        if route is None:
            raise Refused(
                404,
                "not_found",
                f"No web endpoint is served at {where}: no running app has it (stopped, or never deployed).",
                hint="Deploy the app (`skylift deploy`) or serve it (`skylift serve`); it prints its URLs.",
            )
        return Target(route, root)

    async def _route(self, kind: str, key: str) -> web_endpoints.Route | None:
        """The endpoint's route, read again at most every ROUTE_CACHE_SECONDS; requests that find it
        out of date together wait for one read (not one each)."""
        cached = self._cached_route(kind, key)
        if cached is not _UNKNOWN:
            return cast(web_endpoints.Route | None, cached)
        pending = self.resolving.get((kind, key))
        if pending is None:
            pending = self.resolving[(kind, key)] = asyncio.ensure_future(self._resolve(kind, key))
        return await asyncio.shield(pending)

    def _cached_route(self, kind: str, key: str) -> web_endpoints.Route | None | object:
        """The route as read within ROUTE_CACHE_SECONDS, else _UNKNOWN."""
        cached = self.routes.get((kind, key))
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        return _UNKNOWN

    async def _resolve(self, kind: str, key: str) -> web_endpoints.Route | None:
        try:
            route = await asyncio.get_running_loop().run_in_executor(None, _resolve, kind, key)
            if len(self.routes) > 10_000:
                self.routes.clear()
            self.routes[(kind, key)] = (time.monotonic() + ROUTE_CACHE_SECONDS, route)
            return route
        finally:
            del self.resolving[(kind, key)]

    async def _admit(self, scope: dict, target: Target) -> str:
        """Proxy auth, the workspace's rate, the declared body size, the class's parameters:
        the function (or class variant) that serves the request."""
        route = target.route
        if route.requires_proxy_auth:
            try:
                problem = await proxy_tokens.check(route.workspace_id, scope["headers"])
            except proxy_tokens.Unavailable as exc:
                raise Refused(503, "unavailable", str(exc), headers={b"retry-after": b"1"}) from exc
            if problem is not None:
                raise Refused(
                    401,
                    "unauthorized",
                    problem,
                    hint="Send a proxy auth token of the workspace in the Skylift-Key and Skylift-Secret "
                    "(or Modal-Key and Modal-Secret) headers; `skylift proxy-token create` makes one.",
                )
        wait = await self._take_rate(route)
        if wait:
            raise Refused(
                429,
                "rate_limited",
                "The workspace is over its rate of requests and inputs.",
                hint=f"Try again in {wait} s.",
                headers={b"retry-after": str(wait).encode()},
            )
        _check_length(scope)
        if not route.parameters:
            return route.function_id
        return await self._variant(route, scope.get("query_string", b""))

    async def _variant(self, route: web_endpoints.Route, query: bytes) -> str:
        given = dict(parse_qsl(query.decode("latin-1"), keep_blank_values=True))
        params: dict[str, Any] = {}
        for name, spec in route.parameters.items():
            if name not in given:
                if spec.get("required"):
                    raise Refused(
                        400,
                        "bad_request",
                        f"The class needs its parameter {name!r}: add ?{name}=... to the URL.",
                    )
                continue
            params[name] = _parameter(name, spec.get("type", "str"), given[name])
        if not params:
            return route.function_id
        key = (route.function_id, json.dumps(params, sort_keys=True))
        variant = self.variants.get(key)
        if variant is None:
            variant = await sync_to_async(_variant, thread_sensitive=False)(route, params)
            if len(self.variants) > VARIANT_CACHE_MAX:
                self.variants.clear()
            self.variants[key] = variant
        return variant

    async def _take_rate(self, route: web_endpoints.Route) -> int:
        """0 when the request may go, else seconds to wait. Tokens are taken from the workspace's
        bucket (shared by every server, and with its inputs) a few at a time, ahead; requests that
        find none left wait for one refill together."""
        while True:
            if self._take_ahead(route.workspace_id):
                return 0
            refill = self.refills.get(route.workspace_id)
            if refill is None:
                refill = self.refills[route.workspace_id] = asyncio.ensure_future(self._refill(route))
            if await asyncio.shield(refill):
                # The bucket holds fewer than a refill's worth: this request asks for its own token.
                return await self._take_one(route)

    def _take_ahead(self, workspace_id: str) -> bool:
        """One of the tokens taken ahead for the workspace, while any is left and they keep."""
        stock, until = self.tokens.get(workspace_id, (0, 0.0))
        if stock >= 1 and until > time.monotonic():
            self.tokens[workspace_id] = (stock - 1, until)
            return True
        return False

    async def _refill(self, route: web_endpoints.Route) -> int:
        try:
            rate = float(settings.SKYLIFT_WEB_RATE or route.rate)
            ahead = max(1, min(200, int(rate / 20)))
            wait = int(
                await self._redis().eval(
                    RATE_SCRIPT, 1, bucket_key(route.workspace_id), rate, route.burst, time.time(), ahead
                )
            )
            if wait:
                return wait
            # Taken-ahead tokens keep for a moment only: a rate lowered meanwhile applies soon after.
            self.tokens[route.workspace_id] = (ahead, time.monotonic() + TOKENS_AHEAD_SECONDS)
            return 0
        finally:
            del self.refills[route.workspace_id]

    async def _take_one(self, route: web_endpoints.Route) -> int:
        """Past the bucket's end, each request asks for one token of its own (its exact wait)."""
        rate = float(settings.SKYLIFT_WEB_RATE or route.rate)
        return int(
            await self._redis().eval(
                RATE_SCRIPT, 1, bucket_key(route.workspace_id), rate, route.burst, time.time(), 1
            )
        )

    # Forwarding -----------------------------------------------------------------------------------

    def _client(self, scope: dict) -> tuple[str, str]:
        """The client's address (from X-Forwarded-For when the peer is a trusted proxy) and the
        X-Forwarded-For to pass on."""
        peer = (scope.get("client") or ("", 0))[0]
        forwarded = ""
        for name, value in scope["headers"]:
            if name == b"x-forwarded-for":
                forwarded = value.decode("latin-1")
        client = peer
        if forwarded and self._trusted(peer):
            hops = [h.strip() for h in forwarded.split(",") if h.strip()]
            for hop in reversed(hops):
                client = hop
                if not self._trusted(hop):
                    break
        chain = f"{forwarded}, {peer}" if forwarded and self._trusted(peer) else peer
        return client, chain

    def _trusted(self, address: str) -> bool:
        known = self.trusted_addresses.get(address)
        if known is not None:
            return known
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            trusted = False
        else:
            trusted = any(ip in network for network in self.trusted)
        if len(self.trusted_addresses) > 10_000:
            self.trusted_addresses.clear()
        self.trusted_addresses[address] = trusted
        return trusted

    def _extra(self, scope: dict, root_path: str, request_id: str) -> list[tuple[bytes, bytes]]:
        """The headers the gateway adds: who the client is, the request's id, the path form's root."""
        client, chain = self._client(scope)
        extra = [
            (b"x-forwarded-for", chain.encode("latin-1")),
            (b"x-forwarded-proto", scope.get("scheme", "http").encode()),
            (b"x-skylift-client", f"{client}:0".encode("latin-1")),
            (b"x-skylift-request-id", request_id.encode()),
        ]
        if root_path:
            extra.append((b"x-skylift-root-path", root_path.encode("latin-1")))
        return extra

    async def _forward(
        self, scope, receive, send, target: Target, slot: Slot, tunnel: Tunnel, request_id: str
    ) -> None:
        extra = self._extra(scope, target.root_path, request_id)
        try:
            if scope["type"] == "websocket":
                await forward_websocket(scope, receive, send, slot, tunnel, target.root_path, extra)
            else:
                await forward_http(scope, receive, send, slot, tunnel, target.root_path, extra)
        except ProxyError as exc:
            refused = _refused(exc, request_id)
            if refused is not None:
                raise refused from exc
        except (TunnelRefused, OSError, TimeoutError) as exc:
            raise _unreachable(slot, request_id, exc) from exc


# This process's gateway: config.asgi sends it the web endpoints' requests (by a web URL's host name
# or /web/ path), and web.front the ones it may serve at once.
gateway = WebGateway()


def _check_length(scope: dict) -> None:
    """A declared body past SKYLIFT_WEB_MAX_BODY is refused before it is read (413)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                size = int(value)
            except ValueError:
                raise Refused(400, "bad_request", "The Content-Length header is not a number.") from None
            if size > settings.SKYLIFT_WEB_MAX_BODY:
                raise Refused(
                    413,
                    "too_large",
                    f"The request body ({size} bytes) is over the cap of "
                    f"{settings.SKYLIFT_WEB_MAX_BODY} bytes (SKYLIFT_WEB_MAX_BODY).",
                )


def _unreachable(slot: Slot, request_id: str, exc: Exception) -> Refused:
    return Refused(
        502,
        "container_unreachable",
        f"The container {slot.container.task_id} could not be reached (request {request_id}): {exc}",
        hint="Try again: the next request goes to another container.",
    )


def _refused(exc: ProxyError, request_id: str) -> Refused | None:
    """What the client is told of an exchange that failed: a refusal before its response began;
    after, nothing can be said (the response is cut off), so the failure is logged."""
    if not exc.started:
        return Refused(exc.status, exc.code, f"{exc} (request {request_id})", hint=exc.hint)
    log.warning("web request %s broke off after its response began: %s", request_id, exc)
    return None


def _parameter(name: str, kind: str, raw: str) -> Any:
    if kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise Refused(
                400, "bad_request", f"The parameter {name!r} is a whole number, not {raw!r}."
            ) from None
    if kind == "bool":
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise Refused(400, "bad_request", f"The parameter {name!r} is true or false, not {raw!r}.")
    if kind == "bytes":
        raise Refused(400, "bad_request", f"The parameter {name!r} is bytes: it cannot come from a URL.")
    return raw


async def _refuse_websocket(send, refused: Refused, request_id: str) -> None:
    """A WebSocket handshake refused with an HTTP answer (the ASGI denial response), else closed."""
    body = error_body(refused.code, str(refused), hint=refused.hint)
    body["error"]["request_id"] = request_id
    payload = json.dumps(body).encode()
    try:
        await send(
            {
                "type": "websocket.http.response.start",
                "status": refused.status,
                "headers": [(b"content-type", b"application/json"), *refused.headers.items()],
            }
        )
        await send({"type": "websocket.http.response.body", "body": payload})
    except Exception:  # noqa: BLE001 - a server without the denial extension: close with a policy code
        await send({"type": "websocket.close", "code": 1008, "reason": str(refused)[:120]})
