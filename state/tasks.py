from __future__ import annotations

import logging

from celery import shared_task

log = logging.getLogger(__name__)


@shared_task(name="state.tasks.sweep_state", ignore_result=True, acks_late=False)
def sweep_state() -> None:
    from .retention import sweep

    deleted = sweep()
    if any(deleted.values()):
        log.info("retention deleted %s", deleted)
