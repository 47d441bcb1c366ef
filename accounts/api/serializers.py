from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework import serializers

from .. import service_tokens, team, workspace_settings
from ..models import ApiToken, AuditEvent, Invite, Membership, Role, Workspace


class WorkspaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Workspace
        fields = ["id", "name", "created_at"]


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = get_user_model()
        fields = ["username", "email"]


class SessionWorkspaceSerializer(serializers.Serializer):
    id = serializers.CharField()
    name = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)


class SessionSerializer(serializers.Serializer):
    user = UserSerializer()
    workspace = WorkspaceSerializer()
    role = serializers.CharField()
    workspaces = SessionWorkspaceSerializer(
        many=True, help_text="Every workspace the user belongs to, with his role there (the switcher's list)."
    )


class SessionSwitchSerializer(serializers.Serializer):
    workspace = serializers.CharField(max_length=32, help_text="The id of a workspace the user belongs to.")


class SignInSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False, style={"input_type": "password"})


class ApiTokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "created_at", "last_used_at", "expires_at", "revoked_at"]
        read_only_fields = ["id", "created_at", "last_used_at", "revoked_at"]

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("The expiry must be in the future.")
        return value


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once; only its hash is stored.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "secret"]


class ServiceTokenSerializer(serializers.ModelSerializer):
    role = serializers.ChoiceField(
        choices=[str(r) for r in service_tokens.ROLES],
        default=Role.MEMBER,
        help_text="The role it acts with: admin or member (the owner role stays with people).",
    )
    created_by = serializers.CharField(
        source="created_by.username",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Who made it (empty once that account is deleted; the token stays).",
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "role",
            "created_by",
            "created_at",
            "last_used_at",
            "expires_at",
            "revoked_at",
        ]
        read_only_fields = ["id", "created_at", "last_used_at", "revoked_at"]


class ServiceTokenCreatedSerializer(ServiceTokenSerializer):
    secret = serializers.CharField(read_only=True, help_text="Shown once; only its hash is stored.")

    class Meta(ServiceTokenSerializer.Meta):
        fields = [*ServiceTokenSerializer.Meta.fields, "secret"]


class MemberSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="public_id", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.CharField(source="user.email", read_only=True)
    joined_at = serializers.DateTimeField(source="created_at", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "username", "email", "role", "joined_at"]
        read_only_fields = ["role"]


class MemberUpdateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class InviteSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default=None)
    accepted_by = serializers.CharField(source="accepted_by.username", read_only=True, default=None)
    state = serializers.ChoiceField(choices=["pending", "accepted", "revoked", "expired"], read_only=True)

    class Meta:
        model = Invite
        fields = [
            "id",
            "role",
            "email",
            "state",
            "created_by",
            "created_at",
            "expires_at",
            "accepted_by",
            "accepted_at",
            "revoked_at",
        ]


class InviteCreateSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices, default=Role.MEMBER)
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    expires_in_days = serializers.IntegerField(
        min_value=1, max_value=team.MAX_INVITE_DAYS, default=team.INVITE_DAYS
    )


class InviteCreatedSerializer(InviteSerializer):
    token = serializers.CharField(read_only=True, help_text="Shown once; only its hash is stored.")
    link = serializers.CharField(read_only=True, help_text="The dashboard's page that accepts it.")
    emailed = serializers.BooleanField(read_only=True, help_text="Whether the link was e-mailed too.")

    class Meta(InviteSerializer.Meta):
        fields = [*InviteSerializer.Meta.fields, "token", "link", "emailed"]


class InvitationSerializer(serializers.Serializer):
    token = serializers.CharField(max_length=200, help_text="The invite's secret, from its link.")


class InvitationPreviewSerializer(serializers.Serializer):
    workspace = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices)
    invited_by = serializers.CharField(allow_null=True)
    expires_at = serializers.DateTimeField()


class InvitationAcceptSerializer(InvitationSerializer):
    new_account = serializers.BooleanField(
        default=False,
        help_text="Make a new account with this username and password (else sign in with them).",
    )
    username = serializers.CharField(max_length=150, required=False)
    password = serializers.CharField(
        max_length=256, required=False, trim_whitespace=False, style={"input_type": "password"}
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")


class AuditEventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor_name", allow_null=True)

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "created_at",
            "actor",
            "token_id",
            "ip",
            "action",
            "target_type",
            "target_id",
            "target_name",
            "data",
        ]


class WorkspaceSettingsSerializer(serializers.ModelSerializer):
    log_retention_days = serializers.IntegerField(
        allow_null=True, required=False, help_text="Days logs are kept (empty: the platform's default)."
    )
    gpu_limit = serializers.IntegerField(
        allow_null=True, required=False, help_text="GPUs its containers may hold at once (empty: no limit)."
    )
    input_rate = serializers.IntegerField(
        allow_null=True, required=False, help_text="Inputs accepted per second (empty: the platform's)."
    )
    input_burst = serializers.IntegerField(
        allow_null=True,
        required=False,
        help_text="Inputs accepted at once above the rate (empty: the platform's).",
    )
    effective_log_retention_days = serializers.SerializerMethodField()
    limits = serializers.SerializerMethodField()

    class Meta:
        model = Workspace
        fields = [
            "id",
            "name",
            "log_retention_days",
            "gpu_limit",
            "input_rate",
            "input_burst",
            "effective_log_retention_days",
            "limits",
            "created_at",
        ]
        read_only_fields = ["id", "created_at"]

    def get_effective_log_retention_days(self, workspace) -> int:
        return workspace_settings.log_retention_days(workspace)

    def get_limits(self, workspace) -> dict[str, list[int]]:
        """Each numeric setting's least and greatest value."""
        return {field: list(pair) for field, pair in workspace_settings.bounds().items()}
