from __future__ import annotations

from rest_framework import serializers

from ..models import Volume


class VolumeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Volume
        fields = ["id", "name", "created_at"]
        read_only_fields = ["id", "created_at"]


class VolumeCreateSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=200, help_text="1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"
    )


class VolumeEntrySerializer(serializers.Serializer):
    path = serializers.CharField(help_text="From the volume's root, without a leading '/'")
    type = serializers.ChoiceField(choices=["file", "directory", "symlink", "other"])
    size = serializers.IntegerField(help_text="Bytes (files only)")
    mtime = serializers.FloatField(help_text="Seconds since the epoch")


class VolumeListingSerializer(serializers.Serializer):
    entries = VolumeEntrySerializer(many=True)


class VolumeUploadSerializer(serializers.Serializer):
    written = serializers.ListField(child=serializers.CharField(), help_text="The files written")
