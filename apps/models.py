"""Apps: the unit a user runs (`skylift run`, ephemeral) or deploys (`skylift deploy`: versions).

An app lives in an environment of its workspace (`main` unless told). A deployed app points at its
live version; every deploy and every rollback writes a new, immutable version (`de-…`, v1, v2, …)
recording what it runs. Functions of a deployed app belong to the version that defined them, so an
input accepted on a version finishes there (`Function.version`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from config.ids import IdFactory

__all__ = ["App", "AppState", "AppVersion", "Environment", "DEFAULT_ENVIRONMENT"]

DEFAULT_ENVIRONMENT = "main"


class Environment(models.Model):
    """A namespace of apps (and their lookups) in a workspace: `main`, `dev`, `staging`, …"""

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("en"), editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="environments")
    name = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "name"], name="one_environment_per_name")]

    def __str__(self) -> str:
        return self.name


class AppState(models.TextChoices):
    EPHEMERAL = "ephemeral"
    DEPLOYED = "deployed"
    STOPPED = "stopped"


class App(models.Model):
    """A named group of functions in a workspace."""

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("ap"), editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="apps")
    environment = models.ForeignKey(
        Environment, null=True, blank=True, on_delete=models.PROTECT, related_name="apps"
    )
    name = models.CharField(max_length=64)
    description = models.CharField(max_length=500, blank=True, default="")
    state = models.CharField(max_length=16, choices=AppState.choices, default=AppState.EPHEMERAL)
    live_version = models.ForeignKey(
        "AppVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)
    detached = models.BooleanField(default=False, help_text="Keeps running when its client goes away")
    client_seen_at = models.DateTimeField(null=True, blank=True, help_text="Last heartbeat of its client")

    class Meta:
        indexes = [models.Index(fields=["workspace", "-created_at"])]
        constraints = [
            # One deployed app of a name per environment: `skylift deploy` of the same name
            # redeploys it in place.
            models.UniqueConstraint(
                fields=["workspace", "environment", "name"],
                condition=Q(state="deployed"),
                name="one_deployed_app_per_name",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.id})"


class AppVersion(models.Model):
    """One deploy (or rollback) of an app: what it runs, who made it, from which client and commit."""

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("de"), editable=False)
    app = models.ForeignKey(App, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    # The definitions as deployed: functions and classes with their resolved image ids, mounts,
    # resources, autoscaler settings, secret names, schedules and web endpoint settings.
    spec = models.JSONField(default=dict)
    spec_hash = models.CharField(max_length=64)
    tag = models.CharField(max_length=64, blank=True, default="")
    client_version = models.CharField(max_length=32, blank=True, default="")
    git_commit = models.CharField(max_length=40, blank=True, default="")
    git_dirty = models.BooleanField(null=True, blank=True)
    rollback_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["app", "number"], name="one_version_per_number")]
        ordering = ["-number"]

    def __str__(self) -> str:
        return f"{self.app.name} v{self.number} ({self.id})"
