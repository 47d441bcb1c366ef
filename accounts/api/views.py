from __future__ import annotations

from django.contrib.auth import get_user, login, logout
from django.http import StreamingHttpResponse
from django.middleware.csrf import get_token
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from config.errors import ApiError
from config.moments import moment
from config.pagination import Pagination

from .. import audit, service_tokens, services, signin, team, workspace_settings
from ..authentication import SESSION_WORKSPACE, SessionAuthentication, WorkspaceContext, session_membership
from ..models import ApiToken, AuditEvent, Invite, Membership, Workspace
from ..permissions import ADMIN_ONLY, ANY_ROLE
from .base import WorkspaceViewSet
from .serializers import (
    ApiTokenCreatedSerializer,
    ApiTokenSerializer,
    AuditEventSerializer,
    InvitationAcceptSerializer,
    InvitationPreviewSerializer,
    InvitationSerializer,
    InviteCreatedSerializer,
    InviteCreateSerializer,
    InviteSerializer,
    MemberSerializer,
    MemberUpdateSerializer,
    ServiceTokenCreatedSerializer,
    ServiceTokenSerializer,
    SessionSerializer,
    SessionSwitchSerializer,
    SignInSerializer,
    WorkspaceSettingsSerializer,
)

# Each user sees and revokes only the tokens he made (scope_queryset below): no role reaches another's.
OWN_TOKENS = ANY_ROLE.because("Only the caller's own tokens: no role lists or revokes another user's.")


def _session_body(request, user, ctx: WorkspaceContext) -> dict:
    workspaces = [
        {"id": m.workspace_id, "name": m.workspace.name, "role": m.role}
        for m in Membership.objects.select_related("workspace").filter(user=user).order_by("workspace__name")
    ]
    return SessionSerializer(
        {"user": user, "workspace": ctx.workspace, "role": ctx.role, "workspaces": workspaces}
    ).data


def _signed_in(request, user, membership: Membership) -> Response:
    """Sign `user` in (a new session) acting in `membership`'s workspace."""
    login(request, user)
    request.session[SESSION_WORKSPACE] = membership.workspace_id
    return Response(_session_body(request, user, WorkspaceContext(membership.workspace, membership.role)))


def _throttled(exc: signin.SignInThrottled) -> ApiError:
    return ApiError(
        str(exc),
        code="rate_limited",
        status_code=429,
        hint="Failed sign-ins are limited per account and per address; the limit refills over time.",
        headers={"Retry-After": str(exc.retry_after)},
    )


class SessionView(APIView):
    """The dashboard's sign-in: a Django session protected by CSRF."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: SessionSerializer}, operation_id="session_retrieve")
    def get(self, request):
        get_token(request)  # sets the csrftoken cookie for the single-page app
        if not isinstance(request.auth, WorkspaceContext):
            raise ApiError("Not signed in.", code="unauthenticated", status_code=401)
        return Response(_session_body(request, request.user, request.auth))

    @extend_schema(
        request=SignInSerializer, responses={200: SessionSerializer}, operation_id="session_create"
    )
    def post(self, request):
        # DRF checks CSRF only for a request that is already signed in. Signing in is checked too,
        # or another site could sign a visitor's browser into an account of its choosing (login CSRF).
        SessionAuthentication().enforce_csrf(request)
        serializer = SignInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            user = signin.authenticate(request, **serializer.validated_data)
        except signin.SignInThrottled as exc:
            raise _throttled(exc) from None
        if user is None:
            # The same answer for an unknown user and a wrong password (no enumeration).
            raise ApiError("Wrong username or password.", code="invalid_credentials", status_code=400)
        membership = session_membership(user, None)
        if membership is None:
            raise ApiError("This user belongs to no workspace.", code="no_workspace", status_code=400)
        return _signed_in(request, user, membership)

    @extend_schema(
        request=SessionSwitchSerializer, responses={200: SessionSerializer}, operation_id="session_update"
    )
    def put(self, request):
        """Act in another of the user's workspaces (the dashboard's workspace switcher)."""
        serializer = SessionSwitchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)  # a body that is not one: 400, signed in or not
        if not isinstance(request.auth, WorkspaceContext):
            raise ApiError("Not signed in.", code="unauthenticated", status_code=401)
        membership = (
            Membership.objects.select_related("workspace")
            .filter(user=request.user, workspace_id=serializer.validated_data["workspace"])
            .first()
        )
        if membership is None:
            raise ApiError(
                "You are not a member of that workspace.",
                code="not_found",
                status_code=404,
                field="workspace",
            )
        request.session[SESSION_WORKSPACE] = membership.workspace_id
        return Response(
            _session_body(request, request.user, WorkspaceContext(membership.workspace, membership.role))
        )

    @extend_schema(request=None, responses={204: None}, operation_id="session_destroy")
    def delete(self, request):
        logout(request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """API tokens of the signed-in user in this workspace. DELETE revokes."""

    queryset = ApiToken.objects.order_by("-created_at")
    serializer_class = ApiTokenSerializer
    object_name = "API token"
    roles = {"list": OWN_TOKENS, "retrieve": OWN_TOKENS, "create": OWN_TOKENS, "destroy": OWN_TOKENS}

    def scope_queryset(self, queryset):
        return queryset.filter(user=self.request.user, role="")

    @extend_schema(request=ApiTokenSerializer, responses={201: ApiTokenCreatedSerializer})
    def create(self, request):
        serializer = ApiTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service_tokens.by_a_person(request.auth, "Making a personal token")
        token, secret = services.token_issue(
            workspace=request.auth.workspace,
            user=request.user,
            name=serializer.validated_data.get("name", ""),
            expires_at=serializer.validated_data.get("expires_at"),
        )
        body = ApiTokenCreatedSerializer(token).data
        body["secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.token_revoke(token=instance)


# Service tokens act for the whole workspace: its owners and admins manage them.
MANAGE_SERVICE_TOKENS = ADMIN_ONLY.because(
    "Service tokens belong to the workspace; a person makes and revokes them, not a service token."
)


class ServiceTokenViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """The workspace's service tokens: they act with a role of their own and outlive whoever made
    them (accounts.service_tokens). POST makes one (its secret shown once); DELETE revokes."""

    queryset = ApiToken.objects.exclude(role="").select_related("created_by").order_by("-created_at")
    serializer_class = ServiceTokenSerializer
    pagination_class = Pagination
    object_name = "service token"
    roles = {
        "list": MANAGE_SERVICE_TOKENS,
        "retrieve": MANAGE_SERVICE_TOKENS,
        "create": MANAGE_SERVICE_TOKENS,
        "destroy": MANAGE_SERVICE_TOKENS,
    }

    @extend_schema(request=ServiceTokenSerializer, responses={201: ServiceTokenCreatedSerializer})
    def create(self, request):
        serializer = ServiceTokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        service_tokens.by_a_person(request.auth, "Making a service token")
        data = serializer.validated_data
        token, secret = service_tokens.issue(
            workspace=request.auth.workspace,
            role=data["role"],
            by_user=request.user,
            name=data.get("name", ""),
            expires_at=data.get("expires_at"),
        )
        body = ServiceTokenCreatedSerializer(token).data
        body["secret"] = secret
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ServiceTokenSerializer})
    def destroy(self, request, *args, **kwargs):
        token = self.get_object()
        service_tokens.by_a_person(request.auth, "Revoking a service token")
        return Response(ServiceTokenSerializer(service_tokens.revoke(token=token)).data)


class InvitationPreviewView(APIView):
    """What an invite link offers, before anyone accepts it."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=InvitationSerializer,
        responses={200: InvitationPreviewSerializer},
        operation_id="invitation_preview",
    )
    def post(self, request):
        serializer = InvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        invite = team.invite_find(serializer.validated_data["token"])
        return Response(
            {
                "workspace": invite.workspace.name,
                "role": invite.role,
                "invited_by": invite.created_by.username if invite.created_by else None,
                "expires_at": invite.expires_at,
            }
        )


class InvitationView(APIView):
    """Accept an invite: as the signed-in user, or signing in, or signing up."""

    # The session's user, read below, may belong to no workspace yet (SessionAuthentication would
    # refuse him): whoever holds the link needs no role.
    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=InvitationAcceptSerializer,
        responses={200: SessionSerializer},
        operation_id="invitation_accept",
    )
    def post(self, request):
        # As signing in: another site must not make a visitor's browser accept an invite.
        SessionAuthentication().enforce_csrf(request)
        serializer = InvitationAcceptSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        secret = data["token"]
        signed_in = get_user(request._request)  # the session's user, if any
        with audit.bound(request):
            if signed_in.is_authenticated and not data.get("username"):
                membership = team.invite_accept(secret=secret, user=signed_in)
                return _signed_in(request, signed_in, membership)
            for field in ("username", "password"):
                if not data.get(field):
                    raise ApiError(f"{field}: This field is required.", field=field)
            if data["new_account"]:
                membership = team.invite_sign_up(
                    secret=secret, username=data["username"], password=data["password"], email=data["email"]
                )
                return _signed_in(request, membership.user, membership)
            team.invite_find(secret)  # a dead link says so before any password is checked
            try:
                user = signin.authenticate(request, username=data["username"], password=data["password"])
            except signin.SignInThrottled as exc:
                raise _throttled(exc) from None
            if user is None:
                raise ApiError("Wrong username or password.", code="invalid_credentials", status_code=400)
            membership = team.invite_accept(secret=secret, user=user)
            return _signed_in(request, user, membership)


# Who may manage the workspace's people.
MANAGE_MEMBERS = ADMIN_ONLY.because(
    "Only an owner makes, demotes or removes an owner; the last owner can be neither demoted nor removed."
)


class MemberViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """The workspace's members with their roles. PATCH changes a role; DELETE removes a member."""

    queryset = Membership.objects.select_related("user", "workspace").order_by("created_at", "id")
    serializer_class = MemberSerializer
    pagination_class = Pagination
    object_name = "member"
    lookup_field = "public_id"
    lookup_url_kwarg = "id"
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "partial_update": MANAGE_MEMBERS,
        "destroy": MANAGE_MEMBERS,
    }

    @extend_schema(request=MemberUpdateSerializer, responses={200: MemberSerializer})
    def partial_update(self, request, *args, **kwargs):
        membership = self.get_object()
        serializer = MemberUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        role = serializer.validated_data.get("role", membership.role)
        changed = team.member_set_role(membership=membership, role=role, by_role=request.auth.role)
        return Response(MemberSerializer(changed).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        team.member_remove(membership=self.get_object(), by_role=request.auth.role)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InviteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Invites to the workspace by link. POST makes one (its link shown once); DELETE revokes it."""

    queryset = Invite.objects.select_related("created_by", "accepted_by").order_by("-created_at")
    serializer_class = InviteSerializer
    pagination_class = Pagination
    roles = {
        "list": ADMIN_ONLY,
        "retrieve": ADMIN_ONLY,
        "create": ADMIN_ONLY.because("Only an owner invites an owner."),
        "destroy": ADMIN_ONLY,
    }

    @extend_schema(request=InviteCreateSerializer, responses={201: InviteCreatedSerializer})
    def create(self, request):
        serializer = InviteCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        invite, secret, emailed = team.invite_create(
            workspace=request.auth.workspace,
            role=data["role"],
            email=data["email"],
            days=data["expires_in_days"],
            by_user=request.user,
            by_role=request.auth.role,
        )
        body = InviteCreatedSerializer(invite).data
        body.update(token=secret, link=team.invite_link(secret), emailed=emailed)
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: InviteSerializer})
    def destroy(self, request, pk=None):
        return Response(InviteSerializer(team.invite_revoke(invite=self.get_object())).data)


AUDIT_FILTERS = [
    OpenApiParameter(
        "action", OpenApiTypes.STR, description="One action (app.deploy), or a prefix ending in a dot (app.)"
    ),
    OpenApiParameter("actor", OpenApiTypes.STR, description="The username of who did it"),
    OpenApiParameter("target", OpenApiTypes.STR, description="The id of the object it was done to"),
    OpenApiParameter("since", OpenApiTypes.DATETIME, description="From this time on"),
    OpenApiParameter("until", OpenApiTypes.DATETIME, description="Before this time"),
]
READ_AUDIT = ADMIN_ONLY.because("The log names every member's actions and addresses.")


class AuditEventViewSet(mixins.ListModelMixin, WorkspaceViewSet):
    """The workspace's audit log, newest first; `export` answers it as JSON lines."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    pagination_class = Pagination
    roles = {"list": READ_AUDIT, "export": READ_AUDIT}

    def scope_queryset(self, queryset):
        request = self.request
        ctx = request.auth
        assert isinstance(ctx, WorkspaceContext)  # WorkspaceRole let no other request through
        return audit.events(
            workspace=ctx.workspace,
            action=request.query_params.get("action"),
            actor=request.query_params.get("actor"),
            target=request.query_params.get("target"),
            since=moment(request.query_params, "since"),
            until=moment(request.query_params, "until"),
        )

    @extend_schema(parameters=AUDIT_FILTERS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        parameters=AUDIT_FILTERS,
        responses={
            (200, "application/x-ndjson"): OpenApiResponse(
                OpenApiTypes.STR, description="One JSON object per line, newest first"
            )
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        """Every event the filters select, as JSON lines (a download)."""
        events = self.get_queryset()
        response = StreamingHttpResponse(
            (audit.json_line(e) for e in events.iterator(chunk_size=1000)),
            content_type="application/x-ndjson",
        )
        name = f"audit-{request.auth.workspace.name}.jsonl"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class WorkspaceSettingsViewSet(WorkspaceViewSet):
    """The workspace's own settings: its name, log retention and limits."""

    queryset = Workspace.objects.none()
    serializer_class = WorkspaceSettingsSerializer
    roles = {
        "retrieve": ANY_ROLE,
        "partial_update": ADMIN_ONLY.because("Settings apply to everyone in the workspace."),
    }

    @extend_schema(responses={200: WorkspaceSettingsSerializer}, operation_id="workspace_retrieve")
    def retrieve(self, request):
        return Response(WorkspaceSettingsSerializer(request.auth.workspace).data)

    @extend_schema(
        request=WorkspaceSettingsSerializer,
        responses={200: WorkspaceSettingsSerializer},
        operation_id="workspace_partial_update",
    )
    def partial_update(self, request):
        workspace = request.auth.workspace
        serializer = WorkspaceSettingsSerializer(workspace, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = {k: v for k, v in serializer.validated_data.items() if k in workspace_settings.EDITABLE}
        updated = workspace_settings.update(workspace=workspace, changes=changes)
        return Response(WorkspaceSettingsSerializer(updated).data)
