"""What a host agent does: register its host, start and stop containers, and clean up after them."""

from __future__ import annotations

import compileall
import functools
import hashlib
import importlib
import logging
import os
import secrets
import shutil
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.utils import timezone

from apps.models import DEFAULT_ENVIRONMENT
from builds import gpu_steps
from functions import delivery
from functions.models import LIVE_SANDBOX_STATUSES, LIVE_TASK_STATUSES, Mount, Sandbox, Task, TaskStatus
from functions.mounts import extract_once
from functions.queues import (
    REDIS_DOWN,
    cancellation_messages,
    done_key,
    input_queue_key,
    redis_client,
    sandbox_started_key,
)
from skylift.contract import clusters as cluster_contract
from volumes.services import mounts_for as volume_mounts

from . import clusters, docker_client, firewall, gpus, sandbox_env, tokens
from .models import Host, HostToken
from .relay import control_request, host_dir
from .relay_launch import LAUNCH_COMMAND, LAUNCH_MOUNT

__all__ = [
    "container_exited",
    "container_start",
    "container_stop",
    "fence_all",
    "fence_settled",
    "host_heartbeat",
    "host_register",
    "sandbox_exited",
    "sandbox_start",
    "sandbox_stop",
    "sweep_containers",
]

# The label naming the sandbox of a sandbox's container (beside skylift.host, which every container
# of the host carries: fencing, the die events and the embedded platform's cleanup see it too).
SANDBOX_LABEL = "skylift.sandbox"

log = logging.getLogger(__name__)

RUNTIME_COMMAND = ["python3", "-m", "skylift._container"]
# What the runtime runs with (mounted at /skylift/lib), and what its web server runs with (at
# WEB_LIB: put on the path only by a container that serves web endpoints, skylift._web_runtime).
RUNTIME_PACKAGES = ("skylift", "cloudpickle")
WEB_PACKAGES = ("uvicorn", "h11", "click", "websockets")
WEB_LIB = "/skylift/weblib"
# Where a container's Python finds the runtime (mounted at /skylift/lib), then Skylift's `modal` (the
# alias, skylift/_alias_path: ahead of the image's own packages, so even an image with Modal's own
# `modal` installed imports Skylift's), then Image.add_local_python_source's packages.
RUNTIME_PYTHONPATH = "/skylift/lib:/skylift/lib/skylift/_alias_path:/skylift/pysrc"
# Modal's names for what a container learns from its SKYLIFT_* variables (Modal's guide,
# "Environment variables"), so that a Modal program reads them unchanged. MODAL_IDENTITY_TOKEN
# comes with the container's secrets from its relay (never through Docker).
MODAL_NAMES = {
    "SKYLIFT_SANDBOX_ID": "MODAL_SANDBOX_ID",
    "SKYLIFT_TASK_ID": "MODAL_TASK_ID",
    "SKYLIFT_IMAGE_ID": "MODAL_IMAGE_ID",
    "SKYLIFT_IS_REMOTE": "MODAL_IS_REMOTE",
    "SKYLIFT_ENVIRONMENT": "MODAL_ENVIRONMENT",
    "SKYLIFT_CLOUD_PROVIDER": "MODAL_CLOUD_PROVIDER",
    "SKYLIFT_REGION": "MODAL_REGION",
}


def with_modal_names(environment: dict[str, str]) -> dict[str, str]:
    """`environment`, and each of its SKYLIFT_* variables that Modal has a name for under that name too."""
    return environment | {
        MODAL_NAMES[name]: value for name, value in environment.items() if name in MODAL_NAMES
    }


def host_register(*, name: str | None = None, token: HostToken | None = None) -> Host:
    """Record this machine's inventory; called when the agent starts, with the token it presented
    (hosts/tokens.py): its heartbeats renew the lease while that token is the host's and not revoked.

    GPUs come from NVML where a driver answers, else from SKYLIFT_HOST_GPUS as simulated devices
    (hosts/gpus.py); a declaration of a type Skylift does not know raises InvalidError.
    """
    name = name or settings.SKYLIFT_HOST_NAME
    cpu = float(os.cpu_count() or 1)
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // (1024 * 1024)
    lease = float(settings.SKYLIFT_HOST_LEASE_SECONDS)
    devices, source = gpus.inventory(settings.SKYLIFT_HOST_GPUS, name)
    now = timezone.now()
    defaults = {
        "cpu": cpu,
        "memory": memory,
        "gpus": devices,
        "gpu_source": source,
        "gpu_usage": {"used": [], "free": [d["index"] for d in gpus.healthy(devices)]},
        "last_heartbeat": now,
        "lease_seconds": lease,
        "lease_expires_at": now + timedelta(seconds=lease),
        "draining": False,
        "token": token,
    }
    # As update_or_create, but its row locked FOR NO KEY UPDATE rather than FOR UPDATE: that lock
    # conflicts with the FOR KEY SHARE of a placement's new task row (its foreign key to the
    # host), which holds the host's placement lock that this update's trigger waits for (a change
    # of capacity or devices recomputes the host's usage under it): a deadlock. Locked from the
    # read to the write, the row returned is the one this agent wrote, with its token: another
    # agent's registration of the name comes before or after it, whole.
    for _ in range(2):
        with transaction.atomic():
            host = Host.objects.select_for_update(no_key=True).filter(name=name).first()
            if host is not None:
                for key, value in defaults.items():
                    setattr(host, key, value)
                host.save(update_fields=list(defaults))
                host.refresh_from_db(fields=["gpu_models"])  # computed by the database
                return host
            try:
                with transaction.atomic():
                    return Host.objects.create(name=name, **defaults)
            except IntegrityError:  # another agent registered the name meanwhile: update its row
                continue
    raise RuntimeError(f"could not register host {name!r}: its row came and went twice")


def _devices_in_use(host: Host) -> list[int] | None:
    """The device indices this host's running containers hold, from their labels (None: Docker
    did not answer; the heartbeat goes on without it)."""
    try:
        containers = docker_client.find_by_label("skylift.host", host.name)
    except Exception:  # noqa: BLE001 - the lease matters more than the report
        return None
    used: set[int] = set()
    for container in containers:
        if container.status in ("exited", "dead"):
            continue
        label = (container.labels or {}).get("skylift.gpus", "")
        used.update(int(i) for i in label.split(",") if i.strip().isdigit())
    return sorted(used)


def host_heartbeat(*, host: Host) -> list[str]:
    """Renew the host's lease (from the database's clock, which the control plane judges by), with
    its GPU devices as they are now and which of them its containers hold. Raises HostTokenError
    (renewing nothing) once the host's token was revoked or another agent registered the host.

    Then, once the lease and the devices are written, `end_lost_devices`. Returns the tasks whose
    containers that killed.
    """
    fields: dict = {
        "last_heartbeat": Now(),
        "lease_expires_at": Now() + timedelta(seconds=host.lease_seconds),
    }
    if host.gpus or host.gpu_source == "nvml":
        devices, source = gpus.inventory(settings.SKYLIFT_HOST_GPUS, host.name)
        if host.gpu_source == "nvml" and source != "nvml" and gpus.nvml_devices() is None:
            # NVML does not answer (a driver restarting, a wedged device) on a host whose devices
            # it gave: unknown this beat, not gone. Nothing is written or ended for it.
            log.warning("NVML does not answer on %s: keeping its GPU devices as they were", host.name)
            devices, source = host.gpus, host.gpu_source
        if devices != host.gpus:
            lost = sorted(
                {d["index"] for d in gpus.healthy(host.gpus)} - {d["index"] for d in gpus.healthy(devices)}
            )
            log.warning("GPU inventory of %s changed (devices %s lost or unhealthy)", host.name, lost)
            fields |= {"gpus": devices, "gpu_source": source}
        used = _devices_in_use(host)
        if used is not None:
            # GPU build steps' containers (named for their holds), those whose hold was released
            # by another than the step (a dead builder, a lost host, lost devices) killed first.
            try:
                used = sorted(set(used) | set(gpu_steps.fence_released(host=host)))
            except Exception:  # noqa: BLE001 - the lease matters more than the report
                log.warning("could not check the GPU build steps' containers", exc_info=True)
            fields["gpu_usage"] = {
                "used": used,
                "free": [d["index"] for d in gpus.healthy(devices) if d["index"] not in used],
            }
    # Only while the token that registered it is still the host's and not revoked (token=None:
    # registered without one, by code rather than by an agent).
    if not Host.objects.filter(pk=host.pk, token=host.token_id, token__revoked_at__isnull=True).update(
        **fields
    ):
        raise tokens.heartbeat_refusal(host)
    if "gpus" in fields:  # the next beat compares with what the database has
        host.gpus, host.gpu_source = fields["gpus"], fields["gpu_source"]
    try:
        return end_lost_devices(host=host)
    except Exception:  # noqa: BLE001 - the lease is renewed; the next beat does this again
        log.warning("could not end the containers on %s's lost GPU devices yet", host.name, exc_info=True)
        return []


def end_lost_devices(*, host: Host) -> list[str]:
    """End what holds a device the host does not have healthy, as the database has its devices
    (what placement gives out): function containers are killed and their inputs run again as
    preempted, sandboxes end, GPU build steps fail. Looked for at every beat, by what the host has
    rather than by what it lost since the last beat: a container placed on a device by a decision
    that read the host just before its new devices were written, or one a beat that failed on the
    way did not kill, is found at the next. A container already gone (its end not seen) is
    settled here. Returns the tasks whose containers it killed."""
    stopped = delivery.run(delivery.tasks_on_lost_devices(host_id=host.pk))
    for task_id, container_id in stopped:
        found = docker_client.find_by_label("skylift.task", task_id)
        for container in found:
            docker_client.kill(container.id)
        if not found and container_id:
            container_exited(task_id=task_id, exit_code=None, oom=False)
    for sandbox_id in delivery.run(delivery.sandboxes_on_lost_devices(host_id=host.pk)):
        found = docker_client.find_by_label(SANDBOX_LABEL, sandbox_id)
        for container in found:
            docker_client.kill(container.id)
        if not found:
            sandbox_exited(sandbox_id=sandbox_id, exit_code=None, oom=False)
    if gpu_steps.release_lost_devices(host_id=host.pk):
        gpu_steps.fence_released(host=host)  # their containers go now, not at the next beat
    return [task_id for task_id, _ in stopped]


def fence_all(*, host: Host) -> int:
    """Kill every container of this host: its lease is running out and the control plane cannot be
    reached, so it is about to run their inputs elsewhere. Docker only; no database. Returns how many."""
    killed = 0
    for container in docker_client.find_by_label("skylift.host", host.name):
        if container.status != "exited":
            docker_client.kill(container.id)
            killed += 1
    return killed


def fence_settled(*, host: Host) -> int:
    """Kill this host's containers whose task the control plane has settled (after a partition heals).

    A container whose task is no longer live was given up for lost: its inputs run elsewhere, and
    whatever it still writes is refused by attempt. Returns how many were killed.
    """
    containers = [c for c in docker_client.find_by_label("skylift.host", host.name) if c.status != "exited"]
    killed = _fence_sandboxes([c for c in containers if c.labels.get(SANDBOX_LABEL)])
    running = {c.labels.get("skylift.task"): c for c in containers if not c.labels.get(SANDBOX_LABEL)}
    if not running:
        return killed
    live = set(
        Task.objects.filter(pk__in=list(running), status__in=LIVE_TASK_STATUSES).values_list("pk", flat=True)
    )
    for task_id, container in running.items():
        if task_id not in live:
            log.warning("container %s outlived its lease; killing it", task_id)
            docker_client.kill(container.id)
            killed += 1
    return killed


@functools.cache
def runtime_dir() -> Path:
    """The SDK package and cloudpickle, copied once per version into the host directory and compiled.

    Containers mount this copy read-only (nothing is installed into user images). A copy under the
    host directory is a real path on the host even when the agent itself runs in a container, and
    its bytecode spares every cold start compiling the runtime.
    """
    sources = {name: _package_dir(name) for name in RUNTIME_PACKAGES}
    web = {name: _package_dir(name) for name in WEB_PACKAGES}
    digest = hashlib.sha256()
    for source in [*sources.values(), *web.values()]:
        for path in sorted(p for p in source.rglob("*.py") if "__pycache__" not in p.parts):
            digest.update(str(path.relative_to(source.parent)).encode() + b"\0" + path.read_bytes())
    target = host_dir() / "runtime" / digest.hexdigest()[:16]
    if not target.exists():
        staging = target.with_name(f".{target.name}.{secrets.token_hex(4)}")
        for name, source in sources.items():
            shutil.copytree(source, staging / name, ignore=shutil.ignore_patterns("__pycache__"))
        for name, source in web.items():
            # Compiled speed-ups are for this Python only: the image's may differ (each has a pure fallback).
            shutil.copytree(
                source, staging / "web" / name, ignore=shutil.ignore_patterns("__pycache__", "*.so")
            )
        compileall.compile_dir(staging, quiet=1, workers=1)
        try:
            staging.rename(target)
        except OSError:  # another process installed the same version first
            shutil.rmtree(staging, ignore_errors=True)
    return target


def _package_dir(name: str) -> Path:
    module = importlib.import_module(name)
    assert module.__file__ is not None
    return Path(module.__file__).parent


def _runtime_mounts() -> list[dict]:
    runtime = runtime_dir()
    return [
        *(
            {"source": str(runtime / name), "target": f"/skylift/lib/{name}", "read_only": True}
            for name in RUNTIME_PACKAGES
        ),
        {"source": str(runtime / "web"), "target": WEB_LIB, "read_only": True},
    ]


def _mount_dir(mount: Mount) -> Path:
    """Extract a content-addressed source mount once per host and reuse it."""
    target = host_dir() / "mounts" / mount.sha256
    if target.exists():
        return target
    return extract_once(bytes(mount.content), target)


def _image_mounts(image) -> list[dict]:
    """Local files the image attaches at container start (Image.add_local_*, copy=False): read-only
    binds of their uploads, so that changing them needs no image build."""
    if not image.mounts:
        return []
    wanted = [entry["sha256"] for entry in image.mounts]
    by_hash = {m.sha256: m for m in Mount.objects.filter(workspace_id=image.workspace_id, sha256__in=wanted)}
    binds = []
    for entry in image.mounts:
        mount = by_hash.get(entry["sha256"])
        if mount is None:
            raise RuntimeError(f"the files {entry['sha256'][:12]} attached to image {image.id} are missing")
        source = _mount_dir(mount)
        if entry.get("type") == "file":
            source = source / entry["name"]
        binds.append({"source": str(source), "target": entry["target"], "read_only": True})
    return binds


def container_start(*, task_id: str) -> None:
    """Start the container of a task on this host (idempotent under redelivery)."""
    token = secrets.token_urlsafe(32)
    if not delivery.run(delivery.task_starting(task_id, hashlib.sha256(token.encode()).hexdigest())):
        return  # already started by an earlier delivery, or stopped meanwhile
    task = Task.objects.select_related(
        "function__image", "function__mount", "function__app__environment", "host"
    ).get(pk=task_id)
    if docker_client.find_by_label("skylift.task", task.id):
        return  # a previous delivery created it before dying
    assert task.host is not None, "a task starts on the host it was placed on"
    function = task.function
    try:
        io_dir = control_request({"op": "open", "task_id": task.id})["dir"]
        mounts = [*_runtime_mounts(), {"source": io_dir, "target": "/skylift/io", "read_only": True}]
        if function.mount is not None:
            mounts.append(
                {"source": str(_mount_dir(function.mount)), "target": "/skylift/src", "read_only": True}
            )
        mounts += _image_mounts(function.image)
        mounts += volume_mounts(function.volumes)
        host_cpus = float(os.cpu_count() or 1)
        # Its devices: a device request for real ones; on a host whose GPUs are declared (simulated)
        # the same variables without one, for no NVIDIA runtime could honour it (unless the engine
        # has one: SKYLIFT_GPU_DEVICE_REQUESTS=always, as the test engine's stand-in).
        gpu = gpus.visible_devices(
            task.host.gpus,
            task.gpu_devices,
            real=not task.host.simulated_gpus,
            request=task.host.device_requests,
        )
        cluster_env, on_cluster = _cluster_place(task)
        container_id = docker_client.run(
            image=function.image.docker_ref,
            command=RUNTIME_COMMAND,
            name=f"skylift-{task.id}",
            labels={
                "skylift.managed": "1",
                "skylift.task": task.id,
                "skylift.function": function.id,
                "skylift.app": function.app_id,
                "skylift.workspace": task.workspace_id,
                "skylift.host": task.host.name,
                "skylift.gpus": ",".join(str(i) for i in sorted(task.gpu_devices)),
                **({clusters.CLUSTER_LABEL: task.cluster_id} if task.cluster_id else {}),
            },
            environment=with_modal_names(
                {
                    "SKYLIFT_TASK_ID": task.id,
                    "SKYLIFT_TASK_TOKEN": token,
                    "SKYLIFT_FUNCTION_ID": function.id,
                    "SKYLIFT_APP_ID": function.app_id,
                    "SKYLIFT_IMAGE_ID": function.image_id,
                    "SKYLIFT_IS_REMOTE": "1",
                    "SKYLIFT_ENVIRONMENT": (
                        function.app.environment.name if function.app.environment else DEFAULT_ENVIRONMENT
                    ),
                    "SKYLIFT_DRAIN_SECONDS": str(settings.SKYLIFT_DRAIN_SECONDS),
                    "SKYLIFT_CLOUD_PROVIDER": "skylift",
                    "SKYLIFT_REGION": "local",
                    "PYTHONPATH": RUNTIME_PYTHONPATH,
                    "PYTHONUNBUFFERED": "1",
                    "PYTHONDONTWRITEBYTECODE": "1",
                }
                | gpu["environment"]
                | cluster_env
            ),
            mounts=mounts,
            memory_mib=function.memory,
            # The cpu option is a request: it weighs the container against its neighbours, and the
            # hard limit leaves room to burst up to the host's cores, as Modal's soft CPU limit does.
            nano_cpus=int(min(host_cpus, function.cpu + 16) * 1e9),
            cpu_shares=max(2, int(function.cpu * 1024)),
            pids_limit=1024,
            network_disabled=function.block_network,
            runtime=settings.SKYLIFT_CONTAINER_RUNTIME or None,
            gpu_device_ids=gpu["device_ids"],
            cluster_network=on_cluster,
        )
    except Exception as exc:
        log.exception("could not start container for %s", task.id)
        delivery.run(delivery.task_start_failed(task.id, f"could not start a container: {exc}"))
        _close_socket(task.id)
        raise docker_client.DockerUnavailable(str(exc)) from exc
    delivery.run(delivery.task_container(task.id, container_id))


def _cluster_place(task: Task) -> tuple[dict[str, str], tuple[str, str] | None]:
    """A cluster member's variables (its rank, its cluster's size and every member's address, by
    rank: `skylift.experimental.get_cluster_info`) and its place on its cluster's network (made
    by the first member to start); an `i6pn=True` function's container's place on its workspace's
    private network on this host (any address there); nothing for another container."""
    assert task.host is not None
    if not task.cluster_id:
        if task.function.i6pn:
            network = clusters.cluster_network(clusters.i6pn_key(task.workspace_id), task.host.name)
            return {}, (network.id, "")
        return {}, None
    size = task.function.cluster_size
    network = clusters.cluster_network(task.cluster_id, task.host.name)
    addresses = network.addresses(size)
    env = {
        cluster_contract.ENV_ID: task.cluster_id,
        cluster_contract.ENV_RANK: str(task.cluster_rank),
        cluster_contract.ENV_SIZE: str(size),
        cluster_contract.ENV_IPS: ",".join(addresses),
    }
    return env, (network.id, addresses[task.cluster_rank])


def container_stop(*, task_id: str) -> None:
    task = Task.objects.filter(pk=task_id).first()
    if task is None:
        return
    for container in docker_client.find_by_label("skylift.task", task_id):
        docker_client.stop(container.id, timeout=30)


def _close_socket(task_id: str) -> None:
    try:
        control_request({"op": "close", "task_id": task_id})
    except Exception:  # noqa: BLE001 - the relay cleans task dirs on start anyway
        log.warning("could not close the socket of %s", task_id)


def container_exited(*, task_id: str, exit_code: int | None, oom: bool) -> None:
    """Record a container's end and settle what it ran (`delivery.task_exited`), then clean up after it.

    Safe to repeat (the die event, the agent's sweep and the reconciler may all report one end).
    """
    exited = delivery.run(delivery.task_exited(task_id, exit_code=exit_code, oom=oom))
    if exited is None:
        return
    if exited.requeued or exited.failed_calls or exited.cancelled:
        pipe = redis_client().pipeline(transaction=False)
        if exited.requeued:
            pipe.rpush(input_queue_key(exited.function_id), *exited.requeued)
        for call_id in exited.failed_calls:
            pipe.rpush(done_key(call_id), "1")
        cancellation_messages(pipe, exited.cancelled, [])
        transaction.on_commit(pipe.execute)
    stop_cluster_members(exited.stops)
    _close_socket(task_id)
    if exited.container_id:
        try:
            docker_client.remove(exited.container_id)
        except Exception:  # noqa: BLE001 - called off the host too (a lost host); its agent cleans up
            log.info("could not remove container %s from here", exited.container_id)
    if exited.cluster_id:
        clusters.remove_network(exited.cluster_id)


STOP_TASK = "hosts.tasks.stop_container"


def stop_cluster_members(stops: list[tuple[str, str]]) -> None:
    """Send the stops of a broken cluster's other members to their hosts, once the transition
    that decided them has committed (`delivery.clusters_broken`). By the task's name: its module
    (hosts.tasks) imports this one."""
    from celery import current_app

    for task_id, queue in stops:
        transaction.on_commit(
            functools.partial(current_app.send_task, STOP_TASK, kwargs={"task_id": task_id}, queue=queue)
        )


def sweep_containers(*, host: Host, older_than: float = 30.0) -> int:
    """Settle this host's running tasks whose container has exited or is gone.

    The `die` event normally does it; this catches the ones it missed (the event stream
    reconnecting, the database unreachable while the event was handled). Returns how many.
    """
    cutoff = timezone.now() - timedelta(seconds=older_than)
    settled = _sweep_sandboxes(host, cutoff)
    _sweep_cluster_networks(host)
    tasks = list(
        Task.objects.filter(host=host, status=TaskStatus.RUNNING, started_at__lt=cutoff).values_list(
            "pk", flat=True
        )
    )
    if not tasks:
        return settled
    alive = {
        c.labels.get("skylift.task")
        for c in docker_client.find_by_label("skylift.host", host.name)
        if c.status not in ("exited", "dead") and not c.labels.get(SANDBOX_LABEL)
    }
    for task_id in tasks:
        if task_id in alive:
            continue
        state = (docker_client.inspect(f"skylift-{task_id}") or {}).get("State", {})
        log.warning("container %s is gone but its task was running: settling it", task_id)
        container_exited(task_id=task_id, exit_code=state.get("ExitCode"), oom=bool(state.get("OOMKilled")))
        settled += 1
    return settled


def _sweep_cluster_networks(host: Host) -> None:
    """Remove the networks this host made for clusters none of whose members holds on any more, and
    workspaces' i6pn networks no container of theirs holds on this host."""
    holding = Task.objects.filter(status__in=[*LIVE_TASK_STATUSES, TaskStatus.STOPPING])
    live = set(holding.exclude(cluster_id="").values_list("cluster_id", flat=True))
    # A workspace's i6pn network, while an i6pn container of the workspace holds on to it here.
    live |= {
        clusters.i6pn_key(workspace_id)
        for workspace_id in holding.filter(host=host, function__i6pn=True).values_list(
            "workspace_id", flat=True
        )
    }
    clusters.sweep_networks(host.name, live)


def _sweep_sandboxes(host: Host, cutoff) -> int:
    """Settle this host's running sandboxes whose container has exited or is gone (a missed die event)."""
    running = list(
        Sandbox.objects.filter(host=host, status__in=[TaskStatus.RUNNING, TaskStatus.STOPPING])
        .filter(
            Q(started_at__lt=cutoff) | Q(pool=True, pooled_at__lt=cutoff)
        )  # (pooled: not started for anyone)
        .values_list("pk", flat=True)
    )
    if not running:
        return 0
    alive = {
        c.labels.get(SANDBOX_LABEL)
        for c in docker_client.find_by_label("skylift.host", host.name)
        if c.status not in ("exited", "dead")
    }
    settled = 0
    for sandbox_id in running:
        if sandbox_id not in alive:
            state = (docker_client.inspect(f"skylift-{sandbox_id}") or {}).get("State", {})
            sandbox_exited(
                sandbox_id=sandbox_id, exit_code=state.get("ExitCode"), oom=bool(state.get("OOMKilled"))
            )
            settled += 1
    return settled


def _fence_sandboxes(containers: list) -> int:
    """Kill the sandbox containers whose sandbox is no longer live (settled while out of reach)."""
    if not containers:
        return 0
    live = set(
        Sandbox.objects.filter(
            pk__in=[c.labels[SANDBOX_LABEL] for c in containers], status__in=LIVE_SANDBOX_STATUSES
        ).values_list("pk", flat=True)
    )
    killed = 0
    for container in containers:
        if container.labels[SANDBOX_LABEL] not in live:
            docker_client.kill(container.id)
            killed += 1
    return killed


def reconcile_containers(*, host: Host) -> None:
    """On agent start: containers whose task is over go; live tasks without a container end.
    Sandboxes' containers need no relay socket: a live one keeps running."""
    seen = set()
    for container in docker_client.find_by_label("skylift.host", host.name):
        sandbox_id = container.labels.get(SANDBOX_LABEL)
        if sandbox_id:
            sandbox = Sandbox.objects.filter(pk=sandbox_id).first()
            if sandbox is None or sandbox.status not in LIVE_SANDBOX_STATUSES or container.status == "exited":
                state = (docker_client.inspect(container.id) or {}).get("State", {})
                sandbox_exited(
                    sandbox_id=sandbox_id, exit_code=state.get("ExitCode"), oom=bool(state.get("OOMKilled"))
                )
                docker_client.remove(container.id)
            continue
        task_id = container.labels.get("skylift.task")
        seen.add(task_id)
        task = Task.objects.filter(pk=task_id).first()
        if task is None or task.status not in LIVE_TASK_STATUSES or container.status == "exited":
            state = docker_client.inspect(container.id) or {}
            container_exited(
                task_id=task_id,
                exit_code=state.get("State", {}).get("ExitCode"),
                oom=bool(state.get("State", {}).get("OOMKilled")),
            )
            docker_client.remove(container.id)
        else:
            # The relay lost its sockets when the agent restarted: this container cannot be served.
            docker_client.stop(container.id, timeout=5)
    for task in Task.objects.filter(host=host, status__in=LIVE_TASK_STATUSES).exclude(pk__in=seen):
        container_exited(task_id=task.id, exit_code=None, oom=False)


# Sandboxes ------------------------------------------------------------------------------------

IDLE_COMMAND = ["sleep", "infinity"]


def sandbox_start(*, sandbox_id: str) -> None:
    """Start a sandbox's container on this host, hardened as a function's (idempotent under redelivery).

    It runs the sandbox's command (or idles); processes `exec`'d into it come through the relay
    (hosts/relay_sandbox.py). No runtime, no relay socket: the container knows nothing of the platform.
    """
    if not delivery.run(delivery.sandbox_starting(sandbox_id)):
        return  # (a redelivery: the first delivery took it, and starts its container or failed it)
    try:
        _sandbox_start(sandbox_id)
    finally:
        _announce_started(sandbox_id)


def _announce_started(sandbox_id: str) -> None:
    """Wake whoever waits for the sandbox to start (`GET /sandboxes/{id}/?wait=`)."""
    key = sandbox_started_key(sandbox_id)
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.rpush(key, "1")
        pipe.expire(key, 60)
        pipe.execute()
    except REDIS_DOWN:
        log.warning("could not announce that sandbox %s started; its waiters look again soon", sandbox_id)


def _sandbox_start(sandbox_id: str) -> None:
    sandbox = Sandbox.objects.select_related("image", "host", "app__environment").get(pk=sandbox_id)
    assert sandbox.host is not None, "a sandbox starts on the host it was placed on"
    command = list(sandbox.command) or IDLE_COMMAND
    mounts = volume_mounts(sandbox.volumes)
    if not sandbox.command:
        # An idle sandbox's own process is the launcher its execs start from (hosts/relay_launch.py).
        try:
            launch = control_request({"op": "sandbox_open", "sandbox_id": sandbox.id})["dir"]
            mounts = [*mounts, {"source": launch, "target": LAUNCH_MOUNT, "read_only": True}]
            command = LAUNCH_COMMAND
        except (OSError, RuntimeError, ValueError):
            log.warning(
                "no launcher for sandbox %s: its execs go through docker exec", sandbox.id, exc_info=True
            )
    try:
        host_cpus = float(os.cpu_count() or 1)
        # Secrets come through its command's stdin, never its environment (hosts/sandbox_env.py);
        # an idle sandbox's own command needs none (its exec'd processes get them).
        secret_env = sandbox_env.decrypt([sandbox.secrets_token]) if sandbox.command else {}
        if secret_env:
            command = sandbox_env.wrap(command, main=True)
        gpu = gpus.visible_devices(
            sandbox.host.gpus,
            sandbox.gpu_devices,
            real=not sandbox.host.simulated_gpus,
            request=sandbox.host.device_requests,
        )
        environment = {
            "SKYLIFT_SANDBOX_ID": sandbox.id,
            "SKYLIFT_IMAGE_ID": sandbox.image_id,
            "SKYLIFT_IS_REMOTE": "1",
            "SKYLIFT_ENVIRONMENT": (
                sandbox.app.environment.name
                if sandbox.app and sandbox.app.environment
                else DEFAULT_ENVIRONMENT
            ),
            "SKYLIFT_CLOUD_PROVIDER": "skylift",
            "SKYLIFT_REGION": "local",
            "PYTHONUNBUFFERED": "1",
        }
        if sandbox.app_id:
            environment["SKYLIFT_APP_ID"] = sandbox.app_id
        container_id = docker_client.run(
            image=sandbox.image.docker_ref,
            command=command,
            name=f"skylift-{sandbox.id}",
            labels={
                "skylift.managed": "1",
                SANDBOX_LABEL: sandbox.id,
                "skylift.workspace": sandbox.workspace_id,
                "skylift.host": sandbox.host.name,
                "skylift.gpus": ",".join(str(i) for i in sorted(sandbox.gpu_devices)),
            },
            environment=with_modal_names(environment | gpu["environment"]),
            mounts=mounts,
            # `memory` is what placement reserves; its limit, when given, is the hard one above it.
            memory_mib=sandbox.memory_limit or sandbox.memory,
            memory_reservation_mib=sandbox.memory if sandbox.memory_limit else None,
            # `cpu` weighs it against its neighbours; without a limit it may burst to the host's cores.
            nano_cpus=int((sandbox.cpu_limit or min(host_cpus, sandbox.cpu + 16)) * 1e9),
            cpu_shares=max(2, int(sandbox.cpu * 1024)),
            pids_limit=1024,
            network_disabled=sandbox.block_network,
            runtime=settings.SKYLIFT_CONTAINER_RUNTIME or None,
            gpu_device_ids=gpu["device_ids"],
            working_dir=sandbox.workdir or None,
            allowlist=sandbox.cidr_allowlist is not None,
            stdin_open=bool(secret_env),
        )
    except Exception as exc:
        log.exception("could not start the container of sandbox %s", sandbox.id)
        delivery.run(delivery.sandbox_start_failed(sandbox.id, f"could not start a container: {exc}"))
        raise docker_client.DockerUnavailable(str(exc)) from exc
    try:
        if sandbox.cidr_allowlist is not None:
            network = docker_client.container_network(allowlist=True)
            firewall.allow_egress(
                docker_client.container_ip(container_id, network), sandbox.cidr_allowlist, sandbox.id
            )
        if secret_env:
            docker_client.write_stdin(container_id, sandbox_env.block(secret_env))
    except Exception as exc:
        log.exception("could not set up the container of sandbox %s", sandbox.id)
        docker_client.kill(container_id)
        delivery.run(delivery.sandbox_start_failed(sandbox.id, f"could not set up its container: {exc}"))
        return
    if not delivery.run(delivery.sandbox_container(sandbox.id, container_id)):
        docker_client.stop(container_id, timeout=2)  # terminated while it started


def sandbox_stop(*, sandbox_id: str) -> None:
    """Stop a sandbox's container (SIGTERM, then SIGKILL after a short grace); one stopped before
    its container was made ends here (its start, if it comes, finds it stopping and starts nothing)."""
    containers = docker_client.find_by_label(SANDBOX_LABEL, sandbox_id)
    for container in containers:
        docker_client.stop(container.id, timeout=3)
    if not containers:
        sandbox_exited(sandbox_id=sandbox_id, exit_code=None, oom=False)


def sandbox_exited(*, sandbox_id: str, exit_code: int | None, oom: bool) -> None:
    """Record a sandbox container's end and remove the container (safe to repeat)."""
    from functions.sandbox_logs import keep_logs

    # Its logs are kept before its end is recorded: whoever sees it ended finds them.
    known = Sandbox.objects.filter(pk=sandbox_id).values_list("container_id", flat=True).first()
    if known:
        keep_logs(sandbox_id, known)
    container_id = delivery.run(delivery.sandbox_exited(sandbox_id, exit_code=exit_code, oom=oom))
    try:
        control_request({"op": "sandbox_close", "sandbox_id": sandbox_id}, timeout=2.0)
    except (OSError, RuntimeError, ValueError):
        pass  # called off the host too (no relay here), or its relay restarted and forgot it
    if Sandbox.objects.filter(pk=sandbox_id, cidr_allowlist__isnull=False).exists():
        try:
            firewall.revoke_egress(sandbox_id)  # (a later container of its address has them removed too)
        except Exception:  # noqa: BLE001 - called off the host too
            log.info("could not remove the egress rules of %s from here", sandbox_id)
    if container_id:
        try:
            docker_client.remove(container_id)
        except Exception:  # noqa: BLE001 - called off the host too; its agent cleans up
            log.info("could not remove container %s from here", container_id)
