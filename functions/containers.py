"""Containers (tasks) as the dashboard and `skylift container` see them: what each runs now, and
a stop asked for by a user."""

from __future__ import annotations

from collections.abc import Iterable

from config.errors import ApiError

from . import autoscaler
from .models import LIVE_TASK_STATUSES, Input, InputStatus, Task

__all__ = ["STOP_CAUSE", "current_inputs", "stop"]

# The cause a user's stop records; delivery counts it among the platform's stops, so the inputs it
# interrupts run again without spending their retries (as Modal's `container stop` reassigns them).
STOP_CAUSE = "container_stopped"


def current_inputs(tasks: Iterable[Task]) -> dict[str, list[dict[str, str]]]:
    """The inputs each of these containers runs now (through the index on the input's task)."""
    ids = [t.id for t in tasks if t.status in LIVE_TASK_STATUSES]
    found: dict[str, list[dict[str, str]]] = {}
    if not ids:
        return found
    rows = Input.objects.filter(task_id__in=ids, status=InputStatus.RUNNING).values_list(
        "task_id", "id", "call_id"
    )
    for task_id, input_id, call_id in rows.order_by("id")[:1000]:
        found.setdefault(task_id, []).append({"input_id": input_id, "call_id": call_id})
    return found


def stop(task: Task) -> None:
    """Ask a live container to stop; a container that is not live is a 409 saying what it is."""
    if task.status not in LIVE_TASK_STATUSES:
        raise ApiError(
            f"Container {task.id} is not running: it is {task.status}.",
            code="not_live",
            status_code=409,
            hint="`skylift container list` shows the running ones.",
        )
    autoscaler.stop_task(task=task, cause=STOP_CAUSE)
