"""Raw TCP tunnels to sandboxes' `unencrypted_ports` (Modal's `tunnel.tcp_socket`).

While a sandbox runs, the gateway's process listens on the TCP port of its range
(SKYLIFT_TCP_TUNNEL_PORTS) that functions/sandbox_ports.py gave each of the sandbox's unencrypted
ports. A connection to it goes to the port in the sandbox through the sandbox's host agent, as a
tunnel URL's requests do (a signed `"op": "port"` request, `web.sandbox_tunnels.open_port`), and
its bytes are copied both ways whatever the protocol, a chunk at a time (a slow reader slows the
writer), each side's end passed on as a half-close. Nothing routes from the sandbox to the
platform: the agent connects to the container, never the reverse.

The listeners follow the database: `watch` looks every WATCH_SECONDS, opens the ports of sandboxes
that run and closes those of sandboxes that ended, with their open connections. An open connection
counts as activity for the sandbox's `idle_timeout` (functions/sandbox_activity.py). One gateway
process holds the listeners; another on the same machine finds the ports taken and says so in its
log.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.conf import settings
from django.db import close_old_connections

from functions import sandbox_ports
from functions.sandbox_activity import ActivityClock
from hosts.relay_sandbox import agent_key

from .pool import TunnelRefused
from .sandbox_tunnels import open_port

__all__ = ["TcpTunnels"]

log = logging.getLogger(__name__)

WATCH_SECONDS = 1.0
CHUNK = 64 * 1024


def _current() -> dict[int, tuple[sandbox_ports.Target, str | None]]:
    """{gateway port: (its sandbox's port, the address of the sandbox's host agent)}."""
    from functions.queues import redis_client

    close_old_connections()
    try:
        targets = sandbox_ports.tcp_targets()
    finally:
        close_old_connections()
    hosts = sorted({t.host_name for t in targets.values()})
    found = redis_client().mget([agent_key(h) for h in hosts]) if hosts else []
    addresses = {
        h: (a.decode() if isinstance(a, bytes) else str(a)) if a else None
        for h, a in zip(hosts, found, strict=True)
    }
    return {port: (target, addresses.get(target.host_name)) for port, target in targets.items()}


@dataclass
class _Listener:
    server: asyncio.Server
    target: sandbox_ports.Target
    agent: str | None
    connections: set[asyncio.StreamWriter] = field(default_factory=set)


class TcpTunnels:
    """One per gateway process, its `watch` running for the server's life (config/asgi.py)."""

    def __init__(self) -> None:
        self.listeners: dict[int, _Listener] = {}
        self.refused: set[int] = set()  # ports that could not be bound (said once in the log)
        self.activity = ActivityClock()

    async def watch(self) -> None:
        try:
            while True:
                try:
                    await self.sync()
                except Exception:  # noqa: BLE001 - the next round looks again
                    log.warning("could not bring the TCP tunnels up to date", exc_info=True)
                await asyncio.sleep(WATCH_SECONDS)
        finally:
            for port in list(self.listeners):
                self._close(port)

    async def sync(self) -> None:
        current = await sync_to_async(_current, thread_sensitive=False)()
        for port, listener in list(self.listeners.items()):
            now = current.get(port)
            if now is None or now[0] != listener.target:
                self._close(port)
        self.refused &= set(current)
        for port, (target, agent) in current.items():
            if port in self.listeners:
                self.listeners[port].agent = agent
                continue
            try:
                server = await asyncio.start_server(
                    functools.partial(self._serve, port),
                    host=settings.SKYLIFT_TCP_TUNNEL_BIND,
                    port=port,
                    reuse_address=True,
                    limit=CHUNK,
                )
            except OSError as exc:
                if port not in self.refused:
                    self.refused.add(port)
                    log.warning("could not listen on %s for sandbox %s: %s", port, target.sandbox_id, exc)
                continue
            self.listeners[port] = _Listener(server, target, agent)

    def _close(self, port: int) -> None:
        listener = self.listeners.pop(port)
        listener.server.close()
        for writer in list(listener.connections):
            writer.close()

    async def _serve(self, port: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        listener = self.listeners.get(port)
        if listener is None or listener.agent is None:
            writer.close()
            return
        target = listener.target
        listener.connections.add(writer)
        self.activity.begin(target.sandbox_id)
        try:
            try:
                upstream_reader, upstream = await open_port(target, listener.agent)
            except (TunnelRefused, OSError, TimeoutError) as exc:
                log.info("a TCP tunnel to sandbox %s was refused: %s", target.sandbox_id, exc)
                return
            listener.connections.add(upstream)
            try:
                await asyncio.gather(_copy(reader, upstream), _copy(upstream_reader, writer))
            finally:
                listener.connections.discard(upstream)
                upstream.close()
        finally:
            self.activity.end(target.sandbox_id)
            listener.connections.discard(writer)
            writer.close()


async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(CHUNK):
            sink.write(data)
            await sink.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        if sink.can_write_eof() and not sink.is_closing():
            try:
                sink.write_eof()
            except (OSError, RuntimeError):
                sink.close()
