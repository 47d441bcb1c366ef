from __future__ import annotations

import re
from datetime import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from billing.api.serializers import StandingCostSerializer
from functions.api.serializers import FunctionCreateSerializer, FunctionSerializer

from .. import coldstarts
from ..models import App, AppVersion, Environment

APP_NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")


class AppSerializer(serializers.ModelSerializer):
    function_count = serializers.IntegerField(read_only=True, default=0)
    environment = serializers.CharField(source="environment.name", read_only=True, allow_null=True)
    live_version = serializers.SerializerMethodField()
    deployed_by = serializers.SerializerMethodField(help_text="Who made the live version (a deployed app)")
    deployed_at = serializers.SerializerMethodField(help_text="When the live version was made")
    running_containers = serializers.IntegerField(read_only=True, default=0)
    inputs_1h = serializers.IntegerField(
        read_only=True, default=0, help_text="Inputs that finished in the last hour (cancelled ones aside)"
    )
    error_rate_1h = serializers.FloatField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Share of those that failed, timed out or were terminated; null when none finished",
    )

    class Meta:
        model = App
        fields = [
            "id",
            "name",
            "description",
            "state",
            "environment",
            "live_version",
            "deployed_by",
            "deployed_at",
            "detached",
            "created_at",
            "stopped_at",
            "function_count",
            "running_containers",
            "inputs_1h",
            "error_rate_1h",
        ]
        read_only_fields = [
            "id",
            "state",
            "created_at",
            "stopped_at",
            "function_count",
            "running_containers",
            "inputs_1h",
            "error_rate_1h",
        ]
        # A name is taken exactly as sent: "app\n" is refused, not quietly stored as "app".
        extra_kwargs = {"name": {"trim_whitespace": False}}

    def get_live_version(self, app: App) -> int | None:
        """The number of the live version of a deployed app (v3 is 3)."""
        return app.live_version.number if app.live_version_id and app.live_version else None

    def get_deployed_by(self, app: App) -> str | None:
        version = app.live_version if app.live_version_id else None
        return version.created_by.username if version is not None and version.created_by else None

    def get_deployed_at(self, app: App) -> datetime | None:
        return app.live_version.created_at if app.live_version_id and app.live_version else None

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


ENVIRONMENT_NAME_RE = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")


class EnvironmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Environment
        fields = ["id", "name", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {"name": {"trim_whitespace": False}}

    def validate_name(self, value: str) -> str:
        if not ENVIRONMENT_NAME_RE.fullmatch(value):
            raise serializers.ValidationError(
                "Environment names are 1-32 lowercase letters, digits or '-', starting with a letter "
                "or digit; for example 'dev'."
            )
        return value


class DeployedFunctionSerializer(FunctionCreateSerializer):
    """A function of a deploy: as for `POST /functions/`, without the app (the deploy names it) and
    `force` (the deploy's own)."""

    app_id = None  # type: ignore[assignment]
    force = None  # type: ignore[assignment]


class DeploySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=63, trim_whitespace=False)
    environment = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    tag = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    client_version = serializers.CharField(max_length=32, required=False, allow_blank=True, default="")
    git_commit = serializers.RegexField(r"^[0-9a-f]{7,40}$", required=False, allow_blank=True, default="")
    git_dirty = serializers.BooleanField(required=False, allow_null=True, default=None)
    functions = serializers.ListField(child=DeployedFunctionSerializer(), max_length=500)
    ephemeral = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Deploy into a new ephemeral app (skylift serve): stopped when its client goes quiet",
    )
    app_id = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        default="",
        help_text="Redeploy this running app (a served app) instead of the deployed app of that name",
    )
    force = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Deploy even if the app's idle cost alone exceeds a cap (docs/billing.md#standing-cost); "
        "a served app's too (docs/billing.md#ephemeral-apps)",
    )

    def validate_name(self, value: str) -> str:
        return AppSerializer().validate_name(value)


class ColdStartsSerializer(serializers.Serializer):
    """A version's cold starts (seconds from a container being asked for to its start)."""

    count = serializers.IntegerField(help_text="Containers of the version that started")
    median = serializers.FloatField(allow_null=True, help_text=f"Of the last {coldstarts.WINDOW}")
    p90 = serializers.FloatField(allow_null=True, help_text=f"Of the last {coldstarts.WINDOW}")
    first_median = serializers.FloatField(allow_null=True, help_text=f"Of the first {coldstarts.FIRST}")
    first_p90 = serializers.FloatField(allow_null=True, help_text=f"Of the first {coldstarts.FIRST}")
    previous_median = serializers.FloatField(allow_null=True, help_text="The previous version's median")
    ratio = serializers.FloatField(allow_null=True, help_text="median / previous_median")
    flagged = serializers.BooleanField(
        help_text=f"The median is more than {coldstarts.FLAG_RATIO}× the previous version's"
    )


class AppVersionSerializer(serializers.ModelSerializer):
    """A version. Serializing many at once: pass `context={"cold_starts": coldstarts.of_versions(...)}`
    (one query for all of them)."""

    app_id = serializers.CharField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True, allow_null=True)
    rollback_of = serializers.SerializerMethodField()
    functions = serializers.SerializerMethodField()
    secrets = serializers.SerializerMethodField()
    cold_starts = serializers.SerializerMethodField()

    class Meta:
        model = AppVersion
        fields = [
            "id",
            "app_id",
            "number",
            "tag",
            "client_version",
            "git_commit",
            "git_dirty",
            "rollback_of",
            "created_by",
            "created_at",
            "functions",
            "secrets",
            "cold_starts",
        ]
        read_only_fields = fields

    def get_rollback_of(self, version: AppVersion) -> int | None:
        """The number of the version a rollback copied."""
        return version.rollback_of.number if version.rollback_of_id and version.rollback_of else None

    def get_functions(self, version: AppVersion) -> list[str]:
        """The names of its functions and classes."""
        return [f["name"] for f in version.spec.get("functions", [])]

    def get_secrets(self, version: AppVersion) -> list[str]:
        """The names of the named secrets its functions are given (inline ones are not named)."""
        named = {
            s["name"] for f in version.spec.get("functions", []) for s in f.get("secrets", []) if s["name"]
        }
        return sorted(named)

    @extend_schema_field(ColdStartsSerializer)
    def get_cold_starts(self, version: AppVersion) -> dict:
        records = self.context.get("cold_starts")
        record = records[version.id] if records is not None else coldstarts.of_versions([version])[version.id]
        return dict(ColdStartsSerializer(record).data)


class DeployedSerializer(serializers.Serializer):
    app = AppSerializer()
    version = AppVersionSerializer()
    changed = serializers.BooleanField(help_text="False when the app already ran exactly this")
    functions = FunctionSerializer(many=True)
    standing_cost = StandingCostSerializer(help_text="What the deployed version costs while idle")


class RollbackSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text="The version's number; the previous one by default",
    )
    force = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Roll back even if the restored version's idle cost alone exceeds a cap "
        "(docs/billing.md#standing-cost)",
    )


class VersionRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = AppVersion
        fields = ["id", "number", "tag", "created_at"]
        read_only_fields = fields


class FileChangeSerializer(serializers.Serializer):
    path = serializers.CharField()
    change = serializers.ChoiceField(
        choices=["added", "removed", "modified"],
        help_text="added: the target version has the file and the live one does not",
    )
    binary = serializers.BooleanField(help_text="Not shown as text (binary, or too large)")
    diff = serializers.CharField(help_text="Unified diff from the live version to the target")
    note = serializers.CharField()


class FieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    category = serializers.CharField(help_text="resources, autoscaler, code, image, retries, definition, …")
    live = serializers.JSONField(allow_null=True)
    target = serializers.JSONField(allow_null=True)


class FunctionChangeSerializer(serializers.Serializer):
    name = serializers.CharField()
    changes = FieldChangeSerializer(many=True)
    diff = serializers.CharField(help_text="The changes as a unified diff of the function's definition")


class RollbackPreviewSerializer(serializers.Serializer):
    app_id = serializers.CharField(source="app.id")
    app = serializers.CharField(source="app.name")
    live = VersionRefSerializer()
    target = VersionRefSerializer()
    new_number = serializers.IntegerField(help_text="The number of the version the rollback would make")
    identical = serializers.BooleanField(help_text="The target runs exactly what the live version runs")
    added = serializers.ListField(
        child=serializers.CharField(), help_text="Functions the rollback brings back"
    )
    removed = serializers.ListField(child=serializers.CharField(), help_text="Functions the rollback stops")
    changed = FunctionChangeSerializer(many=True)
    files = FileChangeSerializer(many=True)
    restores = serializers.ListField(child=serializers.CharField())
    does_not_restore = serializers.ListField(child=serializers.CharField())
    standing_cost = StandingCostSerializer(help_text="What the app would cost while idle once rolled back")
