"""The autoscaler: containers start when inputs queue and leave when idle.

`ensure_capacity` runs right after a call is accepted, so a cold function gets its first
container without waiting for a tick; `autoscale` runs every second from Celery beat (after the
reconciler's repairs, `functions.reconciler`) to add containers for a backlog and keep the
functions' minimums warm.

Where a container goes, and which GPU devices it gets, is `delivery.place_container`'s decision
(one per host at a time, under the host's lock, held until the new task row commits). Each
start is its own short transaction.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from billing import budgets
from config.ids import new_id
from hosts.models import Host
from hosts.tasks import start_container, stop_container

from . import delivery
from .models import LIVE_TASK_STATUSES, Function, Input, InputStatus, Task, TaskStatus
from .queues import REDIS_DOWN, WEB_DEMAND_FRESH_SECONDS, WEB_DEMAND_KEY, done_key, redis_client

__all__ = [
    "autoscale",
    "desired_containers",
    "ensure_capacity",
    "ensure_capacity_detached",
    "stop_task",
    "warm_up",
]

log = logging.getLogger(__name__)


def _lock(key: str) -> None:
    """An advisory lock held until the surrounding transaction ends."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [key])


def _live(function_id: str) -> int:
    """The function's live containers; a clustered function's live clusters (their leaders)."""
    return Task.objects.filter(function_id=function_id, status__in=LIVE_TASK_STATUSES, cluster_rank=0).count()


def ensure_capacity(*, function_id: str) -> str | None:
    """Start a container (a cluster) for the function if it has none alive; returns its task id."""
    if Task.objects.filter(function_id=function_id, status__in=LIVE_TASK_STATUSES, cluster_rank=0).exists():
        return None
    return _start_one(function_id, want=1)


def ensure_capacity_detached(function_id: str) -> None:
    """`ensure_capacity` from a worker thread that is not a Django request (the fast path's, the
    relay's): its database connection is opened and closed here, so that one the database dropped
    is never reused."""
    from django.db import close_old_connections

    close_old_connections()
    try:
        ensure_capacity(function_id=function_id)
    finally:
        close_old_connections()


def warm_up(*, function_id: str) -> None:
    """Start the function's `min_containers` now rather than at the next tick (a deploy waits for
    them before its version goes live); the same decision the tick makes, made early."""
    want = Function.objects.filter(pk=function_id).values_list("min_containers", flat=True).first() or 0
    for _ in range(want):
        if _start_one(function_id, want=want) is None:
            return


def _start_one(function_id: str, *, want: int) -> str | None:
    """Start one container of the function if it has fewer than `want` alive (its own transaction)."""
    with transaction.atomic():
        # Serialize scaling decisions per function: two requests never both start "the" container.
        _lock(f"scale:{function_id}")
        if _live(function_id) >= want:
            return None  # another request got there first
        function = Function.objects.select_related("app").get(pk=function_id)
        if function.app.state == "stopped":
            return None
        return _start_task(function)


# Containers that fail before serving a single input, this many times in a row within the
# window, mean the function cannot run as defined (its module does not import, its image cannot
# start): its pending inputs fail with the cause instead of waiting on a crash loop.
START_FAILURES_ALLOWED = 3
START_FAILURE_WINDOW = timedelta(minutes=5)


def _start_failure(function: Function) -> Task | None:
    """The latest failed start when the function's last containers all failed to come up.

    Containers the platform stopped or lost with their host, and containers killed from outside
    (SIGKILL or SIGTERM, not for memory: `docker kill`, an operator), say nothing about whether
    the function can start, whatever they had served: they are left out.
    """
    since = timezone.now() - START_FAILURE_WINDOW
    recent = list(
        Task.objects.filter(function=function, created_at__gte=since)
        .exclude(cause__in=delivery.PLATFORM_STOP_CAUSES)
        .exclude(Q(exit_code__in=delivery.KILLED_EXIT_CODES) & ~Q(cause="oom"))
        .order_by("-created_at")
        .values("id", "status", "inputs_served", "cause", "message")[:START_FAILURES_ALLOWED]
    )
    if len(recent) < START_FAILURES_ALLOWED:
        return None
    if all(t["status"] == TaskStatus.FAILED and t["inputs_served"] == 0 for t in recent):
        return Task.objects.get(pk=recent[0]["id"])
    return None


def fail_pending(*, function: Function, cause: str, message: str) -> int:
    """Every pending input of the function fails with the cause; their callers are woken."""
    calls = delivery.run(delivery.fail_pending(function.id, cause=cause, message=message))
    if calls:
        pipe = redis_client().pipeline(transaction=False)
        for call_id in calls:
            pipe.rpush(done_key(call_id), "1")
        transaction.on_commit(pipe.execute)
    return len(calls)


def _start_task(function: Function) -> str | None:
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
        inventory = sorted({str(g["model"]) for h in Host.objects.all() for g in (h.gpus or [])}) or ["none"]
        fail_pending(
            function=function,
            cause="no_capacity",
            message=f"no host of this platform has the GPU {function.gpu!r} (GPUs available: {', '.join(inventory)})",
        )
        return None
    cap = budgets.blocking_cap(function.workspace_id, function.app_id)
    if cap is not None:
        _capped(function, cap)
        return None
    if function.cluster_size > 1:
        placed = delivery.run(
            delivery.place_cluster(
                cluster_id=new_id("cl"),
                task_ids=[new_id("ta") for _ in range(function.cluster_size)],
                function_id=function.id,
                spread=settings.SKYLIFT_CLUSTER_NETWORK_DRIVER == "overlay",
            )
        )
    else:
        placed = delivery.run(delivery.place_container(task_id=new_id("ta"), function_id=function.id))
    if placed.task_id is None:
        if placed.never:
            fail_pending(function=function, cause="no_capacity", message=placed.reason)
        else:
            _waited_too_long(function, placed.reason)
        return None
    for task_id, queue in placed.members or ((placed.task_id, placed.queue),):
        transaction.on_commit(
            functools.partial(start_container.apply_async, kwargs={"task_id": task_id}, queue=queue)
        )
    return placed.task_id


def _capped(function: Function, cap: str) -> None:
    """A budget's cap is reached: no container starts, its inputs wait (running ones finish); once
    the oldest has waited SKYLIFT_BUDGET_WAIT_SECONDS they fail as resource_exhausted, naming the cap."""
    Function.objects.filter(pk=function.pk).update(
        waiting_reason=cap, waiting_since=Coalesce("waiting_since", Now())
    )
    oldest = (
        Input.objects.filter(function_id=function.pk, status=InputStatus.PENDING)
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    limit = float(settings.SKYLIFT_BUDGET_WAIT_SECONDS)
    if oldest is None or (timezone.now() - oldest).total_seconds() < limit or _live(function.id):
        log.info("%s: inputs stay queued. %s", function.id, cap)
        return
    fail_pending(function=function, cause="resource_exhausted", message=cap)


def _waited_too_long(function: Function, reason: str) -> None:
    """Inputs wait for room while the function has no container at all, up to
    SKYLIFT_PLACEMENT_TIMEOUT; then they fail with the reason no host could take one."""
    since = Function.objects.filter(pk=function.pk).values_list("waiting_since", flat=True).first()
    oldest = (
        Input.objects.filter(function_id=function.pk, status=InputStatus.PENDING)
        .order_by("enqueued_at")
        .values_list("enqueued_at", flat=True)
        .first()
    )
    timeout = float(settings.SKYLIFT_PLACEMENT_TIMEOUT)
    # The wait of the inputs: since the function began to wait, or since the oldest arrived after.
    if (
        since is None
        or oldest is None
        or (timezone.now() - max(since, oldest)).total_seconds() < timeout
        or _live(function.id)
    ):
        log.info("%s: inputs stay queued. %s", function.id, reason)
        return
    log.warning(
        "%s: no host could take a container for %.0f s; failing its pending inputs", function.id, timeout
    )
    fail_pending(
        function=function,
        cause="no_capacity",
        message=f"No host could take a container of {function.name} for {timeout:.0f} s. {reason}",
    )


def stop_task(*, task: Task, cause: str) -> None:
    """Ask a live container to stop; its end is settled when Docker reports it (`task_exited`)."""
    delivery.run(delivery.task_stopping(task.id, cause))
    if task.host is not None:
        stop_container.apply_async(kwargs={"task_id": task.id}, queue=f"host.{task.host.name}")


# Without max_containers, how many containers one function may have at once (the hosts'
# CPU and memory bound it further).
DEFAULT_MAX_CONTAINERS = 100


def desired_containers(function: Function, *, pending: int, running: int) -> int:
    """How many containers the function should have for its backlog, within its bounds."""
    per_container = max(1, function.target_inputs)
    busy = pending + running
    # A clustered function's containers come N at a time, a cluster per `per_container` inputs
    # (its bounds are multiples of N).
    size = max(1, getattr(function, "cluster_size", 1) or 1)
    wanted = -(-busy // per_container) * size  # ceil
    if busy:
        wanted += function.buffer_containers
    upper = function.max_containers if function.max_containers is not None else DEFAULT_MAX_CONTAINERS
    # A function a redeploy retired only finishes what it holds: its successor is kept warm.
    minimum = 0 if function.retired_at is not None else function.min_containers
    return max(minimum, min(wanted, max(upper, size)))


def web_demand() -> dict[str, int]:
    """Web requests in flight or waiting per function, as the gateways last reported them."""
    demand: dict[str, int] = {}
    now = time.time()
    try:
        entries = redis_client().hgetall(WEB_DEMAND_KEY)
    except REDIS_DOWN:
        return demand
    for field_name, raw in entries.items():
        function_id = (field_name.decode() if isinstance(field_name, bytes) else field_name).partition("|")[0]
        try:
            entry = json.loads(raw)
        except ValueError:
            continue
        if now - float(entry.get("at", 0)) <= WEB_DEMAND_FRESH_SECONDS:
            demand[function_id] = demand.get(function_id, 0) + int(entry.get("busy", 0))
    return demand


def autoscale() -> None:
    """One tick: scale every function with a backlog (inputs, or web requests) or a minimum to its bounds."""
    counts: dict[str, dict[str, int]] = {}
    for row in (
        Input.objects.filter(status__in=[InputStatus.PENDING, InputStatus.RUNNING])
        .values("function_id", "status")
        .annotate(n=Count("id"))
    ):
        counts.setdefault(row["function_id"], {})[row["status"]] = row["n"]
    for function_id, busy in web_demand().items():
        n = counts.setdefault(function_id, {})
        n[InputStatus.RUNNING] = n.get(InputStatus.RUNNING, 0) + busy
    kept_warm = (
        Function.objects.filter(min_containers__gt=0, retired_at__isnull=True)
        .exclude(app__state="stopped")
        .values_list("id", flat=True)
    )
    functions = Function.objects.filter(pk__in=set(counts) | set(kept_warm)).select_related("app")
    for function in functions.filter(~Q(app__state="stopped")):
        n = counts.get(function.id, {})
        want = desired_containers(
            function, pending=n.get(InputStatus.PENDING, 0), running=n.get(InputStatus.RUNNING, 0)
        )
        want = -(-want // function.cluster_size)  # a clustered function's: clusters
        for _ in range(max(0, want - _live(function.id))):
            if _start_one(function.id, want=want) is None:
                break
