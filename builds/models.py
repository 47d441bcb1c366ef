"""Images, their layers, and the builds that make them.

An Image is what a function runs on: a spec (base, steps, files attached at start) resolved to
a Docker reference. Each step of the spec is a Layer, identified by a content hash (see
`builds.spec`); a Layer row exists only for a layer that was built successfully, so a failed
step never poisons the cache. A Build is one attempt to make the missing layers of an image.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.utils import timezone

from config.ids import IdFactory

__all__ = ["ACTIVE_BUILD_STATUSES", "Build", "BuildStatus", "Image", "ImageStatus", "Layer", "StepDevices"]


class ImageStatus(models.TextChoices):
    READY = "ready"
    BUILDING = "building"
    FAILED = "failed"


class Image(models.Model):
    """An image spec resolved to a Docker image reference on the hosts."""

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("im"), editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="images")
    spec = models.JSONField()
    spec_hash = models.CharField(max_length=64)
    # The last layer's identity; docker_ref is the Docker image of that layer once it is built.
    layer_hash = models.CharField(max_length=64, blank=True, default="")
    docker_ref = models.CharField(max_length=255, blank=True, default="")
    python_version = models.CharField(max_length=8)
    # Local files attached read-only at container start: [{"sha256", "target", "type", "name"?}].
    mounts = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=16, choices=ImageStatus.choices, default=ImageStatus.READY)
    error = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "spec_hash"], name="one_image_per_spec")]


class Layer(models.Model):
    """A built layer: the Docker image `docker_ref`, made from its parent by one step.

    `parent_docker_id` is the parent's Docker image id at build time: when the parent is rebuilt
    (force_build, a new base image), its id changes and this layer is stale, so it rebuilds.
    """

    hash = models.CharField(max_length=64, unique=True)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    parent_hash = models.CharField(max_length=64, blank=True, default="")
    index = models.PositiveIntegerField(default=0)
    step = models.JSONField()
    description = models.CharField(max_length=512, blank=True, default="")
    docker_ref = models.CharField(max_length=255)
    docker_id = models.CharField(max_length=80, blank=True, default="")
    parent_docker_id = models.CharField(max_length=80, blank=True, default="")
    python_version = models.CharField(max_length=8, blank=True, default="")
    build = models.ForeignKey(
        "builds.Build", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    duration = models.FloatField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["last_used_at"])]


class BuildStatus(models.TextChoices):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


ACTIVE_BUILD_STATUSES = (BuildStatus.QUEUED, BuildStatus.RUNNING)


class Build(models.Model):
    """One attempt to build the missing layers of an image, with its steps and log."""

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("bu"), editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="builds")
    image = models.ForeignKey(Image, on_delete=models.CASCADE, related_name="builds")
    status = models.CharField(max_length=16, choices=BuildStatus.choices, default=BuildStatus.QUEUED)
    # The spec as the builder needs it (function sources, kwargs), without secret values.
    spec = models.JSONField()
    # Secret values for the steps that asked for them ({"base"|step index: {name: value}}), as one
    # Fernet token (vault.keys); dropped as soon as the build ends, or is found abandoned.
    secrets_token = models.BinaryField(null=True, blank=True)
    force = models.BooleanField(default=False)
    ignore_cache = models.BooleanField(default=False)
    # [{"index", "description", "hash", "status": pending|cached|running|built|failed, "duration"}]
    steps = models.JSONField(default=list, blank=True)
    cache_hits = models.PositiveIntegerField(default=0)
    layers_built = models.PositiveIntegerField(default=0)
    failed_step = models.IntegerField(null=True, blank=True)
    error = models.TextField(blank=True, default="")
    log = models.TextField(blank=True, default="")
    created_by = models.ForeignKey(
        "auth.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # a running build's last sign of life
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # Two requests for the same image share one build: at most one is queued or running.
            models.UniqueConstraint(
                fields=["image"],
                condition=Q(status__in=["queued", "running"]),
                name="one_active_build_per_image",
            )
        ]
        indexes = [models.Index(fields=["workspace", "-created_at"])]

    @property
    def duration(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_BUILD_STATUSES


class StepDevices(models.Model):
    """The GPU devices a build step with `gpu=` holds on its build's host, from the allocation
    function containers take theirs from (`functions.delivery.place_build_step`): held while
    `released_at` is unset, and counted in the host's usage (hosts.HostUsage) and its workspace's
    GPU limit as a container's are. Released when the step ends, however it ends (success,
    failure, timeout: `builds.gpu_steps`), or by the sweeper when its build is no longer running
    (a builder that died) or its host was lost (`builds.gpu_steps.release_abandoned`)."""

    build = models.ForeignKey(Build, on_delete=models.CASCADE, related_name="gpu_holds")
    step = models.PositiveSmallIntegerField()
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    host = models.ForeignKey("hosts.Host", null=True, on_delete=models.SET_NULL, related_name="+")
    # Device indices on the host, and their model (as a task's gpu_devices and gpu_type).
    gpu_devices = ArrayField(models.PositiveSmallIntegerField(), default=list, blank=True)
    gpu_type = models.CharField(max_length=32, blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    # Why it was released: succeeded, failed, crashed (the step), build_ended, host_lost (the sweeper).
    cause = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        indexes = [
            # A host's holds that count (placement, hosts.HostUsage).
            models.Index(fields=["host"], condition=Q(released_at__isnull=True), name="step_devices_held"),
        ]
