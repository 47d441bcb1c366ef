"""Apps: the unit a user runs (`skylift run`, ephemeral) or deploys (later: versions, rollbacks)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from config.ids import IdFactory

__all__ = ["App", "AppState"]


class AppState(models.TextChoices):
    EPHEMERAL = "ephemeral"
    DEPLOYED = "deployed"
    STOPPED = "stopped"


class App(models.Model):
    """A named group of functions in a workspace."""

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("ap"), editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="apps")
    name = models.CharField(max_length=64)
    description = models.CharField(max_length=500, blank=True, default="")
    state = models.CharField(max_length=16, choices=AppState.choices, default=AppState.EPHEMERAL)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)
    detached = models.BooleanField(default=False, help_text="Keeps running when its client goes away")
    client_seen_at = models.DateTimeField(null=True, blank=True, help_text="Last heartbeat of its client")

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"
