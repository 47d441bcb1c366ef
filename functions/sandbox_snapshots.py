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

from django.conf import settings

from builds.models import Image, ImageStatus
from config.ids import new_id
from hosts.relay_sandbox import snapshot_signature

from .models import Sandbox
from .sandbox_agent import agent_call

__all__ = ["SNAPSHOT_REPOSITORY", "sandbox_snapshot"]

SNAPSHOT_REPOSITORY = "skylift/snapshot"
# A commit copies the container's changed files: large ones take a while.
COMMIT_SECONDS = 600.0


def _repository() -> str:
    registry = settings.SKYLIFT_IMAGE_REGISTRY.strip("/")
    return f"{registry}/{SNAPSHOT_REPOSITORY}" if registry else SNAPSHOT_REPOSITORY


def sandbox_snapshot(sandbox: Sandbox) -> Image:
    """Commit the running sandbox's filesystem; the new ready Image of its workspace."""
    ref = f"{_repository()}:{sandbox.id.lower()}{new_id('', 8).lower()}"
    request = {"op": "snapshot", "ref": ref, "sig": snapshot_signature(sandbox.id, sandbox.container_id, ref)}
    reply = agent_call(sandbox, request, seconds=COMMIT_SECONDS, sign=False)
    source = sandbox.image
    return Image.objects.create(
        workspace=sandbox.workspace,
        spec={"snapshot_of": sandbox.id, "from_image": source.id},
        spec_hash=hashlib.sha256(f"snapshot\0{reply['docker_id']}\0{ref}".encode()).hexdigest(),
        docker_ref=ref,
        python_version=source.python_version,
        status=ImageStatus.READY,
    )
