"""Calls a container makes: `.remote()`, `.map()`, `.spawn()` and lookups, from inside a function.

Containers have no route to the control plane: the SDK in a container sends these requests over
its relay socket (a `calls` connection of its session, `skylift._relay_client`), and the relay acts
as the container's own task. It sees only the task's workspace: a function or a call of another
workspace is unknown to it. A call is recorded in the call graph under the input the container
runs (which its task must hold), so that cancelling or timing out that input cancels it.

The transitions are `functions.delivery`'s (`accept_child_call`, `add_inputs`, `cancel_call`,
`cancel_children`), run on the relay's pool; lookups and class bindings, rare and off the hot
path, are the control plane's own services, run in a worker thread.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from typing import Any

from asgiref.sync import sync_to_async

from config.errors import ApiError
from config.ids import new_id
from functions.queues import DONE_TTL_SECONDS, REDIS_DOWN, cancellation_messages, done_key, input_queue_key
from skylift.contract import split_body

from .relay_state import ContainerState

__all__ = ["ContainerCalls", "Refused"]

log = logging.getLogger(__name__)

KINDS = ("remote", "spawn", "map")
MAX_WAIT_SECONDS = 50.0
MAX_INPUTS_PER_REQUEST = 5_000
# Why `delivery.accept_child_call` refused a call, as the SDK's error codes.
REFUSALS = {
    "not_found": ("not_found", "No function {function} in this workspace."),
    "stopped": (
        "app_stopped",
        "{function} is not served: its app is stopped, or a redeploy removed it.",
    ),
    "limit": ("resource_exhausted", "{function} has too many inputs waiting; try again shortly."),
    "parent": (
        "cancelled",
        "The input making this call is no longer running (it was cancelled or timed out).",
    ),
}


class Refused(Exception):
    """A request the relay answers with an error (the SDK raises the matching exception)."""

    def __init__(self, code: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.hint = code, message, hint

    def reply(self) -> dict:
        return {"error": self.message, "code": self.code, **({"hint": self.hint} if self.hint else {})}


def _refused(err: ApiError) -> Refused:
    return Refused(err.error_code, str(err.detail), err.hint)


def _in_thread(fn, *args):
    """A control-plane service, in a worker thread with a database connection of its own."""

    def run():
        from django.db import close_old_connections

        close_old_connections()
        try:
            return fn(*args)
        except ApiError as err:
            raise _refused(err) from None
        finally:
            close_old_connections()

    return sync_to_async(run, thread_sensitive=False)()


def _described(function) -> dict:
    from functions.api.serializers import FunctionSerializer

    return json.loads(json.dumps(FunctionSerializer(function).data, default=str))


def _lookup(task: dict, app_name: str | None, name: str, environment: str | None) -> dict:
    """A function (or class) by name: of the container's own app (`app_name` None), as the
    container's version defined it, or the live version's of a deployed app of its workspace."""
    from accounts.models import Workspace
    from apps.deployments import function_lookup
    from functions.models import Function

    if app_name is None:
        own = Function.objects.select_related("app").get(pk=task["function_id"])
        function = Function.objects.filter(
            app_id=own.app_id, version_id=own.version_id, name=name, variant_key=""
        ).first()
        if function is None:
            raise Refused("not_found", f"The app {own.app.name!r} has no function or class {name!r}.", None)
    else:
        workspace = Workspace.objects.get(pk=task["workspace_id"])
        function = function_lookup(workspace=workspace, app_name=app_name, name=name, environment=environment)
    return _described(function)


def _variant(task: dict, function_id: str, params: bytes | None, options: dict) -> dict:
    """A class of the workspace bound to parameter values, or a function with other options."""
    from functions.models import Function
    from functions.services import function_variant

    parent = Function.objects.filter(pk=function_id, workspace_id=task["workspace_id"]).first()
    if parent is None:
        raise Refused("not_found", f"No function {function_id} in this workspace.")
    return _described(function_variant(parent=parent, params=params, options=options))


def admit(workspace_id: str, function_id: str, kind: str, adding: int) -> None:
    from functions.services import admit_container_inputs

    admit_container_inputs(workspace_id=workspace_id, function_id=function_id, kind=kind, adding=adding)


def _call_json(call: dict) -> dict:
    return {
        "id": call["id"],
        "function_id": call["function_id"],
        "kind": call["kind"],
        "status": call["status"],
        "input_count": call["input_count"],
        "closed": call["closed"],
        "created_at": call["created_at"].isoformat(),
        "finished_at": call["finished_at"].isoformat() if call["finished_at"] else None,
    }


def _outputs_frame(rows: list[dict]) -> tuple[list[dict], bytes]:
    """Outputs as frame headers, their results in the body (size -1: no result)."""
    headers, bodies = [], []
    for row in rows:
        result = bytes(row["result"]) if row["result"] is not None else None
        headers.append(
            {
                "input_id": row["id"],
                "idx": row["idx"],
                "status": row["status"],
                "result_kind": row["result_kind"],
                "cause": row["cause"],
                "message": row["message"],
                "seq": row["finished_seq"],
                "size": -1 if result is None else len(result),
            }
        )
        bodies.append(result or b"")
    return headers, b"".join(bodies)


class ContainerCalls:
    """The requests of a container's connection that make and follow calls, answered as its task.

    Made by the relay it serves (`Relay(calls=ContainerCalls)`: the relay does not import this
    module, which reaches the control plane's services).
    """

    CALL_OPS = frozenset(
        {"lookup", "variant", "call", "add_inputs", "outputs", "items", "call_get", "cancel"}
    )
    ops = CALL_OPS | ContainerState.ops  # and Dicts and Queues (`hosts.relay_state`)

    def __init__(self, relay: Any) -> None:  # a hosts.relay.Relay
        self.relay = relay
        self.store = relay.store
        self.state = ContainerState(relay, _in_thread)

    async def handle(self, task: dict, header: dict, body: bytes) -> tuple[dict, bytes]:
        try:
            op = header.get("op")
            if op in ContainerState.ops:
                return await self.state.handle(task, header, body)
            if op == "lookup":
                app = header.get("app")
                described = await _in_thread(
                    _lookup,
                    task,
                    str(app) if app is not None else None,
                    str(header.get("name", "")),
                    header.get("environment") or None,
                )
                return {"function": described}, b""
            if op == "variant":
                sizes = header.get("sizes") or [0]
                params = body[: int(sizes[0])] if header.get("has_params") else None
                options = header.get("options") or {}
                if not isinstance(options, dict):
                    raise Refused("invalid", "options must be an object")
                variant = await _in_thread(
                    _variant, task, str(header.get("function_id", "")), params, options
                )
                return {"function": variant}, b""
            if op == "call":
                return await self.call(task, header, body)
            if op == "add_inputs":
                return await self.add_inputs(task, header, body), b""
            if op == "outputs":
                return await self.outputs(task, header)
            if op == "items":
                return await self.items(task, header)
            if op == "call_get":
                return {"call": _call_json(await self._call(task, header))}, b""
            if op == "cancel":
                return await self.cancel(task, header), b""
            raise Refused("invalid", f"unknown op {op!r}")
        except Refused as refused:
            return refused.reply(), b""
        except ApiError as err:  # a rule of `state.operations` refused it
            return _refused(err).reply(), b""
        except (KeyError, TypeError, ValueError) as err:
            return Refused("invalid", f"malformed request: {err}").reply(), b""

    async def _call(self, task: dict, header: dict) -> dict:
        call_id = str(header.get("call_id", ""))
        call = await self.relay._with_db(functools.partial(self.store.call, task["workspace_id"], call_id))
        if call is None:
            raise Refused("not_found", f"No call {call_id} in this workspace.")
        return call

    async def call(self, task: dict, header: dict, body: bytes) -> tuple[dict, bytes]:
        from functions.services import limits_for

        kind = header.get("kind")
        if kind not in KINDS:
            raise Refused("invalid", f"unknown call kind {kind!r}")
        args = split_body(body, [int(n) for n in header.get("sizes", [])])
        closed = bool(header.get("closed", True))
        if not args and closed:
            raise Refused("invalid", "A call needs at least one input.")
        if len(args) > MAX_INPUTS_PER_REQUEST:
            raise Refused("invalid", f"At most {MAX_INPUTS_PER_REQUEST} inputs per request.")
        key = header.get("idempotency_key")
        max_pending, max_outstanding = limits_for(kind)
        function_id = str(header.get("function_id", ""))
        await _in_thread(admit, task["workspace_id"], function_id, kind, len(args))
        child = await self.relay._with_db(
            functools.partial(
                self.store.accept_child,
                task_id=task["id"],
                workspace_id=task["workspace_id"],
                function_id=function_id,
                parent_input_id=str(header["parent_input"]) if header.get("parent_input") else None,
                call_id=new_id("fc"),
                kind=kind,
                method=str(header.get("method", "")),
                idempotency_key=str(key)[:64] if key else None,
                closed=closed,
                input_ids=[new_id("in") for _ in args],
                args=args,
                max_pending=max_pending,
                max_outstanding=max_outstanding,
            )
        )
        if child.accepted is None:
            code, message = REFUSALS[child.refused]
            raise Refused(code, message.format(function=child.function_id or function_id))
        accepted = child.accepted
        if accepted.created:
            await self._enqueue(child.function_id, accepted.input_ids)
        rows: list[dict] = []
        wait = min(float(header.get("wait", 0) or 0), MAX_WAIT_SECONDS)
        if wait and accepted.input_ids:
            rows = await self._wait_outputs(accepted.call_id, 0, 0, wait)
        call = await self._call(task, {"call_id": accepted.call_id})
        outputs, payload = _outputs_frame(rows)
        return {"call": _call_json(call), "input_ids": accepted.input_ids, "outputs": outputs}, payload

    async def add_inputs(self, task: dict, header: dict, body: bytes) -> dict:
        call = await self._call(task, header)
        args = split_body(body, [int(n) for n in header.get("sizes", [])])
        if len(args) > MAX_INPUTS_PER_REQUEST:
            raise Refused("invalid", f"At most {MAX_INPUTS_PER_REQUEST} inputs per request.")
        if args and not call["closed"]:  # (a batch repeated after the close gets its ids back)
            await _in_thread(admit, task["workspace_id"], call["function_id"], call["kind"], len(args))
        close = bool(header.get("close", False))
        added = await self.relay._with_db(
            functools.partial(
                self.store.add_inputs,
                call_id=call["id"],
                workspace_id=task["workspace_id"],
                function_id=call["function_id"],
                kind=call["kind"],
                method=str(header.get("method", "")),
                start_idx=int(header.get("start_idx", 0)),
                input_ids=[new_id("in") for _ in args],
                args=args,
                close=close,
            )
        )
        if len(added.input_ids) < len(args):
            raise Refused("call_closed", f"{call['id']} takes no more inputs.")
        if added.new_ids:
            await self._enqueue(call["function_id"], added.new_ids)
        if close and added.was_open:
            await self.relay._with_db(functools.partial(self.store.finish, [call["id"]]))
            await self._wake([call["id"]])
        return {"input_ids": added.input_ids}

    async def outputs(self, task: dict, header: dict) -> tuple[dict, bytes]:
        call = await self._call(task, header)
        rows = await self._wait_outputs(
            call["id"],
            int(header.get("after_seq", 0)),
            int(header.get("min_idx", 0)),
            float(header.get("timeout", 0) or 0),
        )
        if not rows:
            call = await self._call(task, header)  # as it stands after the wait
        outputs, payload = _outputs_frame(rows)
        return {"outputs": outputs, "done": call["finished_at"] is not None}, payload

    async def items(self, task: dict, header: dict) -> tuple[dict, bytes]:
        """A generator call's values after `after` (`.remote_gen()` from a container), waiting up to
        `timeout` s for some; `done` with no values: the stream ended, `outputs` holds its end."""
        call = await self._call(task, header)
        after = int(header.get("after", -1))
        items, end = await self._wait_for_call(
            call["id"],
            float(header.get("timeout", 0) or 0),
            functools.partial(self.store.items, call["id"], after=after),
            lambda found: bool(found[0]) or found[1] is not None,
        )
        outputs, result = _outputs_frame([end] if end is not None else [])
        data = [bytes(item["data"]) for item in items]
        reply = {
            "items": [{"n": item["n"], "size": len(d)} for item, d in zip(items, data, strict=True)],
            "done": end is not None,
            "outputs": outputs,
        }
        return reply, b"".join(data) + result

    async def cancel(self, task: dict, header: dict) -> dict:
        call = await self._call(task, header)
        cancelled = await self.relay._with_db(functools.partial(self.store.cancel, call["id"]))
        await self._cancelled(cancelled, [call["id"]])
        return {"ok": True, "cancelled": len(cancelled)}

    async def cancel_children(self, input_ids: list[str], why: str) -> None:
        """The inputs were cancelled or timed out: the calls they made are cancelled with them."""
        cancelled = await self.relay._with_db(
            functools.partial(
                self.store.cancel_children,
                input_ids,
                "cancelled",
                f"The input that made this call {why}.",
            )
        )
        await self._cancelled(cancelled, [])

    async def _cancelled(self, cancelled: list[dict], call_ids: list[str]) -> None:
        pipe = self.relay.redis.pipeline(transaction=False)
        cancellation_messages(pipe, cancelled, call_ids)
        await self.relay._best_effort("sending cancellations", pipe.execute())
        self.relay._publish_later(list(dict.fromkeys([*call_ids, *(r["call_id"] for r in cancelled)])))

    async def _enqueue(self, function_id: str, input_ids: list[str]) -> None:
        from functions.autoscaler import ensure_capacity_detached

        if input_ids:
            # Committed already: a lost push is caught up by the reconciler.
            await self.relay._best_effort(
                "queueing inputs", self.relay.redis.rpush(input_queue_key(function_id), *input_ids)
            )
        try:
            await sync_to_async(ensure_capacity_detached, thread_sensitive=False)(function_id)
        except Exception:  # noqa: BLE001 - the autoscaler's next tick starts one
            log.warning("could not start a container for %s", function_id, exc_info=True)

    async def _wake(self, call_ids: list[str]) -> None:
        pipe = self.relay.redis.pipeline(transaction=False)
        for call_id in call_ids:
            pipe.rpush(done_key(call_id), "1")
            pipe.expire(done_key(call_id), DONE_TTL_SECONDS)
        await self.relay._best_effort("waking callers", pipe.execute())

    async def _wait_outputs(self, call_id: str, after_seq: int, min_idx: int, timeout: float) -> list[dict]:
        """Outputs ready after `after_seq`, waiting up to `timeout` s for a wake-up (the database decides)."""
        read = functools.partial(self.store.outputs, call_id, after_seq=after_seq, min_idx=min_idx)
        return await self._wait_for_call(call_id, timeout, read, bool)

    async def _wait_for_call(self, call_id: str, timeout: float, read, found) -> Any:
        """`read()` until `found(what it read)` or `timeout` s (at most MAX_WAIT_SECONDS) passed,
        waiting between reads on the call's wake-up without holding a database connection."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, min(timeout, MAX_WAIT_SECONDS))
        while True:
            what = await self.relay._with_db(read)
            remaining = deadline - loop.time()
            if found(what) or remaining <= 0:
                return what
            try:
                await self.relay.redis.blpop([done_key(call_id)], timeout=max(0.05, min(remaining, 1.0)))
            except REDIS_DOWN:
                await asyncio.sleep(min(remaining, 0.5))
