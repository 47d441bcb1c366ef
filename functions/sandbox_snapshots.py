"""`sb.snapshot_filesystem()`: a running sandbox's filesystem as an Image that later sandboxes and
functions start from.

The control plane asks the sandbox's host agent (through its tunnel listener, with a signed request,
as exec does: hosts/relay_sandbox.py) to `docker commit` the container as
`{registry/}skylift/snapshot:{sandbox}-{n}` (pushed to the shared registry when there is one); the
image gets the configuration of the image the sandbox started from, not the sandbox's environment.
It is then registered as an Image of the workspace, ready, so that anything taking an image id
(a sandbox's `image_id`, a function's image spec `{"image_id": ...}`) runs on it.
"""

from __future__ import annotations

import hashlib
import json
import socket

from django.conf import settings

from builds.models import Image, ImageStatus
from config.errors import ApiError
from config.ids import new_id
from hosts.relay_sandbox import agent_key, snapshot_signature

from .models import Sandbox, SandboxStatus
from .queues import redis_client

__all__ = ["SNAPSHOT_REPOSITORY", "sandbox_snapshot"]

SNAPSHOT_REPOSITORY = "skylift/snapshot"
# A commit copies the container's changed files: large ones take a while.
COMMIT_SECONDS = 600.0


def _repository() -> str:
    registry = settings.SKYLIFT_IMAGE_REGISTRY.strip("/")
    return f"{registry}/{SNAPSHOT_REPOSITORY}" if registry else SNAPSHOT_REPOSITORY


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


def sandbox_snapshot(sandbox: Sandbox) -> Image:
    """Commit the running sandbox's filesystem; the new ready Image of its workspace."""
    host, port = agent_address(sandbox)
    ref = f"{_repository()}:{sandbox.id.lower()}{new_id('', 8).lower()}"
    request = {
        "op": "snapshot",
        "sandbox": sandbox.id,
        "container": sandbox.container_id,
        "ref": ref,
        "sig": snapshot_signature(sandbox.id, sandbox.container_id, ref),
    }
    try:
        with socket.create_connection((host, port), timeout=10) as connection:
            connection.settimeout(COMMIT_SECONDS)
            connection.sendall(json.dumps(request).encode() + b"\n")
            reply = json.loads(connection.makefile("rb").readline() or b"{}")
    except (OSError, ValueError) as exc:
        raise ApiError(
            f"The host of sandbox {sandbox.id} did not answer: {exc}", code="unavailable", status_code=503
        ) from None
    if not reply.get("ok"):
        raise ApiError(
            f"Sandbox {sandbox.id} could not be snapshotted: {reply.get('error', 'the host refused')}",
            code="snapshot_failed",
            status_code=409,
        )
    source = sandbox.image
    return Image.objects.create(
        workspace=sandbox.workspace,
        spec={"snapshot_of": sandbox.id, "from_image": source.id},
        spec_hash=hashlib.sha256(f"snapshot\0{reply['docker_id']}\0{ref}".encode()).hexdigest(),
        docker_ref=ref,
        python_version=source.python_version,
        status=ImageStatus.READY,
    )
