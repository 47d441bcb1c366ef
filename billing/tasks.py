"""Celery tasks of billing (queue `control`)."""

from __future__ import annotations

from celery import shared_task

from . import alerts, budgets, reconcile


@shared_task(name="billing.tasks.reconcile_usage", ignore_result=True)
def reconcile_usage() -> int:
    # Settles the tasks of lost hosts, then reports any task whose metered seconds differ by > 1 %.
    return len(reconcile.reconcile())


@shared_task(name="billing.tasks.budget_alerts", ignore_result=True)
def budget_alerts() -> int:
    # Each threshold a budget crossed this period, raised once (a BudgetAlert row, a warning, an
    # audit record and its webhook delivery); deliveries whose message was lost are sent again.
    raised = len(budgets.check_alerts())
    alerts.sweep()
    return raised


@shared_task(name="billing.tasks.deliver_alert", bind=True, ignore_result=True, max_retries=None)
def deliver_alert(self, delivery_id: str) -> str:
    # Posts one alert to the workspace's webhook; a failed post is retried with backoff (alerts.py).
    status, retry_in = alerts.deliver(delivery_id)
    if retry_in is not None:
        raise self.retry(countdown=retry_in)
    return status
