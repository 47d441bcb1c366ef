from __future__ import annotations

from rest_framework import serializers


class UsageRowSerializer(serializers.Serializer):
    period = serializers.CharField(help_text="Start of the day or hour, UTC (ISO 8601)")
    app_id = serializers.CharField(required=False, help_text="by=app")
    app = serializers.CharField(required=False, help_text="by=app or by=function: the app's name")
    function_id = serializers.CharField(required=False, help_text="by=function")
    function = serializers.CharField(required=False, help_text="by=function: the function's name")
    environment = serializers.CharField(required=False, help_text="by=environment")
    resource = serializers.CharField(help_text='"cpu", "memory" or "gpu:<type>"')
    unit = serializers.CharField(help_text="core-seconds, GiB-seconds or GPU-seconds")
    quantity = serializers.FloatField(help_text="Charged: max of reserved and measured")
    cost = serializers.FloatField(help_text="US dollars, at the prices the usage was metered at")


class UsageReportSerializer(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    by = serializers.CharField()
    granularity = serializers.CharField()
    total_cost = serializers.FloatField()
    results = UsageRowSerializer(many=True)
