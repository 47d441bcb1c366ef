"""The host registry: every machine that runs containers, with its inventory and heartbeat."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

__all__ = ["Host"]


class HostQuerySet(models.QuerySet):
    def alive(self):
        """Hosts whose lease is current and that take new containers."""
        return self.filter(lease_expires_at__gte=timezone.now(), draining=False)


class Host(models.Model):
    """A machine with a host agent; containers are started through its own Celery queue."""

    name = models.CharField(max_length=128, unique=True)
    cpu = models.FloatField()
    memory = models.PositiveBigIntegerField(help_text="MiB")
    gpus = models.JSONField(default=list, blank=True)
    draining = models.BooleanField(default=False)
    last_heartbeat = models.DateTimeField(default=timezone.now)
    # Every heartbeat renews the host's lease for its agent's lease length. Past it, the control
    # plane declares the host lost and runs its inputs elsewhere; the agent, unable to renew it,
    # has killed its containers a little earlier (it fences itself, RELIABILITY F9).
    lease_seconds = models.FloatField(default=30.0)
    lease_expires_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    objects = HostQuerySet.as_manager()

    @property
    def queue(self) -> str:
        return f"host.{self.name}"

    def fits_gpu(self, gpu: str) -> bool:
        """Whether the host's GPU inventory holds one of the GPU specs in `gpu` (see matched_gpu)."""
        return not gpu or self.matched_gpu(gpu) is not None

    def matched_gpu(self, gpu: str) -> str | None:
        """The first of the GPU specs in `gpu` ("H100", "A100:2", "H100!", "any", or fallbacks
        "H100,A100") that the host's inventory holds, or None.

        The full scheduler (upgrades, per-GPU accounting) arrives with the GPU issue; this is
        enough to never place GPU work on a host without that GPU.
        """
        inventory = [str(g).upper() for g in self.gpus or []]
        for spec in gpu.split(","):
            kind, _, count = spec.partition(":")
            kind = kind.rstrip("!")
            need = int(count or 1)
            have = len(inventory) if kind == "any" else sum(1 for g in inventory if g == kind.upper())
            if have >= need:
                return spec
        return None

    def __str__(self) -> str:
        return self.name
