"""Billing: the price tables an operator sets, and the usage the host agents meter.

A UsageRecord is one window of one container's life inside one hour (a function's task, a
sandbox, or a build step), written once under its idempotency key (container and window start); a
ContainerMeter row per container says up to when it is metered, so every second of it is in
exactly one record (billing/metering.py). UsageHour and UsageDay are the records summed per hour
and per UTC day, kept in step with them by a trigger in the database (billing/rollup.py), so that
reports read thousands of rows where the records are millions.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from config.ids import IdFactory


class PriceTable(models.Model):
    """A version of the prices: the default one (workspace null) or a workspace's override.

    Rows are never changed: a new price is a new version, and each usage record keeps the
    version it was metered at, so past usage keeps its price.
    """

    workspace = models.ForeignKey(
        "accounts.Workspace", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    version = models.PositiveIntegerField()
    # {"cpu": $ per core-second, "memory": $ per GiB-second, "gpu": {"H100": $ per GPU-second, ...}}
    prices = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "version"], name="one_price_version_per_workspace"),
            models.UniqueConstraint(
                fields=["version"], condition=models.Q(workspace=None), name="one_default_price_version"
            ),
        ]


class ContainerMeter(models.Model):
    """Up to when a container is metered, and its cgroup's CPU counter then.

    `subject` is the container's record: a task (ta-…), a sandbox (sb-…) or a build step (bu-…:n).
    """

    subject = models.CharField(primary_key=True, max_length=64)
    metered_until = models.DateTimeField()
    cpu_ns = models.BigIntegerField(default=0)


class UsageKind(models.TextChoices):
    FUNCTION = "function"
    SANDBOX = "sandbox"
    BUILD = "build"


class UsageRecord(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("us"), editable=False)
    key = models.CharField(
        max_length=96, unique=True, help_text="Idempotency key: the container's record and window start"
    )
    kind = models.CharField(max_length=8, choices=UsageKind.choices, default=UsageKind.FUNCTION)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    environment = models.ForeignKey(
        "skylift_apps.Environment", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # None for a sandbox made outside an app, and for a build step.
    app = models.ForeignKey("skylift_apps.App", null=True, on_delete=models.CASCADE, related_name="+")
    function = models.ForeignKey("functions.Function", null=True, on_delete=models.CASCADE, related_name="+")
    task = models.ForeignKey("functions.Task", null=True, on_delete=models.SET_NULL, related_name="+")
    sandbox = models.ForeignKey("functions.Sandbox", null=True, on_delete=models.SET_NULL, related_name="+")
    build = models.ForeignKey("builds.Build", null=True, on_delete=models.SET_NULL, related_name="+")
    hour = models.DateTimeField(help_text="Start of the hour the window lies in")
    start = models.DateTimeField()
    seconds = models.FloatField(help_text="Length of the window")
    cpu_seconds = models.FloatField(help_text="Core-seconds charged: max(reserved, measured)")
    cpu_used_seconds = models.FloatField(help_text="Core-seconds measured in the cgroup")
    memory_gib_seconds = models.FloatField(help_text="GiB-seconds charged: max(reserved, measured)")
    gpu_type = models.CharField(max_length=32, blank=True, default="")
    gpu_seconds = models.FloatField(default=0.0, help_text="GPU-seconds: GPUs held times seconds")
    disk_gib_seconds = models.FloatField(
        default=0.0, help_text="GiB-seconds of ephemeral disk (the container's writable layer)"
    )
    price = models.ForeignKey(PriceTable, on_delete=models.PROTECT, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["workspace", "hour"])]


class _Rollup(models.Model):
    """Usage records summed per period and group. Written only by the database's trigger on
    billing_usagerecord (billing/rollup.py): never by Django. Ids are plain columns, '' for none,
    so that the group is a unique key."""

    workspace_id = models.CharField(max_length=32)
    kind = models.CharField(max_length=8)
    environment_id = models.CharField(max_length=32, blank=True, default="")
    app_id = models.CharField(max_length=32, blank=True, default="")
    function_id = models.CharField(max_length=32, blank=True, default="")
    gpu_type = models.CharField(max_length=32, blank=True, default="")
    price_id = models.BigIntegerField()
    records = models.BigIntegerField(help_text="Usage records summed here")
    seconds = models.FloatField()
    cpu_seconds = models.FloatField()
    cpu_used_seconds = models.FloatField()
    memory_gib_seconds = models.FloatField()
    gpu_seconds = models.FloatField()
    disk_gib_seconds = models.FloatField()

    class Meta:
        abstract = True


# The unique key starts with the workspace and period: reports range over them.
GROUP = ["kind", "app_id", "function_id", "environment_id", "gpu_type", "price_id"]


class UsageHour(_Rollup):
    hour = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace_id", "hour", *GROUP], name="one_usage_hour_per_group")
        ]


class UsageDay(_Rollup):
    day = models.DateTimeField(help_text="Start of the UTC day")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace_id", "day", *GROUP], name="one_usage_day_per_group")
        ]


class UsageAppHour(_Rollup):
    """UsageHour without the function (`function_id` always ''): what hourly reports by app,
    environment or resource read, and the hours at the edges of their daily ones."""

    hour = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace_id", "hour", *GROUP], name="one_usage_app_hour_per_group"
            )
        ]


class UsageAppDay(_Rollup):
    """UsageDay without the function (`function_id` always ''): what daily reports by app,
    environment or resource and budgets read (a twentieth of the rows where apps have twenty
    functions)."""

    day = models.DateTimeField(help_text="Start of the UTC day")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace_id", "day", *GROUP], name="one_usage_app_day_per_group"
            )
        ]


class BudgetPeriod(models.TextChoices):
    DAY = "day"
    MONTH = "month"


class Budget(models.Model):
    """A dollar cap on a workspace's spend (app null) or on one app's, per day or month (UTC).

    At the cap no new container of the app (or of the workspace) starts; billing/budgets.py.
    """

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("bu"), editable=False)
    workspace = models.ForeignKey("accounts.Workspace", on_delete=models.CASCADE, related_name="+")
    app = models.ForeignKey(
        "skylift_apps.App", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    limit_usd = models.FloatField()
    period = models.CharField(max_length=8, choices=BudgetPeriod.choices, default=BudgetPeriod.MONTH)
    created_by = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace", "app"], name="one_budget_per_app"),
            models.UniqueConstraint(
                fields=["workspace"], condition=models.Q(app=None), name="one_budget_per_workspace"
            ),
        ]


class BudgetAlert(models.Model):
    """A threshold (50, 80, 100 %) a budget crossed in one period: raised once."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="alerts")
    period_start = models.DateTimeField()
    threshold = models.PositiveSmallIntegerField()
    spend_usd = models.FloatField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["budget", "period_start", "threshold"], name="one_alert_per_threshold"
            )
        ]


class AlertWebhook(models.Model):
    """The URL a workspace's budget alerts are posted to, signed with its secret (billing/alerts.py)."""

    workspace = models.OneToOneField(
        "accounts.Workspace", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    url = models.URLField(max_length=2000)
    # The HMAC key, encrypted at rest as secrets are (vault.keys).
    secret_encrypted = models.BinaryField()
    updated_by = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class AlertDelivery(models.Model):
    """One alert's post to the workspace's webhook: one per alert, so each is delivered once."""

    id = models.CharField(primary_key=True, max_length=32, default=IdFactory("wh"), editable=False)
    alert = models.OneToOneField(BudgetAlert, on_delete=models.CASCADE, related_name="delivery")
    url = models.URLField(max_length=2000, help_text="The webhook's URL when the alert was raised")
    status = models.CharField(max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    next_attempt_at = models.DateTimeField(default=timezone.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
