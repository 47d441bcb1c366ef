"""Sandbox containers started ahead of time, so that `Sandbox.create()` finds one running.

A pool is kept per (workspace, image) while that image has had a sandbox of the common shape
created in the workspace in the last POOL_KEEP_SECONDS: `Workspace.sandbox_pool_size` of them
(None: SKYLIFT_SANDBOX_POOL_SIZE; 0 keeps none). The common shape (`poolable`) is an idle sandbox
(no command: the program execs into it) with the default resources (cpu 0.125, 128 MiB, no
limits, no GPU), no workdir, no volumes and the default network (no block_network, no
cidr_allowlist): everything a container is made with is then the same for any such create.
What a create adds — app, name, tags, timeouts, secrets (handed to exec'd processes, never to
the container), ports — is filled in when it claims one. Any other shape starts its own container.

A pooled container is a sandbox row from birth (`pool` true; functions.models.Sandbox), started
by its host agent exactly as any sandbox (hosts/services.py: same hardening, labels naming its own
sandbox id and workspace), so fencing, die events, sweeps and the platform's stop treat it as
they treat any sandbox. Until claimed it is in no API answer, is not metered (`started_at` is
null) and has no timeout but POOL_TIMEOUT_SECONDS (then it is replaced); it does hold its host's
CPU and memory for placement, as any running sandbox. A claim (delivery.sandbox_claim) is one
conditional update under FOR UPDATE SKIP LOCKED; its `created_at`, `started_at` and `active_at`
become the claim's, so timeout, idle_timeout and metering count from it; `pooled_at` stays.

Environment of a claimed sandbox's processes: the container was made without an app, so the
app's SKYLIFT_APP_ID and SKYLIFT_ENVIRONMENT (and Modal's names) are given to each exec'd process
(`exec_vars`, signed with the exec request).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Workspace
from apps.models import DEFAULT_ENVIRONMENT

from . import delivery
from .models import LIVE_SANDBOX_STATUSES, Sandbox, SandboxStatus
from .sandbox_hosts import place, send_stops

__all__ = [
    "DEFAULT_CPU",
    "DEFAULT_MEMORY",
    "exec_vars",
    "pool_claim",
    "pool_refill",
    "pool_size",
    "poolable",
    "pools_tick",
    "request_refill",
]

log = logging.getLogger(__name__)

DEFAULT_CPU = 0.125
DEFAULT_MEMORY = 128
# A pool is kept this long after the last create of its image in its workspace.
POOL_KEEP_SECONDS = 15 * 60
# A pooled container nobody claimed is replaced after this long (its timeout while pooled).
POOL_TIMEOUT_SECONDS = 3600
# At most this many containers a refill starts at once for one pool.
MAX_POOL_SIZE = 16

# The rows of the common shape (as `poolable` decides for a create's arguments).
POOLABLE_SQL = f"""command = '[]'::jsonb AND workdir = '' AND cpu = {DEFAULT_CPU} AND memory = {DEFAULT_MEMORY}
   AND cpu_limit IS NULL AND memory_limit IS NULL AND gpu = '' AND NOT block_network
   AND cidr_allowlist IS NULL AND volumes = '[]'::jsonb"""
IN_USE_SQL = f"""
SELECT DISTINCT s.workspace_id, s.image_id, w.sandbox_pool_size
  FROM {Sandbox._meta.db_table} s JOIN {Workspace._meta.db_table} w ON w.id = s.workspace_id
 WHERE NOT s.pool AND s.created_at > now() - make_interval(secs => %(keep)s) AND {POOLABLE_SQL}
"""


def pool_size(workspace) -> int:
    size = workspace.sandbox_pool_size
    return min(MAX_POOL_SIZE, settings.SKYLIFT_SANDBOX_POOL_SIZE if size is None else size)


def poolable(
    *,
    command: list[str],
    workdir: str,
    cpu: float,
    cpu_limit: float | None,
    memory: int,
    memory_limit: int | None,
    gpu: str,
    block_network: bool,
    cidr_allowlist: list[str] | None,
    volumes: list,
) -> bool:
    """Whether a create (its arguments as checked and normalised) may take a pooled container."""
    return (
        not command
        and not workdir
        and cpu == DEFAULT_CPU
        and memory == DEFAULT_MEMORY
        and cpu_limit is None
        and memory_limit is None
        and not gpu
        and not block_network
        and cidr_allowlist is None
        and not volumes
    )


def pool_claim(*, workspace, image, fields: dict) -> Sandbox | None:
    """Inside the caller's transaction: a running pooled sandbox of this image, now the caller's
    with `fields` (app, name, tags, timeouts, secrets, created_by); None when none is ready."""
    if pool_size(workspace) <= 0:
        return None
    sandbox_id = delivery.run(delivery.sandbox_claim(workspace.id, image.id))
    if sandbox_id is None:
        return None
    Sandbox.objects.filter(pk=sandbox_id).update(**fields)
    return Sandbox.objects.get(pk=sandbox_id)


def request_refill(workspace, image) -> None:
    """Once the caller's transaction commits: top the pool of this image up (on the control queue)."""
    if pool_size(workspace) <= 0:
        return
    from celery import current_app

    workspace_id, image_id = workspace.id, image.id
    transaction.on_commit(
        lambda: current_app.send_task(
            "functions.tasks.refill_sandbox_pool",  # (by name: that task calls this module)
            kwargs={"workspace_id": workspace_id, "image_id": image_id},
            expires=30,
        )
    )


def pool_refill(workspace_id: str, image_id: str, size: int) -> int:
    """Start pooled sandboxes of this image until `size` are live (starting or ready); how many
    were started. One refill of a pool at a time (an advisory lock); a container no host can
    take now is not kept waiting (the next refill tries again)."""
    started = 0
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"sandbox-pool:{workspace_id}:{image_id}"]
            )
        live = Sandbox.objects.filter(
            pool=True, workspace_id=workspace_id, image_id=image_id, status__in=LIVE_SANDBOX_STATUSES
        ).count()
        for _ in range(max(0, min(size, MAX_POOL_SIZE) - live)):
            sandbox = Sandbox.objects.create(
                workspace_id=workspace_id,
                image_id=image_id,
                pool=True,
                pooled_at=timezone.now(),
                cpu=DEFAULT_CPU,
                memory=DEFAULT_MEMORY,
                timeout=POOL_TIMEOUT_SECONDS,
            )
            # It holds the hosts of those placed before it: it must not wait for another's.
            if not place(sandbox, wait=False):
                sandbox.delete()
                break
            started += 1
    return started


def pools_tick() -> None:
    """Every autoscaler tick: top up the pools in use, stop the pooled containers of pools no
    longer in use (or turned off), and forget the pooled ones that ended."""
    with connection.cursor() as cursor:
        cursor.execute(IN_USE_SQL, {"keep": POOL_KEEP_SECONDS})
        in_use = cursor.fetchall()
    default = settings.SKYLIFT_SANDBOX_POOL_SIZE
    wanted = {(w, i): min(MAX_POOL_SIZE, default if size is None else size) for w, i, size in in_use}
    for (workspace_id, image_id), size in wanted.items():
        if size > 0:
            try:
                pool_refill(workspace_id, image_id, size)
            except Exception:  # noqa: BLE001 - one pool's failure (say, its image deleted) spares the rest
                log.warning(
                    "could not refill the sandbox pool of %s in %s", image_id, workspace_id, exc_info=True
                )
    with transaction.atomic():
        stops = delivery.run(delivery.sandboxes_pool_retired([k for k, size in wanted.items() if size > 0]))
        send_stops(stops)
    # Surplus: a pool whose size was lowered keeps only its newest ones.
    for (workspace_id, image_id), size in wanted.items():
        extra = list(
            Sandbox.objects.filter(
                pool=True, workspace_id=workspace_id, image_id=image_id, status__in=LIVE_SANDBOX_STATUSES
            )
            .order_by("-pooled_at")
            .values_list("pk", flat=True)[size:]
        )
        for sandbox_id in extra:
            with transaction.atomic():
                stop = delivery.run(delivery.sandbox_stopping(sandbox_id, "pool_retired"))
                send_stops([stop] if stop else [])
    Sandbox.objects.filter(
        pool=True,
        status__in=[SandboxStatus.STOPPED, SandboxStatus.FAILED],
        stopped_at__lt=timezone.now() - timedelta(seconds=5),
    ).delete()


def exec_vars(sandbox: Sandbox) -> dict[str, str]:
    """What an exec'd process of a sandbox claimed from the pool is given beside its container's
    environment: its app's (the container was made before anyone claimed it). Empty otherwise."""
    if sandbox.pooled_at is None:
        return {}
    from hosts.services import with_modal_names

    environment = {
        "SKYLIFT_ENVIRONMENT": (
            sandbox.app.environment.name if sandbox.app and sandbox.app.environment else DEFAULT_ENVIRONMENT
        )
    }
    if sandbox.app_id:
        environment["SKYLIFT_APP_ID"] = sandbox.app_id
    return with_modal_names(environment)
