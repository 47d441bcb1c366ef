"""An app whose functions share Dicts and Queues with each other and with the caller (issue 13).

Each function runs in containers of its own: `writer` and `reader` are two containers of two
functions, reaching the Dict or Queue through their host's relay.
"""

from __future__ import annotations

import queue

import skylift

app = skylift.App("it-state")
# Run by another workspace (charlie's), to pass it alice's objects.
stranger = skylift.App("it-state-stranger")


@app.function()
def writer(d: skylift.Dict, key: str, value: object) -> list:
    """Writes through a Dict passed by reference, and reads it back in the same container."""
    d[key] = value
    return [d.get(key), key in d, d.put(key, "other", skip_if_exists=True), d.len()]


@app.function()
def reader(d: skylift.Dict, key: str) -> object:
    return d.get(key, "missing")


@app.function()
def by_name(name: str) -> dict:
    """Finds a Dict and a Queue by name, in the container's own environment."""
    d = skylift.Dict.from_name(name)
    q = skylift.Queue.from_name(name)
    return {"items": sorted(d.items()), "got": q.get_many(10, block=False)}


@app.function()
def get_one(q: skylift.Queue, timeout: float, partition: str | None = None) -> object:
    """Blocks on the queue until a value comes (or queue.Empty after `timeout`)."""
    try:
        return q.get(timeout=timeout, partition=partition)
    except queue.Empty:
        return "empty"


@app.function()
def put_many(q: skylift.Queue, values: list, partition: str | None = None) -> int:
    q.put_many(values, partition=partition)
    return q.len(partition=partition)


@app.function()
def ephemeral_here() -> list:
    """An ephemeral Queue and Dict made in a container, gone when their blocks end."""
    with skylift.Queue.ephemeral() as q, skylift.Dict.ephemeral() as d:
        q.put_many([1, 2, 3])
        d["x"] = 1
        return [q.get_many(5), d["x"], q.object_id, d.object_id]


@app.function()
def error_of(obj: object, action: str) -> str:
    """What using the object raises in the container: the exception's type and message."""
    return _error_of(obj, action)


@stranger.function()
def strangers_error_of(obj: object, action: str) -> str:
    return _error_of(obj, action)


def _error_of(obj: object, action: str) -> str:
    try:
        if action == "dict_get":
            obj.get("k")  # type: ignore[attr-defined]
        elif action == "queue_put":
            obj.put("v", block=False)  # type: ignore[attr-defined]
        elif action == "dict_put_big":
            obj["big"] = b"x" * (2 * 1024 * 1024)  # type: ignore[index]
    except BaseException as exc:  # noqa: BLE001 - report it
        return f"{type(exc).__module__}.{type(exc).__name__}: {exc}"
    return "no error"
