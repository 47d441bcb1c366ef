from __future__ import annotations

from rest_framework import serializers

from ..models import ProxyToken


class ProxyTokenSerializer(serializers.ModelSerializer):
    id = serializers.CharField(read_only=True, help_text="The token's key (`wk-…`): the Skylift-Key header")
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)

    class Meta:
        model = ProxyToken
        fields = ["id", "name", "created_by", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = fields


class ProxyTokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default="", help_text="What the token is for"
    )


class ProxyTokenCreatedSerializer(ProxyTokenSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The Skylift-Secret header. Shown once; only its hash is stored."
    )

    class Meta(ProxyTokenSerializer.Meta):
        fields = [*ProxyTokenSerializer.Meta.fields, "secret"]
        read_only_fields = fields
