"""The host registry: every machine that runs containers, with its inventory and heartbeat."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Func
from django.utils import timezone

from config.ids import IdFactory

__all__ = ["Host", "HostFree", "HostToken", "HostUsage"]


class HostTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class HostToken(models.Model):
    """A host's identity: the agent that presents it is host `host_name` (hosts/tokens.py).

    A public id (`ht-…`) and a secret (`hs-…`) kept only as its hash; an operator makes one per
    host (`manage.py host_token create NAME`) and hands it to that host's agent as
    SKYLIFT_HOST_TOKEN. Revoked, it lets no agent in, and the host it let in is lost at once.
    """

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("ht"), editable=False)
    host_name = models.CharField(max_length=128, db_index=True)
    note = models.CharField(max_length=200, blank=True, default="")
    # Made by an agent for itself at start (SKYLIFT_HOST_TOKEN_AUTO, a host on the control plane's
    # machine): its next start revokes it and makes another.
    automatic = models.BooleanField(default=False)
    secret_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = HostTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.id} ({self.host_name})"


class HostQuerySet(models.QuerySet):
    def alive(self):
        """Hosts whose lease is current and that take new containers."""
        return self.filter(lease_expires_at__gte=timezone.now(), draining=False)


class Host(models.Model):
    """A machine with a host agent; containers are started through its own Celery queue."""

    name = models.CharField(max_length=128, unique=True)
    cpu = models.FloatField()
    memory = models.PositiveBigIntegerField(help_text="MiB")
    # Its devices (hosts/gpus.py Device: index, uuid, model, memory, healthy), as its agent last
    # reported them; `gpu_source` says whence: "nvml" (real), "declared" (simulated), "" (none).
    gpus = models.JSONField(default=list, blank=True)
    gpu_source = models.CharField(max_length=16, blank=True, default="")
    # How many healthy devices of each model it has ({"H100": 8}), derived from `gpus` by the
    # database (skylift_gpu_models, migration 0004): placement filters hosts by it in SQL.
    gpu_models = models.GeneratedField(
        expression=Func(F("gpus"), function="skylift_gpu_models", output_field=models.JSONField()),
        output_field=models.JSONField(),
        db_persist=True,
    )
    # The agent's own view at its last heartbeat: device indices its containers hold, and free ones.
    gpu_usage = models.JSONField(default=dict, blank=True)
    # A GPU request that waits for this host's devices to free up holds them from smaller requests
    # (docs/gpus.md, "Fairness"): the function, how many devices of which model, and until when.
    reserved_for = models.CharField(max_length=32, blank=True, default="")
    reserved_model = models.CharField(max_length=32, blank=True, default="")
    reserved_count = models.PositiveSmallIntegerField(default=0)
    reserved_until = models.DateTimeField(null=True, blank=True)
    draining = models.BooleanField(default=False)
    # The token its agent presented when it registered: its heartbeats renew the lease only while
    # that token is the host's and not revoked (None: registered by code, not by an agent).
    token = models.ForeignKey(HostToken, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    last_heartbeat = models.DateTimeField(default=timezone.now)
    # Every heartbeat renews the host's lease for its agent's lease length. Past it, the control
    # plane declares the host lost and runs its inputs elsewhere; the agent, unable to renew it,
    # has killed its containers a little earlier (it fences itself, RELIABILITY F9).
    lease_seconds = models.FloatField(default=30.0)
    lease_expires_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    objects = HostQuerySet.as_manager()

    class Meta:
        indexes = [
            # The hosts a waiting request reserves (placement drops them once it is placed).
            models.Index(
                fields=["reserved_for"], condition=~models.Q(reserved_for=""), name="host_reserved_for"
            ),
        ]

    @property
    def queue(self) -> str:
        return f"host.{self.name}"

    @property
    def simulated_gpus(self) -> bool:
        return self.gpu_source != "nvml"

    @property
    def device_requests(self) -> bool:
        """Whether containers get their devices through a Docker device request: real ones
        always, declared ones where the engine has an NVIDIA runtime (SKYLIFT_GPU_DEVICE_REQUESTS)."""
        from django.conf import settings

        return not self.simulated_gpus or settings.SKYLIFT_GPU_DEVICE_REQUESTS == "always"

    def fits_gpu(self, gpu: str) -> bool:
        """Whether the host's healthy devices could ever meet the request (see matched_gpu)."""
        return not gpu or self.matched_gpu(gpu) is not None

    def matched_gpu(self, gpu: str) -> str | None:
        """The first spec of the request `gpu` ("H100", "A100:2", "H100!", "any", or fallbacks
        "H100,A100") that the host's healthy devices meet, counting none as taken, or None."""
        from .gpus import fit, parse_request

        found = fit(parse_request(gpu), self.gpus or [])
        return found.spec if found else None

    def __str__(self) -> str:
        return self.name


class HostUsage(models.Model):
    """What the containers placed on a host hold now: CPU, memory (MiB), the GPU device indices
    and how many devices of each model, and what that leaves free. Kept by the database (triggers
    on tasks, sandboxes, GPU build steps and hosts; functions migrations 0023_host_usage and
    0032_host_free_capacity): every change of a container's host, status or devices, and of the
    host's capacity, whichever code path makes it, recomputes its host's row (and its HostFree
    rows) from what holds resources, under that row's lock. Every host has its row from its
    registration. The row's lock is also the host's placement lock: a decision takes it (`FOR
    UPDATE`), reads the row under it, exact, and writes its task row before the lock is released
    at commit (functions/delivery/placement.py). Placement chooses its candidate hosts by the
    indexes on the free columns and on HostFree, without reading every host. A transaction that
    changes a host's containers holds that host's row until it commits; one statement that
    changes containers of several hosts (the reconciler settling lost hosts) takes their rows in
    the order it meets them, so two such statements at once could deadlock, and PostgreSQL would
    abort one (its next tick repeats it)."""

    host = models.OneToOneField(
        Host, primary_key=True, on_delete=models.DO_NOTHING, db_constraint=False, related_name="usage"
    )
    cpu = models.FloatField(default=0.0)
    memory = models.BigIntegerField(default=0, help_text="MiB")
    devices = ArrayField(models.SmallIntegerField(), default=list, blank=True)
    # Healthy ones, by the model the inventory has at each held index (functions migration 0033).
    held = models.JSONField(default=dict, blank=True, help_text="devices held per model")
    # The host's capacity less the above, and whether it has healthy GPUs: placement chooses the
    # hosts for a container without a GPU by the index on them.
    cpu_free = models.FloatField(default=0.0)
    memory_free = models.BigIntegerField(default=0, help_text="MiB")
    gpu = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index("gpu", models.F("cpu_free").desc(), "host", name="host_usage_cpu_free")]


class HostFree(models.Model):
    """How many healthy devices of one model a host has free now, a row per model it has, with the
    host's free CPU and memory beside them: kept by the database with the host's HostUsage row (the
    same refresh, under the same lock). Placement finds the hosts for a GPU request in its index in
    the policy's order, best fit first (the fewest free that are enough), then the most free CPU."""

    host = models.ForeignKey(Host, on_delete=models.DO_NOTHING, db_constraint=False, related_name="free")
    model = models.CharField(max_length=32)
    free = models.IntegerField()
    cpu_free = models.FloatField(default=0.0)
    memory_free = models.BigIntegerField(default=0, help_text="MiB")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["host", "model"], name="host_free_unique")]
        indexes = [models.Index("model", "free", models.F("cpu_free").desc(), "host", name="host_free_model")]
