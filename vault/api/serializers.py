from __future__ import annotations

from rest_framework import serializers

from ..models import Secret, SecretEvent

VALUES_HELP = "Environment variable names to values. Values are write-only: no answer ever carries one."


class SecretSerializer(serializers.ModelSerializer):
    environment = serializers.CharField(source="environment.name", read_only=True, allow_null=True)
    keys = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The variables' names"
    )
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)
    updated_by = serializers.CharField(source="updated_by.username", read_only=True, allow_null=True)

    class Meta:
        model = Secret
        fields = ["id", "name", "environment", "keys", "created_at", "updated_at", "created_by", "updated_by"]
        read_only_fields = fields


class SecretCreateSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=200, help_text="1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
    )
    environment = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Default: main"
    )
    values = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False), help_text=VALUES_HELP
    )


class SecretReplaceSerializer(serializers.Serializer):
    values = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False), help_text=VALUES_HELP
    )


class SecretEditSerializer(serializers.Serializer):
    set = serializers.DictField(
        child=serializers.CharField(allow_blank=True, trim_whitespace=False),
        required=False,
        default=dict,
        help_text="Variables to add or change; the others keep their values",
    )
    remove = serializers.ListField(
        child=serializers.CharField(), required=False, default=list, help_text="Variables to remove"
    )


class SecretEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, allow_null=True)
    keys = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="The variables changed"
    )

    class Meta:
        model = SecretEvent
        fields = ["secret_id", "name", "environment", "action", "keys", "actor", "at"]
        read_only_fields = fields
