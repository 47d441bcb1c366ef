"""Sandboxes on the control plane: create one (placed and started through its host agent),
terminate it, and the tick that enforces `timeout` and `idle_timeout` whatever the client does.

Every change of a sandbox's state is a transition in functions/delivery/sandboxes.py; this module
validates, decides and sends the host agent its messages after the transitions commit.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing import budgets
from builds.models import Image, ImageStatus
from config.errors import ApiError
from skylift.contract import InvalidError, parse_gpu, validate_cpu, validate_memory
from vault.services import sealed_env
from volumes.services import resolve_mounts

from . import delivery, sandbox_pool
from .models import LIVE_SANDBOX_STATUSES, Sandbox, SandboxStatus
from .sandbox_hosts import place, send_stops

__all__ = [
    "MAX_TIMEOUT_SECONDS",
    "sandbox_create",
    "sandbox_terminate",
    "sandbox_wait_started",
    "sandboxes_tick",
    "validate_cidrs",
    "validate_command",
    "validate_tags",
]

log = logging.getLogger(__name__)

# Modal's bounds: a sandbox lives at most 24 hours (default 5 minutes).
MAX_TIMEOUT_SECONDS = 24 * 3600
DEFAULT_TIMEOUT_SECONDS = 300
# A sandbox placed but not running within this long is given up.
START_DEADLINE_SECONDS = 300
MAX_TAGS = 32
MAX_CIDRS = 100


def validate_command(command: object, *, field: str = "command") -> list[str]:
    if not isinstance(command, list) or not all(isinstance(a, str) for a in command):
        raise ApiError('The command is a list of strings, e.g. ["echo", "hi"].', field=field)
    if any("\0" in a for a in command):
        raise ApiError("A command argument may not contain a NUL character.", field=field)
    return command


def validate_tags(tags: object) -> dict[str, str]:
    if not isinstance(tags, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tags.items()
    ):
        raise ApiError('Tags are an object of strings to strings, e.g. {"team": "ml"}.', field="tags")
    if len(tags) > MAX_TAGS or any(len(k) > 64 or len(v) > 256 for k, v in tags.items()):
        raise ApiError(
            f"At most {MAX_TAGS} tags, names up to 64 and values up to 256 characters.", field="tags"
        )
    return tags


def validate_cidrs(cidrs: object) -> list[str] | None:
    """`cidr_allowlist`: IPv4 ranges ("10.0.0.0/8", "1.2.3.4/32"), normalised; None lets it reach any."""
    if cidrs is None:
        return None
    if not isinstance(cidrs, list) or len(cidrs) > MAX_CIDRS or not all(isinstance(c, str) for c in cidrs):
        raise ApiError(
            f'cidr_allowlist is a list of at most {MAX_CIDRS} IPv4 ranges, e.g. ["10.0.0.0/8"].',
            field="cidr_allowlist",
        )
    out = []
    for cidr in cidrs:
        try:
            out.append(str(ipaddress.IPv4Network(cidr.strip(), strict=False)))
        except ValueError:
            raise ApiError(
                f"{cidr!r} is not an IPv4 range like 10.0.0.0/8 (IPv6 is not routed to sandboxes).",
                field="cidr_allowlist",
            ) from None
    return sorted(set(out))


def _resources(cpu, cpu_limit, memory, memory_limit, gpu) -> tuple[float, float | None, int, int | None, str]:
    """The reservations and limits, checked as a function's are (skylift.contract)."""
    try:
        cpu, cpu_limit = validate_cpu(
            0.125 if cpu is None else cpu if cpu_limit is None else (cpu, cpu_limit)
        )
    except InvalidError as exc:
        raise ApiError(str(exc), field="cpu") from None
    try:
        memory, memory_limit = validate_memory(
            128 if memory is None else memory if memory_limit is None else (memory, memory_limit)
        )
    except InvalidError as exc:
        raise ApiError(str(exc), field="memory") from None
    try:
        specs = parse_gpu(gpu or None)
    except InvalidError as exc:
        raise ApiError(str(exc), field="gpu") from None
    return cpu, cpu_limit, memory, memory_limit, ",".join(specs)


def sandbox_create(
    *,
    workspace,
    user,
    image_id: str,
    app=None,
    command: list[str],
    name: str = "",
    workdir: str = "",
    cpu: float | None = None,
    memory: int | None = None,
    cpu_limit: float | None = None,
    memory_limit: int | None = None,
    gpu: str | list[str] | None = None,
    timeout: int | None = None,
    idle_timeout: int | None = None,
    block_network: bool = False,
    cidr_allowlist: list[str] | None = None,
    volumes: list[dict] | None = None,
    secrets: list | None = None,
    tags: dict | None = None,
) -> Sandbox:
    """A new sandbox, placed on a host (or waiting for one) and started by its agent.

    `cpu` and `memory` are reservations (placement counts them), `cpu_limit` and `memory_limit`
    hard limits above them; `gpu` a request as a function's; `volumes` and `secrets` as a
    function's (secrets sealed into one token, `vault.services.sealed_env`)."""
    image = Image.objects.filter(workspace=workspace, pk=image_id).first()
    if image is None:
        raise ApiError(f"Image {image_id} not found.", code="not_found", status_code=404, field="image_id")
    budgets.refuse_at_cap(
        workspace_id=workspace.id, app_id=app.id if app is not None else None, what="sandbox"
    )
    if image.status != ImageStatus.READY:
        raise ApiError(
            f"Image {image.id} is not built yet.", code="image_not_ready", status_code=409, field="image_id"
        )
    if workdir and not workdir.startswith("/"):
        raise ApiError("The workdir is an absolute path, e.g. /root.", field="workdir")
    cpu, cpu_limit, memory, memory_limit, gpu_spec = _resources(cpu, cpu_limit, memory, memory_limit, gpu)
    allowlist = validate_cidrs(cidr_allowlist)
    if block_network and allowlist is not None:
        raise ApiError(
            "block_network cuts every connection: give cidr_allowlist without it.", field="cidr_allowlist"
        )
    mounts = resolve_mounts(workspace=workspace, mounts=volumes)
    secret_ids, secrets_token = sealed_env(workspace=workspace, app=app, refs=secrets)
    if (
        name
        and Sandbox.objects.filter(workspace=workspace, name=name, status__in=LIVE_SANDBOX_STATUSES).exists()
    ):
        raise ApiError(
            f"A running sandbox is named {name!r} already.",
            code="already_exists",
            status_code=409,
            field="name",
        )
    command = validate_command(command)
    tags = validate_tags(tags or {})
    claimed = {
        "app": app,
        "name": name,
        "timeout": DEFAULT_TIMEOUT_SECONDS if timeout is None else timeout,
        "idle_timeout": idle_timeout,
        "secrets": secret_ids,
        "secrets_token": secrets_token,
        "tags": tags,
        "created_by": user,
    }
    shape: dict[str, Any] = {
        "command": command,
        "workdir": workdir,
        "cpu": cpu,
        "cpu_limit": cpu_limit,
        "memory": memory,
        "memory_limit": memory_limit,
        "gpu": gpu_spec,
        "block_network": block_network,
        "cidr_allowlist": allowlist,
        "volumes": mounts,
    }
    with transaction.atomic():
        if sandbox_pool.poolable(**shape):
            sandbox_pool.request_refill(workspace, image)
            pooled = sandbox_pool.pool_claim(workspace=workspace, image=image, fields=claimed)
            if pooled is not None:
                return pooled
        sandbox = Sandbox.objects.create(workspace=workspace, image=image, **shape, **claimed)
        place(sandbox)
    sandbox.refresh_from_db()
    return sandbox


def sandbox_wait_started(sandbox: Sandbox, seconds: float) -> Sandbox:
    """The sandbox once it runs (or failed to start, or ended), waiting up to `seconds` for its
    agent's wake-up (`hosts.services.sandbox_start`) with no database connection held; as it is
    then, if it is still pending or starting."""
    from .longpoll import long_poll
    from .queues import sandbox_started_key

    def look() -> Sandbox | None:
        fresh = Sandbox.objects.get(pk=sandbox.pk)
        return None if fresh.status in (SandboxStatus.PENDING, SandboxStatus.STARTING) else fresh

    if seconds <= 0:
        return sandbox
    return long_poll(look, key=sandbox_started_key(sandbox.id), timeout=seconds) or Sandbox.objects.get(
        pk=sandbox.pk
    )


def sandbox_terminate(sandbox: Sandbox, *, cause: str = "terminated") -> bool:
    """Stop it; its end is recorded when its container's exit is seen. False if it was not live."""
    with transaction.atomic():
        stop = delivery.run(delivery.sandbox_stopping(sandbox.id, cause))
        if stop is not None:
            send_stops([stop])
    return stop is not None


def sandboxes_tick() -> None:
    """Every autoscaler tick: stop the sandboxes past their time or idle too long, place the ones
    waiting for a host, and give up the ones that never came up."""
    with transaction.atomic():
        stops = delivery.run(delivery.sandboxes_expired())
        send_stops(stops)
    if stops:
        log.info("sandboxes stopped for their timeouts: %s", [s.sandbox_id for s in stops])
    lost = delivery.run(delivery.sandboxes_host_lost())
    if lost:
        log.warning("sandboxes lost with their host: %s", lost)
    sandbox_pool.pools_tick()
    for sandbox in Sandbox.objects.filter(
        status=SandboxStatus.PENDING, host__isnull=True, pool=False
    ).order_by("created_at")[:50]:
        with transaction.atomic():
            place(sandbox)
    cutoff = timezone.now() - timedelta(seconds=START_DEADLINE_SECONDS)
    for sandbox_id in Sandbox.objects.filter(
        status__in=[SandboxStatus.PENDING, SandboxStatus.STARTING], host__isnull=False, created_at__lt=cutoff
    ).values_list("pk", flat=True):
        delivery.run(delivery.sandbox_start_failed(sandbox_id, "its container did not start in time"))
