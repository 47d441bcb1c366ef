"""Images: what a function's containers run on.

The foundation knows one kind of image, the Debian base (`Image.debian_slim()`); layered
builds arrive with the images issue and extend `spec` with steps.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from config.ids import IdFactory

__all__ = ["Image", "ImageStatus"]


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
    docker_ref = models.CharField(max_length=255)
    python_version = models.CharField(max_length=8)
    status = models.CharField(max_length=16, choices=ImageStatus.choices, default=ImageStatus.READY)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "spec_hash"], name="one_image_per_spec")]
