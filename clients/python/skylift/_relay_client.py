"""The client of function handles inside a container: it speaks to the host's relay, not HTTP.

Containers have no route to the control plane, and no token: a function that calls another
(`other.remote(x)`, `Function.from_name(...).map(...)`, `.spawn()`) sends the request over its
relay socket, on a connection of the session the runtime opened (`skylift._container`). The relay
acts as the container's own task: its workspace, its app, and the input it runs, under which the
call is recorded in the call graph (cancelling that input cancels the call).

It answers the subset of `Client`'s methods a function handle uses, with the same shapes; the
others (deploying, volumes, ...) are not available inside a container. Standard library only: this
is the in-container runtime's import.
"""

from __future__ import annotations

import queue
import threading
import time
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, cast

from . import _exceptions as exc
from ._context import current_input_id

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["RelayClient", "RelayError", "attach", "container_client", "default_client"]

# Refusals of the relay, as the exceptions the HTTP client raises for the same answers.
_ERRORS: dict[str, type[BaseException]] = {
    "not_found": exc.NotFoundError,
    "invalid": exc.InvalidError,
    "call_closed": exc.InvalidError,
    "app_stopped": exc.InvalidError,
    "cancelled": exc.InputCancellation,
    "resource_exhausted": exc.ResourceExhaustedError,
    "rate_limited": exc.ResourceExhaustedError,  # after waiting it out LIMIT_RETRIES times
    "too_large": exc.InvalidError,
    "already_exists": exc.InvalidError,
    "queue_full": queue.Full,  # as Modal raises it: the standard library's
    "restricted": exc.AuthError,  # restrict_modal_access=True
}
LIMIT_RETRIES = 60  # a limit answers "later": wait a second and ask again, as the HTTP client does


class RelayError(RuntimeError):
    """The relay refused a request: its message, and a code for the SDK's exception."""

    def __init__(self, message: str, code: str = "", hint: str | None = None) -> None:
        super().__init__(f"relay: {message}")
        self.message, self.code, self.hint = message, code, hint


class Channel(Protocol):
    """A request/response connection to the relay (`skylift._container._Channel`)."""

    @property
    def sock(self) -> object | None: ...

    def request(self, header: dict[str, Any], body: bytes = b"") -> tuple[dict[str, Any], bytes]: ...


_client: RelayClient | None = None


def attach(connect: Callable[[], Channel]) -> None:
    """Called by the container runtime once it has a session: handles use the relay from now on.

    `connect` opens one more connection of the session (a thread's own).
    """
    global _client
    _client = RelayClient(connect)


def container_client() -> RelayClient | None:
    """The relay's client when this process is a Skylift container's runtime; None elsewhere."""
    return _client


def default_client() -> Client:
    """The client a handle uses when given none: the relay's in a container, else from the environment."""
    relay = container_client()
    if relay is not None:
        return relay.as_client()
    from ._client import Client

    return Client.from_env()


class RelayClient:
    """Requests to the relay over the container's socket: one connection per thread."""

    def __init__(self, connect: Callable[[], Channel]) -> None:
        self.connect = connect
        self.local = threading.local()

    def as_client(self) -> Client:
        """Itself where a `Client` is expected: it answers the methods function handles call."""
        return cast("Client", self)

    def clone(self) -> Client:
        return self.as_client()  # each thread has its own connection already

    def _channel(self) -> Channel:
        channel: Channel | None = getattr(self.local, "channel", None)
        if channel is None or channel.sock is None:  # none yet, or cut by an interruption
            channel = self.connect()
            self.local.channel = channel
        return channel

    def _request(self, header: dict[str, Any], body: bytes = b"") -> tuple[dict[str, Any], bytes]:
        for attempt in range(LIMIT_RETRIES + 1):
            try:
                reply, payload = self._channel().request(header, body)
                return reply, payload
            except RelayError as err:
                if err.code in ("resource_exhausted", "rate_limited") and attempt < LIMIT_RETRIES:
                    time.sleep(1.0)
                    continue
                error: type[BaseException] = _ERRORS.get(err.code, exc.RemoteError)
                raise error(err.message + (f" {err.hint}" if err.hint else "")) from None
        raise AssertionError("unreachable")

    # Functions ---------------------------------------------------------------------------------

    def function_in_app(self, name: str) -> dict[str, Any]:
        """A function or class of this container's own app (as its version defined it)."""
        reply, _ = self._request({"op": "lookup", "app": None, "name": name})
        described: dict[str, Any] = reply["function"]
        return described

    def function_lookup(self, app: str, name: str, *, environment: str | None) -> dict[str, Any]:
        reply, _ = self._request({"op": "lookup", "app": app, "name": name, "environment": environment})
        described: dict[str, Any] = reply["function"]
        return described

    def function_variant(
        self, function_id: str, *, params: bytes | None, options: dict[str, Any]
    ) -> dict[str, Any]:
        header = {
            "op": "variant",
            "function_id": function_id,
            "has_params": params is not None,
            "sizes": [len(params or b"")],
            "options": options,
        }
        reply, _ = self._request(header, params or b"")
        variant: dict[str, Any] = reply["function"]
        return variant

    # Calls -----------------------------------------------------------------------------------------

    def call_create(
        self,
        function_id: str,
        inputs: list[bytes],
        *,
        kind: str,
        wait: float,
        method: str = "",
        closed: bool = True,
    ) -> dict[str, Any]:
        header = {
            "op": "call",
            "function_id": function_id,
            "kind": kind,
            "wait": wait,
            "method": method,
            "closed": closed,
            "idempotency_key": uuid.uuid4().hex,
            "parent_input": current_input_id(),
            "sizes": [len(i) for i in inputs],
        }
        reply, payload = self._request(header, b"".join(inputs))
        return {"call": reply["call"], "input_ids": reply["input_ids"], "outputs": _outputs(reply, payload)}

    def call_add_inputs(
        self, call_id: str, start_idx: int, inputs: list[bytes], *, method: str = "", close: bool = False
    ) -> list[str]:
        header = {
            "op": "add_inputs",
            "call_id": call_id,
            "start_idx": start_idx,
            "method": method,
            "close": close,
            "sizes": [len(i) for i in inputs],
        }
        reply, _ = self._request(header, b"".join(inputs))
        input_ids: list[str] = reply["input_ids"]
        return input_ids

    def call_outputs(
        self, call_id: str, *, after_seq: int = 0, min_idx: int = 0, timeout: float = 0
    ) -> dict[str, Any]:
        header = {
            "op": "outputs",
            "call_id": call_id,
            "after_seq": after_seq,
            "min_idx": min_idx,
            "timeout": timeout,
        }
        reply, payload = self._request(header)
        return {"outputs": _outputs(reply, payload), "done": bool(reply.get("done"))}

    def call_items(self, call_id: str, *, after: int, timeout: float) -> dict[str, Any]:
        """A generator call's values after `after` (as the API's `call_items`)."""
        reply, payload = self._request(
            {"op": "items", "call_id": call_id, "after": after, "timeout": timeout}
        )
        items, offset = [], 0
        for head in reply["items"]:
            items.append({"n": head["n"], "data": payload[offset : offset + head["size"]]})
            offset += head["size"]
        outputs = _outputs(reply, payload[offset:])
        return {"items": items, "done": bool(reply["done"]), "output": outputs[0] if outputs else None}

    def call_retrieve(self, call_id: str) -> dict[str, Any]:
        reply, _ = self._request({"op": "call_get", "call_id": call_id})
        call: dict[str, Any] = reply["call"]
        return call

    def call_cancel(self, call_id: str) -> None:
        self._request({"op": "cancel", "call_id": call_id})

    # Dicts and Queues (`hosts.relay_state`): the container's own workspace --------------------------

    def state_lookup(self, kind: str, name: str, *, environment: str | None) -> dict[str, Any] | None:
        reply, _ = self._request(
            {"op": "state_lookup", "kind": kind, "name": name, "environment": environment}
        )
        found: dict[str, Any] | None = reply["found"]
        return found

    def state_create(self, kind: str, name: str | None, *, environment: str | None) -> dict[str, Any]:
        reply, _ = self._request(
            {"op": "state_create", "kind": kind, "name": name, "environment": environment}
        )
        made: dict[str, Any] = reply["object"]
        return made

    def state_get(self, kind: str, object_id: str) -> dict[str, Any]:
        reply, _ = self._request({"op": "state_get", "kind": kind, "id": object_id})
        found: dict[str, Any] = reply["object"]
        return found

    def state_list(self, kind: str, *, environment: str | None) -> list[dict[str, Any]]:
        reply, _ = self._request({"op": "state_list", "kind": kind, "environment": environment})
        found: list[dict[str, Any]] = reply["objects"]
        return found

    def state_delete(self, kind: str, object_id: str) -> None:
        self._request({"op": "state_delete", "kind": kind, "id": object_id})

    def dict_get(self, dict_id: str, key: bytes) -> bytes | None:
        reply, payload = self._request({"op": "dict_get", "id": dict_id}, key)
        return payload if reply["found"] else None

    def dict_put(
        self, dict_id: str, entries: list[tuple[bytes, bytes, str, str]], *, skip_if_exists: bool
    ) -> int:
        header = {
            "op": "dict_put",
            "id": dict_id,
            "skip_if_exists": skip_if_exists,
            "sizes": [n for k, v, _, _ in entries for n in (len(k), len(v))],
            "previews": [[kp, vp] for _, _, kp, vp in entries],
        }
        reply, _ = self._request(header, b"".join(k + v for k, v, _, _ in entries))
        return int(reply["written"])

    def dict_pop(self, dict_id: str, key: bytes) -> bytes | None:
        reply, payload = self._request({"op": "dict_pop", "id": dict_id}, key)
        return payload if reply["found"] else None

    def dict_len(self, dict_id: str) -> int:
        return int(self.state_get("dict", dict_id)["len"])

    def dict_clear(self, dict_id: str) -> int:
        reply, _ = self._request({"op": "dict_clear", "id": dict_id})
        return int(reply["removed"])

    def dict_entries(self, dict_id: str, *, after: int, limit: int, values: bool) -> list[dict[str, Any]]:
        reply, payload = self._request(
            {"op": "dict_entries", "id": dict_id, "after": after, "limit": limit, "values": values}
        )
        entries, offset = [], 0
        for head in reply["entries"]:
            key = payload[offset : offset + head["key_size"]]
            offset += head["key_size"]
            value = None
            if head["value_size"] >= 0:
                value = payload[offset : offset + head["value_size"]]
                offset += head["value_size"]
            entries.append({**head, "key": key, "value": value})
        return entries

    def queue_put(
        self, queue_id: str, partition: str | None, values: list[bytes], previews: list[str]
    ) -> int:
        header = {
            "op": "queue_put",
            "id": queue_id,
            "partition": partition,
            "sizes": [len(v) for v in values],
            "previews": previews,
        }
        reply, _ = self._request(header, b"".join(values))
        return int(reply["added"])

    def queue_get(self, queue_id: str, partition: str | None, n: int, timeout: float) -> list[bytes]:
        reply, payload = self._request(
            {"op": "queue_get", "id": queue_id, "partition": partition, "n": n, "timeout": timeout}
        )
        values, offset = [], 0
        for size in reply["sizes"]:
            values.append(payload[offset : offset + size])
            offset += size
        return values

    def queue_len(self, queue_id: str, partition: str | None, *, total: bool) -> int:
        reply, _ = self._request({"op": "queue_len", "id": queue_id, "partition": partition, "total": total})
        return int(reply["len"])

    def queue_clear(self, queue_id: str, partition: str | None, *, everything: bool) -> int:
        reply, _ = self._request(
            {"op": "queue_clear", "id": queue_id, "partition": partition, "all": everything}
        )
        return int(reply["removed"])

    def queue_peek(
        self, queue_id: str, partition: str | None, n: int, *, after: int = 0
    ) -> list[dict[str, Any]]:
        reply, payload = self._request(
            {"op": "queue_peek", "id": queue_id, "partition": partition, "n": n, "after": after}
        )
        items, offset = [], 0
        for head in reply["items"]:
            items.append(
                {
                    "id": head["id"],
                    "value": payload[offset : offset + head["size"]],
                    "preview": head["preview"],
                }
            )
            offset += head["size"]
        return items

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        raise exc.InvalidError(
            f"{name.replace('_', ' ')} is not available inside a container: only calls to functions "
            "(.remote, .map, .spawn, FunctionCall) and lookups by name go through its relay."
        )


def _outputs(reply: dict[str, Any], payload: bytes) -> list[dict[str, Any]]:
    outputs, offset = [], 0
    for out in reply.get("outputs", []):
        size = int(out["size"])
        result = None if size < 0 else payload[offset : offset + size]
        offset += max(size, 0)
        outputs.append({**{k: v for k, v in out.items() if k != "size"}, "result": result})
    return outputs
