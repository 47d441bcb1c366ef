"""`exec` in a sandbox, from the client: a WebSocket on the control plane spliced to a tunnel
through the sandbox's host agent (hosts/relay_sandbox.py), the way the web gateway reaches
containers (hosts/relay_web.py).

    GET /api/v1/sandboxes/{id}/exec/   (WebSocket; Authorization: Bearer <token>)
    client -> {"command": [...], "workdir": "...", "timeout": s}   first message, text
    client -> b"\\x00" + stdin bytes; b"\\x00" alone closes stdin
    server -> b"\\x01" + stdout bytes, b"\\x02" + stderr bytes
    server -> {"returncode": n, "timed_out": bool}  or  {"error": {"code", "message"}}   last, text

Each WebSocket message is one tunnel frame and the other way round; one is read only once the
last has been sent on, so a slow reader slows the process down (back-pressure end to end). While
an exec is open the sandbox counts as active (its idle_timeout does not run).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from types import SimpleNamespace

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from rest_framework import exceptions

from hosts.relay_sandbox import KIND_EXIT, KIND_TIMED_OUT, agent_key, exec_signature, frame, read_frame

from . import delivery

__all__ = ["PATH", "serves", "serve"]

log = logging.getLogger(__name__)

PATH = re.compile(r"^/api/v1/sandboxes/(?P<id>[A-Za-z0-9_-]{1,32})/exec/?$")
ACTIVE_EVERY_SECONDS = 2.0  # below the smallest idle_timeout (5 s)
MAX_COMMAND_BYTES = 256 * 1024
MAX_EXEC_TIMEOUT = 24 * 3600


def serves(scope) -> bool:
    return scope["type"] == "websocket" and PATH.match(scope["path"]) is not None


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _prepare(header: str, sandbox_id: str, request: dict) -> tuple[str, dict]:
    """Who asks, whether they may, and the signed request for the sandbox's agent."""
    from accounts.authentication import ApiTokenAuthentication
    from accounts.permissions import ADMIN_OR_CREATOR

    from .models import Sandbox, SandboxStatus
    from .queues import redis_client
    from .sandboxes import validate_command

    close_old_connections()
    try:
        auth = ApiTokenAuthentication().authenticate(SimpleNamespace(META={"HTTP_AUTHORIZATION": header}))
    except exceptions.AuthenticationFailed as exc:
        raise Refused("not_authenticated", str(exc.detail)) from None
    if auth is None:
        raise Refused("not_authenticated", "An API token is required (Authorization: Bearer ...).")
    user, context = auth
    sandbox = (
        Sandbox.objects.select_related("host").filter(pk=sandbox_id, workspace=context.workspace).first()
    )
    if sandbox is None:
        raise Refused("not_found", f"Sandbox {sandbox_id} not found.")
    if context.role not in ADMIN_OR_CREATOR.anyone and sandbox.created_by_id != user.id:
        raise Refused(
            "permission_denied", f"Running commands in a sandbox needs {ADMIN_OR_CREATOR.needs('it')}."
        )
    try:
        command = validate_command(request.get("command"))
    except Exception as exc:  # noqa: BLE001 - an ApiError: its words go back
        raise Refused("invalid", str(exc)) from None
    if not command:
        raise Refused("invalid", "The command is empty.")
    timeout = request.get("timeout")
    if timeout is not None and (
        not isinstance(timeout, int) or isinstance(timeout, bool) or not 0 < timeout <= MAX_EXEC_TIMEOUT
    ):
        raise Refused("invalid", f"The timeout is a whole number of seconds from 1 to {MAX_EXEC_TIMEOUT}.")
    workdir = request.get("workdir") or ""
    if not isinstance(workdir, str) or (workdir and not workdir.startswith("/")):
        raise Refused("invalid", "The workdir is an absolute path, e.g. /root.")
    if sandbox.status != SandboxStatus.RUNNING or not sandbox.container_id or sandbox.host is None:
        if sandbox.status in (SandboxStatus.PENDING, SandboxStatus.STARTING):
            raise Refused("not_ready", f"Sandbox {sandbox.id} is still starting.")
        raise Refused("terminated", f"Sandbox {sandbox.id} has finished ({sandbox.cause or sandbox.status}).")
    address = redis_client().get(agent_key(sandbox.host.name))
    if not address:
        raise Refused("unavailable", f"The host of sandbox {sandbox.id} does not answer.")
    delivery.run(delivery.sandbox_active(sandbox.id))
    signed = {
        "sandbox": sandbox.id,
        "container": sandbox.container_id,
        "command": command,
        "workdir": workdir,
        "timeout": timeout,
        "sig": exec_signature(sandbox.id, sandbox.container_id, command, workdir, timeout),
    }
    return address.decode() if isinstance(address, bytes) else str(address), signed


def _active(sandbox_id: str) -> None:
    close_old_connections()
    delivery.run(delivery.sandbox_active(sandbox_id))


async def serve(scope, receive, send) -> None:
    sandbox_id = PATH.match(scope["path"])["id"]  # type: ignore[index]  # serves() matched it
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    await send({"type": "websocket.accept"})
    headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
    try:
        first = await asyncio.wait_for(receive(), 30.0)
        if first["type"] != "websocket.receive" or not first.get("text"):
            raise Refused("invalid", "The first message is the command, as JSON text.")
        if len(first["text"]) > MAX_COMMAND_BYTES:
            raise Refused("invalid", "The command is too long.")
        try:
            request = json.loads(first["text"])
        except ValueError:
            raise Refused("invalid", "The first message is not JSON.") from None
        if not isinstance(request, dict):
            raise Refused("invalid", "The first message is a JSON object.")
        address, signed = await sync_to_async(_prepare)(headers.get("authorization", ""), sandbox_id, request)
        host, _, port = address.rpartition(":")
        reader, writer = await asyncio.wait_for(asyncio.open_connection(host, int(port)), 5.0)
        writer.write(json.dumps(signed).encode() + b"\n")
        reply = json.loads(await asyncio.wait_for(reader.readline(), 30.0) or b"{}")
        if not reply.get("ok"):
            writer.close()
            raise Refused("exec_failed", str(reply.get("error", "the host refused")))
    except Refused as exc:
        await _close(send, {"error": {"code": exc.code, "message": str(exc)}})
        return
    except (TimeoutError, OSError, ValueError) as exc:
        await _close(
            send, {"error": {"code": "unavailable", "message": f"The sandbox's host did not answer: {exc}"}}
        )
        return
    await _splice(sandbox_id, receive, send, reader, writer)


async def _splice(sandbox_id: str, receive, send, reader: asyncio.StreamReader, writer: asyncio.StreamWriter):
    async def upstream() -> None:
        while True:
            message = await receive()
            if message["type"] == "websocket.disconnect":
                return
            data = message.get("bytes")
            if data:
                writer.write(frame(data[0], data[1:]))
                await writer.drain()

    async def keep_active() -> None:
        while True:
            await asyncio.sleep(ACTIVE_EVERY_SECONDS)
            await sync_to_async(_active)(sandbox_id)

    loop = asyncio.get_running_loop()
    feeding, touching = loop.create_task(upstream()), loop.create_task(keep_active())
    final: dict = {"error": {"code": "lost", "message": "The connection to the sandbox's host was lost."}}
    timed_out = False
    try:
        while True:
            got = await read_frame(reader)
            if got is None:
                break
            kind, payload = got
            if kind == KIND_TIMED_OUT:
                timed_out = True
                continue
            if kind == KIND_EXIT:
                final = {"returncode": int(payload or b"-1"), "timed_out": timed_out}
                break
            if feeding.done():
                return  # the client went away: the process's output has nowhere to go
            await send({"type": "websocket.send", "bytes": bytes([kind]) + payload})
    except Exception:  # noqa: BLE001 - the tunnel or the client broke: the client learns it is lost
        log.info("an exec in %s ended early", sandbox_id, exc_info=True)
    finally:
        feeding.cancel()
        touching.cancel()
        writer.close()
        try:
            await sync_to_async(_active)(sandbox_id)
        except Exception:  # noqa: BLE001 - only the idle clock
            log.warning("could not mark %s active", sandbox_id, exc_info=True)
    await _close(send, final)


async def _close(send, final: dict) -> None:
    try:
        await send({"type": "websocket.send", "text": json.dumps(final)})
        await send({"type": "websocket.close", "code": 1000})
    except Exception:  # noqa: BLE001 - the client is gone
        pass
