from __future__ import annotations

import re

from rest_framework import serializers

from ..models import App

APP_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")


class AppSerializer(serializers.ModelSerializer):
    function_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = App
        fields = [
            "id",
            "name",
            "description",
            "state",
            "detached",
            "created_at",
            "stopped_at",
            "function_count",
        ]
        read_only_fields = ["id", "state", "created_at", "stopped_at", "function_count"]
        # A name is taken exactly as sent: "app\n" is refused, not quietly stored as "app".
        extra_kwargs = {"name": {"trim_whitespace": False}}

    def validate_name(self, value: str) -> str:
        # `--` separates workspace, app and function in web endpoint host names.
        if not APP_NAME_RE.fullmatch(value) or "--" in value:
            raise serializers.ValidationError(
                "App names are 1-63 letters, digits, '-', '_' or '.', starting with a letter or digit, "
                "without '--'; for example 'my-app'."
            )
        return value


class LogEntrySerializer(serializers.Serializer):
    id = serializers.CharField()
    text = serializers.CharField()
    stream = serializers.CharField()
    function = serializers.CharField()
    call = serializers.CharField(allow_blank=True)
    task = serializers.CharField()


class LogPageSerializer(serializers.Serializer):
    entries = LogEntrySerializer(many=True)
    cursor = serializers.CharField()
