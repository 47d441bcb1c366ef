"""Log lines of the workspace's containers: a page, the lines after a cursor, a download.

The dashboard's Logs page (and its live tail's fallback), `skylift app logs` and
`skylift container logs` all read this endpoint; the live tail's WebSocket (`/ws/logs/`) runs the
same query (functions.logs).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from accounts.permissions import ANY_ROLE

from .. import logs
from ..models import LogLine


async def _chunks(filters: logs.Filters):
    """The download's chunks, read on Django's thread one at a time (nothing is held whole)."""
    lines = logs.download(filters)
    while (chunk := await sync_to_async(lambda: next(lines, None))()) is not None:
        yield chunk


class LogLineSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Lines are ordered by id (a whole number, as a string)")
    app_id = serializers.CharField()
    app = serializers.CharField(help_text="The app's name")
    function_id = serializers.CharField(allow_null=True)
    function = serializers.CharField()
    call_id = serializers.CharField(allow_null=True)
    container_id = serializers.CharField(allow_null=True)
    stream = serializers.ChoiceField(choices=["stdout", "stderr"])
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


@extend_schema_serializer(many=False)  # the answer of `list` is one page, not a list of them
class LogLinePageSerializer(serializers.Serializer):
    results = LogLineSerializer(many=True)
    cursor = serializers.CharField(
        help_text="Read on with ?after=cursor; the next page may repeat lines younger than a second "
        "(drop ids already shown)"
    )
    next_before = serializers.CharField(
        allow_null=True, help_text="Older lines exist: ask ?before=next_before for them"
    )


FILTERS = [
    OpenApiParameter("app", OpenApiTypes.STR, description="Only lines of this app (id)"),
    OpenApiParameter("function", OpenApiTypes.STR, description="Only lines of this function (id)"),
    OpenApiParameter("call", OpenApiTypes.STR, description="Only lines printed for this call (id)"),
    OpenApiParameter("container", OpenApiTypes.STR, description="Only lines of this container (task id)"),
    OpenApiParameter("stream", OpenApiTypes.STR, enum=["stdout", "stderr"]),
    OpenApiParameter("since", OpenApiTypes.DATETIME, description="Lines printed at or after this time"),
    OpenApiParameter("until", OpenApiTypes.DATETIME, description="Lines printed before this time"),
    OpenApiParameter("q", OpenApiTypes.STR, description="Lines containing this text (any case)"),
]


class LogViewSet(WorkspaceViewSet):
    """Log lines of the workspace's containers, kept SKYLIFT_LOG_RETENTION_DAYS days."""

    queryset = LogLine.objects.all()
    serializer_class = LogLineSerializer
    pagination_class = None  # its own cursors (functions.logs)
    roles = {"list": ANY_ROLE, "download": ANY_ROLE}

    @extend_schema(
        parameters=[
            *FILTERS,
            OpenApiParameter(
                "before", OpenApiTypes.STR, description="Lines older than this id (a page back)"
            ),
            OpenApiParameter(
                "after",
                OpenApiTypes.STR,
                description="Lines after this cursor, oldest first (tailing: a previous page's cursor)",
            ),
            OpenApiParameter(
                "limit", OpenApiTypes.INT, description=f"At most this many (1-{logs.MAX_LIMIT})"
            ),
        ],
        responses={200: LogLinePageSerializer},
    )
    def list(self, request):
        """Without `after`: the newest matching lines (before `before`), oldest first. With it: the
        lines after that cursor, to follow them as they are printed."""
        params = request.query_params
        filters = logs.filters_from(request.auth.workspace.id, params)
        after = logs.line_id(params, "after")
        if after is not None:
            body = logs.tail(filters, after=after, limit=logs.limit_from(params, logs.MAX_LIMIT))
        else:
            body = logs.page(filters, before=logs.line_id(params, "before"), limit=logs.limit_from(params))
        return Response(LogLinePageSerializer(body).data)

    @extend_schema(
        parameters=FILTERS,
        responses={
            (200, "text/plain"): OpenApiResponse(OpenApiTypes.STR, description="One line per log line")
        },
    )
    @action(detail=False, methods=["get"])
    def download(self, request):
        """Every matching line, oldest first, as a text file: `time stream [app.function container] text`."""
        filters = logs.filters_from(request.auth.workspace.id, request.query_params)
        response = StreamingHttpResponse(_chunks(filters), content_type="text/plain; charset=utf-8")
        stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
        response["Content-Disposition"] = f'attachment; filename="skylift-logs-{stamp}.txt"'
        return response
