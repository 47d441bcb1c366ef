"""Which container a web request goes to, and the tunnels to them (the gateway's side).

Per function, a `FunctionPool` knows the containers serving it (announced by their agents in
Redis, `hosts.relay_web.ready_key`, read again at most every REFRESH_SECONDS, or at once when a
request finds no room), how many requests each has in flight from this process, and the tunnels
(keep-alive connections through their agents) idle to each. A request takes the least busy
container with room (`@concurrent(max_inputs=...)`, 1 without); without room it waits in a
bounded queue while the pool asks for more containers: at once when the function has none (a cold
start), else through the autoscaler's tick, which counts what gateways report waiting and in
flight (functions.queues.WEB_DEMAND_KEY). Past the queue's bound, or its time, the request gets 503.

Web requests are not durable inputs: an HTTP client retries, and a request must not wait on a
database round trip (Modal's low-latency servers bypass the input queue too).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings

from functions.queues import WEB_DEMAND_KEY
from hosts.relay_web import STALE_SECONDS, boot_id, failed_key, ready_key, tunnel_signature

__all__ = [
    "Busy",
    "FunctionPool",
    "Slot",
    "StartFailed",
    "Tunnel",
    "TunnelRefused",
    "open_tunnel",
]

log = logging.getLogger(__name__)

REFRESH_SECONDS = 1.0
WAIT_POLL_SECONDS = 0.1
DEMAND_SECONDS = 0.5
COLD_START_EVERY_SECONDS = 1.0
GATEWAY_ID = f"{os.uname().nodename}:{os.getpid()}"


class Busy(Exception):
    """No container had room within the wait: 503."""


class StartFailed(Exception):
    """The function's containers cannot start serving (reason, message): 502 or 504."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class TunnelRefused(Exception):
    """The agent had no connection of that container (it left, or is gone)."""


class Tunnel:
    """A connection through a host agent to one container's web server (asyncio streams)."""

    def __init__(self, task_id: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.task_id, self.reader, self.writer = task_id, reader, writer
        self.reused = False

    def close(self) -> None:
        self.writer.close()

    @property
    def usable(self) -> bool:
        # Bytes no request asked for (left over by a broken response) would answer the next one.
        leftover = self.reader._buffer  # type: ignore[attr-defined]  # asyncio's, not in its stubs
        return not self.writer.is_closing() and not self.reader.at_eof() and not leftover


async def open_tunnel(agent: str, task_id: str, method: str, local: str = "") -> Tunnel:
    """A tunnel to the container: its own connection, handed over by an agent of this machine
    (`local`, its Unix socket), else through the agent's TCP listener."""
    if local:
        try:
            return await _handed_over(local, task_id, method)
        except (OSError, TimeoutError) as exc:  # not reachable from here after all: through TCP
            log.info("no connection handed over by %s (%s); tunnelling through %s", local, exc, agent)
    host, _, port = agent.rpartition(":")
    reader, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port), limit=1 << 20), 5.0)
    request = {"task": task_id, "method": method, "sig": tunnel_signature(task_id, method)}
    writer.write(json.dumps(request).encode() + b"\n")
    try:
        reply = json.loads(await asyncio.wait_for(reader.readline(), 10.0) or b"{}")
    except (TimeoutError, ValueError, ConnectionError) as exc:
        writer.close()
        raise TunnelRefused(f"the agent at {agent} did not answer: {exc}") from exc
    if not reply.get("ok"):
        writer.close()
        raise TunnelRefused(str(reply.get("error", "refused")))
    return Tunnel(task_id, reader, writer)


async def _handed_over(path: str, task_id: str, method: str) -> Tunnel:
    loop = asyncio.get_running_loop()
    control = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    control.setblocking(False)
    try:
        await asyncio.wait_for(loop.sock_connect(control, path), 5.0)
        request = {"task": task_id, "method": method, "sig": tunnel_signature(task_id, method)}
        await loop.sock_sendall(control, json.dumps(request).encode() + b"\n")
        line, fds = await asyncio.wait_for(_receive_with_fds(loop, control), 10.0)
    finally:
        control.close()
    try:
        reply = json.loads(line or b"{}")
    except ValueError:
        reply = {}
    if not reply.get("ok") or len(fds) != 1:
        for fd in fds:
            os.close(fd)
        raise TunnelRefused(str(reply.get("error", "refused")))
    connection = socket.socket(fileno=fds[0])
    connection.setblocking(False)
    reader, writer = await asyncio.open_connection(sock=connection, limit=1 << 20)
    return Tunnel(task_id, reader, writer)


async def _receive_with_fds(
    loop: asyncio.AbstractEventLoop, control: socket.socket
) -> tuple[bytes, list[int]]:
    """The agent's answer line, and the file descriptors that came with it."""
    line, fds = b"", []
    while not line.endswith(b"\n"):
        try:
            data, received, _, _ = socket.recv_fds(control, 4096, 1)
        except BlockingIOError:
            await _readable(loop, control)
            continue
        fds.extend(received)
        if not data:
            break
        line += data
    return line, fds


async def _readable(loop: asyncio.AbstractEventLoop, sock: socket.socket) -> None:
    ready: asyncio.Future[None] = loop.create_future()

    def wake() -> None:
        if not ready.done():
            ready.set_result(None)

    loop.add_reader(sock.fileno(), wake)
    try:
        await ready
    finally:
        loop.remove_reader(sock.fileno())


@dataclass
class _Container:
    task_id: str
    agent: str
    capacity: int
    local: str = ""  # the agent's Unix socket, when it runs on this machine
    inflight: int = 0
    idle: dict[str, list[Tunnel]] = field(default_factory=dict)  # per method


@dataclass
class Slot:
    """A request's place on a container; `release` gives it back (with its tunnel, when reusable)."""

    pool: FunctionPool
    container: _Container
    method: str

    async def tunnel(self) -> Tunnel:
        return self.idle_tunnel() or await self.fresh_tunnel()

    def idle_tunnel(self) -> Tunnel | None:
        """A kept-alive tunnel of this container, when one is idle (closed ones are dropped)."""
        idle = self.container.idle.get(self.method)
        while idle:
            tunnel = idle.pop()
            if tunnel.usable:
                tunnel.reused = True
                return tunnel
            tunnel.close()
        return None

    async def fresh_tunnel(self) -> Tunnel:
        """A new tunnel (for a WebSocket, or after a reused one was found closed)."""
        try:
            container = self.container
            return await open_tunnel(container.agent, container.task_id, self.method, container.local)
        except (TunnelRefused, OSError, TimeoutError):
            self.pool.forget(self.container.task_id)
            raise

    def release(self, tunnel: Tunnel | None = None, *, reusable: bool = False) -> None:
        container = self.container
        container.inflight -= 1
        if tunnel is not None:
            if reusable and tunnel.usable and container.task_id in self.pool.containers:
                container.idle.setdefault(self.method, []).append(tunnel)
            else:
                tunnel.close()
        self.pool.changed()


class FunctionPool:
    def __init__(self, function_id: str, redis, cold_start: Callable[[str], None]) -> None:
        self.function_id = function_id
        self.redis = redis
        self.cold_start = cold_start
        self.containers: dict[str, _Container] = {}
        self.refreshed_at = 0.0
        self.waiting = 0
        self.event = asyncio.Event()
        self.cold_started_at = 0.0
        self.demand_reported = 0
        self.demand_task: asyncio.Task | None = None

    @property
    def busy(self) -> int:
        return self.waiting + sum(c.inflight for c in self.containers.values())

    def changed(self) -> None:
        self.event.set()

    def forget(self, task_id: str) -> None:
        gone = self.containers.pop(task_id, None)
        if gone is not None:
            for tunnels in gone.idle.values():
                for tunnel in tunnels:
                    tunnel.close()

    async def refresh(self) -> None:
        entries = await self.redis.hgetall(ready_key(self.function_id))
        now = time.time()
        seen = set()
        for raw_task, raw in entries.items():
            task_id = raw_task.decode()
            try:
                entry = json.loads(raw)
            except ValueError:
                continue
            if now - float(entry.get("at", 0)) > STALE_SECONDS:
                continue
            seen.add(task_id)
            known = self.containers.get(task_id)
            if known is None:
                local = entry.get("local", "") if entry.get("boot") == boot_id() else ""
                self.containers[task_id] = _Container(
                    task_id, entry["agent"], int(entry.get("capacity", 1)), str(local or "")
                )
            else:
                known.capacity = int(entry.get("capacity", known.capacity))
        for task_id in set(self.containers) - seen:
            self.forget(task_id)
        self.refreshed_at = time.monotonic()

    def _free(self) -> _Container | None:
        best = None
        for container in self.containers.values():
            if container.inflight < container.capacity and (
                best is None or container.inflight < best.inflight
            ):
                best = container
        return best

    def try_acquire(self, method: str) -> Slot | None:
        """A place on the least busy container with room, if one has room now (no wait, no read)."""
        container = self._free()
        if container is None:
            return None
        container.inflight += 1
        return Slot(self, container, method)

    @property
    def fresh(self) -> bool:
        """Whether the known containers were read within REFRESH_SECONDS."""
        return time.monotonic() - self.refreshed_at <= REFRESH_SECONDS

    async def acquire(self, method: str) -> Slot:
        """A place on a container with room, waiting (bounded) while none has; Busy or StartFailed else."""
        if not self.fresh:
            await self.refresh()
        slot = self.try_acquire(method)
        if slot is not None:
            return slot
        if self.waiting >= settings.SKYLIFT_WEB_QUEUE_MAX:
            raise Busy(f"{self.waiting} requests are waiting for this endpoint already")
        began = time.monotonic()
        failure_checked_after = time.time()
        self.waiting += 1
        self._report_demand()
        try:
            while True:
                if not self.containers and time.monotonic() - self.cold_started_at > COLD_START_EVERY_SECONDS:
                    self.cold_started_at = time.monotonic()
                    self.cold_start(self.function_id)
                # Waiting for room on running containers is bounded by the queue's time; waiting for
                # the first container (scale from zero), by the time a container may take to start.
                limit, setting = (
                    (settings.SKYLIFT_WEB_QUEUE_SECONDS, "SKYLIFT_WEB_QUEUE_SECONDS")
                    if self.containers
                    else (settings.SKYLIFT_WEB_START_SECONDS, "SKYLIFT_WEB_START_SECONDS")
                )
                remaining = began + limit - time.monotonic()
                if remaining <= 0:
                    raise Busy(f"no container had room within {limit:g} s ({setting})")
                self.event.clear()
                try:
                    await asyncio.wait_for(self.event.wait(), min(WAIT_POLL_SECONDS, remaining))
                except TimeoutError:
                    await self.refresh()
                    await self._check_failed(failure_checked_after)
                slot = self.try_acquire(method)
                if slot is not None:
                    return slot
        finally:
            self.waiting -= 1

    async def _check_failed(self, since: float) -> None:
        """A container of the function that failed to start serving since the request came says why."""
        if self.containers:
            return
        raw = await self.redis.get(failed_key(self.function_id))
        if not raw:
            return
        entry = json.loads(raw)
        if float(entry.get("at", 0)) >= since - 1.0:
            raise StartFailed(str(entry.get("reason", "")), str(entry.get("message", "")))

    def _report_demand(self) -> None:
        """While requests wait or run, tell the autoscaler how many (every DEMAND_SECONDS)."""
        if self.demand_task is None or self.demand_task.done():
            self.demand_task = asyncio.get_running_loop().create_task(self._demand_loop())

    async def _demand_loop(self) -> None:
        field_name = f"{self.function_id}|{GATEWAY_ID}"
        try:
            while True:
                busy = self.busy
                await self.redis.hset(
                    WEB_DEMAND_KEY, field_name, json.dumps({"busy": busy, "at": time.time()})
                )
                if not busy:
                    await self.redis.hdel(WEB_DEMAND_KEY, field_name)
                    return
                await asyncio.sleep(DEMAND_SECONDS)
        except Exception:  # noqa: BLE001 - the autoscaler then sees less demand; requests still wait
            log.warning("could not report web demand of %s", self.function_id, exc_info=True)
