from __future__ import annotations

import re

from django.db.models import Count
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from accounts.permissions import ADMIN_OR_CREATOR, ANY_ROLE
from config.errors import ApiError
from functions import services as function_services

from .. import services
from ..models import App
from .serializers import AppSerializer, LogPageSerializer

# A log cursor: "$" (new lines only), "0", or a Redis stream id whose parts fit in 64 bits (Redis
# refuses a longer one with an error, which would otherwise surface as a 500).
_LOG_CURSOR = re.compile(r"\$|0|\d{1,19}(-\d{1,19})?")


class AppViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, WorkspaceViewSet):
    """Apps of the workspace, newest first."""

    queryset = App.objects.annotate(function_count=Count("functions")).order_by("-created_at")
    serializer_class = AppSerializer
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "create": ANY_ROLE,
        "logs": ANY_ROLE,
        "heartbeat": ADMIN_OR_CREATOR.because(
            "The client that runs the app sends it; it keeps an ephemeral app from being stopped."
        ),
        "stop": ADMIN_OR_CREATOR.because(
            "Cancels every unfinished call of the app and stops its containers. "
            "`skylift run` stops the app it created, whoever runs it."
        ),
    }

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
