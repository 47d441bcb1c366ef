"""Schedules of deployed functions: when each fires, the scheduler that fires them, and "run now".

A schedule's state is on its function row: `next_run_at` (the tick it fires next), `last_run_at`
and `last_run_call_id`. Only the live version of a deployed app (or of an app `skylift serve`
runs) has a `next_run_at`: making a
version live sets it for the version's functions and clears it for every other (`schedules_start`);
stopping the app clears it too.

The scheduler (`fire_due`) runs every second from Celery beat (functions.tasks.fire_schedules).
It reads the ticks due within the coming second, waits for each (so that a tick fires on time,
not up to a second late) and fires it with `delivery.fire_schedule`: one transaction moves
`next_run_at` off the tick, on the condition that it is still there, and accepts the call. Two
schedulers running at once, or a run retried after a crash, therefore fire a tick once: the
second finds it moved. A run that dies before its commit fired nothing, and the tick is still
due for the next run; one that dies after it has a committed input that the reconciler queues.

Missed ticks: a tick that is due when the platform comes back (it was down, or the scheduler
was) fires once, late; the ticks missed after it are skipped, and the next is the first tick
after now (`contract.schedules.next_run`). A `Period` starts again at each deploy (its first tick
is a period after the version was made live); a `Cron` keeps its times, and a tick that was due
but not yet fired when a redeploy replaced the function fires for the new version.
"""

from __future__ import annotations

import logging
import pickle
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.utils import timezone

from config.errors import ApiError
from config.ids import new_id
from skylift.contract.schedules import first_run, next_run

from . import delivery
from .models import Function, FunctionCall

if TYPE_CHECKING:
    from apps.models import App, AppVersion
from .services import call_create, enqueue_inputs, live_function

__all__ = ["EMPTY_ARGS", "fire_due", "fire_tick", "run_now", "schedules_start"]

logger = logging.getLogger(__name__)

# What a scheduled call is called with: no arguments. Made here (the server pickles, never
# unpickles), in a protocol every Python a container may run reads.
EMPTY_ARGS = pickle.dumps(((), {}), protocol=4)

# How far ahead one run of the scheduler waits for a tick: under the beat's one second, so that
# runs do not pile up behind one another.
HORIZON_SECONDS = 0.95
BATCH = 200


def schedules_start(*, app: App, version: AppVersion, previous_version_id: str | None, now: datetime) -> None:
    """Start the schedules of a version made live, and stop those of the app's other versions.

    Runs in the transaction that makes it live. The last run a function of the previous live
    version had is carried over to its successor of the same name (it is the schedule's history).
    """
    previous: dict[str, Function] = {}
    if previous_version_id is not None:
        previous = {
            f.name: f
            for f in Function.objects.filter(
                version_id=previous_version_id, variant_key="", schedule__isnull=False
            )
        }
    others = Function.objects.filter(app=app, next_run_at__isnull=False).exclude(version=version)
    others.update(next_run_at=None)
    for function in Function.objects.filter(version=version, variant_key="", schedule__isnull=False):
        assert function.schedule is not None
        first = first_run(function.schedule, now=now)
        before = previous.get(function.name)
        if (
            before is not None
            and "cron" in function.schedule
            and before.schedule == function.schedule
            and before.next_run_at is not None
            and before.next_run_at < first
        ):
            first = before.next_run_at  # due, not fired yet when the redeploy came: it fires now
        Function.objects.filter(pk=function.pk).update(
            next_run_at=first,
            last_run_at=before.last_run_at if before else None,
            last_run_call_id=before.last_run_call_id if before else "",
        )


def _due(until: datetime) -> list[Any]:
    return list(
        Function.objects.filter(
            next_run_at__lte=until,
            retired_at__isnull=True,
            variant_key="",
            app__live_version_id=F("version_id"),  # a deployed or a served app (`skylift serve`)
        )
        .exclude(app__state="stopped")
        .order_by("next_run_at")
        .values("id", "schedule", "next_run_at")[:BATCH]
    )


def fire_due(*, horizon: float = HORIZON_SECONDS) -> list[delivery.Fired]:
    """Fire every tick due now or within `horizon` seconds, each at its time; returns what fired."""
    fired: list[delivery.Fired] = []
    for row in _due(timezone.now() + timedelta(seconds=horizon)):
        wait = (row["next_run_at"] - timezone.now()).total_seconds()
        if wait > 0:
            time.sleep(min(wait, horizon))
        try:
            made = fire_tick(function_id=row["id"], schedule=row["schedule"], due=row["next_run_at"])
        except Exception:  # one function's trouble must not keep the others' ticks from firing
            logger.exception("The schedule of %s could not fire its tick %s", row["id"], row["next_run_at"])
            continue
        if made is not None:
            fired.append(made)
    return fired


def fire_tick(*, function_id: str, schedule: dict, due: datetime) -> delivery.Fired | None:
    """Fire one tick (None when it fired already, or the function is no longer live), then queue it."""
    made = delivery.run(
        delivery.fire_schedule(
            function_id=function_id,
            due=due,
            next_run_at=next_run(schedule, due=due, now=timezone.now()),
            call_id=new_id("fc"),
            input_id=new_id("in"),
            args=EMPTY_ARGS,
        )
    )
    if made is not None:
        enqueue_inputs(function_id, [made.input_id])
    return made


def run_now(*, function: Function, user: Any) -> FunctionCall:
    """Run a scheduled function once, now, with no arguments; its schedule goes on as before."""
    function = live_function(function)
    if function.schedule is None:
        raise ApiError(
            f"{function.name} has no schedule: call it as any function (.remote() or .spawn()).",
            code="no_schedule",
            status_code=409,
        )
    call, _ = call_create(function=function, user=user, args=[EMPTY_ARGS], kind="schedule")
    Function.objects.filter(pk=call.function_id).update(last_run_at=call.created_at, last_run_call_id=call.id)
    return call
