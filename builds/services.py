"""Images: resolve a spec to layers, reuse what is built, build what is missing.

`image_ensure` is the front door: it plans the spec's layers (`builds.spec`), and when every
layer is already built answers at once, without Docker doing anything. Otherwise it starts a
build (or joins the one already running for that image) on the `builds` Celery queue.
`build_run` is that build: layer after layer, each reused when its identity is in the cache,
else built by `builds.steps` and recorded only once it succeeded.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from dataclasses import dataclass
from datetime import timedelta

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from config.errors import ApiError
from vault import keys
from vault.services import build_secret_values

from . import docker_builder, gpu_steps, logs, registry_pull
from .models import ACTIVE_BUILD_STATUSES, Build, BuildStatus, Image, ImageStatus, Layer
from .spec import (
    BUILDER_VERSION,
    ImagePlan,
    LayerPlan,
    SpecError,
    plan_image,
    registry_host,
    split_secrets,
)
from .steps import (
    PULLED_FROM_REPOSITORY,
    AdvisoryLock,
    base_image,
    build_layer,
    probe_python,
    pulled_from_tag,
    python_versions,
    shared_base_ref,
)

__all__ = [
    "BASE_IMAGES",
    "build_queue",
    "build_run",
    "image_ensure",
    "image_resolve",
    "layers_collect_garbage",
    "registry_check",
    "sweep_abandoned_builds",
]

log = logging.getLogger(__name__)

BASE_IMAGES = settings.SKYLIFT_PYTHON_BASE_IMAGES  # kept for callers of the foundation's name
STALE_BUILD_SECONDS = 300  # a running build that logged nothing for this long lost its worker
REQUEUE_QUEUED_SECONDS = 60
QUEUED_BUILD_EXPIRY_SECONDS = 3600  # a build never started in this long is given up (and its secrets)
BUILD_TASK = "builds.tasks.build_image"  # the Celery task that runs build_run (builds/tasks.py)


def _plan(*, workspace, spec: dict) -> ImagePlan:
    try:
        return plan_image(
            workspace_id=str(workspace.pk),
            spec=spec,
            python_versions=python_versions(),
            conda_channels=settings.SKYLIFT_CONDA_CHANNELS,
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


def _check_volumes(workspace, plan: ImagePlan) -> None:
    """Volumes that run_function steps mount must be the workspace's (404 otherwise, as if missing)."""
    from volumes.services import resolve_mounts

    for layer in plan.layers:
        if layer.step.get("volumes"):
            resolve_mounts(workspace=workspace, mounts=layer.step["volumes"])


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
            "docker_ref": shared_base_ref(step["ref"]),
            "python_version": step["python_version"],
        },
    )


def _stored_step(step: dict) -> dict:
    return {k: v for k, v in step.items() if k != "_run"}


def _cached_chain(plan: ImagePlan) -> list[Layer] | None:
    """The built layers of the plan, if every one is built on top of the current parent."""
    rows = {layer.hash: layer for layer in Layer.objects.filter(hash__in=[lp.hash for lp in plan.layers])}
    chain: list[Layer] = []
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
    if isinstance(spec, dict) and spec.get("image_id"):
        return Resolved(_image_by_id(workspace, spec), None)
    spec = _with_named_secrets(workspace, spec)
    plan = _plan(workspace=workspace, spec=spec)
    if plan.layers[0].step["base"] == "from_registry":
        try:
            registry_check(plan.layers[0].step["tag"])
        except SpecError as exc:
            raise ApiError(str(exc), field=exc.field, hint=exc.hint) from None
    _check_uploads(workspace, plan)
    _check_volumes(workspace, plan)
    _ensure_base_layer(workspace, plan.layers[0])
    if not plan.needs_build_always:
        chain = _cached_chain(plan)
        # A last layer without a Python version has not passed the final check (an entrypoint
        # that does not exec, no python3): such an image goes through a build, which checks it.
        if chain is not None and chain[-1].python_version and _docker_has(chain[-1].docker_ref):
            return Resolved(_image_ready(workspace, plan, chain), None)
    return _build_start(workspace=workspace, plan=plan, spec=spec, user=user)


def _image_by_id(workspace, spec: dict) -> Image:
    """`{"image_id": ...}`: an image the workspace has already (a sandbox's snapshot,
    `Image.from_id`), as it is; build steps on top of one are not taken (yet)."""
    extra = [k for k, v in spec.items() if k not in ("image_id", "base", "force_build", "ignore_cache") and v]
    if extra:
        raise ApiError(
            f"An image given by its id takes no {', '.join(sorted(extra))}: it is used as it is.",
            field="image_id",
            hint="Build on it inside a sandbox started from it, then snapshot that sandbox.",
        )
    image = Image.objects.filter(workspace=workspace, pk=str(spec["image_id"])).first()
    if image is None:
        raise ApiError(
            f"Image {spec['image_id']} not found.", code="not_found", status_code=404, field="image_id"
        )
    return image


def build_again(*, build: Build, user) -> Resolved:
    """The image of `build`, rebuilt from its spec with every layer built anew (force_build)."""
    spec = json.loads(json.dumps(build.spec))
    steps = spec.get("steps") or []
    if spec.get("registry_secret_names") or any(isinstance(s, dict) and s.get("secret_names") for s in steps):
        raise ApiError(
            f"Build {build.id} used secret values given inline, which the platform does not keep.",
            code="secrets_not_kept",
            status_code=409,
            hint="Rebuild it from the SDK (force_build=True, or SKYLIFT_FORCE_BUILD=1), which sends them again.",
        )
    spec["force_build"] = True
    return image_ensure(workspace=build.workspace, spec=spec, user=user)


def _with_named_secrets(workspace, spec: dict) -> dict:
    """The spec with the values of the named secrets its steps (and registry pull) name put before
    their inline ones; the ids stay, and enter the layers' identity (values never do)."""
    if not isinstance(spec, dict):
        return spec
    spec = dict(spec)
    if spec.get("registry_secret_ids"):
        named = build_secret_values(
            workspace=workspace, ids=spec.pop("registry_secret_ids"), field="image.registry_secret_ids"
        )
        spec["registry_secret"] = [*named, *(spec.get("registry_secret") or [])]
    steps = spec.get("steps")
    if isinstance(steps, list):
        resolved = []
        for i, step in enumerate(steps):
            if isinstance(step, dict) and step.get("secret_ids"):
                named = build_secret_values(
                    workspace=workspace, ids=step["secret_ids"], field=f"image.steps[{i}].secret_ids"
                )
                step = {**step, "secrets": [*named, *(step.get("secrets") or [])]}
            resolved.append(step)
        spec["steps"] = resolved
    return spec


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


def _queue_build(build_id: str, queue: str) -> None:
    """Send the build to its builders once the transaction that recorded it commits.

    By the task's name: builds/tasks.py runs it and imports this module, never the other way.
    """
    transaction.on_commit(
        lambda: current_app.send_task(BUILD_TASK, kwargs={"build_id": build_id}, queue=queue)
    )


def _build_start(*, workspace, plan: ImagePlan, spec: dict, user) -> Resolved:
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
                _queue_build(active.id, queue)
            return Resolved(image, active)
        build = Build.objects.create(
            workspace=workspace,
            image=image,
            spec=stored_spec,
            secrets_token=keys.encrypt(plan.secrets) if plan.secrets else None,
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
        _queue_build(build.id, queue)
    return Resolved(image, build)


def build_queue(plan: ImagePlan) -> str:
    """Where a build runs: any builder (the `builds` queue), or, when a step asks for a GPU, the
    host agent of a live host that could hold every GPU the steps ask for, those whose devices
    for the first such step are free now first (the step takes them when it runs, and waits for
    them there: builds/gpu_steps.py). Refused before anything is recorded when no live host could."""
    from hosts.gpus import fit, parse_request
    from hosts.models import Host, HostUsage

    needs = [lp for lp in plan.layers if lp.step.get("gpu")]
    if not needs:
        return "builds"
    hosts = list(Host.objects.alive())
    fitting = [h for h in hosts if all(h.fits_gpu(lp.step["gpu"]) for lp in needs)]
    if fitting:
        used = dict(HostUsage.objects.filter(host__in=fitting).values_list("host_id", "devices"))
        first = parse_request(needs[0].step["gpu"])
        return min(
            fitting, key=lambda h: (fit(first, h.gpus or [], used.get(h.id) or []) is None, h.name)
        ).queue
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


def sweep_abandoned_builds() -> int:
    """Fail the builds whose worker went away, and those never started within an hour: with them
    go the secret values they held, and the GPU devices their steps held (as do the steps' of a
    lost host: `gpu_steps.release_abandoned`). Returns how many builds were failed."""
    now = timezone.now()
    abandoned = [
        b for b in Build.objects.filter(status=BuildStatus.RUNNING).only(*_SWEEP_FIELDS) if _stale(b)
    ] + list(
        Build.objects.filter(
            status=BuildStatus.QUEUED, created_at__lt=now - timedelta(seconds=QUEUED_BUILD_EXPIRY_SECONDS)
        ).only(*_SWEEP_FIELDS)
    )
    for build in abandoned:
        message = (
            "The build stopped: its worker went away. Run again to retry."
            if build.status == BuildStatus.RUNNING
            else f"The build was not started within {QUEUED_BUILD_EXPIRY_SECONDS // 60} minutes. Run again to retry."
        )
        _finish_failed(build, message, None)
    released = gpu_steps.release_abandoned()
    if released:
        log.warning("released the GPU devices of %d build step(s) whose build or host is gone", released)
    return len(abandoned)


_SWEEP_FIELDS = ("id", "image_id", "status", "heartbeat_at", "started_at", "created_at")


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


class _Step:
    """Records a step's progress on the build row and in its log."""

    def __init__(self, build: Build, sink: logs.BuildLog):
        self.build, self.sink = build, sink

    def set(self, index: int, status: str, duration: float | None = None, size: int | None = None) -> None:
        for step in self.build.steps:
            if step["index"] == index:
                step["status"] = status
                if duration is not None:
                    step["duration"] = round(duration, 3)
                if size is not None:
                    step["size"] = size
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
    secrets = keys.decrypt(bytes(build.secrets_token)) if build.secrets_token else {}
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
            python_versions=python_versions(),
            conda_channels=settings.SKYLIFT_CONDA_CHANNELS,
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
            python_version = probe_python(last.docker_ref, sink)
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
    try:
        docker_builder.retire_idle_network_holders()
    except Exception:  # noqa: BLE001 - best effort: the next build, or collect_layers, retries
        log.warning("could not retire idle build network holders", exc_info=True)


def _finish(build: Build, status: str, sink: logs.BuildLog) -> None:
    sink.close()
    Build.objects.filter(pk=build.pk).update(
        status=status, finished_at=timezone.now(), secrets_token=None, log=sink.text, error=""
    )
    sink.event({"type": "status", "status": status})


def _finish_failed(
    build: Build, error: str, failed_step: int | None, sink: logs.BuildLog | None = None
) -> None:
    if sink is not None:
        sink.close()
        # A failed step's output is in the error: masked as its log lines are.
        error = sink.mask(error)
    Build.objects.filter(pk=build.pk).update(
        status=BuildStatus.FAILED,
        finished_at=timezone.now(),
        secrets_token=None,
        error=error,
        failed_step=failed_step,
        **({"log": sink.text} if sink is not None else {}),
    )
    # The image keeps its last good docker_ref: functions already defined on it run on as before.
    Image.objects.filter(pk=build.image_id).update(status=ImageStatus.FAILED, error=error[:10_000])
    if sink is not None:
        sink.event({"type": "status", "status": BuildStatus.FAILED, "error": error})


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
            steps.set(lp.index, "cached", 0, _layer_size(row.docker_ref, parent))
            return row, False
    with AdvisoryLock(lp.hash, sink):
        if use_cache:
            row = _reusable(lp, parent)  # another build made it while we waited
            if row is not None:
                sink.line(f"{header} (cached)")
                steps.set(lp.index, "cached", 0, _layer_size(row.docker_ref, parent))
                return row, False
        sink.line(header)
        steps.set(lp.index, "running")
        started = time.monotonic()
        target = _layer_tag(lp, build)
        docker_id = build_layer(
            build, lp, parent, target, secrets.get("base" if lp.index == 0 else str(lp.index)), sink
        )
        if docker_builder.in_shared_registry(target):
            sink.line(f"   pushing {target}")
            docker_builder.push(target, sink.line)
        duration = time.monotonic() - started
        steps.set(lp.index, "built", duration, _layer_size(target, parent))
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
        return lp.step.get("python_version", "") if lp.step["base"] == "debian_slim" else ""
    # A conda step may install (or change) the environment's Python: probe what it holds.
    if parent is None or lp.kind in ("entrypoint", "add_python", "dockerfile_commands", "micromamba_install"):
        return ""
    return parent.python_version


def _base_layer(build: Build, lp: LayerPlan, sink: logs.BuildLog, steps: _Step) -> Layer:
    ref, docker_id = base_image(lp.step["ref"], lp.step["python_version"], sink)
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
    steps.set(0, "cached", 0, _layer_size(ref, None))
    return row


def _layer_size(ref: str, parent: Layer | None) -> int | None:
    """What a step adds, in bytes: its image's size less its parent's (the whole base for step 0)."""
    try:
        size = docker_builder.image_size(ref)
        below = docker_builder.image_size(parent.docker_ref) if parent is not None else 0
    except Exception:  # noqa: BLE001 - a size is for show: a build never fails for it
        return None
    if size is None or below is None:
        return None
    return max(0, size - below)


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
        pulled_from_tag(step["from"])
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
