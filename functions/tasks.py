"""Celery tasks of the control plane (queue `control`)."""

from __future__ import annotations

from celery import shared_task

from . import autoscaler, logs, reconciler, retention, sandboxes, schedules


@shared_task(name="functions.tasks.autoscale", ignore_result=True, acks_late=False)
def autoscale() -> None:
    # A tick that is lost or skipped is simply made up by the next one.
    reconciler.repair()
    autoscaler.autoscale()
    sandboxes.sandboxes_tick()


@shared_task(name="functions.tasks.fire_schedules", ignore_result=True, acks_late=False)
def fire_schedules() -> None:
    # Every second: fires the ticks due within the coming second, each at its time (see
    # functions.schedules). Runs that overlap, or a second scheduler, fire each tick once.
    schedules.fire_due()


@shared_task(name="functions.tasks.expire_outputs", ignore_result=True)
def expire_outputs() -> None:
    # Each run stops after retention.RUN_SECONDS; while a backlog remains the task sends itself
    # again at once instead of waiting for the next beat. Runs that overlap skip each other's rows.
    if not retention.outputs_expire().done:
        expire_outputs.apply_async(expires=retention.RUN_SECONDS * 2)


@shared_task(name="functions.tasks.purge_logs", ignore_result=True)
def purge_logs() -> None:
    # Like expire_outputs: each run stops after logs.RUN_SECONDS and goes on at once while lines
    # past the retention remain, so deletion keeps up with any rate the relays insert at.
    if not logs.purge().done:
        purge_logs.apply_async(expires=logs.RUN_SECONDS * 2)


@shared_task(name="functions.tasks.sweep_blobs", ignore_result=True)
def sweep_blobs() -> None:
    # Blob files no row refers to (their row never came): daily, it reads the whole blob directory.
    retention.blobs_sweep()


@shared_task(name="functions.tasks.refill_sandbox_pool", ignore_result=True, acks_late=False)
def refill_sandbox_pool(*, workspace_id: str, image_id: str) -> None:
    # After a create took from (or missed) the pool of its image; the autoscaler's tick tops every
    # pool up too, so a lost message is made up within a second.
    from accounts.models import Workspace

    from . import sandbox_pool

    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is not None:
        sandbox_pool.pool_refill(workspace_id, image_id, sandbox_pool.pool_size(workspace))
