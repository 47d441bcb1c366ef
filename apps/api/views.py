from __future__ import annotations

import re

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from accounts.permissions import ADMIN_ONLY, ADMIN_OR_CREATOR, ANY_ROLE
from billing import standing
from billing.api.serializers import StandingCostSerializer
from config.errors import ApiError
from functions import services as function_services
from functions.api.serializers import FunctionSerializer
from functions.models import Function

from .. import app_list, coldstarts, deployments, previews, services
from ..models import App, AppState, AppVersion, Environment
from .serializers import (
    AppSerializer,
    AppVersionSerializer,
    DeployedSerializer,
    DeploySerializer,
    EnvironmentSerializer,
    LogPageSerializer,
    RollbackPreviewSerializer,
    RollbackSerializer,
)

# A log cursor: "$" (new lines only), "0", or a Redis stream id whose parts fit in 64 bits (Redis
# refuses a longer one with an error, which would otherwise surface as a 500).
_LOG_CURSOR = re.compile(r"\$|0|\d{1,19}(-\d{1,19})?")
_VERSION = re.compile(r"v?(\d{1,9})")


_ENVIRONMENT = OpenApiParameter(
    "environment", OpenApiTypes.STR, description="The environment (default: main)"
)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("environment", OpenApiTypes.STR, description="Only apps of this environment"),
            OpenApiParameter("state", OpenApiTypes.STR, description="ephemeral, deployed or stopped"),
            OpenApiParameter("name", OpenApiTypes.STR, description="Only apps of this name"),
            OpenApiParameter(
                "search", OpenApiTypes.STR, description="Only apps whose name or description contains this"
            ),
        ]
    )
)
class AppViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, WorkspaceViewSet):
    """Apps of the workspace, newest first."""

    queryset = app_list.with_list_facts(
        App.objects.select_related("environment", "live_version__created_by").order_by("-created_at", "-id")
    )
    serializer_class = AppSerializer
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "create": ANY_ROLE,
        "deploy": ADMIN_OR_CREATOR.because(
            "Deploying a new name: any role. Redeploying an app replaces what it runs for everyone: "
            "its creator, an owner or an admin."
        ),
        "lookup": ANY_ROLE,
        "versions": ANY_ROLE,
        "rollback": ADMIN_OR_CREATOR.because("Replaces what the app runs for everyone, as a redeploy does."),
        "rollback_preview": ANY_ROLE,
        "standing_cost": ANY_ROLE,
        "logs": ANY_ROLE,
        "schedules": ANY_ROLE,
        "heartbeat": ADMIN_OR_CREATOR.because(
            "The client that runs the app sends it; it keeps an ephemeral app from being stopped."
        ),
        "stop": ADMIN_OR_CREATOR.because(
            "Cancels every unfinished call of the app and stops its containers. "
            "`skylift run` stops the app it created, whoever runs it."
        ),
    }

    def scope_queryset(self, queryset):
        params = self.request.query_params
        if params.get("environment"):
            queryset = queryset.filter(environment__name=params["environment"])
        if params.get("state"):
            queryset = queryset.filter(state=params["state"])
        if params.get("name"):
            queryset = queryset.filter(name=params["name"])
        if params.get("search"):
            term = params["search"]
            queryset = queryset.filter(Q(name__icontains=term) | Q(description__icontains=term))
        return queryset

    @extend_schema(request=DeploySerializer, responses={200: DeployedSerializer})
    @action(detail=False, methods=["post"])
    def deploy(self, request):
        """Deploy an app: a new version of the app of that name, or nothing when it runs this already.

        With `ephemeral`, a new ephemeral app runs the version (`skylift serve`); with `app_id`,
        that running app is redeployed.
        """
        serializer = DeploySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        workspace = request.auth.workspace
        existing: App | None = None
        if data["app_id"]:
            # A served app's redeploy: decided on that app (another workspace's is not found).
            existing = self.get_queryset().filter(pk=data["app_id"]).first()
            if existing is None:
                raise ApiError(
                    f"No app {data['app_id']} in this workspace.",
                    code="not_found",
                    status_code=404,
                    field="app_id",
                )
        environment = deployments.environment_get(workspace=workspace, name=data.pop("environment") or None)
        if not data["app_id"] and not data["ephemeral"]:  # a new ephemeral app is no one's yet
            existing = App.objects.filter(
                workspace=workspace, environment=environment, name=data["name"], state=AppState.DEPLOYED
            ).first()
        if existing is not None:
            self.check_object_permissions(request, existing)
        self.role_decision_owed = False  # a new name: anyone may deploy it
        data["app_id"] = data["app_id"] or None
        deployed = deployments.app_deploy(
            workspace=workspace, user=request.user, environment=environment.name, **data
        )
        functions = Function.objects.filter(version=deployed.version, variant_key="").order_by("name")
        return Response(
            {
                "app": AppSerializer(self.get_queryset().get(pk=deployed.app.pk)).data,
                "version": AppVersionSerializer(deployed.version).data,
                "changed": deployed.changed,
                "functions": FunctionSerializer(functions, many=True).data,
                "standing_cost": StandingCostSerializer(
                    standing.of_definitions(functions, workspace_id=workspace.id, app_id=deployed.app.pk)
                ).data,
            }
        )

    @extend_schema(
        parameters=[OpenApiParameter("name", OpenApiTypes.STR, required=True), _ENVIRONMENT],
        responses={200: AppSerializer},
    )
    @action(detail=False, methods=["get"])
    def lookup(self, request):
        """The deployed app of a name in an environment."""
        name = request.query_params.get("name") or ""
        if not name:
            raise ApiError("Name the app to look up: ?name=APP.", field="name")
        app = deployments.deployed_app(
            workspace=request.auth.workspace, name=name, environment=request.query_params.get("environment")
        )
        return Response(AppSerializer(self.get_queryset().get(pk=app.pk)).data)

    @extend_schema(responses={200: AppVersionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def versions(self, request, pk=None):
        """The app's versions, newest first."""
        app = self.get_object()
        versions = list(AppVersion.objects.filter(app=app).select_related("created_by", "rollback_of"))
        context = {"cold_starts": coldstarts.of_versions(versions)}
        return Response(AppVersionSerializer(versions, many=True, context=context).data)

    @extend_schema(responses={200: FunctionSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def schedules(self, request, pk=None):
        """The live version's scheduled functions, with their schedules and last and next runs."""
        app = self.get_object()
        functions = Function.objects.filter(
            app=app, version_id=app.live_version_id, variant_key="", schedule__isnull=False
        ).order_by("name")
        if app.live_version_id is None:
            functions = functions.none()
        return Response(FunctionSerializer(functions, many=True).data)

    @extend_schema(request=RollbackSerializer, responses={200: AppVersionSerializer})
    @action(detail=True, methods=["post"])
    def rollback(self, request, pk=None):
        """A new version running what an earlier one ran (the previous one by default); 409
        `over_budget` when its idle cost alone exceeds a cap, unless forced."""
        app = self.get_object()
        serializer = RollbackSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = deployments.app_rollback(
            app=app,
            user=request.user,
            number=serializer.validated_data["version"],
            force=serializer.validated_data["force"],
        )
        return Response(AppVersionSerializer(version).data)

    @extend_schema(responses={200: StandingCostSerializer})
    @action(detail=True, methods=["get"], url_path="standing-cost")
    def standing_cost(self, request, pk=None):
        """What the app's live version costs per hour and per month while idle, and its caps."""
        return Response(StandingCostSerializer(standing.of_app(self.get_object())).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "version",
                OpenApiTypes.STR,
                description="The version to roll back to: 3 or v3 (default: the one before the live version)",
            )
        ],
        responses={200: RollbackPreviewSerializer},
    )
    @action(detail=True, methods=["get"], url_path="rollback-preview")
    def rollback_preview(self, request, pk=None):
        """What a rollback would change (code, image, configuration) and what it would not; changes nothing."""
        app = self.get_object()
        number = None
        if request.query_params.get("version"):
            matched = _VERSION.fullmatch(request.query_params["version"])
            if matched is None:
                raise ApiError("version must be a version number, as 3 or v3.", field="version")
            number = int(matched[1])
        return Response(RollbackPreviewSerializer(previews.preview_rollback(app=app, number=number)).data)

    def perform_create(self, serializer):
        serializer.instance = services.app_create(
            workspace=self.request.auth.workspace,  # type: ignore[union-attr]  # a WorkspaceContext
            user=self.request.user,
            **serializer.validated_data,
        )

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["post"])
    def heartbeat(self, request, pk=None):
        """The running client is still there (an ephemeral app stops when its client goes quiet)."""
        services.app_heartbeat(app=self.get_object())
        return Response(status=204)

    @extend_schema(request=None, responses={200: AppSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        """Stop the app: unfinished inputs are cancelled and its containers stop."""
        app = self.get_object()
        function_services.app_stop(app=app)
        return Response(AppSerializer(self.get_queryset().get(pk=app.pk)).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after",
                OpenApiTypes.STR,
                description="Cursor from the previous page ('0' from the start, '$' for new lines only)",
            ),
            OpenApiParameter(
                "timeout", OpenApiTypes.FLOAT, description="Seconds to wait for new lines (max 30)"
            ),
        ],
        responses={200: LogPageSerializer},
    )
    @action(detail=True, methods=["get"])
    def logs(self, request, pk=None):
        """Log lines of the app's containers as they happen (long-poll)."""
        app = self.get_object()
        after = request.query_params.get("after") or "0"
        if not _LOG_CURSOR.fullmatch(after):
            raise ApiError("after must be the cursor of a previous page, '0' or '$'.", field="after")
        try:
            timeout = max(0.0, min(float(request.query_params.get("timeout", 0)), 30.0))
        except ValueError:
            timeout = 0.0
        entries, cursor = services.app_logs(app=app, after=after, timeout=timeout)
        return Response({"entries": entries, "cursor": cursor})


class EnvironmentViewSet(
    mixins.ListModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """Environments of the workspace: namespaces of apps (`main` always exists)."""

    queryset = Environment.objects.order_by("name")
    serializer_class = EnvironmentSerializer
    lookup_field = "name"
    roles = {
        "list": ANY_ROLE,
        "create": ADMIN_ONLY.because("Environments are shared by the whole workspace."),
        "destroy": ADMIN_ONLY.because("Environments are shared by the whole workspace."),
    }

    def list(self, request, *args, **kwargs):
        # `main` always exists
        deployments.environment_get(workspace=request.auth.workspace, name=None)
        return super().list(request, *args, **kwargs)

    def perform_create(self, serializer):
        serializer.instance = deployments.environment_create(
            workspace=self.request.auth.workspace,  # type: ignore[union-attr]  # a WorkspaceContext
            name=serializer.validated_data["name"],
        )

    def perform_destroy(self, instance):
        deployments.environment_delete(environment=instance)
