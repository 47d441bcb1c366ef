"""Per-function limits, as Modal's: 2,000 inputs waiting, 25,000 waiting or running, and for
`.spawn()` instead 1,000,000 waiting. Past them: 429 with Retry-After, nothing half-accepted.

The limits are lowered through settings so that a handful of inputs reaches them. Both the
Django view and the lean fast path (driven as the ASGI app it is) are checked, against real
PostgreSQL and Redis; no container runs, so every input stays pending.
"""

from __future__ import annotations

import base64
import json

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.core.asgi import get_asgi_application

from functions.fastpath import RemoteCallFastPath
from functions.models import Input, InputStatus

from .support import make_objects, make_trio

ARGS = base64.b64encode(b"opaque pickled args").decode()


@pytest.fixture
def world(transactional_db, settings):
    settings.SKYLIFT_MAX_PENDING_INPUTS = 3
    settings.SKYLIFT_MAX_OUTSTANDING_INPUTS = 100
    settings.SKYLIFT_MAX_PENDING_SPAWNS = 2
    trio = make_trio()
    objects = make_objects(trio.alice, tag="alpha")  # its call left one input pending
    return trio.alice, objects.function


def _fast(authorization: str, body: dict) -> tuple[int, dict, dict]:
    """POST /api/v1/calls/ through the fast path (falling back to Django as in production)."""

    payload = json.dumps(body).encode()

    async def go():
        fast = RemoteCallFastPath(fallback=get_asgi_application())
        scope = {
            "type": "http",
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": "/api/v1/calls/",
            "raw_path": b"/api/v1/calls/",
            "query_string": b"",
            "server": ("testserver", 80),
            "client": ("127.0.0.1", 40000),
            "headers": [
                (b"host", b"testserver"),
                (b"content-type", b"application/json"),
                (b"authorization", authorization.encode()),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
        try:
            communicator = ApplicationCommunicator(fast, scope)
            await communicator.send_input({"type": "http.request", "body": payload, "more_body": False})
            start = await communicator.receive_output(timeout=20)
            content = b""
            while True:
                message = await communicator.receive_output(timeout=20)
                content += message.get("body", b"")
                if not message.get("more_body"):
                    break
            return start["status"], {k.lower(): v for k, v in start["headers"]}, json.loads(content)
        finally:
            if fast.pool is not None:
                await fast.pool.close()
                await fast.redis.aclose()

    return async_to_sync(go)()


def _pending(function, *, spawned: bool) -> int:
    return Input.objects.filter(function=function, spawned=spawned, status=InputStatus.PENDING).count()


def test_a_map_batch_past_the_waiting_limit_is_refused_whole(world):
    alice, function = world
    body = {"function_id": function.id, "kind": "map", "inputs": [ARGS, ARGS], "wait": 0}
    assert alice.api.post("/api/v1/calls/", body, format="json").status_code == 201  # 1 + 2 = 3
    # when one more batch would pass the limit of 3 waiting
    response = alice.api.post("/api/v1/calls/", body, format="json")
    # then it is refused whole, says why and when to retry, and what was accepted stays
    assert response.status_code == 429
    assert response["Retry-After"] == "1"
    error = response.json()["error"]
    assert error["code"] == "resource_exhausted"
    assert "3 inputs waiting for a container" in error["message"]
    assert "limit of 3" in error["message"]
    assert _pending(function, spawned=False) == 3


def test_the_fast_path_serves_remote_and_spawn_until_a_limit_then_django_refuses(world):
    alice, function = world
    one = {"function_id": function.id, "inputs": [ARGS], "wait": 0}
    # two more .remote() inputs fit (1 + 2 = 3), on the fast path
    for _ in range(2):
        status, headers, body = _fast(alice.authorization, {**one, "kind": "remote"})
        assert (status, headers.get(b"x-skylift-path")) == (201, b"fast")
        assert body["call"]["kind"] == "remote" and body["outputs"] == []
    # the next is past the limit: Django answers, with the 429 the SDK waits on
    status, headers, body = _fast(alice.authorization, {**one, "kind": "remote"})
    assert status == 429
    assert b"x-skylift-path" not in headers
    assert headers[b"retry-after"] == b"1"
    assert body["error"]["code"] == "resource_exhausted"
    # spawned inputs have their own limit (2 here): the waiting .remote() inputs do not count
    for _ in range(2):
        status, headers, body = _fast(alice.authorization, {**one, "kind": "spawn"})
        assert (status, headers.get(b"x-skylift-path"), body["call"]["kind"]) == (201, b"fast", "spawn")
    status, _, body = _fast(alice.authorization, {**one, "kind": "spawn"})
    assert status == 429
    assert "2 spawned inputs waiting" in body["error"]["message"]
    assert (_pending(function, spawned=False), _pending(function, spawned=True)) == (3, 2)


def test_inputs_running_count_towards_the_waiting_or_running_limit(world, settings):
    alice, function = world
    settings.SKYLIFT_MAX_PENDING_INPUTS = 100
    settings.SKYLIFT_MAX_OUTSTANDING_INPUTS = 2
    Input.objects.filter(function=function).update(status=InputStatus.RUNNING)
    body = {"function_id": function.id, "kind": "remote", "inputs": [ARGS], "wait": 0}
    assert _fast(alice.authorization, body)[0] == 201  # 1 running + 1 waiting = 2
    status, _, answer = _fast(alice.authorization, body)
    assert status == 429
    assert "2 inputs waiting or running" in answer["error"]["message"]
