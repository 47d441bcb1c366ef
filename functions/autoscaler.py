"""The autoscaler: containers start when inputs queue and leave when idle.

`ensure_capacity` runs right after a call is accepted, so a cold function gets its first
container without waiting for a tick; `autoscale` runs every second from Celery beat to add
containers for a backlog, requeue what a lost message or a dead container stranded, and give
up on containers that never came up.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Now
from django.utils import timezone

from hosts.models import Host

from .models import LIVE_TASK_STATUSES, Function, Input, InputStatus, Task, TaskStatus
from .queues import STATS_KEY, input_queue_key, redis_client

__all__ = ["autoscale", "ensure_capacity", "requeue_stranded", "stop_task"]

log = logging.getLogger(__name__)

# An input still pending this long after its last push is pushed again; claims are conditional,
# so a duplicate message is harmless (RELIABILITY F12).
REPUSH_AFTER = timedelta(seconds=15)
START_DEADLINE = timedelta(seconds=120)


def _lock_function(function_id: str) -> None:
    """Serialize scaling decisions per function for the rest of the transaction."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"scale:{function_id}"])


def ensure_capacity(*, function_id: str) -> Task | None:
    """Start a container for the function if it has none alive."""
    if Task.objects.filter(function_id=function_id, status__in=LIVE_TASK_STATUSES).exists():
        return None
    with transaction.atomic():
        _lock_function(function_id)
        if Task.objects.filter(function_id=function_id, status__in=LIVE_TASK_STATUSES).exists():
            return None  # another request got there first
        function = Function.objects.select_related("app").get(pk=function_id)
        if function.app.state == "stopped":
            return None
        return _start_task(function)


def _pick_host(function: Function) -> Host | None:
    """The live host with the most free CPU that fits the function's request."""
    hosts = Host.objects.alive().annotate(
        used_cpu=Sum("tasks__function__cpu", filter=Q(tasks__status__in=LIVE_TASK_STATUSES)),
        used_memory=Sum("tasks__function__memory", filter=Q(tasks__status__in=LIVE_TASK_STATUSES)),
    )
    best, best_free = None, None
    for host in hosts:
        free_cpu = host.cpu - (host.used_cpu or 0)
        free_memory = host.memory - (host.used_memory or 0)
        if free_memory < function.memory or free_cpu < function.cpu or not host.fits_gpu(function.gpu):
            continue
        if best is None or free_cpu > best_free:
            best, best_free = host, free_cpu
    return best


# Containers that fail before serving a single input, this many times in a row within the
# window, mean the function cannot run as defined (its module does not import, its image cannot
# start): its pending inputs fail with the cause instead of waiting on a crash loop.
START_FAILURES_ALLOWED = 3
START_FAILURE_WINDOW = timedelta(minutes=5)


def _start_failure(function: Function) -> Task | None:
    """The latest failed start when the function's last containers all failed to come up."""
    recent = list(
        Task.objects.filter(function=function, created_at__gte=timezone.now() - START_FAILURE_WINDOW)
        .order_by("-created_at")
        .values("id", "status", "inputs_served", "cause", "message")[:START_FAILURES_ALLOWED]
    )
    if len(recent) < START_FAILURES_ALLOWED:
        return None
    if all(t["status"] == TaskStatus.FAILED and t["inputs_served"] == 0 for t in recent):
        return Task.objects.get(pk=recent[0]["id"])
    return None


def fail_pending(*, function: Function, cause: str, message: str) -> int:
    """Make every pending input of the function terminal `failed` with the cause."""
    from .models import FunctionCall
    from .queues import done_key

    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {Input._meta.db_table}
                   SET status = 'failed', result_kind = 'error', cause = %s, message = %s, finished_at = now(),
                       finished_seq = nextval('skylift_output_seq')
                 WHERE function_id = %s AND status = 'pending'
             RETURNING call_id""",
            [cause, message, function.id],
        )
        calls = {row[0] for row in cur.fetchall()}
        if calls:
            cur.execute(
                f"""UPDATE {FunctionCall._meta.db_table} c SET status = 'failed', finished_at = now()
                     WHERE c.id = ANY(%s) AND c.finished_at IS NULL AND c.closed
                       AND NOT EXISTS (SELECT 1 FROM {Input._meta.db_table} i
                                        WHERE i.call_id = c.id AND i.status IN ('pending', 'running'))""",
                [list(calls)],
            )
    if calls:
        pipe = redis_client().pipeline(transaction=False)
        for call_id in calls:
            pipe.rpush(done_key(call_id), "1")
        transaction.on_commit(pipe.execute)
    return len(calls)


def _start_task(function: Function) -> Task | None:
    from hosts.tasks import start_container

    failed = _start_failure(function)
    if failed is not None:
        cause = failed.cause or "container_crash"
        message = (
            failed.message
            or f"the last {START_FAILURES_ALLOWED} containers of {function.name} failed to start"
        )
        log.warning(
            "function %s cannot start containers (%s); failing its pending inputs", function.id, cause
        )
        fail_pending(function=function, cause=cause, message=message)
        return None
    if function.gpu and not any(h.fits_gpu(function.gpu) for h in Host.objects.all()):
        inventory = sorted({str(g) for h in Host.objects.all() for g in (h.gpus or [])}) or ["none"]
        fail_pending(
            function=function,
            cause="no_capacity",
            message=f"no host of this platform has the GPU {function.gpu!r} (GPUs available: {', '.join(inventory)})",
        )
        return None
    host = _pick_host(function)
    if host is None:
        log.warning(
            "no live host can run %s (memory %s MiB); inputs stay queued", function.id, function.memory
        )
        return None
    task = Task.objects.create(workspace_id=function.workspace_id, function=function, host=host)
    transaction.on_commit(lambda: start_container.apply_async(kwargs={"task_id": task.id}, queue=host.queue))
    return task


def stop_task(*, task: Task, cause: str) -> None:
    from hosts.tasks import stop_container

    Task.objects.filter(pk=task.pk, status__in=LIVE_TASK_STATUSES).update(
        status=TaskStatus.STOPPING, cause=cause
    )
    if task.host_id:
        stop_container.apply_async(kwargs={"task_id": task.id}, queue=f"host.{task.host.name}")


def requeue_stranded(*, now=None) -> int:
    """Push again the pending inputs whose message may have been lost; returns how many.

    Only for a function whose queue is empty: while ids are in it, containers are still working
    through it (a pending input is usually just waiting its turn), and pushing duplicates would
    only make them pop ids that claim nothing. A lost message (Redis restarted empty, a relay died
    between pop and claim) is pushed again once the queue has drained.
    """
    now = now or timezone.now()
    stale = list(
        Input.objects.filter(status=InputStatus.PENDING, enqueued_at__lt=now - REPUSH_AFTER).values_list(
            "id", "function_id"
        )[:5000]
    )
    if not stale:
        return 0
    by_function: dict[str, list[str]] = {}
    for input_id, function_id in stale:
        by_function.setdefault(function_id, []).append(input_id)
    r = redis_client()
    pipe = r.pipeline(transaction=False)
    for function_id in by_function:
        pipe.llen(input_queue_key(function_id))
    lengths = dict(zip(by_function, pipe.execute(), strict=True))
    stranded = {f: ids for f, ids in by_function.items() if lengths[f] == 0}
    ids = [i for batch in stranded.values() for i in batch]
    if not ids:
        return 0
    Input.objects.filter(pk__in=ids, status=InputStatus.PENDING).update(enqueued_at=now)
    pipe = r.pipeline(transaction=False)
    for function_id, batch in stranded.items():
        pipe.rpush(input_queue_key(function_id), *batch)
    pipe.hincrby(STATS_KEY, "stranded_inputs_repushed", len(ids))
    pipe.execute()
    log.info("re-pushed %d stranded inputs", len(ids))
    return len(ids)


def _fail_stuck_starts(now) -> None:
    stuck = Task.objects.filter(
        status__in=[TaskStatus.PENDING, TaskStatus.STARTING], created_at__lt=now - START_DEADLINE
    )
    for task in stuck.select_related("host"):
        log.warning("container %s did not start in time", task.id)
        Task.objects.filter(pk=task.pk, status__in=[TaskStatus.PENDING, TaskStatus.STARTING]).update(
            status=TaskStatus.FAILED, cause="start_timeout", stopped_at=now
        )


# Without max_containers, how many containers one function may have at once (the hosts'
# CPU and memory bound it further).
DEFAULT_MAX_CONTAINERS = 100


def desired_containers(function: Function, *, pending: int, running: int) -> int:
    """How many containers the function should have for its backlog, within its bounds."""
    per_container = max(1, function.target_inputs)
    busy = pending + running
    wanted = -(-busy // per_container)  # ceil
    if busy:
        wanted += function.buffer_containers
    upper = function.max_containers if function.max_containers is not None else DEFAULT_MAX_CONTAINERS
    return max(function.min_containers, min(wanted, upper))


def _stop_abandoned_apps(now) -> None:
    """An ephemeral app whose client went quiet is stopped: its caller is gone (RELIABILITY F11).

    Detached apps (`app.run(detach=True)`) are exempt.
    """
    from apps.models import App, AppState

    from .services import app_stop

    stale = App.objects.filter(
        state=AppState.EPHEMERAL,
        detached=False,
        client_seen_at__lt=now - timedelta(seconds=settings.SKYLIFT_CLIENT_ABANDONED_SECONDS),
    )
    for app in stale:
        log.info("stopping app %s: its client has gone quiet", app.id)
        app_stop(app=app, message="The client that ran the app went away.")


def _requeue_orphaned(now) -> None:
    """Running inputs whose container is known to be gone (a missed `die` event) run again."""
    from hosts.services import container_exited

    gone = (
        Input.objects.filter(
            status=InputStatus.RUNNING, task__status__in=[TaskStatus.STOPPED, TaskStatus.FAILED]
        )
        .values_list("task_id", flat=True)
        .distinct()[:100]
    )
    for task_id in gone:
        task = Task.objects.filter(pk=task_id).values("exit_code").first()
        container_exited(task_id=task_id, exit_code=(task or {}).get("exit_code"), oom=False)


def _settle_lost_hosts() -> None:
    """Containers on a host that stopped sending heartbeats are gone: their inputs run elsewhere.

    The inputs go back as preempted (a host loss is the platform's, not the user's, fault).
    """
    from hosts.services import container_exited

    lost = Task.objects.filter(status__in=LIVE_TASK_STATUSES, host__lease_expires_at__lt=Now()).values_list(
        "id", flat=True
    )
    for task_id in list(lost[:100]):
        log.warning("container %s is on a lost host; its inputs run elsewhere", task_id)
        Task.objects.filter(pk=task_id, status__in=LIVE_TASK_STATUSES).update(cause="host_lost")
        container_exited(task_id=task_id, exit_code=None, oom=False)


def autoscale() -> None:
    """One tick: scale every function to its backlog and bounds, then repair what faults left behind."""
    now = timezone.now()
    _fail_stuck_starts(now)
    _settle_lost_hosts()
    _stop_abandoned_apps(now)
    requeue_stranded(now=now)
    _requeue_orphaned(now)
    counts: dict[str, dict[str, int]] = {}
    for row in (
        Input.objects.filter(status__in=[InputStatus.PENDING, InputStatus.RUNNING])
        .values("function_id", "status")
        .annotate(n=Count("id"))
    ):
        counts.setdefault(row["function_id"], {})[row["status"]] = row["n"]
    kept_warm = (
        Function.objects.filter(min_containers__gt=0)
        .exclude(app__state="stopped")
        .values_list("id", flat=True)
    )
    for function_id in set(counts) | set(kept_warm):
        with transaction.atomic():
            _lock_function(function_id)
            function = Function.objects.select_related("app").get(pk=function_id)
            if function.app.state == "stopped":
                continue
            live = Task.objects.filter(function_id=function_id, status__in=LIVE_TASK_STATUSES).count()
            n = counts.get(function_id, {})
            want = desired_containers(
                function, pending=n.get(InputStatus.PENDING, 0), running=n.get(InputStatus.RUNNING, 0)
            )
            for _ in range(max(0, want - live)):
                if _start_task(function) is None:
                    break
