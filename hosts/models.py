"""The host registry: every machine that runs containers, with its inventory and heartbeat."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

__all__ = ["Host"]


class HostQuerySet(models.QuerySet):
    def alive(self):
        cutoff = timezone.now() - timedelta(seconds=settings.SKYLIFT_HOST_LOST_AFTER_SECONDS)
        return self.filter(last_heartbeat__gte=cutoff, draining=False)


class Host(models.Model):
    """A machine with a host agent; containers are started through its own Celery queue."""

    name = models.CharField(max_length=128, unique=True)
    cpu = models.FloatField()
    memory = models.PositiveBigIntegerField(help_text="MiB")
    gpus = models.JSONField(default=list, blank=True)
    draining = models.BooleanField(default=False)
    last_heartbeat = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    objects = HostQuerySet.as_manager()

    @property
    def queue(self) -> str:
        return f"host.{self.name}"

    def __str__(self) -> str:
        return self.name
