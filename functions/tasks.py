"""Celery tasks of the control plane (queue `control`)."""

from __future__ import annotations

from celery import shared_task

from . import autoscaler, reconciler, services


@shared_task(name="functions.tasks.autoscale", ignore_result=True, acks_late=False)
def autoscale() -> None:
    # A tick that is lost or skipped is simply made up by the next one.
    reconciler.repair()
    autoscaler.autoscale()


@shared_task(name="functions.tasks.expire_outputs", ignore_result=True)
def expire_outputs() -> None:
    # Batched: a large backlog is worked off over successive runs.
    services.outputs_expire()
