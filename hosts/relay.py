"""The data-plane relay of a host: containers' only channel to the platform.

Each container gets its own Unix socket (`<host dir>/tasks/<ta-id>/sock`, mounted into it at
/skylift/io). Over it the container authenticates with its task token, long-polls for inputs,
pushes outputs and ships logs; the relay does the Redis and PostgreSQL work on its behalf, in
batches. The Celery side of the agent asks for sockets over the control socket
(`<host dir>/relay.sock`) before it starts a container.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import secrets
import shutil
import struct
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Coroutine
from datetime import datetime
from pathlib import Path
from typing import Protocol, TypeVar, TypeVarTuple, cast

import psycopg
import redis.asyncio as aioredis
from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from functions.events import app_group
from functions.queues import (
    DELAYED_KEY,
    DONE_TTL_SECONDS,
    LOG_STREAM_MAXLEN,
    REDIS_DOWN,
    STATS_KEY,
    cancel_key,
    done_key,
    input_queue_key,
    logs_key,
    output_message,
)
from skylift.contract import MAX_HEADER, encode_frame, split_body
from skylift.contract.protocol import RESTRICTED
from skylift.contract.web import web_parts
from vault.keys import KeyMismatch

from .relay_store import RelayStore
from .relay_web import WebTunnels

__all__ = ["Relay", "control_request", "wake_messages"]

T = TypeVar("T")
Ts = TypeVarTuple("Ts")

log = logging.getLogger(__name__)
_PREFIX = struct.Struct(">II")


def host_dir() -> Path:
    return Path(settings.SKYLIFT_HOST_DIR)


def socket_dir() -> Path:
    """Where the relay's sockets live: a short path, because AF_UNIX paths stop at 107 bytes.

    One directory per host directory (hashed), private to the agent's user.
    """
    if settings.SKYLIFT_SOCKET_DIR:
        return Path(settings.SKYLIFT_SOCKET_DIR)
    digest = hashlib.sha256(str(host_dir().resolve()).encode()).hexdigest()[:10]
    return Path(tempfile.gettempdir()) / f"skylift-{os.getuid()}-{digest}"


def control_socket_path() -> Path:
    return socket_dir() / "relay.sock"


def task_dir(task_id: str) -> Path:
    return socket_dir() / task_id


def control_request(message: dict, timeout: float = 10.0) -> dict:
    """Ask the relay of this host for something (used by the agent's Celery tasks)."""
    import socket

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(str(control_socket_path()))
        sock.sendall(json.dumps(message).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    reply = json.loads(data or b"{}")
    if not reply.get("ok"):
        raise RuntimeError(f"relay refused {message.get('op')}: {reply.get('error')}")
    return reply


RUNTIME_FIELDS = (
    "module",
    "qualname",
    "name",
    "timeout",
    "scaledown_window",
    "is_generator",
    "max_inputs",
    "restrict_modal_access",
)


def _definition(task: dict) -> dict:
    """What the container runtime needs to know about its function."""
    return {**(task["definition"] or {}), **{k: task[k] for k in RUNTIME_FIELDS}}


PUBLISH_DELAY_SECONDS = 0.2
DB_ATTEMPTS = 8  # about 12 s of a database away before a container's request fails
WAKE_INLINE_MAX = 16 * 1024  # results up to this size ride in the wake-up itself
# How often a cluster member waiting for its next input looks for the one its leader took.
MEMBER_POLL_SECONDS = 0.2
# A container's long-poll for inputs waits on Redis at most this long at a time, so that one told to
# stop (`drain`, sent by its runtime at SIGTERM) is answered within it, not at the poll's end.
DRAIN_CHECK_SECONDS = 1.0


def wake_messages(written: list[dict], bodies: dict[str, bytes]) -> dict[str, bytes]:
    """The wake-up to push for each call that got outputs.

    When a call got exactly one small output, the wake-up carries it (already committed in
    PostgreSQL), so a waiting `.remote()` answers without reading it back. Otherwise the
    wake-up is just a nudge, and waiters read the database.
    """
    per_call: dict[str, list[dict]] = {}
    for row in written:
        per_call.setdefault(row["call_id"], []).append(row)
    messages = {}
    for call_id, rows in per_call.items():
        row = rows[0]
        body = bodies.get(row["id"], b"")
        if len(rows) == 1 and not row["blob"] and len(body) <= WAKE_INLINE_MAX:
            messages[call_id] = json.dumps(output_message(row, body)).encode()
        else:
            messages[call_id] = b"1"
    return messages


async def _read_frame(reader: asyncio.StreamReader) -> tuple[dict, bytes]:
    header_len, body_len = _PREFIX.unpack(await reader.readexactly(_PREFIX.size))
    if header_len > MAX_HEADER:
        raise ValueError("frame header too large")
    header = json.loads(await reader.readexactly(header_len))
    body = await reader.readexactly(body_len) if body_len else b""
    return header, body


class CallHandler(Protocol):
    """What answers the calls a container makes (`hosts.relay_calls.ContainerCalls`)."""

    ops: frozenset[str]

    async def handle(self, task: dict, header: dict, body: bytes) -> tuple[dict, bytes]: ...

    async def cancel_children(self, input_ids: list[str], why: str) -> None: ...


class Relay:
    def __init__(self, calls: Callable[[Relay], CallHandler] | None = None) -> None:
        """`calls` makes the handler of the calls containers make (`.remote()` from inside a function);
        the host agent gives it (`hosts.relay_calls.ContainerCalls`), and without it they are refused."""
        self.store = RelayStore()
        # No socket timeout: long-polls (BLPOP) outlast redis-py's 5 s default; their own timeouts bound them.
        self.redis = aioredis.Redis.from_url(
            settings.REDIS_URL,
            max_connections=512,
            socket_timeout=None,
            socket_keepalive=True,
            health_check_interval=30,
        )
        self.servers: dict[str, asyncio.base_events.Server] = {}
        # Session nonce -> task row (with the function's serialized bytes), for a container's
        # further connections (`join`); dropped with the task's socket (close_task).
        self.sessions: dict[str, dict] = {}
        self.task_sessions: dict[str, set[str]] = {}
        # Calls each task was handed inputs of: a container may attribute log lines only to those.
        self.handed: dict[str, dict[str, None]] = {}
        # The last input each cluster member was handed, (started_at, id) (`_member_inputs`).
        self.member_seen: dict[str, tuple[datetime, str]] = {}
        # Containers stopping (SIGTERM): their long-polls end now and they get no more inputs.
        self.draining: set[str] = set()
        layer = get_channel_layer()
        if layer is None:
            raise ImproperlyConfigured("settings.CHANNEL_LAYERS has no default layer")
        self.layer = layer
        self.pending_tasks: set[asyncio.Task] = set()
        self.dirty_calls: set[str] = set()  # calls whose new state the dashboard has not been sent
        self.started_calls: set[str] = set()  # calls an input of which was claimed: mark them running
        self.served: Counter[str] = Counter()  # inputs handed to each container since the last flush
        self.publish_scheduled = False
        self.calls = calls(self) if calls is not None else None
        self.web = WebTunnels(self.redis)

    async def serve(self) -> None:
        await self.store.open()
        path = control_socket_path()
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        server = await asyncio.start_unix_server(self._control, path=str(path))
        os.chmod(path, 0o600)
        await self.web.listen(local=socket_dir() / "web.sock")
        log.info("relay listening on %s", path)
        asyncio.get_running_loop().create_task(self.move_due())
        async with server:
            await server.serve_forever()

    # Control socket ------------------------------------------------------------------------

    async def _control(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            message = json.loads(await reader.readline())
            op = message.get("op")
            if op == "open":
                await self.open_task(message["task_id"])
                reply = {"ok": True, "dir": str(task_dir(message["task_id"]))}
            elif op == "close":
                await self.close_task(message["task_id"])
                reply = {"ok": True}
            elif op == "sandbox_open":  # an idle sandbox's launcher socket (hosts/relay_launch.py)
                from .relay_launch import LAUNCHERS

                sandbox_id = str(message["sandbox_id"])
                opened = await LAUNCHERS.open(sandbox_id, socket_dir() / f"{sandbox_id}.launch")
                reply = {"ok": True, "dir": str(opened)}
            elif op == "sandbox_close":
                from .relay_launch import LAUNCHERS

                sandbox_id = str(message["sandbox_id"])
                await LAUNCHERS.close(sandbox_id, socket_dir() / f"{sandbox_id}.launch")
                reply = {"ok": True}
            else:
                reply = {"ok": False, "error": f"unknown op {op!r}"}
        except Exception as exc:  # noqa: BLE001 - report, don't crash the relay
            log.exception("control request failed")
            reply = {"ok": False, "error": str(exc)}
        writer.write(json.dumps(reply).encode() + b"\n")
        await writer.drain()
        writer.close()

    async def open_task(self, task_id: str) -> None:
        if task_id in self.servers:
            return
        directory = task_dir(task_id)
        directory.mkdir(parents=True, exist_ok=True)
        sock = directory / "sock"
        sock.unlink(missing_ok=True)
        self.servers[task_id] = await asyncio.start_unix_server(
            lambda r, w: self._serve_container(task_id, r, w), path=str(sock)
        )

    async def close_task(self, task_id: str) -> None:
        await self.web.gone(task_id)
        self.handed.pop(task_id, None)
        self.member_seen.pop(task_id, None)
        self.draining.discard(task_id)
        for session in self.task_sessions.pop(task_id, ()):
            self.sessions.pop(session, None)
        server = self.servers.pop(task_id, None)
        if server is not None:
            server.close()
        shutil.rmtree(task_dir(task_id), ignore_errors=True)

    # Container connections ------------------------------------------------------------------

    async def _serve_container(
        self, task_id: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """One connection of a container: `hello` first (task token), or `join` with the session it got."""
        task: dict | None = None
        handed_calls = self.handed.setdefault(task_id, {})
        parked = False
        control = False  # the container's first connection: it closes when the container ends
        try:
            while True:
                try:
                    header, body = await _read_frame(reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                op = header.get("op")
                if op == "hello":
                    control = True
                    task = await self._with_db(self.store.task_hello, task_id, header.get("token", ""))
                    if task is None:
                        writer.write(encode_frame({"error": "unknown task or bad token"}))
                        await writer.drain()
                        return
                    try:
                        env = await self._with_db(self.store.secret_env, task)
                        if not task["restrict_modal_access"]:
                            # Its identity, for outside services that accept OIDC; the runtime's
                            # own. Not for a restricted function: its code is not trusted.
                            token = await self._with_db(self.store.identity_token, task)
                            env |= {"SKYLIFT_IDENTITY_TOKEN": token, "MODAL_IDENTITY_TOKEN": token}
                    except (LookupError, KeyMismatch) as exc:
                        # Its containers cannot start: after a few, its pending inputs fail with this.
                        message = f"could not give the container its secrets: {exc}"
                        await self._with_db(self.store.task_failed, task_id, "secrets_unavailable", message)
                        writer.write(encode_frame({"error": message}))
                        await writer.drain()
                        return
                    session = secrets.token_urlsafe(16)
                    self.sessions[session] = task
                    self.task_sessions.setdefault(task_id, set()).add(session)
                    serialized, params = bytes(task["serialized"] or b""), bytes(task["params"] or b"")
                    writer.write(
                        encode_frame(
                            {
                                "function": _definition(task),
                                "env": env,
                                "session": session,
                                "sizes": [len(serialized), len(params)],
                            },
                            serialized + params,
                        )
                    )
                elif op == "join":
                    task = self.sessions.get(header.get("token", ""))
                    if task is None or task["id"] != task_id:
                        writer.write(encode_frame({"error": "bad session"}))
                        await writer.drain()
                        return
                    writer.write(encode_frame({"ok": True}))
                elif task is None:
                    writer.write(encode_frame({"error": "say hello first"}))
                    await writer.drain()
                    return
                elif op == "get":
                    reply, payload = await self._get(task, header, handed_calls)
                    writer.write(encode_frame(reply, payload))
                elif op == "put":
                    await self._put(task, header, body)
                    writer.write(encode_frame({"ok": True}))
                elif op == "log":
                    await self._log(task, header.get("lines", []), handed_calls)
                    writer.write(encode_frame({"ok": True}))
                elif op == "item":
                    await self._item(task, header, body, handed_calls)
                    writer.write(encode_frame({"ok": True}))
                elif op == "requeue":
                    await self._requeue(task, header.get("inputs", []), header.get("reason", "preempted"))
                    writer.write(encode_frame({"ok": True}))
                elif op == "drain":
                    # Stopping: the long-poll under way (on another connection) ends, no input more.
                    self.draining.add(task_id)
                    writer.write(encode_frame({"ok": True}))
                elif op == "may_exit":
                    # A cluster's members leave with their leader (`delivery.clusters_broken`).
                    ok = not task.get("cluster_rank") and await self._with_db(self.store.may_exit, task)
                    writer.write(encode_frame({"ok": ok}))
                elif op == "watch":
                    cancelled = await self._watch(task, header)
                    if cancelled and (reader.at_eof() or writer.is_closing()):
                        # The container hung up during the long-poll (it reconnects to watch
                        # again): the cancellations go back for that next watch, not to the void.
                        await self._best_effort(
                            "handing back cancellations",
                            self.redis.lpush(cancel_key(task["id"]), *reversed(cancelled)),
                        )
                        return
                    writer.write(encode_frame({"cancel": cancelled}))
                elif self.calls is not None and op in self.calls.ops:
                    if task["restrict_modal_access"]:
                        writer.write(encode_frame({"error": RESTRICTED, "code": "restricted"}))
                    else:
                        reply, payload = await self.calls.handle(task, header, body)
                        writer.write(encode_frame(reply, payload))
                elif op == "web_wait":
                    # Parked for a gateway's tunnel (hosts.relay_web): the connection is the tunnel's now.
                    await self.web.park(task_id, reader, writer)
                    parked = True
                    return
                elif op == "web_ready":
                    await self.web.ready(task, int(header.get("capacity", 1)))
                    writer.write(encode_frame({"ok": True}))
                elif op == "web_gone":
                    await self.web.gone(task_id)
                    writer.write(encode_frame({"ok": True}))
                elif op == "bye":
                    reason = str(header.get("reason", ""))
                    log.info("container %s leaves: %s", task_id, reason)
                    if reason in ("import_failed", "web_start_failed"):
                        message = str(header.get("message", ""))
                        await self._with_db(self.store.task_failed, task_id, reason, message)
                        if web_parts(_definition(task)):
                            # Requests waiting for this container get the reason instead of waiting on.
                            await self.web.failed(task, reason, message)
                    writer.write(encode_frame({"ok": True}))
                else:
                    writer.write(encode_frame({"error": f"unknown op {op!r}"}))
                await writer.drain()
        except Exception:  # noqa: BLE001
            log.exception("relay connection of %s failed", task_id)
        finally:
            if not parked:
                writer.close()
            if control:
                # The container ended (or crashed): no gateway tunnel may wait for it.
                await self.web.gone(task_id)

    async def _get(self, task: dict, header: dict, handed_calls: dict[str, None]) -> tuple[dict, bytes]:
        try:
            return await self._get_inputs(task, header, handed_calls)
        except REDIS_DOWN:
            # Redis restarting or unreachable: the container just asks again; the inputs are safe in
            # PostgreSQL and the reconciler pushes them again (RELIABILITY F6).
            log.warning("redis unavailable while serving %s", task["id"])
            await asyncio.sleep(0.5)
            return {"inputs": []}, b""

    async def _get_inputs(
        self, task: dict, header: dict, handed_calls: dict[str, None]
    ) -> tuple[dict, bytes]:
        key = input_queue_key(task["function_id"])
        want = max(1, min(int(header.get("max", 1)), 1000))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, min(float(header.get("timeout", 10)), 60.0))
        if task.get("cluster_rank"):
            return await self._member_inputs(task, want, deadline, handed_calls)
        while True:
            if task["id"] in self.draining:
                return {"inputs": []}, b""
            remaining = deadline - loop.time()
            if remaining <= 0.01:
                popped_ids = await self.redis.lpop(key, want)
            else:
                # One round trip either way: up to `want` ids at once, or the first to arrive.
                wait = min(remaining, DRAIN_CHECK_SECONDS)
                popped = await self.redis.blmpop(wait, 1, key, direction="LEFT", count=want)
                popped_ids = popped[1] if popped else None
                if not popped_ids and deadline - loop.time() > 0.01:
                    continue
            if not popped_ids:
                return {"inputs": []}, b""
            # Both answer a list when given a count; this client does not decode responses.
            ids = [i.decode() for i in cast("list[bytes]", popped_ids)]
            try:
                rows, live = await self.store.claim(task["id"], ids)
            except psycopg.OperationalError:
                # The database went away mid-claim: whatever it took goes back, and so do the ids.
                log.warning("claim for %s failed; releasing %d input(s)", task["id"], len(ids), exc_info=True)
                await self._with_db(self.store.release, task["id"], ids)
                await self._best_effort("putting back released ids", self.redis.lpush(key, *reversed(ids)))
                return {"inputs": []}, b""
            if not live:
                # Fenced off (settled by the control plane): hand the ids back, tell it to stop.
                await self._best_effort(
                    "putting back a fenced container's ids", self.redis.lpush(key, *reversed(ids))
                )
                log.warning("container %s is fenced off; it gets no more inputs", task["id"])
                return {"inputs": [], "stop": "fenced"}, b""
            if rows:
                self.served[task["id"]] += len(rows)
                self._publish_later([r["call_id"] for r in rows], started=True)
                for r in rows:
                    handed_calls[r["call_id"]] = None
                while len(handed_calls) > 10_000:  # keep the most recent calls only
                    del handed_calls[next(iter(handed_calls))]
                items = [
                    {
                        "id": r["id"],
                        "call_id": r["call_id"],
                        "idx": r["idx"],
                        "attempt": r["attempt"],
                        "method": r["method"],
                        "size": len(r["args"]),
                        # A JSON call's: the container decodes its arguments and encodes its result as JSON.
                        **({"codec": r["codec"]} if r["codec"] else {}),
                    }
                    for r in rows
                ]
                return {"inputs": items}, b"".join(bytes(r["args"]) for r in rows)
            # Every id was stale (already claimed or cancelled): wait for the next one.

    async def _member_inputs(
        self, task: dict, want: int, deadline: float, handed_calls: dict[str, None]
    ) -> tuple[dict, bytes]:
        """A cluster member's inputs (rank > 0): each input its leader took, in order, read from the
        database (the leader claimed it from the queue); polled until the deadline."""
        loop = asyncio.get_running_loop()
        while True:
            after = self.member_seen.get(task["id"])
            rows, live = await self._with_db(self.store.member_inputs, task["id"], after, want)
            if not live:
                return {"inputs": [], "stop": "fenced"}, b""
            if rows:
                self.member_seen[task["id"]] = (rows[-1]["started_at"], rows[-1]["id"])
                for r in rows:
                    handed_calls[r["call_id"]] = None
                items = [
                    {
                        "id": r["id"],
                        "call_id": r["call_id"],
                        "idx": r["idx"],
                        "attempt": r["attempt"],
                        "method": r["method"],
                        "size": len(r["args"]),
                        **({"codec": r["codec"]} if r["codec"] else {}),
                    }
                    for r in rows
                ]
                return {"inputs": items}, b"".join(bytes(r["args"]) for r in rows)
            if loop.time() >= deadline - MEMBER_POLL_SECONDS or task["id"] in self.draining:
                return {"inputs": []}, b""
            await asyncio.sleep(MEMBER_POLL_SECONDS)

    async def _put(self, task: dict, header: dict, body: bytes) -> None:
        if task.get("cluster_rank"):
            return  # a cluster member's results go nowhere: the call's result is its leader's
        outputs = header.get("outputs", [])
        for out, blob in zip(outputs, split_body(body, [o["size"] for o in outputs]), strict=True):
            out["body"] = blob
        # Fenced by attempt, the write is safe to repeat when the database drops the connection.
        written, finished, again = await self._with_db(
            self.store.record_outputs, task["id"], outputs, task["retries"] or {}
        )
        stale = len(outputs) - len(written) - len(again)
        if stale:
            # Outputs of attempts that are over (the input was requeued meanwhile): refused.
            log.warning("refused %d stale output(s) from %s", stale, task["id"])
            await self._best_effort(
                "counting stale outputs", self.redis.hincrby(STATS_KEY, "stale_outputs_refused", stale)
            )
        if again:
            # Lost, these come back through the reconciler: they are pending in the database.
            await self._best_effort("scheduling retries", self._push_later(task["function_id"], again))
        # Inputs that timed out or were cancelled: the calls they made go with them.
        ended = {o["id"] for o in outputs if o.get("cause") in ("timeout", "cancelled")}
        ended &= {w["id"] for w in written} | {a["id"] for a in again}
        if ended and self.calls is not None:
            try:
                await self.calls.cancel_children(sorted(ended), "was cancelled or timed out")
            except Exception:  # noqa: BLE001 - the outputs are recorded; the children run out on their own
                log.warning("could not cancel the calls of ended inputs", exc_info=True)
        if written:
            bodies = {o["id"]: o["body"] for o in outputs}
            pipe = self.redis.pipeline(transaction=False)
            for call_id, message in wake_messages(written, bodies).items():
                pipe.rpush(done_key(call_id), message)
                pipe.expire(done_key(call_id), DONE_TTL_SECONDS)
            # The outputs are committed; a caller that misses this nudge finds them on its next poll.
            await self._best_effort("waking callers", pipe.execute())
        self._publish_later(finished)

    async def _best_effort(self, what: str, awaitable: Awaitable[object]) -> None:
        """Await a Redis nudge whose loss the database covers (pollers and the reconciler catch up)."""
        try:
            await awaitable
        except REDIS_DOWN:
            log.warning("redis unavailable: %s skipped", what)

    async def _with_db(self, operation: Callable[[*Ts], Awaitable[T]], *args: *Ts) -> T:
        """Run a store operation, again on a fresh connection if the database dropped this one."""
        for attempt in range(DB_ATTEMPTS):
            try:
                return await operation(*args)
            except psycopg.OperationalError:
                if attempt == DB_ATTEMPTS - 1:
                    raise
                log.warning("database unavailable (attempt %d); retrying", attempt + 1, exc_info=True)
                await self.store.pool.check()  # drop the other dead connections too
                await asyncio.sleep(min(2.0, 0.1 * 2**attempt))
        raise AssertionError("unreachable")

    async def _push_later(self, function_id: str, inputs: list[dict]) -> None:
        """Retries wait out their backoff in a sorted set; `move_due` pushes them when due."""
        now = time.time()
        await self.redis.zadd(DELAYED_KEY, {f"{function_id}:{i['id']}": now + i["delay"] for i in inputs})

    async def move_due(self) -> None:
        while True:
            try:
                due = await self.redis.zrangebyscore(DELAYED_KEY, "-inf", time.time(), start=0, num=1000)
                for member in cast("list[bytes]", due):  # this client does not decode responses
                    # Several relays may see the same member: only the one that removes it pushes it.
                    if await self.redis.zrem(DELAYED_KEY, member):
                        function_id, _, input_id = member.decode().partition(":")
                        await self.redis.rpush(input_queue_key(function_id), input_id)
            except Exception:  # noqa: BLE001 - retried on the next tick; the reconciler is the backstop
                log.warning("moving due retries failed", exc_info=True)
            await asyncio.sleep(0.2)

    async def _item(self, task: dict, header: dict, body: bytes, handed_calls: dict[str, None]) -> None:
        """A value yielded by a generator: stored in order, fenced by attempt, and the caller woken."""
        call_id = header.get("call_id")
        if call_id not in handed_calls or task.get("cluster_rank"):
            return
        if await self._with_db(
            self.store.record_item,
            task["id"],
            str(header["id"]),
            int(header["attempt"]),
            int(header["n"]),
            body,
        ):
            pipe = self.redis.pipeline(transaction=False)
            pipe.rpush(done_key(call_id), "1")
            pipe.expire(done_key(call_id), DONE_TTL_SECONDS)
            await self._best_effort("waking a generator's caller", pipe.execute())

    async def _requeue(self, task: dict, inputs: list[dict], reason: str) -> None:
        if task.get("cluster_rank"):
            return  # a member holds none: what its leader holds goes back with its leader
        ids = await self._with_db(self.store.requeue, task["id"], inputs, reason)
        if ids:
            await self._best_effort(
                "queueing handed-back inputs", self.redis.rpush(input_queue_key(task["function_id"]), *ids)
            )

    async def _watch(self, task: dict, header: dict) -> list[str]:
        """Long-poll for cancellations of the inputs this container runs."""
        timeout = max(0.1, min(float(header.get("timeout", 10)), 60.0))
        try:
            popped = await self.redis.blpop([cancel_key(task["id"])], timeout=timeout)
        except REDIS_DOWN:
            await asyncio.sleep(1.0)
            return []
        if not popped:
            return []
        try:
            more = await self.redis.lpop(cancel_key(task["id"]), 100) or []
        except REDIS_DOWN:
            more = []
        ids = [popped[1], *more]
        return [i.decode() for i in ids]

    async def _log(self, task: dict, lines: list[dict], handed_calls: dict[str, None]) -> None:
        if not lines:
            return
        for line in lines:
            # A container may only attribute lines to calls it was actually given.
            if line.get("call_id") not in handed_calls:
                line["call_id"] = None
            line["text"] = str(line.get("text", ""))[:16_384]
            line["stream"] = "stderr" if line.get("stream") == "stderr" else "stdout"
        await self._with_db(self.store.record_logs, task, lines)
        pipe = self.redis.pipeline(transaction=False)
        stream = logs_key(task["app_id"])
        for line in lines:
            pipe.xadd(
                stream,
                {
                    "text": line["text"],
                    "stream": line["stream"],
                    "function": task["name"],
                    "call": line["call_id"] or "",
                    "task": task["id"],
                },
                maxlen=LOG_STREAM_MAXLEN,
                approximate=True,
            )
        pipe.expire(stream, 24 * 3600)
        await self._best_effort("streaming log lines", pipe.execute())

    def _background(self, coroutine: Coroutine[object, object, object]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self.pending_tasks.add(task)
        task.add_done_callback(self.pending_tasks.discard)

    def _publish_later(self, call_ids: list[str], *, started: bool = False) -> None:
        """Bookkeeping and dashboard updates run beside the data path, never in front of it, and coalesce.

        Calls that started or changed within PUBLISH_DELAY_SECONDS are marked running and sent to
        the dashboard together, each once, as they stand then: a busy relay makes two queries per
        interval instead of several per call.
        """
        if not call_ids:
            return
        self.dirty_calls.update(call_ids)
        if started:
            self.started_calls.update(call_ids)
        if not self.publish_scheduled:
            self.publish_scheduled = True
            self._background(self._publish_dirty())

    async def _publish_dirty(self) -> None:
        await asyncio.sleep(PUBLISH_DELAY_SECONDS)
        self.publish_scheduled = False
        call_ids, self.dirty_calls = list(self.dirty_calls), set()
        started, self.started_calls = list(self.started_calls), set()
        served, self.served = dict(self.served), Counter()
        try:
            if started or served:
                await self.store.mark_started(started, served)
        except Exception:  # noqa: BLE001 - bookkeeping only; the inputs' own rows are right
            log.warning("could not mark calls started", exc_info=True)
        for start in range(0, len(call_ids), 500):
            await self._publish_calls(call_ids[start : start + 500])

    async def _publish_calls(self, call_ids: list[str]) -> None:
        try:
            for call in await self.store.calls_for_dashboard(call_ids):
                payload = {
                    "id": call["id"],
                    "function_id": call["function_id"],
                    "function_name": call["function_name"],
                    "kind": call["kind"],
                    "status": call["status"],
                    "input_count": call["input_count"],
                    "created_at": call["created_at"].isoformat(),
                    "finished_at": call["finished_at"].isoformat() if call["finished_at"] else None,
                }
                await self.layer.group_send(
                    app_group(call["app_id"]), {"type": "call.updated", "call": payload}
                )
        except Exception:  # noqa: BLE001 - live updates are best-effort
            log.warning("could not publish call updates", exc_info=True)
