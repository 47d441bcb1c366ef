from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from django.utils.dateparse import parse_date, parse_datetime
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from accounts.permissions import ANY_ROLE
from config.errors import ApiError

from .. import reports
from ..models import UsageRecord
from .serializers import UsageReportSerializer

DEFAULT_DAYS = 30


def _moment(request, name: str) -> datetime | None:
    value = request.query_params.get(name)
    if value is None:
        return None
    parsed = parse_datetime(value)
    if parsed is None and (day := parse_date(value)) is not None:
        parsed = datetime.combine(day, time())
    if parsed is None:
        raise ApiError(
            f"{name}={value!r} is not a date or time, e.g. 2026-12-01 or 2026-12-01T10:00Z", field=name
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _choice(request, name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name, default)
    if value not in choices:
        raise ApiError(f"{name}={value!r}: choose one of {', '.join(choices)}", field=name)
    return value


class _ReportSchema(AutoSchema):
    """`list` here answers one report object, not an array of them."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class UsageViewSet(WorkspaceViewSet):
    """The workspace's metered usage and its cost (docs/billing.md)."""

    queryset = UsageRecord.objects.all()
    schema = _ReportSchema()
    pagination_class = None  # a report, whole
    roles = {"list": ANY_ROLE}

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "start", OpenApiTypes.STR, description="From this day or time, UTC (default: end - 30 d)"
            ),
            OpenApiParameter(
                "end", OpenApiTypes.STR, description="Before this day or time, UTC (default: now)"
            ),
            OpenApiParameter(
                "by", OpenApiTypes.STR, enum=list(reports.BY), description="Group by (default app)"
            ),
            OpenApiParameter(
                "granularity", OpenApiTypes.STR, enum=list(reports.GRANULARITY), description="day/hour"
            ),
        ],
        responses=UsageReportSerializer,
    )
    def list(self, request):
        """Usage and cost per period, by app, function, environment or resource; empty where none."""
        end = _moment(request, "end") or datetime.now(UTC)
        start = _moment(request, "start") or end - timedelta(days=DEFAULT_DAYS)
        if start >= end:
            raise ApiError("start must be before end", field="start")
        by = _choice(request, "by", reports.BY, "app")
        granularity = _choice(request, "granularity", reports.GRANULARITY, "day")
        rows = reports.usage(request.auth.workspace.id, start=start, end=end, by=by, granularity=granularity)
        body = {
            "start": start,
            "end": end,
            "by": by,
            "granularity": granularity,
            "total_cost": round(sum(row["cost"] for row in rows), 8),
            "results": rows,
        }
        return Response(UsageReportSerializer(body).data)
