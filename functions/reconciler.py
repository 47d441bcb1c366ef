"""The reconciler: every tick, repair what faults left behind, from the database's records.

Redis and Celery carry messages, never the record, so whatever a lost message, a dead
container or a lost host stranded is found here in PostgreSQL and put right: pending inputs
pushed again, running inputs of gone containers settled, containers that never came up given
up, and ephemeral apps whose client went away stopped. Every repair is a transition of
`functions.delivery`.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db.models.functions import Now
from django.utils import timezone

from apps.listening import listening_since
from apps.models import App, AppState
from hosts.services import container_exited, stop_cluster_members

from . import delivery
from .models import LIVE_TASK_STATUSES, Input, InputStatus, Task, TaskStatus
from .queues import STATS_KEY, input_queue_key, redis_client
from .services import app_stop

__all__ = ["repair", "requeue_stranded"]

log = logging.getLogger(__name__)

# An input still pending this long after its last push is pushed again; claims are conditional,
# so a duplicate message is harmless (RELIABILITY F12).
REPUSH_AFTER = timedelta(seconds=15)
START_DEADLINE = timedelta(seconds=120)


def _queue_lengths(function_ids: list[str]) -> dict[str, int]:
    pipe = redis_client().pipeline(transaction=False)
    for function_id in function_ids:
        pipe.llen(input_queue_key(function_id))
    return dict(zip(function_ids, pipe.execute(), strict=True))


def requeue_stranded() -> int:
    """Push again the pending inputs whose message may have been lost; returns how many.

    Only for a function whose queue is empty: while ids are in it, containers are still working
    through it (a pending input is usually just waiting its turn). A lost message (Redis
    restarted empty, a relay died between pop and claim) is pushed again once the queue drained.
    """
    stranded = delivery.run(delivery.requeue_stranded(REPUSH_AFTER.total_seconds(), _queue_lengths))
    count = sum(len(ids) for ids in stranded.values())
    if not count:
        return 0
    pipe = redis_client().pipeline(transaction=False)
    for function_id, batch in stranded.items():
        pipe.rpush(input_queue_key(function_id), *batch)
    pipe.hincrby(STATS_KEY, "stranded_inputs_repushed", count)
    pipe.execute()
    log.info("re-pushed %d stranded inputs", count)
    return count


def _fail_stuck_starts() -> None:
    for task_id in delivery.run(delivery.tasks_start_timed_out(START_DEADLINE.total_seconds())):
        log.warning("container %s did not start in time", task_id)


def _stop_abandoned_apps(now: datetime) -> None:
    """An ephemeral app whose client went quiet is stopped: its caller is gone (RELIABILITY F11).

    Detached apps (`app.run(detach=True)`) are exempt. A client is not counted quiet while the
    web processes that take its heartbeats were down (apps.listening): nothing is judged while
    none is up, and silence counts from when they came back at the earliest.
    """
    quiet = timedelta(seconds=settings.SKYLIFT_CLIENT_ABANDONED_SECONDS)
    since = listening_since()
    if since is None or datetime.fromtimestamp(since, tz=UTC) > now - quiet:
        return
    stale = App.objects.filter(
        state=AppState.EPHEMERAL,
        detached=False,
        client_seen_at__lt=now - quiet,
    )
    for app in stale:
        log.info("stopping app %s: its client has gone quiet", app.id)
        app_stop(app=app, message="The client that ran the app went away.")


def _requeue_orphaned() -> None:
    """Running inputs whose container is known to be gone (a missed `die` event) run again."""
    gone = (
        Input.objects.filter(
            status=InputStatus.RUNNING, task__status__in=[TaskStatus.STOPPED, TaskStatus.FAILED]
        )
        .values_list("task_id", flat=True)
        .distinct()[:100]
    )
    for task_id in gone:
        task = Task.objects.filter(pk=task_id).values("exit_code").first()
        container_exited(task_id=task_id, exit_code=task["exit_code"] if task else None, oom=False)


def _settle_lost_hosts() -> None:
    """Containers on a host that stopped sending heartbeats are gone: their inputs run elsewhere.

    The inputs go back as preempted (a host loss is the platform's, not the user's, fault).
    """
    # Stopping ones too: their container went with the host, and until settled they hold its devices.
    lost = Task.objects.filter(
        status__in=[*LIVE_TASK_STATUSES, TaskStatus.STOPPING], host__lease_expires_at__lt=Now()
    ).values_list("id", flat=True)
    for task_id in list(lost[:100]):
        log.warning("container %s is on a lost host; its inputs run elsewhere", task_id)
        delivery.run(delivery.task_lost(task_id))
        container_exited(task_id=task_id, exit_code=None, oom=False)


def _stop_broken_clusters() -> None:
    """Clusters one of whose members ended without the others being told (its container failed
    to start, or never came up): the others stop too (`delivery.clusters_broken`)."""
    stops = delivery.run(delivery.clusters_broken())
    if stops:
        log.info("stopping %d member(s) of broken clusters", len(stops))
        stop_cluster_members(stops)


def repair() -> None:
    """One tick of repairs, before the autoscaler scales."""
    _fail_stuck_starts()
    _settle_lost_hosts()
    _stop_broken_clusters()
    _stop_abandoned_apps(timezone.now())
    requeue_stranded()
    _requeue_orphaned()
