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
