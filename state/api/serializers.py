from __future__ import annotations

from rest_framework import serializers

from functions.api.serializers import Base64Field

from ..models import Dict, Queue
from ..operations import MAX_BATCH, PREVIEW_CHARS


class StateObjectSerializer(serializers.Serializer):
    id = serializers.CharField(read_only=True)
    name = serializers.CharField(allow_null=True, read_only=True, help_text="None: ephemeral")
    environment = serializers.CharField(source="environment.name", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)
    last_used_at = serializers.DateTimeField(read_only=True, help_text="Retention counts from here")


class DictSerializer(StateObjectSerializer):
    class Meta:
        model = Dict


class QueueSerializer(StateObjectSerializer):
    class Meta:
        model = Queue


class DictDetailSerializer(DictSerializer):
    len = serializers.IntegerField(read_only=True, help_text="How many entries it has")


class QueueDetailSerializer(QueueSerializer):
    len = serializers.IntegerField(read_only=True, help_text="How many items it holds, in all partitions")


class StateCreateSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=200,
        required=False,
        allow_null=True,
        help_text="1 to 64 letters, digits, '.', '_' or '-'; leave it out for an ephemeral object",
    )
    environment = serializers.CharField(
        max_length=64, required=False, allow_null=True, help_text="Default: the workspace's main environment"
    )


class KeySerializer(serializers.Serializer):
    key = Base64Field(help_text="The cloudpickled key")


class FoundSerializer(serializers.Serializer):
    found = serializers.BooleanField(help_text="Whether the key has an entry")
    value = Base64Field(allow_null=True, help_text="The cloudpickled value, when found")


class EntryInSerializer(serializers.Serializer):
    key = Base64Field()
    value = Base64Field()
    key_preview = serializers.CharField(required=False, allow_blank=True, max_length=PREVIEW_CHARS * 4)
    value_preview = serializers.CharField(required=False, allow_blank=True, max_length=PREVIEW_CHARS * 4)


class DictPutSerializer(serializers.Serializer):
    entries = serializers.ListField(child=EntryInSerializer(), max_length=MAX_BATCH)
    skip_if_exists = serializers.BooleanField(
        default=False, help_text="Leave keys that have an entry as they are"
    )


class WrittenSerializer(serializers.Serializer):
    written = serializers.IntegerField(help_text="Entries written (with skip_if_exists, the new keys only)")


class RemovedSerializer(serializers.Serializer):
    removed = serializers.IntegerField()


class EntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Pass as ?after= for the next page")
    key = Base64Field()
    value = Base64Field(allow_null=True)
    key_preview = serializers.CharField(help_text="The key as text, when it is plain text or JSON")
    value_preview = serializers.CharField(help_text="The value as text, when it is plain text or JSON")


class EntriesSerializer(serializers.Serializer):
    entries = EntrySerializer(many=True)


class QueuePutSerializer(serializers.Serializer):
    partition = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=200)
    values = serializers.ListField(child=Base64Field(), max_length=MAX_BATCH)
    previews = serializers.ListField(
        child=serializers.CharField(allow_blank=True, max_length=PREVIEW_CHARS * 4),
        required=False,
        max_length=MAX_BATCH,
    )


class AddedSerializer(serializers.Serializer):
    added = serializers.IntegerField()


class QueueGetSerializer(serializers.Serializer):
    partition = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=200)
    n = serializers.IntegerField(default=1, min_value=1, max_value=MAX_BATCH)
    timeout = serializers.FloatField(
        default=0.0, min_value=0.0, help_text="Seconds to wait for a value (at most 50 per request)"
    )


class ValuesSerializer(serializers.Serializer):
    values = serializers.ListField(
        child=Base64Field(), help_text="Oldest first; empty when none came in time"
    )


class QueueClearSerializer(serializers.Serializer):
    partition = serializers.CharField(required=False, allow_null=True, allow_blank=True, max_length=200)
    all = serializers.BooleanField(default=False, help_text="Every partition")


class LenSerializer(serializers.Serializer):
    len = serializers.IntegerField()


class PeekItemSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="Pass as ?after= for the next page")
    value = Base64Field()
    preview = serializers.CharField()
    created_at = serializers.DateTimeField()


class PeekSerializer(serializers.Serializer):
    items = PeekItemSerializer(many=True)
