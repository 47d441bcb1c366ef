"""`exec` in a sandbox or in a function's container, from the client: a WebSocket on the control
plane spliced to a tunnel through the container's host agent (hosts/relay_sandbox.py), the way the
web gateway reaches containers (hosts/relay_web.py).

    GET /api/v1/sandboxes/{id}/exec/   (WebSocket; Authorization: Bearer <token>)
    GET /api/v1/tasks/{id}/exec/       (the same, in a function's running container:
                                        `skylift container exec`)
    client -> {"command": [...], "workdir": "...", "timeout": s, "tty": bool, "secrets": [refs]}
              first message, text ("secrets": sandboxes only, as Sandbox.create's)
    client -> b"\\x00" + stdin bytes; b"\\x00" alone closes stdin
    client -> b"\\x05" + b"ROWS COLS": the terminal's size (with "tty": the process has a terminal,
              its output all comes as stdout)
    server -> b"\\x01" + stdout bytes, b"\\x02" + stderr bytes
    server -> {"returncode": n, "timed_out": bool}  or  {"error": {"code", "message"}}   last, text

Each WebSocket message is one tunnel frame and the other way round; one is read only once the
last has been sent on, so a slow reader slows the process down (back-pressure end to end). While
an exec is open a sandbox counts as active (its idle_timeout does not run). A function's container
takes the same request and the same frames; who may: its app's creator, an owner or an admin.
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

PATH = re.compile(r"^/api/v1/(?P<kind>sandboxes|tasks)/(?P<id>[A-Za-z0-9_-]{1,32})/exec/?$")
ACTIVE_EVERY_SECONDS = 2.0  # below the smallest idle_timeout (5 s)
MAX_COMMAND_BYTES = 256 * 1024
MAX_EXEC_TIMEOUT = 24 * 3600


def serves(scope) -> bool:
    return scope["type"] == "websocket" and PATH.match(scope["path"]) is not None


class Refused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _prepare(header: str, kind: str, sandbox_id: str, request: dict) -> tuple[str, dict]:
    """Who asks, whether they may, and the signed request for the container's agent."""
    from accounts.authentication import ApiTokenAuthentication
    from accounts.permissions import ADMIN_OR_CREATOR
    from vault.services import sealed_env

    from .models import Sandbox, SandboxStatus
    from .queues import redis_client
    from .sandbox_pool import exec_vars
    from .sandboxes import validate_command

    close_old_connections()
    try:
        auth = ApiTokenAuthentication().authenticate(SimpleNamespace(META={"HTTP_AUTHORIZATION": header}))
    except exceptions.AuthenticationFailed as exc:
        raise Refused("not_authenticated", str(exc.detail)) from None
    if auth is None:
        raise Refused("not_authenticated", "An API token is required (Authorization: Bearer ...).")
    user, context = auth
    if kind == "tasks":
        sandbox = _task(sandbox_id, context.workspace)
        creator, what = sandbox.app.created_by_id, "the app of this container"
    else:
        sandbox = (
            Sandbox.objects.select_related("host", "app__environment")
            .filter(pk=sandbox_id, workspace=context.workspace, pool=False)
            .first()
        )
        if sandbox is None:
            raise Refused("not_found", f"Sandbox {sandbox_id} not found.")
        creator, what = sandbox.created_by_id, "it"
    if context.role not in ADMIN_OR_CREATOR.anyone and creator != user.id:
        raise Refused(
            "permission_denied",
            f"Running commands in a {_NOUN[kind]} needs {ADMIN_OR_CREATOR.needs(what)}.",
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
    tty = request.get("tty", False)
    if not isinstance(tty, bool):
        raise Refused("invalid", "tty is true or false.")
    workdir = request.get("workdir") or ""
    if not isinstance(workdir, str) or (workdir and not workdir.startswith("/")):
        raise Refused("invalid", "The workdir is an absolute path, e.g. /root.")
    env: list[str] = []
    refs = request.get("secrets")
    if refs:
        if kind != "sandboxes":
            raise Refused("invalid", "secrets are given to processes exec'd into sandboxes only.")
        try:
            _, token = sealed_env(workspace=context.workspace, app=sandbox.app, refs=refs)
        except Exception as exc:  # noqa: BLE001 - an ApiError: its words go back
            raise Refused(getattr(exc, "code", "invalid"), str(exc)) from None
        env = [token.decode()] if token else []
    if kind == "sandboxes" and sandbox.secrets_token:
        env.insert(0, bytes(sandbox.secrets_token).decode())
    noun = _NOUN[kind].capitalize()
    if sandbox.status != SandboxStatus.RUNNING or not sandbox.container_id or sandbox.host is None:
        if sandbox.status in (SandboxStatus.PENDING, SandboxStatus.STARTING):
            raise Refused("not_ready", f"{noun} {sandbox.id} is still starting.")
        raise Refused("terminated", f"{noun} {sandbox.id} has finished ({sandbox.cause or sandbox.status}).")
    address = redis_client().get(agent_key(sandbox.host.name))
    if not address:
        raise Refused("unavailable", f"The host of {_NOUN[kind]} {sandbox.id} does not answer.")
    variables = exec_vars(sandbox) if kind == "sandboxes" else {}
    signed = {
        "sandbox": sandbox.id,
        "container": sandbox.container_id,
        "command": command,
        "workdir": workdir,
        "timeout": timeout,
        "tty": tty,
        "env": env,
        "vars": variables,
        "sig": exec_signature(
            sandbox.id, sandbox.container_id, command, workdir, timeout, tty, env, variables
        ),
    }
    return address.decode() if isinstance(address, bytes) else str(address), signed


_NOUN = {"sandboxes": "sandbox", "tasks": "container"}


def _task(task_id: str, workspace):
    from .models import Task

    task = (
        Task.objects.select_related("host", "function__app").filter(pk=task_id, workspace=workspace).first()
    )
    if task is None:
        raise Refused("not_found", f"Container {task_id} not found.")
    return task


def _active(sandbox_id: str) -> None:
    close_old_connections()
    delivery.run(delivery.sandbox_active(sandbox_id))


async def serve(scope, receive, send) -> None:
    matched = PATH.match(scope["path"])
    assert matched is not None  # serves() matched it
    kind, sandbox_id = matched["kind"], matched["id"]
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
        address, signed = await sync_to_async(_prepare)(
            headers.get("authorization", ""), kind, sandbox_id, request
        )
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
            send,
            {"error": {"code": "unavailable", "message": f"The {_NOUN[kind]}'s host did not answer: {exc}"}},
        )
        return
    await _splice(sandbox_id, receive, send, reader, writer, sandbox=kind == "sandboxes")


async def _splice(
    sandbox_id: str,
    receive,
    send,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    *,
    sandbox: bool,
):
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
        # A sandbox's idle clock (a function's container has none): touched as the process starts,
        # beside its first output rather than before it, then every ACTIVE_EVERY_SECONDS.
        while sandbox:
            await sync_to_async(_active)(sandbox_id)
            await asyncio.sleep(ACTIVE_EVERY_SECONDS)

    loop = asyncio.get_running_loop()
    feeding, touching = loop.create_task(upstream()), loop.create_task(keep_active())
    final: dict = {"error": {"code": "lost", "message": "The connection to the container's host was lost."}}
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
            if sandbox:
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
