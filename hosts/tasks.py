"""Celery tasks of a host agent: routed to the host's own queue `host.<name>`."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(
    name="hosts.tasks.start_container", ignore_result=True, acks_late=True, reject_on_worker_lost=True
)
def start_container(*, task_id: str) -> None:
    # Idempotent: the task row is claimed with a conditional update, and a container already
    # labelled with the task id is reused, so a redelivered message starts nothing twice.
    services.container_start(task_id=task_id)


@shared_task(name="hosts.tasks.stop_container", ignore_result=True, acks_late=True)
def stop_container(*, task_id: str) -> None:
    services.container_stop(task_id=task_id)


@shared_task(name="hosts.tasks.start_sandbox", ignore_result=True, acks_late=True, reject_on_worker_lost=True)
def start_sandbox(*, sandbox_id: str) -> None:
    # Idempotent as start_container: a conditional update claims the start.
    services.sandbox_start(sandbox_id=sandbox_id)


@shared_task(name="hosts.tasks.stop_sandbox", ignore_result=True, acks_late=True)
def stop_sandbox(*, sandbox_id: str) -> None:
    services.sandbox_stop(sandbox_id=sandbox_id)
