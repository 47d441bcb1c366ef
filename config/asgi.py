"""ASGI entry point: HTTP through Django (the hot path of `.remote()` first), WebSockets through Channels."""

import asyncio
import logging
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.exceptions import ImproperlyConfigured  # noqa: E402

from apps import listening  # noqa: E402
from builds.routing import websocket_urlpatterns as build_routes  # noqa: E402
from config.body_limit import BodyLimit  # noqa: E402
from functions import sandbox_exec  # noqa: E402
from functions.fastpath import RemoteCallFastPath  # noqa: E402
from functions.routing import websocket_urlpatterns  # noqa: E402
from state.fastpath import DictFastPath  # noqa: E402
from state.fastpath import serves as dict_fast_path_serves  # noqa: E402
from vault.rotation import verify_at_start  # noqa: E402
from web.gateway import gateway as web_gateway  # noqa: E402
from web.gateway import serves as web_gateway_serves  # noqa: E402
from web.gateway import watch_custom_domains  # noqa: E402
from web.sandbox_tcp import TcpTunnels  # noqa: E402
from web.sandbox_tunnels import SandboxTunnels  # noqa: E402
from web.sandbox_tunnels import serves as sandbox_tunnels_serve  # noqa: E402

log = logging.getLogger(__name__)

capped_django = BodyLimit(django_asgi_app)
# What the fast path does not serve goes to Django behind the same cap as every other route.
remote_calls = RemoteCallFastPath(fallback=capped_django)
# A Dict's get and put from the caller, likewise (sharing the calls' pool, Redis and token check).
dict_ops = DictFastPath(remote_calls, fallback=capped_django)
# Sandboxes' exposed ports (`encrypted_ports=`): /tunnels/{label}/ or {label}.{SKYLIFT_WEB_DOMAIN}.
sandbox_tunnels = SandboxTunnels()
# Sandboxes' `unencrypted_ports` as raw TCP (SKYLIFT_TCP_TUNNEL_PORTS): listeners kept while they run.
tcp_tunnels = TcpTunnels()


async def http(scope, receive, send):
    if sandbox_tunnels_serve(scope):
        return await sandbox_tunnels(scope, receive, send)
    if web_gateway_serves(scope):
        return await web_gateway(scope, receive, send)
    if settings.SKYLIFT_FAST_PATH and scope["method"] == "POST" and scope["path"] == "/api/v1/calls/":
        return await remote_calls(scope, receive, send)
    if settings.SKYLIFT_FAST_PATH and dict_fast_path_serves(scope):
        return await dict_ops(scope, receive, send)
    return await capped_django(scope, receive, send)


async def _listen() -> None:
    try:
        await asyncio.to_thread(listening.announce_start)
    except Exception:  # noqa: BLE001 - Redis away: the renewals set the key once it is back
        log.warning("could not announce this web process's start", exc_info=True)
    await listening.keep_listening()


async def lifespan(scope, receive, send):
    """The server's start: a secrets key that does not decrypt every stored secret stops it here,
    saying so (uvicorn exits), before it serves anything. While it runs, the gateway's set of
    custom domains is kept current, the raw TCP tunnels' listeners opened and closed, and the
    clients of ephemeral apps are known to be heard (apps.listening)."""
    watching: list[asyncio.Task] = []
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await asyncio.to_thread(verify_at_start)
            except ImproperlyConfigured as exc:
                await send({"type": "lifespan.startup.failed", "message": str(exc)})
                return
            loop = asyncio.get_running_loop()
            watching = [loop.create_task(watch_custom_domains()), loop.create_task(_listen())]
            if settings.SKYLIFT_TCP_TUNNEL_PORTS:
                watching.append(loop.create_task(tcp_tunnels.watch()))
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            for task in watching:
                task.cancel()
            await send({"type": "lifespan.shutdown.complete"})
            return


# The dashboard's live updates and build logs; a web endpoint's WebSockets (any origin) go to its container.
channels_websockets = AllowedHostsOriginValidator(
    # Django's URL patterns, as Channels documents; its stubs want a pattern type of their own.
    AuthMiddlewareStack(URLRouter([*websocket_urlpatterns, *build_routes]))  # type: ignore[list-item]
)


async def websocket(scope, receive, send):
    if sandbox_tunnels_serve(scope):
        return await sandbox_tunnels(scope, receive, send)
    if web_gateway_serves(scope):
        return await web_gateway(scope, receive, send)
    if sandbox_exec.serves(scope):  # `exec` in a sandbox: token-authenticated, any origin
        return await sandbox_exec.serve(scope, receive, send)
    return await channels_websockets(scope, receive, send)


application = ProtocolTypeRouter({"http": http, "lifespan": lifespan, "websocket": websocket})
