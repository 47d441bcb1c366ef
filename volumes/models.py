"""Volumes: named, persistent folders of a workspace that functions and build steps mount."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from config.ids import IdFactory

__all__ = ["Volume"]


class Volume(models.Model):
    """A named folder whose files outlive containers; its files live in `volumes.storage`."""

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("vo"), editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="volumes")
    name = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="one_volume_per_name")]
        indexes = [models.Index(fields=["workspace", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"
