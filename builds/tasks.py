"""Celery tasks of builds, on the `builds` queue (CELERY_TASK_ROUTES), or a GPU host's own when a
step needs its GPU: thin wrappers that take ids and call services. Services send them by name
(`services.BUILD_TASK`), so that this module is the only one of the two importing the other."""

from __future__ import annotations

from celery import shared_task

from . import services

__all__ = ["build_image", "sweep_abandoned_builds"]


# Safe to deliver twice: build_run claims the build with a conditional UPDATE, and a second
# delivery finds it claimed and returns.
@shared_task(name=services.BUILD_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def build_image(*, build_id: str) -> None:
    services.build_run(build_id=build_id)


@shared_task(name="builds.tasks.sweep_abandoned_builds", ignore_result=True)
def sweep_abandoned_builds() -> None:
    services.sweep_abandoned_builds()
