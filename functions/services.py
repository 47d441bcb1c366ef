"""Function and call workflows: define functions, accept inputs durably, hand out outputs.

Accepted means durable: a call's inputs are committed to PostgreSQL in one transaction and
only then pushed to Redis (`transaction.on_commit`). If the push is lost, the reconciler in
`functions.autoscaler` pushes again from the database.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from builds.services import image_resolve
from config.errors import ApiError
from skylift._exceptions import InvalidError
from skylift._resources import parse_gpu, validate_cpu, validate_memory, validate_timeout

from . import autoscaler, events
from .models import (
    LIVE_TASK_STATUSES,
    TERMINAL_INPUT_STATUSES,
    CallStatus,
    Function,
    FunctionCall,
    Input,
    InputStatus,
    Mount,
    Task,
)
from .queues import done_key, input_queue_key, redis_client

__all__ = [
    "app_stop",
    "call_create",
    "function_create",
    "mount_store",
    "outputs_wait",
]

MAX_INPUTS_PER_REQUEST = 5_000


def mount_store(*, workspace, sha256: str, content: bytes) -> Mount:
    """Store user source under its content hash (idempotent)."""
    actual = hashlib.sha256(content).hexdigest()
    if actual != sha256:
        raise ApiError(
            f"Mount content hashes to {actual}, not {sha256}.",
            field="sha256",
            hint="Send the sha256 of exactly the bytes uploaded.",
        )
    mount, _ = Mount.objects.get_or_create(
        workspace=workspace, sha256=sha256, defaults={"content": content, "size": len(content)}
    )
    return mount


def _validated(field: str, fn, value):
    try:
        return fn(value)
    except InvalidError as exc:
        raise ApiError(str(exc), field=field) from None


def function_create(*, app, spec: dict) -> Function:
    """Define a function of `app` from the SDK's description of it."""
    workspace = app.workspace
    cpu, _ = _validated("cpu", validate_cpu, spec.get("cpu", 0.125))
    memory, _ = _validated("memory", validate_memory, spec.get("memory", 128))
    timeout = _validated("timeout", validate_timeout, spec.get("timeout", 300))
    gpu = _validated("gpu", parse_gpu, spec.get("gpu") or None)
    mount = None
    if spec.get("mount_sha256"):
        mount = Mount.objects.filter(workspace=workspace, sha256=spec["mount_sha256"]).first()
        if mount is None:
            raise ApiError(
                f"No mount {spec['mount_sha256']}: upload it first.",
                code="not_found",
                status_code=404,
                field="mount_sha256",
            )
    if mount is None and not spec.get("serialized"):
        raise ApiError(
            "A function needs its source (mount_sha256) or a serialized body.", field="mount_sha256"
        )
    image = image_resolve(workspace=workspace, spec=spec.get("image") or {"base": "debian_slim"})
    function, _ = Function.objects.update_or_create(
        app=app,
        name=spec["name"],
        defaults={
            "workspace": workspace,
            "module": spec.get("module", ""),
            "qualname": spec.get("qualname", spec["name"]),
            "mount": mount,
            "serialized": spec.get("serialized"),
            "image": image,
            "cpu": cpu,
            "memory": memory,
            "timeout": timeout,
            "gpu": ",".join(gpu),
            "scaledown_window": spec.get("scaledown_window") or settings.SKYLIFT_DEFAULT_SCALEDOWN_WINDOW,
            "block_network": bool(spec.get("block_network", False)),
            "is_generator": bool(spec.get("is_generator", False)),
            "client_python": spec.get("client_python", ""),
        },
    )
    return function


def call_create(
    *, function: Function, user, args: list[bytes], kind: str = "remote"
) -> tuple[FunctionCall, list[str]]:
    """Accept the inputs of one call: committed in bulk, then queued for containers."""
    if not args:
        raise ApiError("A call needs at least one input.", field="inputs")
    if len(args) > MAX_INPUTS_PER_REQUEST:
        raise ApiError(
            f"At most {MAX_INPUTS_PER_REQUEST} inputs per request.",
            field="inputs",
            hint="Send the rest with POST /api/v1/calls/{id}/inputs/.",
        )
    if function.app.state == "stopped":
        raise ApiError(f"App {function.app.name} is stopped.", code="app_stopped", status_code=409)
    with transaction.atomic():
        call = FunctionCall.objects.create(
            workspace_id=function.workspace_id,
            function=function,
            kind=kind,
            input_count=len(args),
            created_by=user,
        )
        inputs = Input.objects.bulk_create(
            Input(workspace_id=function.workspace_id, call=call, function=function, idx=i, args=payload)
            for i, payload in enumerate(args)
        )
        input_ids = [inp.id for inp in inputs]
        transaction.on_commit(lambda: _enqueue(function, input_ids))
        transaction.on_commit(lambda: events.call_updated(call))
    return call, input_ids


def _enqueue(function: Function, input_ids: list[str]) -> None:
    redis_client().rpush(input_queue_key(function.id), *input_ids)
    autoscaler.ensure_capacity(function_id=function.id)


OUTPUT_FIELDS = ("id", "idx", "status", "result", "result_kind", "cause", "message", "finished_seq")


def _ready_outputs(call: FunctionCall, *, after_seq: int, min_idx: int, limit: int) -> list[dict]:
    rows = (
        Input.objects.filter(call=call, status__in=TERMINAL_INPUT_STATUSES, idx__gte=min_idx)
        .filter(Q(finished_seq__gt=after_seq) | Q(finished_seq__isnull=True))
        .order_by("finished_seq")
        .values(*OUTPUT_FIELDS)[:limit]
    )
    return list(rows)


def outputs_wait(
    *, call: FunctionCall, after_seq: int = 0, min_idx: int = 0, timeout: float = 0, limit: int = 1000
) -> list[dict]:
    """Outputs of `call` that became ready after `after_seq`, waiting up to `timeout` seconds.

    Containers' relays push a wake-up to the call's Redis list when outputs land; the
    database stays the source of truth, so a lost wake-up costs at most one poll interval.
    """
    deadline = time.monotonic() + min(timeout, settings.SKYLIFT_LONG_POLL_SECONDS)
    r = redis_client()
    key = done_key(call.id)
    while True:
        outputs = _ready_outputs(call, after_seq=after_seq, min_idx=min_idx, limit=limit)
        remaining = deadline - time.monotonic()
        if outputs or remaining <= 0:
            return outputs
        if r.blpop([key], timeout=min(remaining, 1.0)):
            # Drain the other wake-ups that arrived together: one query reads them all.
            r.delete(key)


def call_cancel(*, call: FunctionCall, cause: str = "cancelled", message: str = "") -> int:
    """Make the call's unfinished inputs terminal `cancelled`; returns how many."""
    with connection.cursor() as cur:
        cur.execute(
            f"""UPDATE {Input._meta.db_table}
                   SET status = %s, cause = %s, message = %s, finished_at = now(),
                       finished_seq = nextval('skylift_output_seq')
                 WHERE call_id = %s AND status IN (%s, %s)""",
            [InputStatus.CANCELLED, cause, message, call.id, InputStatus.PENDING, InputStatus.RUNNING],
        )
        count = cur.rowcount
    FunctionCall.objects.filter(pk=call.pk, finished_at__isnull=True).update(
        status=CallStatus.CANCELLED, finished_at=timezone.now()
    )
    redis_client().rpush(done_key(call.id), "x")
    return count


def app_stop(*, app) -> None:
    """Stop an app: cancel what has not finished and stop its containers."""
    from apps.models import AppState

    type(app).objects.filter(pk=app.pk).update(state=AppState.STOPPED, stopped_at=timezone.now())
    for call in FunctionCall.objects.filter(function__app=app, finished_at__isnull=True):
        call_cancel(call=call, message="The app was stopped.")
    for task in Task.objects.filter(function__app=app, status__in=LIVE_TASK_STATUSES):
        autoscaler.stop_task(task=task, cause="app_stopped")
