"""Web requests through the host agent: the gateway's tunnels to the containers of this host.

A container never listens where the platform could reach it, and has no route out to it: it
connects *to* its relay, as for everything else. A web container keeps a few connections parked
on its socket (`web_wait`); the relay listens on TCP for the gateway (`SKYLIFT_AGENT_WEB_BIND`),
and when the gateway asks for a tunnel to a task, the relay takes one of the task's parked
connections, tells the container which endpoint it is for (a `go` frame), answers the gateway,
and from then on copies bytes both ways. The gateway speaks HTTP/1.1 (or a WebSocket after an
upgrade) through the tunnel straight to the container's server, and reuses the tunnel for the
next request (keep-alive), so a request costs no set-up.

A gateway on the same machine (the same kernel boot, and the agent's socket directory reachable)
asks on the agent's Unix socket instead (`local`), and is handed the container's connection
itself (SCM_RIGHTS) once the `go` frame is sent: its requests then reach the container with no
process between them, the agent being out of the path after the hand-over. The container's side
is unchanged: it still holds only a connection it opened to its relay.

The gateway proves it is the gateway with an HMAC of the task and method under a key derived
from the platform's SECRET_KEY (every control-plane process and agent shares the settings).
Which containers serve which function is announced in Redis (`ready_key`), refreshed every
ANNOUNCE_SECONDS and removed when a container stops serving: routing state, not durable state.
"""

from __future__ import annotations

import array
import asyncio
import functools
import hashlib
import hmac
import json
import logging
import os
import socket
import time
from collections import deque
from pathlib import Path

from django.conf import settings

from skylift.contract import encode_frame

from .relay_sandbox import agent_key, serve_exec

__all__ = [
    "ANNOUNCE_SECONDS",
    "WebTunnels",
    "boot_id",
    "failed_key",
    "ready_key",
    "tunnel_signature",
    "wake_key",
]

log = logging.getLogger(__name__)

ANNOUNCE_SECONDS = 5.0
# A container's announcement older than this is stale (its agent stopped refreshing it).
STALE_SECONDS = 3 * ANNOUNCE_SECONDS
# How long a gateway's tunnel request waits for a parked connection of a busy container.
PARK_WAIT_SECONDS = 3.0
CHUNK = 256 * 1024


def ready_key(function_id: str) -> str:
    """Hash: task id -> JSON {agent address, capacity, at} of the containers serving the function."""
    return f"skylift:web:ready:{function_id}"


def wake_key(function_id: str) -> str:
    """Pub/sub channel: a container of the function began serving (gateways waiting look again)."""
    return f"skylift:web:wake:{function_id}"


def failed_key(function_id: str) -> str:
    """The last reason a container of the function could not start serving (JSON, short-lived)."""
    return f"skylift:web:failed:{function_id}"


FAILED_TTL_SECONDS = 30


@functools.cache
def boot_id() -> str:
    """This machine's kernel boot: a gateway and an agent that share it may pass connections."""
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return ""


@functools.cache
def _key() -> bytes:
    """The tunnels' signing key, from SECRET_KEY (the same in every process of the platform)."""
    return hashlib.sha256(b"skylift-web-tunnel\0" + settings.SECRET_KEY.encode()).digest()


def tunnel_signature(task_id: str, method: str) -> str:
    return hmac.new(_key(), f"{task_id}\0{method}".encode(), hashlib.sha256).hexdigest()


class _Parked:
    __slots__ = ("reader", "watch", "writer")

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer
        self.watch: asyncio.Task | None = None


class WebTunnels:
    """The relay's side of web requests: parked container connections and the gateway listener."""

    def __init__(self, redis) -> None:
        self.redis = redis
        self.parked: dict[str, deque[_Parked]] = {}
        self.arrived: dict[str, asyncio.Event] = {}
        self.serving: dict[str, dict] = {}  # task id -> {function_id, capacity}
        self.address = ""
        self.local = ""  # the Unix socket where gateways of this machine are handed connections
        self.server: asyncio.base_events.Server | None = None

    async def listen(self, local: Path | None = None) -> None:
        host, _, port = settings.SKYLIFT_AGENT_WEB_BIND.rpartition(":")
        self.server = await asyncio.start_server(self._gateway, host or "127.0.0.1", int(port or 0))
        bound = self.server.sockets[0].getsockname()
        self.address = settings.SKYLIFT_AGENT_WEB_ADDRESS or f"{bound[0]}:{bound[1]}"
        log.info("web tunnels listening on %s (announced as %s)", bound, self.address)
        if local is not None and settings.SKYLIFT_AGENT_WEB_LOCAL and boot_id():
            listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            local.unlink(missing_ok=True)
            listener.bind(str(local))
            os.chmod(local, 0o600)
            listener.listen(128)
            listener.setblocking(False)
            self.local = str(local)
            asyncio.get_running_loop().create_task(self._accept_local(listener))
        await self._announce_agent()
        asyncio.get_running_loop().create_task(self._announce_forever())

    # Containers ---------------------------------------------------------------------------------

    async def ready(self, task: dict, capacity: int) -> None:
        """The container serves its endpoints now: gateways may route to it."""
        self.serving[task["id"]] = {"function_id": task["function_id"], "capacity": max(1, capacity)}
        await self._announce(task["id"])
        await self.redis.publish(wake_key(task["function_id"]), task["id"])

    async def failed(self, task: dict, reason: str, message: str) -> None:
        """A container of a web function could not start serving: say why to the requests waiting."""
        entry = json.dumps({"reason": reason, "message": message, "task": task["id"], "at": time.time()})
        await self.redis.set(failed_key(task["function_id"]), entry, ex=FAILED_TTL_SECONDS)
        await self.redis.publish(wake_key(task["function_id"]), task["id"])

    async def gone(self, task_id: str) -> None:
        """The container stops taking requests (leaving, or closed): no new tunnel reaches it."""
        serving = self.serving.pop(task_id, None)
        if serving is not None:
            try:
                await self.redis.hdel(ready_key(serving["function_id"]), task_id)
            except Exception:  # noqa: BLE001 - stale entries age out; gateways skip dead tunnels
                log.warning("could not withdraw %s from web routing", task_id, exc_info=True)
        for parked in self.parked.pop(task_id, deque()):
            self._drop(parked)
        self.arrived.pop(task_id, None)

    async def park(self, task_id: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Keep a container's connection until a gateway's tunnel takes it (`web_wait`)."""
        parked = _Parked(reader, writer)
        self.parked.setdefault(task_id, deque()).append(parked)
        parked.watch = asyncio.get_running_loop().create_task(self._watch(task_id, parked))
        event = self.arrived.get(task_id)
        if event is not None:
            event.set()

    async def _watch(self, task_id: str, parked: _Parked) -> None:
        """A parked connection the container closes leaves the pool (it sends nothing while parked)."""
        try:
            await parked.reader.read(1)
        except (asyncio.CancelledError, ConnectionError):
            return
        queue = self.parked.get(task_id)
        if queue is not None and parked in queue:
            queue.remove(parked)
        self._drop(parked)

    @staticmethod
    def _drop(parked: _Parked) -> None:
        if parked.watch is not None:
            parked.watch.cancel()
        parked.writer.close()

    async def _take(self, task_id: str) -> _Parked | None:
        deadline = time.monotonic() + PARK_WAIT_SECONDS
        while task_id in self.serving:
            queue = self.parked.get(task_id)
            while queue:
                parked = queue.popleft()
                if parked.watch is not None:
                    parked.watch.cancel()
                if not parked.writer.is_closing():
                    return parked
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            event = self.arrived.setdefault(task_id, asyncio.Event())
            event.clear()
            try:
                await asyncio.wait_for(event.wait(), remaining)
            except TimeoutError:
                return None
        return None

    async def _announce(self, task_id: str) -> None:
        serving = self.serving.get(task_id)
        if serving is None:
            return
        entry = {"agent": self.address, "capacity": serving["capacity"], "at": time.time()}
        if self.local:
            entry |= {"local": self.local, "boot": boot_id()}
        await self.redis.hset(ready_key(serving["function_id"]), task_id, json.dumps(entry))

    async def _announce_agent(self) -> None:
        """Where the control plane reaches this agent for sandboxes (hosts/relay_sandbox.py)."""
        try:
            await self.redis.set(agent_key(settings.SKYLIFT_HOST_NAME), self.address, ex=int(STALE_SECONDS))
        except Exception:  # noqa: BLE001 - the next round tries again
            log.warning("could not announce this agent's tunnel address", exc_info=True)

    async def _announce_forever(self) -> None:
        while True:
            await asyncio.sleep(ANNOUNCE_SECONDS)
            await self._announce_agent()
            for task_id in list(self.serving):
                try:
                    await self._announce(task_id)
                except Exception:  # noqa: BLE001 - the next round tries again
                    log.warning("could not announce %s for web routing", task_id, exc_info=True)

    # The gateway --------------------------------------------------------------------------------

    async def _gateway(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await asyncio.wait_for(reader.readline(), 10.0)
            request = json.loads(line or b"{}")
            # A process exec'd into a sandbox (hosts/relay_sandbox.py) comes through this listener too.
            if isinstance(request, dict) and "sandbox" in request:
                await serve_exec(request, reader, writer)
                return
            parked, refusal = await self._claim(request)
            if parked is None:
                await self._refuse(writer, refusal)
                return
            writer.write(b'{"ok":true}\n')
            await writer.drain()
        except (TimeoutError, ValueError, ConnectionError, asyncio.IncompleteReadError):
            writer.close()
            return
        await _splice(reader, writer, parked.reader, parked.writer)

    async def _claim(self, request: dict) -> tuple[_Parked | None, str]:
        """A gateway's signed tunnel request: the task's parked connection, told which endpoint it
        serves (its `go` frame written), or None and why not."""
        task_id, method = str(request.get("task", "")), str(request.get("method", ""))
        if not hmac.compare_digest(str(request.get("sig", "")), tunnel_signature(task_id, method)):
            return None, "bad signature"
        parked = await self._take(task_id)
        if parked is None:
            return None, "gone" if task_id not in self.serving else "busy"
        parked.writer.write(encode_frame({"go": True, "method": method}))
        return parked, ""

    async def _accept_local(self, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        while True:
            connection, _ = await loop.sock_accept(listener)
            loop.create_task(self._local_gateway(connection))

    async def _local_gateway(self, connection: socket.socket) -> None:
        """A gateway of this machine: checked as on TCP, then handed the container's connection."""
        loop = asyncio.get_running_loop()
        try:
            request = json.loads(await asyncio.wait_for(_read_line(loop, connection), 10.0) or b"{}")
            parked, refusal = await self._claim(request)
            if parked is None:
                await loop.sock_sendall(connection, json.dumps({"error": refusal}).encode() + b"\n")
                return
            await parked.writer.drain()  # in the container's socket before the gateway writes
            container = parked.writer.get_extra_info("socket")
            connection.sendmsg(
                [b'{"ok":true}\n'],
                [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [container.fileno()]))],
            )
            parked.writer.close()  # this process's copy; the gateway holds the connection now
        except (TimeoutError, ValueError, OSError, asyncio.IncompleteReadError):
            pass
        finally:
            connection.close()

    @staticmethod
    async def _refuse(writer: asyncio.StreamWriter, why: str) -> None:
        writer.write(json.dumps({"error": why}).encode() + b"\n")
        try:
            await writer.drain()
        finally:
            writer.close()


async def _read_line(loop: asyncio.AbstractEventLoop, connection: socket.socket) -> bytes:
    line = b""
    while not line.endswith(b"\n"):
        data = await loop.sock_recv(connection, 4096)
        if not data or len(line) > 64 * 1024:
            raise ValueError("no request line")
        line += data
    return line


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            data = await reader.read(CHUNK)
            if not data:
                break
            writer.write(data)
            await writer.drain()  # back-pressure: a slow reader slows the writer, memory stays bounded
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        if writer.can_write_eof() and not writer.is_closing():
            try:
                writer.write_eof()
            except (OSError, RuntimeError):
                writer.close()


async def _splice(
    a_reader: asyncio.StreamReader,
    a_writer: asyncio.StreamWriter,
    b_reader: asyncio.StreamReader,
    b_writer: asyncio.StreamWriter,
) -> None:
    """Copy both ways until both sides are done; then close both."""
    try:
        await asyncio.gather(_pipe(a_reader, b_writer), _pipe(b_reader, a_writer))
    finally:
        a_writer.close()
        b_writer.close()
