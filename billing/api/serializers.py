from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from .. import budgets


class UsageRowSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="Start of the day or hour, UTC (ISO 8601)")
    kind = serializers.CharField(help_text="The containers it came from: function, sandbox or build")
    app_id = serializers.CharField(required=False, help_text="by=app")
    app = serializers.CharField(required=False, help_text="by=app or by=function: the app's name")
    function_id = serializers.CharField(required=False, help_text="by=function")
    function = serializers.CharField(required=False, help_text="by=function: the function's name")
    environment = serializers.CharField(required=False, help_text="by=environment")
    resource = serializers.CharField(
        help_text='"cpu", "memory", "gpu:<type>" or "disk" (charged as memory at 20:1)'
    )
    unit = serializers.CharField(help_text="core-seconds, GiB-seconds or GPU-seconds")
    quantity = serializers.FloatField(help_text="Charged: max of reserved and measured (disk: measured)")
    cost = serializers.FloatField(help_text="US dollars, at the prices the usage was metered at")


class UsageReportSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    by = serializers.CharField()
    granularity = serializers.CharField()
    total_cost = serializers.FloatField()
    results = UsageRowSerializer(many=True)


class BudgetSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    app_id = serializers.CharField(
        required=False, allow_null=True, default=None, help_text="The app it caps; none: the whole workspace"
    )
    app = serializers.CharField(source="app.name", read_only=True, allow_null=True, default=None)
    limit_usd = serializers.FloatField(min_value=0, help_text="US dollars per period")
    period = serializers.ChoiceField(choices=["day", "month"], default="month", help_text="UTC day or month")
    spend_usd = serializers.SerializerMethodField(help_text="Spent in the current period")
    reached = serializers.SerializerMethodField(help_text="At the cap: no new container starts")
    threshold = serializers.SerializerMethodField(
        help_text="The highest alert threshold reached this period: 0, 50, 80 or 100 (%)"
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    def _spent(self, budget) -> float:
        cache = self.__dict__.setdefault("_spend", {})
        if budget.pk not in cache:
            cache[budget.pk] = round(budgets.spend(budget), 8)
        return cache[budget.pk]

    @extend_schema_field(OpenApiTypes.DOUBLE)
    def get_spend_usd(self, budget) -> float:
        return self._spent(budget)

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_reached(self, budget) -> bool:
        return self._spent(budget) >= budget.limit_usd

    @extend_schema_field(OpenApiTypes.INT)
    def get_threshold(self, budget) -> int:
        return budgets.threshold_reached(self._spent(budget), budget.limit_usd)


class AlertWebhookSerializer(serializers.Serializer):
    """Where the workspace's budget alerts are posted (docs/billing.md#alert-webhooks)."""

    url = serializers.URLField(max_length=2000, help_text="http:// or https://; each alert is posted once")
    rotate_secret = serializers.BooleanField(
        write_only=True, required=False, default=False, help_text="Make a new signing secret"
    )
    secret = serializers.CharField(
        read_only=True, help_text="Key of the HMAC-SHA256 in X-Skylift-Signature (owners and admins see it)"
    )
    updated_at = serializers.DateTimeField(read_only=True)


class FunctionIdleSerializer(serializers.Serializer):
    name = serializers.CharField()
    idle_containers = serializers.IntegerField(help_text="Kept warm with no input (min_containers)")
    buffer_containers = serializers.IntegerField(help_text="Started more, only while it serves")
    cpu = serializers.FloatField(help_text="Cores per container")
    memory_gib = serializers.FloatField(help_text="GiB per container")
    gpu_type = serializers.CharField(help_text="The GPU type it is priced at (the one asked for first)")
    gpus = serializers.IntegerField(help_text="GPUs per container")
    container_per_hour = serializers.FloatField(help_text="One container, US dollars per hour")
    per_hour = serializers.FloatField(help_text="Its idle containers, US dollars per hour")


class CapCheckSerializer(serializers.Serializer):
    budget_id = serializers.CharField()
    scope = serializers.ChoiceField(choices=["app", "workspace"])
    period = serializers.ChoiceField(choices=["day", "month"])
    limit_usd = serializers.FloatField()
    idle_per_period = serializers.FloatField(help_text="What the idle containers alone cost per period")
    allows_per_hour = serializers.FloatField(help_text="The cap spread over its period's hours")
    exceeded = serializers.BooleanField(help_text="The idle cost alone exceeds the cap")


class StandingCostSerializer(serializers.Serializer):
    """What an app costs while idle (docs/billing.md#standing-cost)."""

    per_hour = serializers.FloatField(help_text="US dollars per hour with no input")
    per_month = serializers.FloatField(help_text="US dollars per month (730 h) with no input")
    buffer_per_hour = serializers.FloatField(help_text="US dollars per hour more while it serves")
    functions = FunctionIdleSerializer(many=True)
    caps = CapCheckSerializer(many=True, help_text="The app's cap and the workspace's, checked")
    price_version = serializers.IntegerField(help_text="The price table version it is priced at")


class StatementLineSerializer(serializers.Serializer):
    app_id = serializers.CharField()
    app = serializers.CharField()
    cpu = serializers.FloatField(help_text="US dollars")
    memory = serializers.FloatField(help_text="US dollars")
    gpu = serializers.FloatField(help_text="US dollars")
    total = serializers.FloatField(help_text="US dollars")


class StatementSerializer(serializers.Serializer):
    """A workspace's monthly statement: each app's cost in the month (docs/billing.md#statements)."""

    workspace_id = serializers.CharField()
    workspace = serializers.CharField()
    month = serializers.CharField(help_text="YYYY-MM, UTC")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    complete = serializers.BooleanField(help_text="False while the month runs: the month to date")
    total_cost = serializers.FloatField(source="total", help_text="US dollars")
    results = StatementLineSerializer(source="apps", many=True, help_text="One line per app, costliest first")
