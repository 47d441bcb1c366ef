"""Function and call workflows: define functions, accept inputs durably, hand out outputs.

Accepted means durable: a call's inputs are committed to PostgreSQL in one statement and only
then pushed to Redis. If the push is lost, the reconciler (`functions.reconciler`) pushes again
from the database. The transitions themselves are `functions.delivery`'s.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from accounts import audit
from builds.services import image_resolve
from config.errors import ApiError
from config.ids import new_id
from skylift.contract import (
    InvalidError,
    parse_gpu,
    validate_cpu,
    validate_memory,
    validate_retries,
    validate_scaling,
    validate_timeout,
)
from skylift.contract.clusters import check_cluster, check_i6pn, cluster_size
from skylift.contract.schedules import validate_schedule
from vault.models import Secret
from vault.services import resolve_refs as resolve_secrets
from volumes.services import resolve_mounts

from . import autoscaler, blobs, delivery, ratelimit, web_endpoints
from .models import (
    LIVE_TASK_STATUSES,
    Function,
    FunctionCall,
    Input,
    InputStatus,
    Mount,
    Task,
)
from .queues import cancellation_messages, done_key, input_queue_key, redis_client

if TYPE_CHECKING:
    from builds.models import Image

__all__ = [
    "app_stop",
    "call_create",
    "enqueue_inputs",
    "function_create",
    "mount_store",
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


def function_create(
    *,
    app,
    spec: dict,
    variant_key: str = "",
    parent: Function | None = None,
    params: bytes | None = None,
    image: Image | None = None,
    version=None,
    variant_options: dict | None = None,
) -> Function:
    """Define a function of `app` from the SDK's description of it.

    `image` is an image already resolved (a variant runs on its parent's); otherwise `spec["image"]` is.
    """
    workspace = app.workspace
    cpu, _ = _validated("cpu", validate_cpu, spec.get("cpu", 0.125))
    memory, _ = _validated("memory", validate_memory, spec.get("memory", 128))
    timeout = _validated("timeout", validate_timeout, spec.get("timeout", 300))
    gpu = _validated("gpu", parse_gpu, spec.get("gpu") or None)
    retries = _validated("retries", validate_retries, spec.get("retries"))
    scaling = _validated(
        "max_containers",
        lambda s: validate_scaling(**s),
        {k: spec.get(k) for k in ("min_containers", "max_containers", "buffer_containers", "max_inputs")},
    )
    schedule = _validated("schedule", validate_schedule, spec.get("schedule"))
    definition = spec.get("definition") or {}
    concurrency = definition.get("concurrency") or {}
    batching = definition.get("batching") or {}
    size = _validated("definition", cluster_size, definition)
    _validated(
        "gpu",
        lambda g: check_cluster(size, g, {**scaling, "block_network": spec.get("block_network")}),
        gpu,
    )
    i6pn = _validated("i6pn", lambda v: check_i6pn(v, spec.get("block_network")), spec.get("i6pn"))
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
    volumes = resolve_mounts(workspace=workspace, mounts=spec.get("volumes"))
    secrets = resolve_secrets(workspace=workspace, app=app, refs=spec.get("secrets"))
    if image is None:
        image = image_resolve(workspace=workspace, spec=spec.get("image") or {"base": "debian_slim"})
    function, _ = Function.objects.update_or_create(
        app=app,
        version=version,
        name=spec["name"],
        variant_key=variant_key,
        defaults={
            "parent": parent,
            "params": params,
            "variant_options": variant_options or {},
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
            "i6pn": i6pn,
            "restrict_modal_access": bool(spec.get("restrict_modal_access", False)),
            "volumes": volumes,
            "secrets": secrets,
            "is_generator": bool(spec.get("is_generator", False)),
            "client_python": spec.get("client_python", ""),
            **scaling,
            "retries": retries,
            "cluster_size": size,
            "definition": definition,
            "schedule": schedule,
            # How many inputs the autoscaler counts on one container taking at once.
            "target_inputs": int(concurrency.get("target_inputs") or batching.get("max_batch_size") or 1),
        },
    )
    web_endpoints.register(function)
    return function


def live_function(function: Function) -> Function:
    """The function a call made through `function` goes to: its successor once a redeploy replaced it."""
    if function.retired_at is None:
        return function
    if function.superseded_by_id is None and function.parent_id is not None:
        # A variant of a replaced function: the same variant of the parent's successor.
        assert function.parent is not None
        successor = function_variant(
            parent=live_function(function.parent),
            params=bytes(function.params) if function.params is not None else None,
            options=function.variant_options,
        )
        Function.objects.filter(pk=function.pk).update(superseded_by=successor)
        return successor
    if function.superseded_by_id is None:
        raise ApiError(
            f"{function.name} ({function.id}) is no longer served: its app {function.app.name!r} was "
            "redeployed without it (or with other options for this variant).",
            code="not_found",
            status_code=404,
            hint="Look it up again by name (Function.from_name / Cls.from_name).",
        )
    return Function.objects.select_related("app", "workspace").get(pk=function.superseded_by_id)


# Past a per-function limit (settings.SKYLIFT_MAX_*: inputs waiting for a container, inputs waiting
# or running, and instead of both for `.spawn()`, spawned inputs waiting) a request is refused with
# 429 and Retry-After, never dropped; the SDK waits and sends it again.
LIMIT_RETRY_AFTER_SECONDS = 1


def limits_for(kind: str) -> tuple[int, int]:
    """(max waiting, max waiting or running) for a submission of this kind of call."""
    if kind == "spawn":
        return settings.SKYLIFT_MAX_PENDING_SPAWNS, 2**62
    return settings.SKYLIFT_MAX_PENDING_INPUTS, settings.SKYLIFT_MAX_OUTSTANDING_INPUTS


def _check_limits(function: Function, kind: str, adding: int) -> None:
    burst = ratelimit.limits(function.workspace)[1]
    if adding > burst:
        raise ApiError(
            f"A batch of {adding} inputs is more than this workspace's burst of {burst:g}.",
            field="inputs",
            hint="Send the inputs in smaller batches.",
        )
    wait = ratelimit.take(function.workspace, adding)
    if wait:
        raise ApiError(
            f"The workspace is sending inputs faster than its limit of {ratelimit.limits(function.workspace)[0]:g}/s.",
            code="rate_limited",
            status_code=429,
            hint="Retry after the time in Retry-After; the SDK does this for you.",
            headers={"Retry-After": str(wait)},
        )
    spawned = kind == "spawn"
    counts = Input.objects.filter(
        function=function, spawned=spawned, status__in=[InputStatus.PENDING, InputStatus.RUNNING]
    ).aggregate(pending=Count("id", filter=Q(status=InputStatus.PENDING)), outstanding=Count("id"))
    max_pending, max_outstanding = limits_for(kind)
    checks = [
        (
            "spawned inputs waiting" if spawned else "inputs waiting for a container",
            counts["pending"],
            max_pending,
        )
    ]
    if not spawned:
        checks.append(("inputs waiting or running", counts["outstanding"], max_outstanding))
    for what, count, limit in checks:
        if count + adding > limit:
            raise ApiError(
                f"{function.name} has {count} {what}; {adding} more would pass the limit of {limit}.",
                code="resource_exhausted",
                status_code=429,
                hint="Retry after the time in Retry-After; the SDK does this for you.",
                headers={"Retry-After": str(LIMIT_RETRY_AFTER_SECONDS)},
            )


def _blobbed(args: list[bytes]) -> tuple[list[bytes], list[str]]:
    """Arguments above the blob threshold go to blob storage; the row keeps their key."""
    keys = [blobs.store(a) if len(a) > blobs.THRESHOLD else "" for a in args]
    return [b"" if key else a for a, key in zip(args, keys, strict=True)], keys


def call_create(
    *,
    function: Function,
    user,
    args: list[bytes],
    kind: str = "remote",
    method: str = "",
    idempotency_key: str | None = None,
    closed: bool = True,
    codec: str = "",
) -> tuple[FunctionCall, list[str]]:
    """Accept the inputs of one call: committed in bulk, then queued for containers.

    With an `idempotency_key`, a retried request (say, after the connection dropped) returns
    the call the first one created instead of creating a second (RELIABILITY F7). `codec` "json"
    makes a JSON call (functions.json_calls): its arguments and result are JSON, not cloudpickle.
    """
    if not args and closed:
        raise ApiError("A call needs at least one input.", field="inputs")
    if len(args) > MAX_INPUTS_PER_REQUEST:
        raise ApiError(
            f"At most {MAX_INPUTS_PER_REQUEST} inputs per request.",
            field="inputs",
            hint="Send the rest with POST /api/v1/calls/{id}/inputs/.",
        )
    function = live_function(function)
    if function.app.state == "stopped":
        raise ApiError(f"App {function.app.name} is stopped.", code="app_stopped", status_code=409)
    if idempotency_key:
        existing = FunctionCall.objects.filter(
            workspace_id=function.workspace_id, idempotency_key=idempotency_key
        ).first()
        if existing is not None:
            return existing, list(existing.inputs.order_by("idx").values_list("id", flat=True)[: len(args)])
    _check_limits(function, kind, len(args))
    stored, keys = _blobbed(args)
    accepted = delivery.run(
        delivery.accept_call(
            call_id=new_id("fc"),
            workspace_id=function.workspace_id,
            function_id=function.id,
            user_id=getattr(user, "pk", None),
            kind=kind,
            method=method,
            idempotency_key=idempotency_key or None,
            closed=closed,
            input_ids=[new_id("in") for _ in args],
            args=stored,
            blobs=keys,
            codec=codec,
        )
    )
    if accepted.created:
        _enqueue(function, accepted.input_ids)
    # Dashboards learn of the call from the relay when a container claims it (running) and
    # when it ends: nothing on this hot path waits for them.
    return FunctionCall.objects.get(pk=accepted.call_id), accepted.input_ids


def call_add_inputs(
    *, call: FunctionCall, start_idx: int, args: list[bytes], method: str = "", close: bool = False
) -> list[str]:
    """Append inputs to an open call (a map sent in batches); safe to repeat with the same start_idx.

    A batch repeated after the call was closed (its first answer was lost) gets the ids it had;
    a new batch for a closed call is refused.
    """
    if len(args) > MAX_INPUTS_PER_REQUEST:
        raise ApiError(f"At most {MAX_INPUTS_PER_REQUEST} inputs per request.", field="inputs")
    function = call.function
    if not call.closed:
        if function.app.state == "stopped":
            raise ApiError(f"App {function.app.name} is stopped.", code="app_stopped", status_code=409)
        _check_limits(function, call.kind, len(args))
    stored, keys = _blobbed(args)
    added = delivery.run(
        delivery.add_inputs(
            call_id=call.id,
            workspace_id=call.workspace_id,
            function_id=function.id,
            kind=call.kind,
            method=method,
            start_idx=start_idx,
            input_ids=[new_id("in") for _ in args],
            args=stored,
            blobs=keys,
            close=close,
        )
    )
    if len(added.input_ids) < len(args):
        raise ApiError(f"{call.id} takes no more inputs.", code="call_closed", status_code=409)
    if added.new_ids:
        _enqueue(function, added.new_ids)
    if close and added.was_open:
        _finish(call.id)
    return added.input_ids


def call_retry(*, call: FunctionCall, user) -> FunctionCall:
    """A new call of the same function with the same inputs (the original is left as it is).

    Arguments come from the inputs' rows (or their blobs); once retention has dropped them (7 days
    after an input finished) there is nothing to send again, and the retry is refused with 409.
    """
    rows = list(
        Input.objects.filter(call=call)
        .order_by("idx")
        .values_list("args", "args_blob", "method", "codec", "result_kind")
    )
    if not rows:
        raise ApiError(f"{call.id} has no inputs to send again.", code="no_inputs", status_code=409)
    if any(kind == "expired" for *_, kind in rows):
        raise ApiError(
            f"The arguments of {call.id} are no longer kept (outputs and arguments expire after 7 days).",
            code="inputs_expired",
            status_code=409,
        )
    args = [blobs.load(key) if key else bytes(data) for data, key, *_ in rows]
    method, codec = rows[0][2], rows[0][3]
    first, rest = args[:MAX_INPUTS_PER_REQUEST], args[MAX_INPUTS_PER_REQUEST:]
    retried, _ = call_create(
        function=call.function,
        user=user,
        args=first,
        kind=call.kind,
        method=method,
        closed=not rest,
        codec=codec,
    )
    for start in range(0, len(rest), MAX_INPUTS_PER_REQUEST):
        batch = rest[start : start + MAX_INPUTS_PER_REQUEST]
        call_add_inputs(
            call=retried,
            start_idx=len(first) + start,
            args=batch,
            method=method,
            close=start + MAX_INPUTS_PER_REQUEST >= len(rest),
        )
    retried.refresh_from_db()
    return retried


def admit_container_inputs(*, workspace_id: str, function_id: str, kind: str, adding: int) -> None:
    """The rules an API request's inputs meet, for inputs a container sends through its relay (a
    child call, or a map's next batch): the function's app is not stopped, and the workspace's
    rate and the function's limits hold (429 with a wait, which the runtime honours). A function
    that is not the workspace's is left to the accept, which refuses it in its own words."""
    function = (
        Function.objects.select_related("app", "workspace")
        .filter(workspace_id=workspace_id, pk=function_id)
        .first()
    )
    if function is None:
        return
    if function.app.state == "stopped":
        raise ApiError(f"App {function.app.name} is stopped.", code="app_stopped", status_code=409)
    _check_limits(function, kind, adding)


def _finish(call_id: str) -> None:
    delivery.run(delivery.finish_calls([call_id]))
    redis_client().rpush(done_key(call_id), "1")


def _enqueue(function: Function, input_ids: list[str]) -> None:
    enqueue_inputs(function.id, input_ids)


def enqueue_inputs(function_id: str, input_ids: list[str]) -> None:
    """After the inputs' accept committed: push them to the function's queue, and see that a
    container is there to take them."""
    if input_ids:
        redis_client().rpush(input_queue_key(function_id), *input_ids)
    autoscaler.ensure_capacity(function_id=function_id)


def call_cancel(*, call: FunctionCall, cause: str = "cancelled", message: str = "") -> int:
    """Make the call's unfinished inputs terminal `cancelled`, and interrupt the running ones; the
    calls made from inside it (its call graph) are cancelled with it."""
    cancelled = delivery.run(delivery.cancel_call(call.id, cause=cause, message=message))
    pipe = redis_client().pipeline(transaction=False)
    cancellation_messages(pipe, cancelled, [call.id])
    pipe.execute()
    return len(cancelled)


def app_stop(*, app, message: str = "The app was stopped.") -> None:
    """Stop an app: cancel what has not finished and stop its containers."""
    from apps.models import AppState

    # One transaction: whoever sees the app stopped sees its unfinished inputs cancelled too.
    with transaction.atomic():
        # Stopping a stopped app again (a retried request, a stale page) repeats the clean-up below
        # but keeps when it was stopped, and the log records the stop once.
        state, stopped_at = (
            type(app).objects.select_for_update().filter(pk=app.pk).values_list("state", "stopped_at").get()
        )
        already = state == AppState.STOPPED and stopped_at is not None
        if not already:
            type(app).objects.filter(pk=app.pk).update(state=AppState.STOPPED, stopped_at=timezone.now())
        # Its schedules fire no more: the scheduler skips stopped apps, and has nothing left to read.
        Function.objects.filter(app=app, next_run_at__isnull=False).update(next_run_at=None)
        # Its inline secrets (Secret.from_dict...) go with it; running containers have their values.
        Secret.objects.filter(app=app).delete()
        for call in FunctionCall.objects.filter(function__app=app, finished_at__isnull=True):
            call_cancel(call=call, message=message)
        if not already:
            audit.record(workspace=app.workspace_id, action="app.stop", target=app, data={"message": message})
    for task in Task.objects.filter(function__app=app, status__in=LIVE_TASK_STATUSES):
        autoscaler.stop_task(task=task, cause="app_stopped")
    # Whatever ids are still queued belong to cancelled inputs: nothing will claim them.
    function_ids = list(Function.objects.filter(app=app).values_list("id", flat=True))
    if function_ids:
        redis_client().delete(*[input_queue_key(f) for f in function_ids])


VARIANT_OPTIONS = (
    "cpu",
    "memory",
    "gpu",
    "timeout",
    "retries",
    "min_containers",
    "max_containers",
    "buffer_containers",
    "max_inputs",
    "scaledown_window",
    "secrets",  # with_options(secrets=[...]): in place of the function's own, as Modal's
    "definition",  # with_concurrency() / with_batching(): the concurrency or batching it runs with
)


def function_variant(*, parent: Function, params: bytes | None, options: dict) -> Function:
    """A class bound to parameter values, or a function with other options: its own pool of containers.

    The parameters stay opaque bytes; the variant's identity is a hash of them and of the options.
    A variant of a function a redeploy replaced is made of its successor.
    """
    parent = live_function(parent)
    unknown = set(options) - set(VARIANT_OPTIONS)
    if unknown:
        raise ApiError(
            f"Unknown option {sorted(unknown)[0]!r}.",
            field="options",
            hint="Options: " + ", ".join(VARIANT_OPTIONS),
        )
    if "definition" in options and not isinstance(options["definition"], dict):
        raise ApiError(
            "options.definition must be an object, as a function's definition is.", field="options"
        )
    if "secrets" in options:
        # Inline values become the app's own secrets here: a variant's options keep only ids.
        ids = resolve_secrets(workspace=parent.workspace, app=parent.app, refs=options["secrets"])
        options = {**options, "secrets": ids}
    key = hashlib.sha256(
        (params or b"") + json.dumps(options, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    same = {"app": parent.app, "version": parent.version_id, "name": parent.name, "variant_key": key}
    existing = Function.objects.filter(**same).first()
    if existing is not None:
        return existing
    base = {
        "name": parent.name,
        "module": parent.module,
        "qualname": parent.qualname,
        "mount_sha256": parent.mount.sha256 if parent.mount is not None else None,
        "serialized": parent.serialized,
        "cpu": parent.cpu,
        "memory": parent.memory,
        "timeout": parent.timeout,
        "gpu": parent.gpu.split(",") if parent.gpu else None,
        "scaledown_window": parent.scaledown_window,
        "block_network": parent.block_network,
        "i6pn": parent.i6pn,
        "restrict_modal_access": parent.restrict_modal_access,
        "volumes": parent.volumes,
        "secrets": parent.secrets,
        "is_generator": parent.is_generator,
        "client_python": parent.client_python,
        "min_containers": parent.min_containers,
        "max_containers": parent.max_containers,
        "buffer_containers": parent.buffer_containers,
        "max_inputs": parent.max_inputs,
        "retries": parent.retries,
        "definition": parent.definition,
    }
    try:
        with transaction.atomic():
            # The parent's image as built: its stored spec is the canonical one, without the
            # uploads (a @build step's source) that building it again would need.
            return function_create(
                app=parent.app,
                spec={**base, **options},
                variant_key=key,
                parent=parent,
                params=params,
                image=parent.image,
                version=parent.version,
                variant_options=options,
            )
    except IntegrityError:  # another request created the same variant first
        return Function.objects.get(**same)


def function_update_autoscaler(*, function: Function, changes: dict) -> Function:
    """Change a running function's scaling; the autoscaler applies it on its next tick."""
    current = {k: getattr(function, k) for k in ("min_containers", "max_containers", "buffer_containers")}
    current.update({k: v for k, v in changes.items() if k in current and v is not None})
    scaling = _validated(
        "max_containers", lambda s: validate_scaling(**s, max_inputs=function.max_inputs), current
    )
    _validated("max_containers", lambda s: check_cluster(function.cluster_size, None, s), scaling)
    updates = {k: scaling[k] for k in current}
    if changes.get("scaledown_window") is not None:
        updates["scaledown_window"] = _validated("scaledown_window", _scaledown, changes["scaledown_window"])
    Function.objects.filter(pk=function.pk).update(**updates)
    function.refresh_from_db()
    return function


def _scaledown(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not (1 <= value <= 86400):
        raise InvalidError(f"scaledown_window must be whole seconds from 1 to 86400, got {value!r}")
    return value
