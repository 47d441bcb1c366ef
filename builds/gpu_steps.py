"""GPU devices for build steps with `gpu=`: taken from the allocation containers take theirs from.

A build with such steps runs on a host that could hold them (`services.build_queue`). When a
step with `gpu=` is about to run, it asks placement for devices of that host
(`functions.delivery.place_build_step`, the one owner of the rule: one decision per host at a
time, devices held by containers, sandboxes and other steps are not given, reservations and the
workspace's GPU limit apply). It gets specific device indices, held in a `StepDevices` row that
the host's usage counts until the step releases it:

- when none are free now it waits, saying why in the build's log (which the SDK and the
  dashboard show as it is written), and keeps its build's heartbeat; after SKYLIFT_BUILD_GPU_WAIT seconds
  the step fails with that reason;
- when its host could never give them (too few devices of the type, or the host is draining or
  lost) the step fails at once;
- the devices are released when the step ends, however it ends (success, failure, timeout, an
  error of the builder: `hold`'s `finally`), and by the sweeper when the step's build is no
  longer running (its worker died) or its host was lost (`release_abandoned`).

The step's container gets the devices as a function's does (`hosts.gpus.visible_devices`): a
Docker device request for their UUIDs where the host's engine can honour one, and
NVIDIA_VISIBLE_DEVICES, CUDA_VISIBLE_DEVICES, SKYLIFT_GPU_DEVICES and SKYLIFT_GPU_TYPE in the
step's environment (exported by its script, so that they are not committed into the image).
"""

from __future__ import annotations

import logging
import re
import shlex
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.utils import timezone

from hosts.models import Host

from . import docker_builder
from .models import ACTIVE_BUILD_STATUSES, Build, StepDevices

__all__ = [
    "HeldDevices",
    "container_name",
    "fence_released",
    "hold",
    "release",
    "release_abandoned",
    "release_lost_devices",
]

log_ = logging.getLogger(__name__)

# How often a waiting step asks again (its reservation of the host's devices lasts longer), and
# how often it repeats in the log that it still waits.
RETRY_SECONDS = 1.0
SAY_AGAIN_SECONDS = 30.0


@dataclass(frozen=True)
class HeldDevices:
    """The devices a step holds: its hold's id, their indices and model, and how its container
    gets them (the device request's ids, and the variables that name them)."""

    hold_id: int
    devices: tuple[int, ...]
    model: str
    device_ids: list[str] = field(default_factory=list)
    environment: dict[str, str] = field(default_factory=dict)
    container: str = ""  # the start of its container's name (`container_name`)

    def prelude(self) -> str:
        """Shell lines that export the variables (a step's environment would be committed)."""
        return "".join(f"export {k}={shlex.quote(v)}\n" for k, v in sorted(self.environment.items()))


@contextmanager
def hold(*, build: Build, step: int, gpu: str, log: Callable[[str], None]) -> Iterator[HeldDevices]:
    """Hold devices of this build host for the step `step` of `build` while the block runs.

    `log` writes a line to the build's log: why the step waits, when it does (and the build's
    heartbeat goes on meanwhile). Raises StepFailed when the host could never give them, or none
    came free within SKYLIFT_BUILD_GPU_WAIT seconds."""
    from functions import delivery
    from hosts import gpus

    host = Host.objects.filter(name=settings.SKYLIFT_HOST_NAME).first()
    if host is None:
        raise docker_builder.StepFailed(
            f"the step asks for the GPU {gpu!r}, and this build host ({settings.SKYLIFT_HOST_NAME}) is not registered"
        )
    wait = settings.SKYLIFT_BUILD_GPU_WAIT
    deadline = time.monotonic() + wait
    said, said_at = "", 0.0
    while True:
        placed = delivery.run(
            delivery.place_build_step(build_id=build.id, step=step, host_id=host.id, gpu=gpu)
        )
        if placed.task_id is not None:
            break
        if placed.never:
            raise docker_builder.StepFailed(placed.reason)
        if time.monotonic() >= deadline:
            raise docker_builder.StepFailed(
                f"no GPU for {gpu!r} came free on this build host within {wait:g} s "
                f"(SKYLIFT_BUILD_GPU_WAIT). {placed.reason}"
            )
        if placed.reason != said or time.monotonic() - said_at > SAY_AGAIN_SECONDS:
            log(f"   {placed.reason}" if placed.reason != said else "   still waiting for a GPU...")
            said, said_at = placed.reason, time.monotonic()
        # Waiting is not being abandoned: the sweeper fails builds that show no sign of life.
        Build.objects.filter(pk=build.pk).update(heartbeat_at=timezone.now())
        time.sleep(RETRY_SECONDS)
    hold_id = int(placed.task_id)
    cause = "crashed"
    try:
        host.refresh_from_db(fields=["gpus", "gpu_source"])
        seen = gpus.visible_devices(
            host.gpus, placed.devices, real=not host.simulated_gpus, request=host.device_requests
        )
        names = ", ".join(str(i) for i in placed.devices)
        log(f"   GPU: {placed.model} device(s) {names} of {host.name}")
        yield HeldDevices(
            hold_id,
            placed.devices,
            placed.model,
            seen["device_ids"],
            seen["environment"],
            container_name(host.name, hold_id),
        )
        cause = "succeeded"
    except docker_builder.StepFailed:
        cause = "failed"
        raise
    finally:
        release(hold_id, cause)


RELEASE_SQL = f"""
UPDATE {StepDevices._meta.db_table} SET released_at = now(), cause = %s WHERE id = %s AND released_at IS NULL
"""


def release(hold_id: int, cause: str) -> bool:
    """Free a step's devices (once: a hold the sweeper released stays as it was)."""
    with connection.cursor() as cur:
        cur.execute(RELEASE_SQL, [cause, hold_id])
        return cur.rowcount == 1


ABANDONED_SQL = f"""
UPDATE {StepDevices._meta.db_table} s
   SET released_at = now(),
       cause = CASE WHEN h.id IS NULL OR h.lease_expires_at < now() THEN 'host_lost' ELSE 'build_ended' END
  FROM {StepDevices._meta.db_table} x
  JOIN {Build._meta.db_table} b ON b.id = x.build_id
  LEFT JOIN {Host._meta.db_table} h ON h.id = x.host_id
 WHERE s.id = x.id AND x.released_at IS NULL
   AND (b.status NOT IN ({", ".join(f"'{s.value}'" for s in ACTIVE_BUILD_STATUSES)})
        OR h.id IS NULL OR h.lease_expires_at < now())
RETURNING s.id
"""


def release_abandoned() -> int:
    """Free the devices of steps whose build is no longer running (its worker died: the build was
    failed as abandoned), or whose host was lost. Returns how many holds were released."""
    with connection.cursor() as cur:
        cur.execute(ABANDONED_SQL)
        return cur.rowcount


# The host side: a step's container is named for its hold, so that its host agent finds it (a
# build container carries no labels: they would be committed into the image) and kills it once
# the hold was released by another than the step: a builder that died and left it running, a
# host lost meanwhile, devices lost. Only then are its devices really free on a real GPU host.


def _host_part(host_name: str) -> str:
    return re.sub(r"[^a-zA-Z0-9.-]", "-", host_name)


def container_name(host_name: str, hold_id: int) -> str:
    """The start of the container's name of the step holding `hold_id` on the host."""
    return f"{docker_builder.BUILD_CONTAINER_PREFIX}gpu_{_host_part(host_name)}_{hold_id}_"


def _step_containers(host_name: str) -> dict[int, list[str]]:
    """This host's running GPU step containers, by hold id."""
    prefix = f"{docker_builder.BUILD_CONTAINER_PREFIX}gpu_{_host_part(host_name)}_"
    found: dict[int, list[str]] = {}
    for c in docker_builder.client().api.containers(filters={"name": prefix}):
        for name in c.get("Names") or []:
            rest = name.lstrip("/")
            if rest.startswith(prefix) and rest[len(prefix) :].split("_", 1)[0].isdigit():
                found.setdefault(int(rest[len(prefix) :].split("_", 1)[0]), []).append(c["Id"])
    return found


def fence_released(*, host: Host) -> list[int]:
    """Kill this host's GPU step containers whose hold was released (or is unknown), and return the
    devices the others hold (the host's heartbeat reports them as used)."""
    running = _step_containers(host.name)
    if not running:
        return []
    live = dict(
        StepDevices.objects.filter(pk__in=list(running), host=host, released_at=None).values_list(
            "pk", "gpu_devices"
        )
    )
    used: set[int] = set()
    for hold_id, containers in running.items():
        if hold_id in live:
            used.update(live[hold_id])
            continue
        for container_id in containers:
            log_.warning("build step container %s outlived its GPU devices; killing it", container_id[:12])
            try:
                docker_builder.client().api.kill(container_id)
            except Exception:  # noqa: BLE001 - gone meanwhile, or not running any more
                pass
    return sorted(used)


def release_lost_devices(*, host_id: int) -> int:
    """The steps holding a device the host does not have healthy (as the database has its devices)
    lose their hold (and their containers are killed by `fence_released`; the step fails). Returns
    how many."""
    from functions.delivery.placement import HEALTHY_INDICES

    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {StepDevices._meta.db_table} SET released_at = now(), cause = 'gpu_lost'
                 WHERE host_id = %(host)s AND released_at IS NULL AND NOT gpu_devices <@ {HEALTHY_INDICES}""",
            {"host": host_id},
        )
        return cur.rowcount
