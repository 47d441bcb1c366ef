"""Tunnels to sandboxes' ports (`Sandbox.create(encrypted_ports=[...])`, `sb.tunnels()`), served
beside the web gateway on the same path to containers.

A request whose host is `{label}.{SKYLIFT_WEB_DOMAIN}`, or whose path is `/tunnels/{label}/...`
(functions/sandbox_ports.py names them), goes to the port of the running sandbox that label
exposes: through the sandbox's host agent's tunnel listener, with a signed request, as a web
endpoint's requests go (hosts/relay_web.py); the agent connects to the port in the container and
copies bytes both ways. HTTP/1.1 and WebSockets are carried by the gateway's own code
(web/http11.py, web/websocket.py), and tunnels idle after a response are kept for the next
request, as the gateway does. Refusals have the API's shape: 404 no running sandbox exposes it,
502 nothing listens on the port (or the sandbox went away), 504 no response in time.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import cast

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from config.errors import error_body, send_error
from functions import sandbox_ports
from functions.sandbox_activity import ActivityClock
from hosts.relay_sandbox import agent_key, port_signature

from .http11 import ProxyError, forward_http
from .pool import Slot, Tunnel, TunnelRefused
from .websocket import forward_websocket

__all__ = ["SandboxTunnels", "open_port", "serves"]

log = logging.getLogger(__name__)

TARGET_CACHE_SECONDS = 1.0
IDLE_PER_PORT = 8


def _label(scope: dict) -> tuple[str, str] | None:
    """(label, root path) when the request is for a sandbox's tunnel."""
    path = scope["path"]
    if path.startswith(sandbox_ports.PATH_PREFIX):
        label = path[len(sandbox_ports.PATH_PREFIX) :].split("/", 1)[0]
        return label, sandbox_ports.PATH_PREFIX + label
    domain = settings.SKYLIFT_WEB_DOMAIN
    if domain:
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1").rsplit(":", 1)[0].lower()
                if host.endswith("." + domain) and sandbox_ports.LABEL.match(host[: -len(domain) - 1]):
                    return host[: -len(domain) - 1], ""
                break
    return None


def serves(scope: dict) -> bool:
    return _label(scope) is not None


class _Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code = status, code


def _target(label: str) -> tuple[sandbox_ports.Target, str] | None:
    from functions.queues import redis_client

    close_old_connections()
    try:
        found = sandbox_ports.target(label)
        if found is None:
            return None
        address = redis_client().get(agent_key(found.host_name))
        if not address:
            return None
        return found, address.decode() if isinstance(address, bytes) else str(address)
    finally:
        close_old_connections()


async def open_port(
    target: sandbox_ports.Target, agent: str
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A connection to the sandbox's port through its host agent (a signed request on the agent's
    tunnel listener); TunnelRefused when the agent or the port will not have it."""
    host, _, port = agent.rpartition(":")
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port), limit=1 << 20), 5.0)
    request = {
        "op": "port",
        "sandbox": target.sandbox_id,
        "container": target.container_id,
        "port": target.port,
        "sig": port_signature(target.sandbox_id, target.container_id, target.port),
    }
    writer.write(json.dumps(request).encode() + b"\n")
    try:
        reply = json.loads(await asyncio.wait_for(reader.readline(), 10.0) or b"{}")
    except (TimeoutError, ValueError, ConnectionError) as exc:
        writer.close()
        raise TunnelRefused(f"the sandbox's host did not answer: {exc}") from exc
    if not reply.get("ok"):
        writer.close()
        raise TunnelRefused(str(reply.get("error", "refused")))
    return reader, writer


class _PortSlot:
    """A request's hold on a sandbox's port, shaped as the gateway's Slot (fresh_tunnel, release)."""

    def __init__(self, tunnels: SandboxTunnels, target: sandbox_ports.Target, agent: str) -> None:
        self.tunnels, self.target, self.agent = tunnels, target, agent
        self.key = (target.container_id, target.port)

    async def tunnel(self) -> Tunnel:
        idle = self.tunnels.idle.get(self.key, [])
        while idle:
            tunnel = idle.pop()
            if tunnel.usable:
                tunnel.reused = True
                return tunnel
            tunnel.close()
        return await self.fresh_tunnel()

    async def fresh_tunnel(self) -> Tunnel:
        reader, writer = await open_port(self.target, self.agent)
        return Tunnel(self.target.sandbox_id, reader, writer)

    def release(self, tunnel: Tunnel | None = None, *, reusable: bool = False) -> None:
        if tunnel is None:
            return
        idle = self.tunnels.idle.setdefault(self.key, [])
        if reusable and tunnel.usable and len(idle) < IDLE_PER_PORT:
            idle.append(tunnel)
        else:
            tunnel.close()


class SandboxTunnels:
    """The ASGI side: one per process, beside the WebGateway."""

    def __init__(self) -> None:
        self.targets: dict[str, tuple[float, tuple[sandbox_ports.Target, str] | None]] = {}
        self.idle: dict[tuple[str, int], list[Tunnel]] = {}
        # Requests keep their sandbox's idle clock going (idle_timeout), in one write per round.
        self.activity = ActivityClock()

    async def _resolve(self, label: str) -> tuple[sandbox_ports.Target, str]:
        cached = self.targets.get(label)
        if cached is None or cached[0] < time.monotonic():
            found = await sync_to_async(_target, thread_sensitive=False)(label)
            if len(self.targets) > 10_000:
                self.targets.clear()
            cached = self.targets[label] = (time.monotonic() + TARGET_CACHE_SECONDS, found)
        if cached[1] is None:
            raise _Refused(
                404,
                "not_found",
                f"No running sandbox exposes {label}: it ended, or the URL is not one of a tunnel.",
            )
        return cached[1]

    async def __call__(self, scope: dict, receive, send) -> None:
        named = _label(scope)
        assert named is not None  # serves() said so
        label, root = named
        try:
            target, agent = await self._resolve(label)
            self.activity.begin(target.sandbox_id)
            try:
                await self._forward(scope, receive, send, target, agent, root)
            finally:
                self.activity.end(target.sandbox_id)
        except ProxyError as exc:
            if exc.started:
                log.info("a tunnel's response to %s broke off: %s", label, exc)
                return
            await self._refuse(scope, send, _Refused(exc.status, exc.code, str(exc)))
        except _Refused as refused:
            await self._refuse(scope, send, refused)

    async def _forward(
        self, scope: dict, receive, send, target: sandbox_ports.Target, agent: str, root: str
    ) -> None:
        slot = _PortSlot(self, target, agent)
        try:
            tunnel = await (slot.fresh_tunnel() if scope["type"] == "websocket" else slot.tunnel())
        except (TunnelRefused, OSError, TimeoutError) as exc:
            raise _Refused(502, "port_unreachable", f"Sandbox {target.sandbox_id}: {exc}.") from exc
        peer = (scope.get("client") or ("", 0))[0]
        extra = [
            (b"x-forwarded-for", peer.encode("latin-1")),
            (b"x-forwarded-proto", scope.get("scheme", "http").encode()),
        ]
        if root:
            extra.append((b"x-skylift-root-path", root.encode("latin-1")))
        # The gateway's forwarding takes a Slot: this one has the same two methods it uses.
        gateway_slot = cast(Slot, slot)
        if scope["type"] == "websocket":
            await forward_websocket(scope, receive, send, gateway_slot, tunnel, root, extra)
        else:
            await forward_http(scope, receive, send, gateway_slot, tunnel, root, extra)

    @staticmethod
    async def _refuse(scope: dict, send, refused: _Refused) -> None:
        body = error_body(refused.code, str(refused))
        if scope["type"] == "websocket":
            try:
                await send(
                    {
                        "type": "websocket.http.response.start",
                        "status": refused.status,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "websocket.http.response.body", "body": json.dumps(body).encode()})
            except Exception:  # noqa: BLE001 - a server without the denial extension: a policy close
                await send({"type": "websocket.close", "code": 1008, "reason": str(refused)[:120]})
            return
        await send_error(send, refused.status, body)
