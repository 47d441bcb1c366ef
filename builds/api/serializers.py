"""Serializers of images and builds. Specs are validated in depth by `builds.spec`."""

from __future__ import annotations

from rest_framework import serializers

from ..models import Build, BuildStatus, Image

__all__ = [
    "BuildDetailSerializer",
    "BuildLogPageSerializer",
    "BuildSerializer",
    "ImageEnsuredSerializer",
    "ImageSerializer",
    "ImageSpecSerializer",
]


class ImageSpecSerializer(serializers.Serializer):
    """An image as the SDK describes it: a base, build steps, and files attached at start."""

    base = serializers.ChoiceField(
        choices=["debian_slim", "from_registry", "from_dockerfile", "micromamba"], default="debian_slim"
    )
    python_version = serializers.CharField(required=False, allow_blank=True, max_length=8)
    image_id = serializers.CharField(
        required=False,
        max_length=32,
        help_text="An image the workspace has (im-...: a sandbox's snapshot), used as it is, in place of a base",
    )
    tag = serializers.CharField(
        required=False, max_length=512, help_text="from_registry: the image reference"
    )
    registry_secret = serializers.ListField(
        child=serializers.DictField(child=serializers.CharField(allow_blank=True)),
        required=False,
        write_only=True,
        help_text="from_registry: REGISTRY_USERNAME / REGISTRY_PASSWORD; used to pull, never stored with the spec",
    )
    registry_secret_ids = serializers.ListField(
        child=serializers.CharField(max_length=32),
        required=False,
        max_length=32,
        help_text="from_registry: named secrets (st-...) with the credentials, before registry_secret's",
    )
    dockerfile = serializers.CharField(
        required=False, max_length=1_000_000, trim_whitespace=False, help_text="from_dockerfile: its text"
    )
    context_sha256 = serializers.RegexField(
        r"^[0-9a-f]{64}$",
        required=False,
        allow_null=True,
        help_text="from_dockerfile: the uploaded context (a mount)",
    )
    steps = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="Build steps in order, each {kind, ...}; each is one cached layer. A step's secrets: "
        '"secret_ids" (named secrets, st-...) then "secrets" (inline values), later ones winning',
    )
    mounts = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="Uploaded files attached read-only at container start: {sha256, target, type, name?}",
    )
    force_build = serializers.BooleanField(required=False, default=False, help_text="Rebuild every layer")
    ignore_cache = serializers.BooleanField(
        required=False, default=False, help_text="Build afresh without reading or changing the layer cache"
    )


class ImageSerializer(serializers.ModelSerializer):
    class Meta:
        model = Image
        fields = [
            "id",
            "status",
            "python_version",
            "layer_hash",
            "docker_ref",
            "spec",
            "mounts",
            "error",
            "created_at",
            "last_used_at",
        ]
        read_only_fields = fields


class BuildStepSerializer(serializers.Serializer):
    index = serializers.IntegerField()
    description = serializers.CharField()
    hash = serializers.CharField()
    status = serializers.ChoiceField(choices=["pending", "cached", "running", "built", "failed"])
    duration = serializers.FloatField(allow_null=True)
    size = serializers.IntegerField(
        allow_null=True, required=False, help_text="Bytes the step's layer adds (null: not known)"
    )


class BuildSerializer(serializers.ModelSerializer):
    image_id = serializers.CharField(read_only=True)
    steps = BuildStepSerializer(many=True, read_only=True)
    duration = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Build
        fields = [
            "id",
            "image_id",
            "status",
            "force",
            "ignore_cache",
            "steps",
            "cache_hits",
            "layers_built",
            "failed_step",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "duration",
        ]
        read_only_fields = fields


class BuildDetailSerializer(BuildSerializer):
    class Meta(BuildSerializer.Meta):
        fields = [*BuildSerializer.Meta.fields, "log"]
        read_only_fields = fields


class ImageEnsuredSerializer(serializers.Serializer):
    image = ImageSerializer()
    build = BuildSerializer(
        allow_null=True, help_text="The build making the image, or null when it was cached"
    )


class BuildLogEntrySerializer(serializers.Serializer):
    id = serializers.CharField()
    type = serializers.ChoiceField(
        choices=["line", "event"], help_text="a log line, or a JSON progress event"
    )
    text = serializers.CharField(allow_blank=True)


class BuildLogPageSerializer(serializers.Serializer):
    entries = BuildLogEntrySerializer(many=True)
    cursor = serializers.CharField()
    status = serializers.ChoiceField(choices=BuildStatus.choices)
    done = serializers.BooleanField(help_text="The build is over and every entry was sent")
