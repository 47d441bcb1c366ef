"""Dicts and Queues from inside containers: the relay answers as the container's task.

The only scope is the task's workspace: every plan of `state.operations` names it, so a Dict or
Queue of another workspace (an id passed in an argument, say) is not found, exactly as a missing
one. Names are looked up in the container's own environment (its app's) unless the request names
another; an ephemeral object a container makes belongs to its app, and goes when the app stops.

The entry and item operations run `state.operations` on the relay's async pool; finding,
creating and deleting objects (rare, off the hot path) run the control plane's services in a
worker thread. Keys and values travel as the frame's body, their sizes in its header.

A `queue_get` that finds nothing waits on the partition's wake-up list in Redis (pushed by every
put after it commits) for at most a second at a time, then looks again: a lost wake-up, or Redis
away, costs a second, never an item.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from apps.deployments import DEFAULT_ENVIRONMENT
from functions import delivery
from functions.queues import REDIS_DOWN
from skylift.contract import split_body
from state import operations as ops
from state.services import MAX_WAIT_SECONDS, WAKE_TTL_SECONDS, wake_key

__all__ = ["ContainerState"]

log = logging.getLogger(__name__)

KINDS = ("dict", "queue")


def _kind(header: dict) -> str:
    kind = header.get("kind")
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}")
    return str(kind)


def _described(obj: Any) -> dict:
    return {
        "id": obj.id,
        "name": obj.name,
        "environment": obj.environment.name,
        "created_at": obj.created_at.isoformat(),
        "last_used_at": obj.last_used_at.isoformat(),
    }


def _environment(task: dict, name: str | None) -> str | None:
    """The environment a container means: the one it names, else its app's own."""
    if name:
        return name
    from apps.models import App

    app = App.objects.select_related("environment").get(pk=task["app_id"])
    return app.environment.name if app.environment is not None else None


def _lookup(task: dict, kind: str, name: str, environment: str | None) -> dict | None:
    from state.services import KINDS as MODELS

    found = (
        MODELS[kind]
        .objects.select_related("environment")
        .filter(
            workspace_id=task["workspace_id"],
            name=name,
            environment__name=_environment(task, environment) or DEFAULT_ENVIRONMENT,
        )
        .first()
    )
    return _described(found) if found is not None else None


def _create(task: dict, kind: str, name: str | None, environment: str | None) -> dict:
    from accounts.models import Workspace
    from state.services import KINDS as MODELS
    from state.services import object_create

    workspace = Workspace.objects.get(pk=task["workspace_id"])
    made = object_create(
        MODELS[kind],
        workspace=workspace,
        name=name,
        environment=_environment(task, environment),
        # An ephemeral one made in a container belongs to its app run.
        app_id=task["app_id"] if name is None else None,
    )
    return _described(made)


def _list(task: dict, kind: str, environment: str | None) -> list[dict]:
    from state.services import KINDS as MODELS

    found = (
        MODELS[kind]
        .objects.select_related("environment")
        .filter(
            workspace_id=task["workspace_id"],
            environment__name=_environment(task, environment) or DEFAULT_ENVIRONMENT,
        )
    )
    return [_described(o) for o in found.order_by("-created_at")[:10_000]]


def _delete(task: dict, kind: str, object_id: str) -> None:
    from state.services import KINDS as MODELS
    from state.services import object_delete

    found = MODELS[kind].objects.filter(workspace_id=task["workspace_id"], pk=object_id).first()
    if found is None:
        raise ops.not_found(kind, object_id)
    object_delete(found)


class ContainerState:
    """The requests of a container's connection about Dicts and Queues (made by `ContainerCalls`)."""

    ops = frozenset(
        {
            "state_lookup",
            "state_create",
            "state_get",
            "state_list",
            "state_delete",
            "dict_get",
            "dict_put",
            "dict_pop",
            "dict_clear",
            "dict_entries",
            "queue_put",
            "queue_get",
            "queue_len",
            "queue_clear",
            "queue_peek",
        }
    )

    def __init__(self, relay: Any, in_thread: Any) -> None:  # a hosts.relay.Relay
        self.relay = relay
        self.in_thread = in_thread  # hosts.relay_calls._in_thread: ApiError -> Refused

    async def _plan(self, plan: delivery.Plan) -> Any:
        async def once() -> Any:
            async with self.relay.store.pool.connection() as conn:
                return await delivery.arun(conn, plan)

        return await self.relay._with_db(once)

    async def handle(self, task: dict, header: dict, body: bytes) -> tuple[dict, bytes]:
        op = header.get("op")
        ws = task["workspace_id"]
        object_id = str(header.get("id", ""))
        if op == "state_lookup":
            found = await self.in_thread(
                _lookup, task, _kind(header), str(header.get("name", "")), header.get("environment")
            )
            return {"found": found}, b""
        if op == "state_create":
            name = header.get("name")
            made = await self.in_thread(
                _create,
                task,
                _kind(header),
                str(name) if name is not None else None,
                header.get("environment"),
            )
            return {"object": made}, b""
        if op == "state_list":
            return {
                "objects": await self.in_thread(_list, task, _kind(header), header.get("environment"))
            }, b""
        if op == "state_delete":
            await self.in_thread(_delete, task, _kind(header), object_id)
            return {"ok": True}, b""
        if op == "state_get":
            kind = _kind(header)
            n = await self._plan(
                ops.dict_len(ws, object_id) if kind == "dict" else ops.queue_len(ws, object_id, total=True)
            )
            if n is None:
                raise ops.not_found(kind, object_id)
            return {"object": {"id": object_id, "len": n}}, b""
        if op in ("dict_get", "dict_pop"):
            plan = ops.dict_get if op == "dict_get" else ops.dict_pop
            found = await self._plan(plan(ws, object_id, body))
            if not found.found:
                raise ops.not_found("dict", object_id)
            return {"found": found.value is not None}, found.value or b""
        if op == "dict_put":
            keys_values = split_body(body, [int(n) for n in header.get("sizes", [])])
            previews = header.get("previews") or []
            entries = [
                (
                    keys_values[2 * i],
                    keys_values[2 * i + 1],
                    *(previews[i] if i < len(previews) else ("", "")),
                )
                for i in range(len(keys_values) // 2)
            ]
            found, written = await self._plan(
                ops.dict_put(ws, object_id, entries, skip_if_exists=bool(header.get("skip_if_exists")))
            )
            if not found:
                raise ops.not_found("dict", object_id)
            return {"written": written}, b""
        if op == "dict_clear":
            removed = await self._plan(ops.dict_clear(ws, object_id))
            if removed is None:
                raise ops.not_found("dict", object_id)
            return {"removed": removed}, b""
        if op == "dict_entries":
            page = await self._plan(
                ops.dict_entries(
                    ws,
                    object_id,
                    after=int(header.get("after", 0)),
                    limit=int(header.get("limit", 1000)),
                    values=bool(header.get("values", True)),
                )
            )
            if page is None:
                raise ops.not_found("dict", object_id)
            heads = [
                {
                    "id": e["id"],
                    "key_size": len(e["key"]),
                    "value_size": -1 if e["value"] is None else len(e["value"]),
                    "key_preview": e["key_preview"],
                    "value_preview": e["value_preview"],
                }
                for e in page
            ]
            return {"entries": heads}, b"".join(e["key"] + (e["value"] or b"") for e in page)
        if op == "queue_put":
            values = split_body(body, [int(n) for n in header.get("sizes", [])])
            partition = header.get("partition")
            if not await self._plan(
                ops.queue_put(ws, object_id, partition, values, header.get("previews") or [])
            ):
                raise ops.not_found("queue", object_id)
            if values:
                await self._wake(object_id, partition)
            return {"added": len(values)}, b""
        if op == "queue_get":
            values = await self._get(ws, object_id, header)
            return {"sizes": [len(v) for v in values]}, b"".join(values)
        if op == "queue_len":
            n = await self._plan(
                ops.queue_len(ws, object_id, header.get("partition"), total=bool(header.get("total")))
            )
            if n is None:
                raise ops.not_found("queue", object_id)
            return {"len": n}, b""
        if op == "queue_clear":
            removed = await self._plan(
                ops.queue_clear(ws, object_id, header.get("partition"), everything=bool(header.get("all")))
            )
            if removed is None:
                raise ops.not_found("queue", object_id)
            return {"removed": removed}, b""
        if op == "queue_peek":
            items = await self._plan(
                ops.queue_peek(
                    ws,
                    object_id,
                    header.get("partition"),
                    int(header.get("n", 10)),
                    after=int(header.get("after", 0)),
                )
            )
            if items is None:
                raise ops.not_found("queue", object_id)
            heads = [{"id": i["id"], "size": len(i["value"]), "preview": i["preview"]} for i in items]
            return {"items": heads}, b"".join(i["value"] for i in items)
        raise ValueError(f"unknown op {op!r}")

    async def _wake(self, queue_id: str, partition: str | None) -> None:
        key = wake_key(queue_id, partition)
        pipe = self.relay.redis.pipeline(transaction=False)
        pipe.rpush(key, "1")
        pipe.expire(key, WAKE_TTL_SECONDS)
        await self.relay._best_effort("waking a queue's getters", pipe.execute())

    async def _get(self, ws: str, queue_id: str, header: dict) -> list[bytes]:
        partition = ops.check_partition(header.get("partition"))
        n = int(header.get("n", 1))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, min(float(header.get("timeout", 0) or 0), MAX_WAIT_SECONDS))
        key = wake_key(queue_id, partition)
        while True:
            got = await self._plan(ops.queue_get(ws, queue_id, partition, n))
            if not got.found:
                raise ops.not_found("queue", queue_id)
            remaining = deadline - loop.time()
            if got.values or remaining <= 0:
                return got.values
            try:
                # As functions.longpoll: every waiter sees the same wake-up (moved onto itself), and
                # the woken one deletes it before it looks again.
                woken = await self.relay.redis.blmove(
                    key, key, max(0.01, min(remaining, 1.0)), "RIGHT", "LEFT"
                )
                if woken is not None:
                    await self.relay.redis.delete(key)
            except REDIS_DOWN:
                await asyncio.sleep(min(remaining, 0.5))
