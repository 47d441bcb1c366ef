"""Celery tasks of billing (queue `control`)."""

from __future__ import annotations

from celery import shared_task

from . import budgets, reconcile


@shared_task(name="billing.tasks.reconcile_usage", ignore_result=True)
def reconcile_usage() -> int:
    # Settles the tasks of lost hosts, then reports any task whose metered seconds differ by > 1 %.
    return len(reconcile.reconcile())


@shared_task(name="billing.tasks.budget_alerts", ignore_result=True)
def budget_alerts() -> int:
    # Each threshold a budget crossed this period, raised once (a BudgetAlert row and a warning).
    return len(budgets.check_alerts())
