"""Requests from the control plane to a running sandbox's host agent, on the agent's tunnel
listener (hosts/relay_sandbox.py): one signed JSON line each way, for snapshots, logs and
processes. (exec and tunnels keep the connection open: functions/sandbox_exec.py, web/sandbox_tunnels.py.)"""

from __future__ import annotations

import json
import socket

from config.errors import ApiError
from hosts.relay_sandbox import agent_key, query_signature

from .models import Sandbox, SandboxStatus
from .queues import redis_client

__all__ = ["agent_address", "agent_call"]


def agent_address(sandbox: Sandbox) -> tuple[str, int]:
    """The sandbox's host agent's tunnel listener, or a clear error when the sandbox is not running."""
    if sandbox.status != SandboxStatus.RUNNING or not sandbox.container_id or sandbox.host is None:
        if sandbox.status in (SandboxStatus.PENDING, SandboxStatus.STARTING):
            raise ApiError(f"Sandbox {sandbox.id} is still starting.", code="not_ready", status_code=409)
        raise ApiError(
            f"Sandbox {sandbox.id} has finished ({sandbox.cause or sandbox.status}).",
            code="terminated",
            status_code=409,
        )
    address = redis_client().get(agent_key(sandbox.host.name))
    if not address:
        raise ApiError(
            f"The host of sandbox {sandbox.id} does not answer.", code="unavailable", status_code=503
        )
    host, _, port = (address.decode() if isinstance(address, bytes) else str(address)).rpartition(":")
    return host, int(port)


def agent_call(sandbox: Sandbox, request: dict, *, seconds: float = 30.0, sign: bool = True) -> dict:
    """Send `request` about the sandbox's container to its agent; its answer (with "ok": true), or
    an ApiError saying why not."""
    host, port = agent_address(sandbox)
    request = {"sandbox": sandbox.id, "container": sandbox.container_id, **request}
    if sign:
        request["sig"] = query_signature(request["op"], sandbox.id, sandbox.container_id)
    try:
        with socket.create_connection((host, port), timeout=10) as connection:
            connection.settimeout(seconds)
            connection.sendall(json.dumps(request).encode() + b"\n")
            reply = json.loads(connection.makefile("rb").readline() or b"{}")
    except (OSError, ValueError) as exc:
        raise ApiError(
            f"The host of sandbox {sandbox.id} did not answer: {exc}", code="unavailable", status_code=503
        ) from None
    if not reply.get("ok"):
        raise ApiError(
            f"Sandbox {sandbox.id}: {reply.get('error', 'the host refused')}",
            code="agent_refused",
            status_code=409,
        )
    return reply
