"""The relay's database side fences what the control plane has given up on (RELIABILITY F9, L2).

A container whose task was settled claims nothing, and an output of an attempt that is over is
refused; the valid attempt's output is the one kept. Against real PostgreSQL (committed rows:
the relay reads them over its own connections).
"""

from __future__ import annotations

import asyncio

import pytest

from functions.models import Input, InputStatus, Task, TaskStatus
from hosts.relay_store import RelayStore

from .support import make_objects, make_trio


@pytest.fixture
def world(transactional_db):
    trio = make_trio()
    objects = make_objects(trio.alice, tag="alpha")
    Task.objects.filter(pk=objects.task.pk).update(status=TaskStatus.RUNNING)
    return objects


def _run(coroutine):
    async def with_store():
        store = RelayStore()
        await store.open()
        try:
            return await coroutine(store)
        finally:
            await store.close()

    return asyncio.run(with_store())


def _output(input_id: str, attempt: int, body: bytes) -> dict:
    return {"id": input_id, "attempt": attempt, "kind": "value", "cause": "", "message": "", "body": body}


def test_a_live_container_claims_and_a_settled_one_claims_nothing(world):
    (input_id,) = world.input_ids
    Task.objects.filter(pk=world.task.pk).update(status=TaskStatus.FAILED, cause="host_lost")
    rows, live = _run(lambda store: store.claim(world.task.pk, [input_id]))
    assert (rows, live) == ([], False)
    assert Input.objects.get(pk=input_id).status == InputStatus.PENDING
    # the same input, once the task is live, is claimed (attempt 1)
    Task.objects.filter(pk=world.task.pk).update(status=TaskStatus.RUNNING)
    rows, live = _run(lambda store: store.claim(world.task.pk, [input_id]))
    assert live is True
    assert [(r["id"], r["attempt"]) for r in rows] == [(input_id, 1)]


def test_an_output_of_an_attempt_that_is_over_is_refused_and_the_valid_one_kept(world):
    (input_id,) = world.input_ids
    _run(lambda store: store.claim(world.task.pk, [input_id]))
    # the control plane requeued it (host lost) and a second container claimed it: attempt 2
    Input.objects.filter(pk=input_id).update(status=InputStatus.PENDING, task=None)
    _run(lambda store: store.claim(world.task.pk, [input_id]))
    # when both attempts report
    stale = _run(lambda store: store.record_outputs(world.task.pk, [_output(input_id, 1, b"old")], {}))
    valid = _run(lambda store: store.record_outputs(world.task.pk, [_output(input_id, 2, b"new")], {}))
    late = _run(lambda store: store.record_outputs(world.task.pk, [_output(input_id, 2, b"again")], {}))
    # then only the valid attempt's first write counts, and the one-input call finished with it
    assert stale[0] == [] and late[0] == []
    (written,) = valid[0]
    assert (written["id"], written["status"], written["finished"]) == (input_id, "succeeded", True)
    assert valid[1] == [world.call.pk]
    row = Input.objects.get(pk=input_id)
    assert (row.status, row.attempt, bytes(row.result)) == (InputStatus.SUCCEEDED, 2, b"new")
    world.call.refresh_from_db()
    assert world.call.status == "succeeded"
    assert world.call.finished_at is not None


def test_the_agents_sweep_settles_a_running_task_whose_container_is_gone(world):
    import secrets
    from datetime import timedelta

    from django.utils import timezone

    from hosts import services
    from hosts.models import Host

    # given a task the database says is running, on a host whose Docker has no container for it
    # (its `die` event was missed), running the call's input
    host = Host.objects.create(name=f"sweep-{secrets.token_hex(3)}", cpu=1, memory=1024)
    Task.objects.filter(pk=world.task.pk).update(
        status=TaskStatus.RUNNING, host=host, started_at=timezone.now() - timedelta(minutes=1)
    )
    (input_id,) = world.input_ids
    Input.objects.filter(pk=input_id).update(status=InputStatus.RUNNING, task=world.task, attempt=1)
    # when the agent sweeps
    settled = services.sweep_containers(host=host)
    # then the task ends, and its input is settled as a crash (no retries: failed, with the cause)
    assert settled == 1
    assert Task.objects.get(pk=world.task.pk).status == TaskStatus.FAILED
    row = Input.objects.get(pk=input_id)
    assert (row.status, row.cause) == (InputStatus.FAILED, "container_crash")
    # and a second sweep finds nothing more to do
    assert services.sweep_containers(host=host) == 0
