from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.http import HttpResponse
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from accounts.permissions import ADMIN_ONLY, ANY_ROLE
from apps.models import App
from config.errors import ApiError
from config.moments import moment
from config.pagination import Pagination

from .. import alerts, budgets, reports, statements
from ..models import AlertWebhook, Budget, UsageRecord
from .serializers import (
    AlertWebhookSerializer,
    BudgetSerializer,
    StatementSerializer,
    UsageReportSerializer,
)

DEFAULT_DAYS = 30


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
        end = moment(request.query_params, "end") or datetime.now(UTC)
        start = moment(request.query_params, "start") or end - timedelta(days=DEFAULT_DAYS)
        by = _choice(request, "by", reports.BY, "app")
        granularity = _choice(request, "granularity", reports.GRANULARITY, "day")
        try:
            reports.check(start, end, granularity)
        except reports.ReportRefused as exc:
            raise ApiError(str(exc), field=exc.field) from None
        rows = reports.usage(request.auth.workspace.id, start=start, end=end, by=by, granularity=granularity)
        body = {
            "start": start,
            "end": end,
            "by": by,
            "granularity": granularity,
            "total_cost": round(sum(row["cost"] for row in rows), 8),
            "results": [],
        }
        answer = UsageReportSerializer(body).data
        # The rows are already what UsageRowSerializer says (billing/reports.py): serializing tens of
        # thousands of them field by field would take seconds.
        answer["results"] = rows
        return Response(answer)


class BudgetViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    """Budgets: a workspace's or an app's dollar cap per day or month (docs/billing.md#budgets)."""

    queryset = Budget.objects.select_related("app").order_by("created_at")
    serializer_class = BudgetSerializer
    pagination_class = Pagination
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "create": ADMIN_ONLY.because("A cap stops the containers of every member's apps."),
        "destroy": ADMIN_ONLY.because("Removes a cap that stops spending."),
    }

    @extend_schema(request=BudgetSerializer, responses={201: BudgetSerializer})
    def create(self, request):
        """Set the workspace's budget (no app_id) or an app's; setting it again replaces it. A cap
        below what is already spent takes effect at once (`reached` says so)."""
        given = BudgetSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        app = None
        if app_id := given.validated_data.get("app_id"):
            app = App.objects.filter(workspace=request.auth.workspace, pk=app_id).first()
            if app is None:
                raise ApiError(
                    f"No app {app_id} in this workspace.", code="not_found", status_code=404, field="app_id"
                )
        try:
            budget, _ = budgets.budget_set(
                workspace=request.auth.workspace,
                app=app,
                limit_usd=given.validated_data["limit_usd"],
                period=given.validated_data["period"],
                user=request.user,
            )
        except budgets.BudgetRefused as exc:
            raise ApiError(str(exc), field=exc.field) from None
        return Response(self.get_serializer(budget).data, status=201)

    def perform_destroy(self, instance):
        budgets.budget_remove(instance)


class AlertWebhookViewSet(WorkspaceViewSet):
    """The URL the workspace's budget alerts are posted to, and the secret that signs them."""

    queryset = AlertWebhook.objects.none()
    serializer_class = AlertWebhookSerializer
    reason = "The webhook's secret signs the alerts: only owners and admins see or change it."
    roles = {
        "retrieve": ADMIN_ONLY.because(reason),
        "update": ADMIN_ONLY.because(reason),
        "destroy": ADMIN_ONLY.because(reason),
    }

    @staticmethod
    def _body(webhook: AlertWebhook) -> dict:
        return AlertWebhookSerializer(
            {"url": webhook.url, "secret": alerts.secret_of(webhook), "updated_at": webhook.updated_at}
        ).data

    @extend_schema(responses={200: AlertWebhookSerializer}, operation_id="budget_webhook_retrieve")
    def retrieve(self, request):
        """The webhook, with its secret; 404 when the workspace has none."""
        webhook = AlertWebhook.objects.filter(workspace=request.auth.workspace).first()
        if webhook is None:
            raise ApiError(
                "This workspace posts its budget alerts nowhere.",
                code="not_found",
                status_code=404,
                hint="Set a URL: `skylift billing webhook set URL`.",
            )
        return Response(self._body(webhook))

    @extend_schema(
        request=AlertWebhookSerializer,
        responses={200: AlertWebhookSerializer},
        operation_id="budget_webhook_update",
    )
    def update(self, request):
        """Set the URL (the secret is made at the first set, kept after unless rotate_secret)."""
        given = AlertWebhookSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            webhook, _ = alerts.webhook_set(
                workspace=request.auth.workspace,
                url=given.validated_data["url"],
                user=request.user,
                rotate_secret=given.validated_data["rotate_secret"],
            )
        except alerts.WebhookRefused as exc:
            raise ApiError(str(exc), field="url") from None
        return Response(self._body(webhook))

    @extend_schema(responses={204: None}, operation_id="budget_webhook_destroy")
    def destroy(self, request):
        """Post budget alerts nowhere (alerts are still recorded and shown)."""
        alerts.webhook_remove(workspace=request.auth.workspace)
        return Response(status=204)


_MONTH = OpenApiParameter("month", OpenApiTypes.STR, description="YYYY-MM, UTC (default: this month)")


class StatementViewSet(WorkspaceViewSet):
    """The workspace's monthly statement: as data, an HTML page or a PDF (docs/billing.md#statements)."""

    queryset = UsageRecord.objects.all()
    schema = _ReportSchema()
    pagination_class = None
    roles = {"list": ANY_ROLE, "html": ANY_ROLE, "pdf": ANY_ROLE}

    def _statement(self, request) -> statements.Statement:
        month = request.query_params.get("month") or f"{datetime.now(UTC):%Y-%m}"
        try:
            return statements.statement(request.auth.workspace, month)
        except statements.StatementError as exc:
            raise ApiError(str(exc), field="month") from None

    @staticmethod
    def _file_name(found: statements.Statement, extension: str) -> str:
        return f"skylift-statement-{found.workspace_id}-{found.month}.{extension}"

    @extend_schema(parameters=[_MONTH], responses=StatementSerializer)
    def list(self, request):
        """Each app's cost in the month (the month to date while it runs); empty where none."""
        return Response(StatementSerializer(self._statement(request)).data)

    @extend_schema(parameters=[_MONTH], responses={(200, "text/html"): OpenApiTypes.STR})
    @action(detail=False, methods=["get"])
    def html(self, request):
        """The statement as an HTML page."""
        found = self._statement(request)
        response = HttpResponse(statements.html(found), content_type="text/html; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="{self._file_name(found, "html")}"'
        return response

    @extend_schema(parameters=[_MONTH], responses={(200, "application/pdf"): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"])
    def pdf(self, request):
        """The statement as a PDF."""
        found = self._statement(request)
        response = HttpResponse(statements.pdf(found), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{self._file_name(found, "pdf")}"'
        return response
