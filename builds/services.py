"""Images: resolve a spec to layers, reuse what is built, build what is missing.

`image_ensure` is the front door: it plans the spec's layers (`builds.spec`), and when every
layer is already built answers at once, without Docker doing anything. Otherwise it starts a
build (or joins the one already running for that image) on the `builds` Celery queue.
`build_run` is that build: layer after layer, each reused when its identity is in the cache,
else built with `builds.docker_builder` and recorded only once it succeeded.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import os
import shlex
import shutil
import subprocess
import tarfile
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from config.errors import ApiError

from . import add_python, docker_builder, logs, registry_pull
from .models import ACTIVE_BUILD_STATUSES, Build, BuildStatus, Image, ImageStatus, Layer
from .spec import (
    BUILDER_VERSION,
    ImagePlan,
    LayerPlan,
    SpecError,
    plan_image,
    registry_host,
    replace_from,
    shell_join,
    split_secrets,
)

__all__ = [
    "BASE_IMAGES",
    "build_queue",
    "build_run",
    "image_ensure",
    "image_resolve",
    "layers_collect_garbage",
    "registry_check",
]

log = logging.getLogger(__name__)

BASE_IMAGES = settings.SKYLIFT_PYTHON_BASE_IMAGES  # kept for callers of the foundation's name
MIN_PYTHON = (3, 10)  # what the in-container runtime needs
STALE_BUILD_SECONDS = 300  # a running build that logged nothing for this long lost its worker
REQUEUE_QUEUED_SECONDS = 60
PROBE_MARKER = "SKYLIFT_PROBE"


def _python_versions() -> dict[str, str]:
    return dict(settings.SKYLIFT_PYTHON_BASE_IMAGES)


def _plan(*, workspace, spec: dict) -> ImagePlan:
    try:
        return plan_image(
            workspace_id=str(workspace.pk),
            spec=spec,
            python_versions=_python_versions(),
            micromamba_image=settings.SKYLIFT_MICROMAMBA_IMAGE,
        )
    except SpecError as exc:
        raise ApiError(str(exc), field=exc.field, hint=exc.hint) from None


# Registries (RELIABILITY B12) -----------------------------------------------------------------


def registry_check(ref: str) -> None:
    """Refuse an image reference whose registry is on a private or loopback address.

    The host name is resolved and every address it has is checked: one private address is
    enough to refuse, since a connection may go to any of them. Operators allow their own
    registries with SKYLIFT_REGISTRY_ALLOWLIST (host or host:port). This is the early answer to
    the request; the pull checks again, and connects only to the addresses it checked.
    """
    host = registry_host(ref)
    if host is None:
        return  # the engine's default registry
    name, port = registry_pull.split_host(host)
    try:
        registry_pull.allowed_addresses(name, port or 443, what=f"The registry {host}")
    except registry_pull.Refused as exc:
        raise SpecError(str(exc), field="image.tag", hint=exc.hint) from None


def _pull(ref: str, *, target: str, credentials: dict | None, sink: logs.BuildLog) -> str:
    """Pull `ref` as `target`: the engine pulls from its default registry, Skylift from any other."""
    if registry_host(ref) is None:
        return docker_builder.pull(ref, target=target, credentials=credentials, log=sink.line)
    try:
        return registry_pull.pull(
            ref, target=target, credentials=docker_builder.registry_auth(credentials), log=sink.line
        )
    except registry_pull.Refused as exc:
        raise docker_builder.StepFailed(f"{exc} {exc.hint}".strip()) from None
    except registry_pull.PullFailed as exc:
        message = str(exc)
        raise docker_builder.StepFailed(
            message if message.startswith("could not pull") else f"could not pull {ref}: {message}"
        ) from None


# Resolving ------------------------------------------------------------------------------------


def _mount_refs(plan: ImagePlan) -> set[str]:
    refs = {m["sha256"] for m in plan.mounts}
    for layer in plan.layers:
        step = layer.step
        for key in ("sha256", "context_sha256"):
            if step.get(key):
                refs.add(step[key])
        if step["_run"].get("mount_sha256"):
            refs.add(step["_run"]["mount_sha256"])
    return refs


def _check_uploads(workspace, plan: ImagePlan) -> None:
    from functions.models import Mount

    refs = _mount_refs(plan)
    if not refs:
        return
    found = set(Mount.objects.filter(workspace=workspace, sha256__in=refs).values_list("sha256", flat=True))
    missing = sorted(refs - found)
    if missing:
        raise ApiError(
            f"The image refers to files that were not uploaded: {', '.join(missing)}.",
            code="not_found",
            status_code=404,
            field="image",
            hint="Upload them with POST /api/v1/mounts/ first (the SDK does this for you).",
        )


def _ensure_base_layer(workspace, layer: LayerPlan) -> None:
    """debian_slim's base is a local image, not a build: record its layer as soon as it is asked for."""
    step = layer.step
    if step["base"] != "debian_slim" or Layer.objects.filter(hash=layer.hash).exists():
        return
    Layer.objects.get_or_create(
        hash=layer.hash,
        defaults={
            "workspace": workspace,
            "index": 0,
            "step": _stored_step(step),
            "description": layer.describe(),
            "docker_ref": _shared_base_ref(step["ref"]),
            "python_version": step["python_version"],
        },
    )


def _stored_step(step: dict) -> dict:
    return {k: v for k, v in step.items() if k != "_run"}


def _cached_chain(plan: ImagePlan) -> list[Layer] | None:
    """The built layers of the plan, if every one is built on top of the current parent."""
    rows = {layer.hash: layer for layer in Layer.objects.filter(hash__in=[lp.hash for lp in plan.layers])}
    chain = []
    for lp in plan.layers:
        row = rows.get(lp.hash)
        if row is None:
            return None
        if chain and row.parent_docker_id != chain[-1].docker_id:
            return None  # its parent was rebuilt since: this layer is stale
        chain.append(row)
    return chain


def _docker_has(ref: str) -> bool:
    if docker_builder.in_shared_registry(ref) and ref.startswith(docker_builder.layer_repository() + ":"):
        return True  # a layer is pushed as it is built: any host pulls it from there
    try:
        return docker_builder.image_exists(ref)
    except docker_builder.DockerUnavailable:
        return True  # a control plane without Docker trusts the record; the host reports a missing image


@dataclass
class Resolved:
    image: Image
    build: Build | None


def image_ensure(*, workspace, spec: dict, user=None) -> Resolved:
    """The image for `spec`, built or being built; a build only for what is not in the cache."""
    plan = _plan(workspace=workspace, spec=spec)
    if plan.layers[0].step["base"] == "from_registry":
        try:
            registry_check(plan.layers[0].step["tag"])
        except SpecError as exc:
            raise ApiError(str(exc), field=exc.field, hint=exc.hint) from None
    _check_uploads(workspace, plan)
    _ensure_base_layer(workspace, plan.layers[0])
    if not plan.needs_build_always:
        chain = _cached_chain(plan)
        # A last layer without a Python version has not passed the final check (an entrypoint
        # that does not exec, no python3): such an image goes through a build, which checks it.
        if chain is not None and chain[-1].python_version and _docker_has(chain[-1].docker_ref):
            return Resolved(_image_ready(workspace, plan, chain), None)
    return _build_start(workspace=workspace, plan=plan, spec=spec, user=user)


def _image_ready(workspace, plan: ImagePlan, chain: list[Layer]) -> Image:
    last = chain[-1]
    python_version = last.python_version or plan.python_version
    now = timezone.now()
    image = Image.objects.filter(workspace=workspace, spec_hash=plan.image_hash).first()
    if image is None:
        image, _ = Image.objects.get_or_create(
            workspace=workspace,
            spec_hash=plan.image_hash,
            defaults={
                "spec": plan.canonical,
                "layer_hash": last.hash,
                "docker_ref": last.docker_ref,
                "python_version": python_version,
                "mounts": plan.mounts,
                "status": ImageStatus.READY,
            },
        )
    if (
        image.status != ImageStatus.READY
        or image.docker_ref != last.docker_ref
        or image.layer_hash != last.hash
        or image.python_version != python_version
    ):
        Image.objects.filter(pk=image.pk).update(
            status=ImageStatus.READY,
            docker_ref=last.docker_ref,
            layer_hash=last.hash,
            python_version=python_version,
            error="",
        )
        image.refresh_from_db()
    # Touch what is in use, at most once an hour: garbage collection spares recently used layers.
    if now - image.last_used_at > timedelta(hours=1):
        Image.objects.filter(pk=image.pk).update(last_used_at=now)
        Layer.objects.filter(pk__in=[layer.pk for layer in chain]).update(last_used_at=now)
    return image


def _build_start(*, workspace, plan: ImagePlan, spec: dict, user) -> Resolved:
    from . import tasks

    queue = build_queue(plan)
    stored_spec, _ = split_secrets(spec)
    with transaction.atomic():
        image, _ = Image.objects.get_or_create(
            workspace=workspace,
            spec_hash=plan.image_hash,
            defaults={
                "spec": plan.canonical,
                "layer_hash": plan.layers[-1].hash,
                "python_version": plan.python_version,
                "mounts": plan.mounts,
                "status": ImageStatus.BUILDING,
            },
        )
        # Serialize on the image row: two requests for one image share one build.
        image = Image.objects.select_for_update().get(pk=image.pk)
        active = Build.objects.filter(image=image, status__in=ACTIVE_BUILD_STATUSES).first()
        if active is not None and _stale(active):
            _finish_failed(active, "The build stopped: its worker went away. Run again to retry.", None)
            active = None
        if active is not None:
            if active.status == BuildStatus.QUEUED and timezone.now() - active.created_at > timedelta(
                seconds=REQUEUE_QUEUED_SECONDS
            ):
                # Its message may have been lost (a Redis restart): send it again; the claim is idempotent.
                build_id = active.id
                transaction.on_commit(
                    lambda: tasks.build_image.apply_async(kwargs={"build_id": build_id}, queue=queue)
                )
            return Resolved(image, active)
        build = Build.objects.create(
            workspace=workspace,
            image=image,
            spec=stored_spec,
            secrets=plan.secrets,
            force=plan.force_all or any(lp.force for lp in plan.layers),
            ignore_cache=plan.ignore_cache,
            steps=[
                {
                    "index": lp.index,
                    "description": lp.describe(),
                    "hash": lp.hash,
                    "status": "pending",
                    "duration": None,
                }
                for lp in plan.layers
            ],
            created_by=user if getattr(user, "pk", None) else None,
        )
        Image.objects.filter(pk=image.pk).update(status=ImageStatus.BUILDING, error="")
        image.status = ImageStatus.BUILDING
        transaction.on_commit(
            lambda: tasks.build_image.apply_async(kwargs={"build_id": build.id}, queue=queue)
        )
    return Resolved(image, build)


def build_queue(plan: ImagePlan) -> str:
    """Where a build runs: any builder (the `builds` queue), or, when a step asks for a GPU, the
    host agent of a live host that has every GPU the steps ask for. Refused before anything is
    recorded when no live host does."""
    from hosts.models import Host

    needs = [lp for lp in plan.layers if lp.step.get("gpu")]
    if not needs:
        return "builds"
    hosts = list(Host.objects.alive())
    fitting = [h for h in hosts if all(h.fits_gpu(lp.step["gpu"]) for lp in needs)]
    if fitting:
        return fitting[0].queue
    inventory = sorted({str(g) for h in hosts for g in h.gpus or []}) or ["none"]
    missing = next((lp for lp in needs if not any(h.fits_gpu(lp.step["gpu"]) for h in hosts)), None)
    if missing is None:
        wanted = ", ".join(sorted({lp.step["gpu"] for lp in needs}))
        message = f"The image's steps ask for the GPUs {wanted}, which no single live host has together"
    else:
        message = (
            f"{missing.describe()} asks for the GPU {missing.step['gpu']!r}, which no live host of this "
            "platform has"
        )
    raise ApiError(
        f"{message} (GPUs available: {', '.join(inventory)}).",
        field="image.steps",
        hint="A step with gpu= is built on a host with that GPU; leave gpu= out if the step does not need one.",
    )


def _stale(build: Build) -> bool:
    if build.status != BuildStatus.RUNNING:
        return False
    last = build.heartbeat_at or build.started_at or build.created_at
    return timezone.now() - last > timedelta(seconds=STALE_BUILD_SECONDS)


def image_resolve(*, workspace, spec: dict) -> Image:
    """The built Image for `spec`, for defining a function on it; 409 while it is being built."""
    resolved = image_ensure(workspace=workspace, spec=spec)
    image = resolved.image
    if resolved.build is None and image.status == ImageStatus.READY:
        return image
    build = resolved.build
    raise ApiError(
        f"Image {image.id} is being built (build {build.id})."
        if build
        else f"Image {image.id} is not built.",
        code="image_not_ready",
        status_code=409,
        field="image",
        hint="Wait for the build (GET /api/v1/builds/{id}/, or POST /api/v1/images/ as the SDK does), then define the function again.",
    )


# Building -------------------------------------------------------------------------------------


def _layer_tag(lp: LayerPlan, build: Build) -> str:
    if build.ignore_cache:
        return f"{docker_builder.layer_repository()}:{lp.hash}-{build.id.lower()}"
    return f"{docker_builder.layer_repository()}:{lp.hash}"


def _shared_base_ref(ref: str) -> str:
    """A debian_slim base as every host sees it: from the shared registry when there is one."""
    registry = settings.SKYLIFT_IMAGE_REGISTRY.strip("/")
    return f"{registry}/{ref}" if registry else ref


class _Step:
    """Records a step's progress on the build row and in its log."""

    def __init__(self, build: Build, sink: logs.BuildLog):
        self.build, self.sink = build, sink

    def set(self, index: int, status: str, duration: float | None = None) -> None:
        for step in self.build.steps:
            if step["index"] == index:
                step["status"] = status
                if duration is not None:
                    step["duration"] = round(duration, 3)
        Build.objects.filter(pk=self.build.pk).update(
            steps=self.build.steps,
            cache_hits=sum(1 for s in self.build.steps if s["status"] == "cached"),
            layers_built=sum(1 for s in self.build.steps if s["status"] == "built"),
            heartbeat_at=timezone.now(),
        )
        self.sink.event({"type": "step", "index": index, "status": status, "duration": duration})


def build_run(*, build_id: str) -> None:
    """Build the missing layers of a build's image (the body of the `build_image` task)."""
    claimed = Build.objects.filter(pk=build_id, status=BuildStatus.QUEUED).update(
        status=BuildStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    if not claimed:
        return  # another delivery has it, or it is over
    build = Build.objects.select_related("image", "workspace").get(pk=build_id)
    secrets = build.secrets or {}
    sink = logs.BuildLog(
        build.id,
        secrets=[v for env in secrets.values() for v in env.values()],
        heartbeat=lambda: Build.objects.filter(pk=build.pk).update(heartbeat_at=timezone.now()),
    )
    steps = _Step(build, sink)
    current: LayerPlan | None = None
    try:
        plan = plan_image(
            workspace_id=str(build.workspace_id),
            spec=build.spec,
            python_versions=_python_versions(),
            micromamba_image=settings.SKYLIFT_MICROMAMBA_IMAGE,
        )
        sink.line(f"Building image {build.image_id} (builder {BUILDER_VERSION})")
        chain: list[Layer] = []
        for lp in plan.layers:
            current = lp
            layer, _ = _layer_get_or_build(
                build, plan, lp, chain[-1] if chain else None, secrets, sink, steps
            )
            chain.append(layer)
        current = None
        last = chain[-1]
        python_version = last.python_version or plan.python_version
        if not last.python_version:
            python_version = _probe_python(last.docker_ref, sink)
            if not build.ignore_cache:
                Layer.objects.filter(pk=last.pk).update(python_version=python_version)
        Image.objects.filter(pk=build.image_id).update(
            status=ImageStatus.READY,
            docker_ref=last.docker_ref,
            layer_hash=last.hash,
            python_version=python_version,
            error="",
            last_used_at=timezone.now(),
        )
        hits = sum(1 for s in build.steps if s["status"] == "cached")
        sink.line(f"Image {build.image_id} is ready ({hits} of {len(plan.layers)} layers from the cache).")
        _finish(build, BuildStatus.SUCCEEDED, sink)
    except (docker_builder.StepFailed, SpecError, docker_builder.DockerUnavailable) as exc:
        output = getattr(exc, "output", "") or ""
        if current is not None:
            where = f"Step {current.index} ({current.describe()}) failed: {exc}"
            steps.set(current.index, "failed")
        else:
            where = f"The image failed its final check: {exc}"
        error = where + (f"\n--- output (last lines) ---\n{output}" if output else "")
        sink.line(where)
        _finish_failed(build, error, current.index if current else None, sink)
    except Exception as exc:  # noqa: BLE001 - a bug must not leave the build running forever
        log.exception("build %s crashed", build_id)
        _finish_failed(
            build, f"The build crashed: {type(exc).__name__}: {exc}", current.index if current else None, sink
        )


def _finish(build: Build, status: str, sink: logs.BuildLog) -> None:
    sink.close()
    Build.objects.filter(pk=build.pk).update(
        status=status, finished_at=timezone.now(), secrets={}, log=sink.text, error=""
    )
    sink.event({"type": "status", "status": status})


def _finish_failed(
    build: Build, error: str, failed_step: int | None, sink: logs.BuildLog | None = None
) -> None:
    if sink is not None:
        sink.close()
    Build.objects.filter(pk=build.pk).update(
        status=BuildStatus.FAILED,
        finished_at=timezone.now(),
        secrets={},
        error=error,
        failed_step=failed_step,
        **({"log": sink.text} if sink is not None else {}),
    )
    # The image keeps its last good docker_ref: functions already defined on it run on as before.
    Image.objects.filter(pk=build.image_id).update(status=ImageStatus.FAILED, error=error[:10_000])
    if sink is not None:
        sink.event({"type": "status", "status": BuildStatus.FAILED, "error": error})


class _AdvisoryLock:
    """A PostgreSQL session lock on a layer's hash: one builder per layer at a time."""

    def __init__(self, key: str, sink: logs.BuildLog):
        self.key, self.sink = key, sink

    def __enter__(self):
        said = 0.0
        with connection.cursor() as cur:
            while True:
                cur.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [self.key])
                if cur.fetchone()[0]:
                    return self
                if time.monotonic() - said > 30:  # a line now and then keeps this build's heartbeat
                    self.sink.line(
                        "Waiting for another build of this layer to finish..."
                        if not said
                        else "   still waiting for the other build..."
                    )
                    said = time.monotonic()
                time.sleep(0.5)

    def __exit__(self, *exc):
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [self.key])


def _reusable(lp: LayerPlan, parent: Layer | None) -> Layer | None:
    row = Layer.objects.filter(hash=lp.hash).first()
    if row is None:
        return None
    if parent is not None and row.parent_docker_id != parent.docker_id:
        return None
    if lp.index > 0 or row.docker_id:
        if not docker_builder.image_exists(row.docker_ref):
            # Built on another host: take it from the shared registry rather than build it again.
            if not (
                docker_builder.in_shared_registry(row.docker_ref) and docker_builder.fetch(row.docker_ref)
            ):
                return None
    return row


def _layer_get_or_build(
    build: Build,
    plan: ImagePlan,
    lp: LayerPlan,
    parent: Layer | None,
    secrets: dict,
    sink: logs.BuildLog,
    steps: _Step,
) -> tuple[Layer, bool]:
    forced = plan.force_all or lp.force
    use_cache = not build.ignore_cache and not forced
    header = f"=> Step {lp.index}: {lp.describe()}"
    if lp.index == 0 and lp.step["base"] == "debian_slim":
        # A local base image: nothing to build, whatever the flags say.
        return _base_layer(build, lp, sink, steps), False
    if use_cache:
        row = _reusable(lp, parent)
        if row is not None:
            sink.line(f"{header} (cached)")
            steps.set(lp.index, "cached", 0)
            return row, False
    with _AdvisoryLock(lp.hash, sink):
        if use_cache:
            row = _reusable(lp, parent)  # another build made it while we waited
            if row is not None:
                sink.line(f"{header} (cached)")
                steps.set(lp.index, "cached", 0)
                return row, False
        sink.line(header)
        steps.set(lp.index, "running")
        started = time.monotonic()
        target = _layer_tag(lp, build)
        docker_id = _build_layer(
            build, lp, parent, target, secrets.get("base" if lp.index == 0 else str(lp.index)), sink
        )
        if docker_builder.in_shared_registry(target):
            sink.line(f"   pushing {target}")
            docker_builder.push(target, sink.line)
        duration = time.monotonic() - started
        steps.set(lp.index, "built", duration)
        sink.line(f"   done in {duration:.1f} s")
        fields = {
            "workspace_id": build.workspace_id,
            "parent_hash": lp.parent_hash or "",
            "index": lp.index,
            "step": _stored_step(lp.step),
            "description": lp.describe()[:512],
            "docker_ref": target,
            "docker_id": docker_id,
            "parent_docker_id": parent.docker_id if parent else "",
            "python_version": _known_python(lp, parent),
            "build": build,
            "duration": duration,
            "last_used_at": timezone.now(),
        }
        if build.ignore_cache:
            # SKYLIFT_IGNORE_CACHE: this build's layers serve only this build.
            return Layer(hash=lp.hash, **fields), True
        row, _ = Layer.objects.update_or_create(hash=lp.hash, defaults=fields)
        return row, True


def _known_python(lp: LayerPlan, parent: Layer | None) -> str:
    """The layer's Python version when it follows from its parent's; "" means probe the image."""
    if lp.index == 0:
        return lp.step.get("python_version", "") if lp.step["base"] in ("debian_slim", "micromamba") else ""
    if parent is None or lp.kind in ("entrypoint", "add_python", "dockerfile_commands"):
        return ""
    return parent.python_version


def _base_layer(build: Build, lp: LayerPlan, sink: logs.BuildLog, steps: _Step) -> Layer:
    ref, docker_id = _base_image(lp.step["ref"], lp.step["python_version"], sink)
    row, _ = Layer.objects.get_or_create(
        hash=lp.hash,
        defaults={
            "workspace_id": build.workspace_id,
            "step": _stored_step(lp.step),
            "description": lp.describe(),
            "docker_ref": ref,
            "python_version": lp.step["python_version"],
        },
    )
    if row.docker_id != docker_id or row.docker_ref != ref:
        Layer.objects.filter(pk=row.pk).update(docker_id=docker_id, docker_ref=ref)
        row.docker_id, row.docker_ref = docker_id, ref
    sink.line(f"=> Step 0: {lp.describe()} ({ref})")
    steps.set(0, "cached", 0)
    return row


def _base_image(local: str, python_version: str, sink: logs.BuildLog) -> tuple[str, str]:
    """The debian_slim base `local` on this host, as (ref, image id): already there, pulled from
    the shared registry, or (the platform's own base) bootstrapped once."""
    ref = _shared_base_ref(local)
    docker_id = docker_builder.image_id(ref)
    if docker_id is None and ref != local and docker_builder.fetch(ref):
        docker_id = docker_builder.image_id(ref)  # another host put it in the shared registry
    if docker_id is None:
        with _AdvisoryLock(f"base:{ref}", sink):  # one bootstrap per build host at a time
            docker_id = docker_builder.image_id(local)
            if docker_id is None and local == f"{LOCAL_BASE}:{python_version}":
                docker_id = _bootstrap_base(python_version, local, sink)
            if docker_id is not None and ref != local:
                # Shared, so that every host builds on (and runs) the very same base.
                docker_builder.tag(local, ref)
                sink.line(f"   pushing {ref}")
                docker_builder.push(ref, sink.line)
    if docker_id is None:
        raise docker_builder.StepFailed(
            f"the base image {local} is missing on this build host; create it with platform/scripts/base-image.sh"
        )
    return ref, docker_id


LOCAL_BASE = "skylift/debian-slim"
BASE_SCRIPT = Path(settings.BASE_DIR) / "platform" / "scripts" / "base-image.sh"


def _bootstrap_base(python_version: str, ref: str, sink: logs.BuildLog) -> str | None:
    """Make the debian_slim base for a Python version this host has not built yet, once.

    platform/scripts/base-image.sh pulls python:<version>-slim where a registry answers, and
    otherwise bootstraps the Debian release whose python3 is that version (3.11: bookworm, 3.13:
    trixie) and imports it, in about a minute. Its output is the step's log.
    """
    if not BASE_SCRIPT.exists():
        return None
    sink.line(f"=> Step 0: making the base image {ref} on this build host (once; about a minute)")
    env = {**os.environ, "SKYLIFT_BASE_PYTHON": python_version}
    with subprocess.Popen(
        ["bash", str(BASE_SCRIPT)], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as proc:
        tail: list[str] = []
        for line in proc.stdout:
            sink.line(line.rstrip("\n"))
            tail = [*tail[-19:], line.rstrip("\n")]
        code = proc.wait()
    if code != 0:
        raise docker_builder.StepFailed(
            f"making the base image {ref} failed (exit {code}):\n" + "\n".join(tail)
        )
    return docker_builder.image_id(ref)


# Step runners -----------------------------------------------------------------------------------


def _mount_dir(workspace_id, sha256: str) -> Path:
    """Extract an uploaded, content-addressed tar once per build host and reuse it."""
    from functions.models import Mount

    target = Path(settings.SKYLIFT_BUILD_DIR) / "mounts" / sha256
    if target.exists():
        return target
    mount = Mount.objects.filter(workspace_id=workspace_id, sha256=sha256).first()
    if mount is None:
        raise docker_builder.StepFailed(
            f"the uploaded files {sha256[:12]} are missing; run again to upload them"
        )
    staging = target.with_name(f".{sha256}.{os.urandom(4).hex()}")
    staging.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(bytes(mount.content)), mode="r:") as tar:
        tar.extractall(staging, filter="data")
    try:
        staging.rename(target)
    except OSError:  # another build extracted it first
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _ca_binds() -> tuple[list[dict], str]:
    """The host's CA bundle for steps that reach the network, and the shell lines that use it."""
    bundle = settings.SKYLIFT_BUILD_CA_BUNDLE
    if not bundle or not Path(bundle).is_file():
        return [], ""
    path = f"{docker_builder.BUILD_MOUNT_DIR}/ca.crt"
    exports = " ".join(
        f"{name}={path}"
        for name in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "GIT_SSL_CAINFO")
    )
    return [{"source": str(Path(bundle).resolve()), "target": path}], f"export {exports}\n"


class _StepFiles:
    """Files a step reads (secrets, its spec), in a private directory removed after the step."""

    def __init__(self, build: Build, index: int):
        self.dir = Path(settings.SKYLIFT_BUILD_DIR) / "steps" / f"{build.id}-{index}"
        self.binds: list[dict] = []

    def __enter__(self):
        self.dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        return self

    def add(self, name: str, content: str) -> str:
        path = self.dir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(content)
        target = f"{docker_builder.BUILD_MOUNT_DIR}/{name}"
        self.binds.append({"source": str(path), "target": target})
        return target

    def __exit__(self, *exc):
        shutil.rmtree(self.dir, ignore_errors=True)


def _secret_prelude(files: _StepFiles, env: dict | None) -> str:
    if not env:
        return ""
    content = "".join(f"export {k}={shlex.quote(v)}\n" for k, v in sorted(env.items()))
    path = files.add("secrets.env", content)
    return f". {path}\n"


PY = 'PY=$(command -v python3 || command -v python) || { echo "error: no python3 or python on the PATH" >&2; exit 127; }\n'


def _pip_args(step: dict) -> list[str]:
    args = []
    if step.get("index_url"):
        args += ["--index-url", step["index_url"]]
    if step.get("extra_index_url"):
        args += ["--extra-index-url", step["extra_index_url"]]
    if step.get("find_links"):
        args += ["--find-links", step["find_links"]]
    if step.get("pre"):
        args.append("--pre")
    return args


def _extra(step: dict) -> str:
    return (" " + step["extra_options"]) if step.get("extra_options") else ""


def _script(step: dict, ctx: str) -> str:
    """The shell script of a step that runs in a container of its parent."""
    kind = step["kind"]
    pip_env = "export PIP_ROOT_USER_ACTION=ignore PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_BREAK_SYSTEM_PACKAGES=1 PIP_NO_CACHE_DIR=1\n"
    if kind == "pip_install":
        return (
            PY
            + pip_env
            + f'"$PY" -m pip install {shell_join(_pip_args(step) + step["packages"])}{_extra(step)}\n'
        )
    if kind == "pip_install_from_requirements":
        return (
            PY
            + pip_env
            + f'"$PY" -m pip install {shell_join(_pip_args(step))} -r {ctx}/requirements.txt{_extra(step)}\n'
        )
    if kind == "uv_pip_install":
        # uv itself goes in /tmp (the build tmpfs is noexec) and leaves with the step.
        uv = "/tmp/skylift-uv"
        return (
            PY
            + pip_env
            + f"trap 'rm -rf {uv}' EXIT\n"
            + f'"$PY" -m pip install --quiet --target {uv} uv\n'
            + "export UV_NATIVE_TLS=1 UV_NO_CACHE=1 UV_BREAK_SYSTEM_PACKAGES=1\n"
            + f'{uv}/bin/uv pip install --system --python "$PY" --compile-bytecode '
            + f"{shell_join(_pip_args(step) + step['packages'])}{_extra(step)}\n"
        )
    if kind == "apt_install":
        return (
            "export DEBIAN_FRONTEND=noninteractive\n"
            "apt-get update -q\n"
            f"apt-get install -y -q --no-install-recommends {shell_join(step['packages'])}\n"
            "rm -rf /var/lib/apt/lists/*\n"
        )
    if kind == "micromamba_install":
        channels = " ".join(f"-c {shlex.quote(c)}" for c in step["channels"])
        return f"micromamba install -y -n base {channels} {shell_join(step['packages'])}\nmicromamba clean --all --yes\n"
    if kind == "run_commands":
        # Each command in a shell of its own, as Dockerfile RUN lines are; the first failure stops the step.
        return "".join(f"/bin/sh -c {shlex.quote(c)} || exit $?\n" for c in step["commands"])
    if kind == "copy_local":
        target = shlex.quote(step["target"])
        if step["type"] == "file":
            return f'mkdir -p "$(dirname {target})"\ncp -a {ctx}/{shlex.quote(step["name"])} {target}\n'
        return f"mkdir -p {target}\ncp -a {ctx}/. {target}/\n"
    raise AssertionError(kind)


def _dockerfile_env(step: dict) -> str:
    def quote(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("$", "\\$") + '"'

    return "ENV " + " ".join(f"{k}={quote(v)}" for k, v in step["vars"].items())


def _ca_dockerfile_preamble() -> tuple[str, dict[str, bytes]]:
    """Lines that give a Dockerfile's RUN steps the host's CA bundle, as build arguments."""
    bundle = settings.SKYLIFT_BUILD_CA_BUNDLE
    if not bundle or not Path(bundle).is_file():
        return "", {}
    path = "/etc/ssl/certs/skylift-build-ca.crt"
    lines = [f"COPY .skylift-ca.crt {path}"] + [
        f"ARG {name}={path}" for name in ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")
    ]
    return "\n".join(lines) + "\n", {".skylift-ca.crt": Path(bundle).read_bytes()}


def _with_preamble(dockerfile: str, preamble: str) -> str:
    """Insert `preamble` right after the FROM line (once: Skylift builds single-stage Dockerfiles)."""
    if not preamble:
        return dockerfile
    out, done = [], False
    lines = dockerfile.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        out.append(line)
        if not done and line.strip().upper().startswith("FROM"):
            while out[-1].rstrip().endswith("\\") and i + 1 < len(lines):
                i += 1
                out.append(lines[i])
            out.append(preamble.rstrip("\n"))
            done = True
        i += 1
    return "\n".join(out) + "\n"


def _build_layer(build: Build, lp: LayerPlan, parent: Layer | None, target: str, secret_env, sink) -> str:
    step = lp.step
    kind = step["kind"]
    forced = build.force or build.ignore_cache
    if kind == "base":
        base = step["base"]
        if base == "from_registry":
            return _pull(step["tag"], target=target, credentials=secret_env, sink=sink)
        if base == "micromamba":
            return docker_builder.pull(step["ref"], target=target, credentials=None, log=sink.line)
        # from_dockerfile: a FROM image of a named registry is pulled by Skylift, then built on.
        dockerfile = step["dockerfile"]
        source = step["from"]
        if source and registry_host(source) is not None:
            local = _pulled_from_tag(source)
            try:
                dockerfile = replace_from(dockerfile, source, local)
            except SpecError as exc:
                raise docker_builder.StepFailed(str(exc)) from None
            if forced or not docker_builder.image_exists(local):
                _pull(source, target=local, credentials=secret_env, sink=sink)
        preamble, extra = _ca_dockerfile_preamble()
        context = (
            _mount_dir(build.workspace_id, step["context_sha256"]) if step.get("context_sha256") else None
        )
        return docker_builder.build_dockerfile(
            dockerfile=_with_preamble(dockerfile, preamble),
            context_dir=context,
            extra_files=extra,
            target=target,
            log=sink.line,
            nocache=forced,
        )
    assert parent is not None
    if kind == "add_python":
        bundle = _python_bundle(step["python_version"], sink)
        return docker_builder.build_dockerfile(
            dockerfile=add_python.dockerfile(
                parent.docker_ref, bundle, docker_builder.image_config(parent.docker_ref).get("Env")
            ),
            target=target,
            log=sink.line,
            nocache=forced,
        )
    if kind in ("env", "workdir", "entrypoint"):
        if kind == "env":
            line = _dockerfile_env(step)
        elif kind == "workdir":
            line = "WORKDIR " + json.dumps(step["path"])
        else:
            line = "ENTRYPOINT " + json.dumps(step["entrypoint"])
        return docker_builder.build_dockerfile(
            dockerfile=f"FROM {parent.docker_ref}\n{line}\n", target=target, log=sink.line, nocache=forced
        )
    if kind == "dockerfile_commands":
        preamble, extra = _ca_dockerfile_preamble()
        context = (
            _mount_dir(build.workspace_id, step["context_sha256"]) if step.get("context_sha256") else None
        )
        dockerfile = _with_preamble(
            f"FROM {parent.docker_ref}\n" + "\n".join(step["commands"]) + "\n", preamble
        )
        return docker_builder.build_dockerfile(
            dockerfile=dockerfile,
            context_dir=context,
            extra_files=extra,
            target=target,
            log=sink.line,
            nocache=forced,
        )
    ca_binds, ca_prelude = _ca_binds()
    with _StepFiles(build, lp.index) as files:
        prelude = ca_prelude + _secret_prelude(files, secret_env)
        binds = list(ca_binds)
        ctx = f"{docker_builder.BUILD_MOUNT_DIR}/ctx"
        if kind == "copy_local":
            binds.append({"source": str(_mount_dir(build.workspace_id, step["sha256"])), "target": ctx})
        if kind == "pip_install_from_requirements":
            files.add("requirements.txt", step["requirements"])
            ctx = docker_builder.BUILD_MOUNT_DIR
        timeout = 3600
        if kind == "run_function":
            script, more = _run_function(build, step, files)
            binds += more
            timeout = step.get("timeout") or 3600
        else:
            script = "set -e\n" + _script(step, ctx)
        return docker_builder.run_and_commit(
            parent=parent.docker_ref,
            script=prelude + script,
            target=target,
            log=sink.line,
            binds=binds + files.binds,
            gpu=_gpu_here(step.get("gpu")),
            timeout=timeout,
        )


PULLED_FROM_REPOSITORY = "skylift/from"


def _pulled_from_tag(source: str) -> str:
    """Where a Dockerfile's FROM image of a named registry is kept once Skylift pulled it."""
    return f"{PULLED_FROM_REPOSITORY}:{hashlib.sha256(source.encode()).hexdigest()[:24]}"


def _gpu_here(gpu: str | None) -> str | None:
    """A step's GPU request as this host meets it: the first of its fallbacks the host has."""
    if not gpu:
        return None
    from hosts.models import Host

    host = Host.objects.filter(name=settings.SKYLIFT_HOST_NAME).first()
    matched = host.matched_gpu(gpu) if host is not None else None
    if matched is None:
        raise docker_builder.StepFailed(
            f"the step asks for the GPU {gpu!r}, which this build host ({settings.SKYLIFT_HOST_NAME}) "
            "does not have"
        )
    return matched


def _python_bundle(version: str, sink: logs.BuildLog) -> str:
    """The relocatable Python `version` for add_python, made once per build host from its
    debian_slim base (and again when that base or the bundling script changes)."""
    local = _python_versions().get(version, f"{LOCAL_BASE}:{version}")
    base_ref, base_id = _base_image(local, version, sink)
    ref = add_python.bundle_ref(version)
    wanted = add_python.fingerprint(base_id)

    def current() -> bool:
        if docker_builder.image_id(ref) is None:
            return False
        return (docker_builder.image_config(ref).get("Labels") or {}).get(add_python.LABEL) == wanted

    if current():
        return ref
    with _AdvisoryLock(f"python-bundle:{settings.SKYLIFT_HOST_NAME}:{version}", sink):
        if not current():
            sink.line(f"   making a relocatable Python {version} from {base_ref} (once per build host)")
            ca_binds, ca_prelude = _ca_binds()
            script = f"{docker_builder.BUILD_MOUNT_DIR}/python_bundle.py"
            docker_builder.run_and_commit(
                parent=base_ref,
                script=ca_prelude + add_python.bundle_script(script),
                target=ref,
                log=sink.line,
                binds=[*ca_binds, {"source": str(add_python.SCRIPT), "target": script}],
                changes=[f"LABEL {add_python.LABEL}={wanted}"],
                timeout=900,
            )
    return ref


def _run_function(build: Build, step: dict, files: _StepFiles) -> tuple[str, list[dict]]:
    """Run a user function (or a class's @build method) in the image so far; its files are kept."""
    from hosts.services import runtime_dir

    run = step["_run"]
    binds = [
        {"source": str(runtime_dir() / name), "target": f"/skylift/lib/{name}"}
        for name in ("skylift", "cloudpickle")
    ]
    if run.get("mount_sha256"):
        binds.append(
            {"source": str(_mount_dir(build.workspace_id, run["mount_sha256"])), "target": "/skylift/src"}
        )
    definition = {
        "module": step["module"],
        "qualname": step["qualname"],
        "method": step.get("method"),
        "serialized": run.get("serialized"),
        "kwargs": run.get("kwargs"),
    }
    path = files.add("function.json", json.dumps(definition))
    script = (
        PY
        + "export PYTHONPATH=/skylift/lib:/skylift/pysrc PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 SKYLIFT_IS_REMOTE=1 SKYLIFT_IS_BUILD=1\n"
        + f"export SKYLIFT_IMAGE_ID={shlex.quote(build.image_id)}\n"
        + f'exec "$PY" -m skylift._build_runner {path}\n'
    )
    return script, binds


def _probe_python(ref: str, sink: logs.BuildLog) -> str:
    """Check that containers of the image can run Skylift: a Python the runtime supports, and an
    entrypoint that runs the command it is given."""
    code, output = docker_builder.probe(
        ref, ["python3", "-c", f"import sys; print('{PROBE_MARKER}', '%d.%d' % sys.version_info[:2])"]
    )
    for line in output.splitlines():
        if line.startswith(PROBE_MARKER):
            version = line.split()[-1]
            if tuple(int(p) for p in version.split(".")) < MIN_PYTHON:
                raise docker_builder.StepFailed(
                    f"the image's Python is {version}; Skylift's runtime needs {'.'.join(map(str, MIN_PYTHON))} or "
                    "newer (use add_python=... or a newer base image)"
                )
            sink.line(f"Python {version} found in the image")
            return version
    entrypoint = docker_builder.image_config(ref).get("Entrypoint")
    if entrypoint:
        raise docker_builder.StepFailed(
            f"the image's ENTRYPOINT {json.dumps(entrypoint)} did not run the command it was given; an "
            'entrypoint script must end with exec "$@" so that Skylift\'s runtime can start after it',
            output.strip()[-2000:],
        )
    raise docker_builder.StepFailed(
        "the image has no python3 on its PATH; pass add_python='3.11' (or install Python in a step)",
        output.strip()[-2000:],
        code,
    )


# Garbage collection -----------------------------------------------------------------------------


def layers_collect_garbage(
    *, unused_days: int | None = None, orphans: bool = False, dry_run: bool = False
) -> dict:
    """Remove layers nobody used for `unused_days`, the Dockerfile bases only they started from,
    and (with `orphans`) layer images no record knows.

    A layer is kept while an image that a function runs on, or that was used recently, needs it
    (its own layers and their ancestors).
    """
    from functions.models import Function

    days = settings.SKYLIFT_LAYER_MAX_UNUSED_DAYS if unused_days is None else unused_days
    cutoff = timezone.now() - timedelta(days=days)
    parents = dict(Layer.objects.values_list("hash", "parent_hash"))
    in_use = set(Function.objects.values_list("image__layer_hash", flat=True))
    in_use |= set(Image.objects.filter(last_used_at__gte=cutoff).values_list("layer_hash", flat=True))
    in_use |= set(
        Build.objects.filter(status__in=ACTIVE_BUILD_STATUSES).values_list("image__layer_hash", flat=True)
    )
    keep: set[str] = set()
    for head in in_use:
        while head and head not in keep:
            keep.add(head)
            head = parents.get(head, "")
    doomed = list(
        Layer.objects.filter(last_used_at__lt=cutoff)
        .exclude(hash__in=keep)
        .values_list("pk", "hash", "docker_ref")
    )
    removed_layers, kept_busy = [], []
    # Children first, so that Docker can drop each image as its last tag goes.
    index = dict(Layer.objects.values_list("hash", "index"))
    for pk, layer_hash, ref in sorted(doomed, key=lambda d: -index.get(d[1], 0)):
        if not ref.startswith(docker_builder.layer_repository() + ":"):
            if not dry_run:
                Layer.objects.filter(pk=pk).delete()  # a base image record: the image itself stays
            removed_layers.append(layer_hash)
            continue
        if dry_run or docker_builder.remove_image(ref):
            if not dry_run:
                Layer.objects.filter(pk=pk).delete()
            removed_layers.append(layer_hash)
        else:
            kept_busy.append(layer_hash)
    # Dockerfile bases Skylift pulled (skylift/from:*) that no remaining layer starts from: their
    # tags go (the image data goes with its last layer); a later build pulls again.
    wanted = {
        _pulled_from_tag(step["from"])
        for step in Layer.objects.filter(index=0).values_list("step", flat=True)
        if step.get("base") == "from_dockerfile" and step.get("from")
    }
    pulled = [ref for ref in docker_builder.tagged_images(PULLED_FROM_REPOSITORY) if ref not in wanted]
    removed_pulled = [ref for ref in pulled if dry_run or docker_builder.remove_image(ref)]
    known = set(Layer.objects.values_list("docker_ref", flat=True)) | set(
        Image.objects.values_list("docker_ref", flat=True)
    )
    # Orphans: layer images no record of this platform knows (a build that died before recording
    # its layer, SKYLIFT_IGNORE_CACHE builds). Only on request: an engine may serve several platforms.
    removed_orphans = []
    containers = 0
    if orphans:
        candidates = [ref for ref in docker_builder.layer_images() if ref not in known]
        removed_orphans = [ref for ref in candidates if dry_run or docker_builder.remove_image(ref)]
        containers = 0 if dry_run else docker_builder.remove_build_containers()
    return {
        "layers_removed": len(removed_layers),
        "layers_kept_in_use_by_containers": len(kept_busy),
        "orphan_images_removed": len(removed_orphans),
        "pulled_bases_removed": len(removed_pulled),
        "build_containers_removed": containers,
        "dry_run": dry_run,
    }


def decode_b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""
