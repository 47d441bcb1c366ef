"""Celery tasks of billing (queue `control`)."""

from __future__ import annotations

from celery import shared_task

from . import reconcile


@shared_task(name="billing.tasks.reconcile_usage", ignore_result=True)
def reconcile_usage() -> int:
    # Settles the tasks of lost hosts, then reports any task whose metered seconds differ by > 1 %.
    return len(reconcile.reconcile())
