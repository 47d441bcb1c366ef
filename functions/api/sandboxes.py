"""Sandboxes of the workspace: containers a program creates, runs commands in and throws away."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from accounts.permissions import ADMIN_OR_CREATOR, ANY_ROLE
from apps.models import App
from builds.api.serializers import ImageSerializer
from config.errors import ApiError
from config.moments import moment
from config.pagination import Pagination

from .. import sandbox_logs, sandbox_ports, sandbox_snapshots, sandboxes
from ..models import Sandbox
from .sandbox_serializers import (
    SandboxCreateSerializer,
    SandboxLogsSerializer,
    SandboxProcessesSerializer,
    SandboxSerializer,
    SandboxTagsSerializer,
    SandboxTerminatedSerializer,
    SandboxTunnelsSerializer,
)

WAIT = OpenApiParameter(
    "wait",
    OpenApiTypes.NUMBER,
    description="Seconds to wait for it to start (running, or failed to start) before answering; at most 50",
)


def _wait(request) -> float:
    raw = request.query_params.get("wait")
    if raw in (None, ""):
        return 0.0
    try:
        seconds = float(raw)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= 50:
        raise ApiError("wait is a number of seconds from 0 to 50.", field="wait")
    return seconds


class SandboxViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    # (pooled sandboxes nobody has claimed are nobody's yet: functions/sandbox_pool.py)
    queryset = Sandbox.objects.select_related("created_by").filter(pool=False).order_by("-created_at")
    serializer_class = SandboxSerializer
    pagination_class = Pagination
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "tunnels": ANY_ROLE,
        "logs": ANY_ROLE,
        "processes": ANY_ROLE,
        "create": ANY_ROLE,
        "terminate": ADMIN_OR_CREATOR.because("Stops the sandbox and whatever runs in it."),
        "tags": ADMIN_OR_CREATOR.because("Replaces the sandbox's tags, which programs find it by."),
        "snapshot": ADMIN_OR_CREATOR.because(
            "Copies the sandbox's files, whatever they hold, into an image."
        ),
    }

    def scope_queryset(self, queryset):
        params = self.request.query_params
        if params.get("app_id"):
            queryset = queryset.filter(app_id=params["app_id"])
        if params.get("name"):
            queryset = queryset.filter(name=params["name"])
        if params.get("live") in ("1", "true"):
            queryset = queryset.filter(status__in=["pending", "starting", "running"])
        tags = {key[4:]: value for key, value in params.items() if key.startswith("tag.")}
        if any("\x00" in key or "\x00" in value for key, value in tags.items()):
            raise ApiError("A tag filter may not contain a NUL character.", field="tag")
        if tags:
            queryset = queryset.filter(tags__contains=tags)
        return queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("app_id", OpenApiTypes.STR, description="Only the sandboxes of this app"),
            OpenApiParameter("name", OpenApiTypes.STR, description="Only the sandboxes of this name"),
            OpenApiParameter("live", OpenApiTypes.BOOL, description="Only those not ended yet"),
            OpenApiParameter(
                "tag.<name>",
                OpenApiTypes.STR,
                description="Only those whose tag <name> has this value (repeatable)",
            ),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[WAIT])
    def retrieve(self, request, *args, **kwargs):
        """A sandbox; with `wait`, once it has started (or after that many seconds)."""
        sandbox = sandboxes.sandbox_wait_started(self.get_object(), _wait(request))
        return Response(SandboxSerializer(sandbox).data)

    @extend_schema(request=SandboxCreateSerializer, responses={201: SandboxSerializer}, parameters=[WAIT])
    def create(self, request):
        """Create a sandbox: placed on a host and started there; poll it for its state, or ask
        with `wait` to have the answer once it has started."""
        serializer = SandboxCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        workspace = request.auth.workspace
        app = None
        if data.get("app_id"):
            app = App.objects.filter(workspace=workspace, pk=data["app_id"]).first()
            if app is None:
                raise ApiError(
                    f"App {data['app_id']} not found.", code="not_found", status_code=404, field="app_id"
                )
        ports = sandbox_ports.validate_ports(
            data["encrypted_ports"], data["unencrypted_ports"], block_network=data["block_network"]
        )
        sandbox = sandboxes.sandbox_create(
            workspace=workspace,
            user=request.user,
            image_id=data["image_id"],
            app=app,
            command=data["command"],
            name=data["name"],
            workdir=data["workdir"],
            cpu=data.get("cpu"),
            memory=data.get("memory"),
            cpu_limit=data.get("cpu_limit"),
            memory_limit=data.get("memory_limit"),
            gpu=data.get("gpu"),
            timeout=data.get("timeout"),
            idle_timeout=data.get("idle_timeout"),
            block_network=data["block_network"],
            cidr_allowlist=data.get("cidr_allowlist"),
            volumes=data.get("volumes"),
            secrets=data.get("secrets"),
            tags=data["tags"],
        )
        sandbox_ports.expose(sandbox, ports)  # looked up by requests, once it runs
        sandbox = sandboxes.sandbox_wait_started(sandbox, _wait(request))
        return Response(SandboxSerializer(sandbox).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: SandboxTerminatedSerializer})
    @action(detail=True, methods=["post"])
    def terminate(self, request, pk=None):
        """Stop the sandbox (its end is recorded once its container has exited)."""
        sandbox = self.get_object()
        return Response({"terminated": sandboxes.sandbox_terminate(sandbox)})

    @extend_schema(request=SandboxTagsSerializer, responses={200: SandboxSerializer})
    @action(detail=True, methods=["put"])
    def tags(self, request, pk=None):
        """Replace the sandbox's tags."""
        sandbox = self.get_object()
        serializer = SandboxTagsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        sandbox.tags = sandboxes.validate_tags(serializer.validated_data["tags"])
        sandbox.save(update_fields=["tags"])
        return Response(SandboxSerializer(sandbox).data)

    @extend_schema(responses={200: SandboxTunnelsSerializer})
    @action(detail=True, methods=["get"])
    def tunnels(self, request, pk=None):
        """The URL of each port the sandbox exposes (`encrypted_ports`), through the web gateway."""
        sandbox = self.get_object()
        return Response({"tunnels": sandbox_ports.tunnels_of(sandbox)})

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "tail", OpenApiTypes.INT, description="The last N lines (default 1000, at most 10000)"
            ),
            OpenApiParameter(
                "since", OpenApiTypes.DATETIME, description="Only lines printed after this moment"
            ),
        ],
        responses={200: SandboxLogsSerializer},
    )
    @action(detail=True, methods=["get"])
    def logs(self, request, pk=None):
        """What the sandbox's own command printed, oldest first: from its container while it runs,
        then as kept when it ended."""
        sandbox = self.get_object()
        try:
            tail = int(request.query_params.get("tail", 1000))
        except ValueError:
            raise ApiError("tail is a whole number of lines.", field="tail") from None
        return Response(
            sandbox_logs.sandbox_logs(sandbox, tail=tail, since=moment(request.query_params, "since"))
        )

    @extend_schema(responses={200: SandboxProcessesSerializer})
    @action(detail=True, methods=["get"])
    def processes(self, request, pk=None):
        """What runs in the sandbox now (as `ps` shows it, from its host)."""
        return Response(sandbox_logs.sandbox_processes(self.get_object()))

    @extend_schema(request=None, responses={201: ImageSerializer})
    @action(detail=True, methods=["post"])
    def snapshot(self, request, pk=None):
        """Commit the running sandbox's filesystem as a new image of the workspace (ready at once):
        sandboxes (`image_id`) and functions (image spec `{"image_id": ...}`) start from it."""
        sandbox = self.get_object()
        image = sandbox_snapshots.sandbox_snapshot(sandbox)
        return Response(ImageSerializer(image).data, status=status.HTTP_201_CREATED)
