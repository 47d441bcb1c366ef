"""Budgets: what a workspace or an app has spent this day or month, the cap that stops new
containers (functions/autoscaler.py asks `blocking_cap` before it places one), and the alerts at
50, 80 and 100 %."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.db import connection, transaction

from accounts import audit
from config.errors import ApiError

from . import alerts
from .models import Budget, BudgetAlert, BudgetPeriod

log = logging.getLogger("skylift.billing")

THRESHOLDS = (50, 80, 100)
RAISE_HINT = "an owner or admin of the workspace can raise it (`skylift billing budget set`)"

# From the daily rollup by app (billing/rollup.py): a period starts at a UTC day.
SPEND_SQL = """
SELECT coalesce(sum(d.cpu_seconds * (p.prices->>'cpu')::float8
                  + d.memory_gib_seconds * (p.prices->>'memory')::float8
                  + d.gpu_seconds * coalesce((p.prices->'gpu'->>d.gpu_type)::float8, 0)), 0)
  FROM billing_usageappday d JOIN billing_pricetable p ON p.id = d.price_id
 WHERE d.workspace_id = %s AND d.day >= %s {app}
"""


def period_start(period: str, now: datetime | None = None) -> datetime:
    now = now or datetime.now(UTC)
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return day if period == BudgetPeriod.DAY else day.replace(day=1)


def spend(budget: Budget, now: datetime | None = None) -> float:
    """Dollars metered against the budget in its current period."""
    params: list = [budget.workspace_id, period_start(budget.period, now)]
    if budget.app_id:
        params.append(budget.app_id)
    with connection.cursor() as cursor:
        cursor.execute(SPEND_SQL.format(app="AND d.app_id = %s" if budget.app_id else ""), params)
        return float(cursor.fetchone()[0])


def threshold_reached(spent: float, limit_usd: float) -> int:
    """The highest alert threshold (50, 80, 100) `spent` reached of `limit_usd`, or 0."""
    return max((t for t in THRESHOLDS if spent >= limit_usd * t / 100), default=0)


def describe(budget: Budget) -> str:
    what = f"app {budget.app.name}'s" if budget.app is not None else "workspace's"
    return f"The {what} {'daily' if budget.period == BudgetPeriod.DAY else 'monthly'} cap of ${budget.limit_usd:.2f}"


def blocking_cap(workspace_id: str, app_id: str | None) -> str | None:
    """Why no container of the app (None: of a new app) may start (a cap reached), or None."""
    budgets = Budget.objects.filter(workspace_id=workspace_id).select_related("app")
    for budget in budgets.filter(app_id=app_id) | budgets.filter(app=None):
        spent = spend(budget)
        if spent >= budget.limit_usd:
            return f"{describe(budget)} is reached (${spent:.2f} spent); {RAISE_HINT}."
    return None


def check_alerts(now: datetime | None = None) -> list[BudgetAlert]:
    """Raise each threshold every budget crossed in its period, once; the alerts new now."""
    raised = []
    for budget in Budget.objects.select_related("app"):
        spent = spend(budget, now)
        start = period_start(budget.period, now)
        for threshold in THRESHOLDS:
            if budget.limit_usd > 0 and spent < budget.limit_usd * threshold / 100:
                break
            with transaction.atomic():  # the alert, its audit record and its delivery: all or none
                alert, created = BudgetAlert.objects.get_or_create(
                    budget=budget, period_start=start, threshold=threshold, defaults={"spend_usd": spent}
                )
                if created:
                    alerts.raised(alert)
            if created:
                raised.append(alert)
                log.warning("%s: %d %% spent ($%.2f)", describe(budget), threshold, spent)
    return raised


class BudgetRefused(ValueError):
    """A budget that cannot be set; `field` names the part of the request that is wrong."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def budget_set(*, workspace, app, limit_usd: float, period: str, user) -> tuple[Budget, bool]:
    """Set the workspace's budget (app None) or the app's: (the budget, whether it is already spent).

    A cap at or below the spend takes effect at once: no new container of the app starts."""
    if limit_usd < 0:
        raise BudgetRefused("limit_usd must be 0 or more (US dollars)", "limit_usd")
    if period not in BudgetPeriod.values:
        raise BudgetRefused(f"period is one of {', '.join(BudgetPeriod.values)}", "period")
    budget, _ = Budget.objects.update_or_create(
        workspace=workspace,
        app=app,
        defaults={
            "limit_usd": limit_usd,
            "period": period,
            "created_by": user,
            "updated_at": datetime.now(UTC),
        },
    )
    spent = spend(budget)
    audit.record(
        workspace=workspace,
        action="budget.set",
        target=budget,
        target_name=app.name if app is not None else "workspace",
        data={"limit_usd": limit_usd, "period": period, "spend_usd": round(spent, 6)},
    )
    return budget, spent >= limit_usd


def budget_remove(budget: Budget) -> None:
    audit.record(
        workspace=budget.workspace_id,
        action="budget.remove",
        target=budget,
        target_name=budget.app.name if budget.app is not None else "workspace",
        data={"limit_usd": budget.limit_usd, "period": budget.period},
    )
    budget.delete()


def refuse_at_cap(*, workspace_id: str, app_id: str | None = None, what: str) -> None:
    """409 `budget_reached` when a cap that applies to new work of the workspace (or the app) is
    reached: no new `what` (an app, a sandbox) starts; the SDK raises ResourceExhaustedError."""
    why = blocking_cap(workspace_id, app_id)
    if why:
        raise ApiError(
            f"No new {what} can start: {why}",
            code="budget_reached",
            status_code=409,
            hint="Containers already running finish their inputs; nothing new starts until the cap is "
            "raised or its period ends.",
        )
