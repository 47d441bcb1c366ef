"""Long-polls (outputs, logs) hold no database connection while they wait, and one wake-up reaches every waiter.

Against real PostgreSQL (the settings' pool of 20 connections) and Redis, with the waiters in
threads as Django runs requests under ASGI.
"""

from __future__ import annotations

import threading

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.services import app_logs
from functions.longpoll import wait_for_wake_up
from functions.models import FunctionCall, Input, InputStatus
from functions.outputs import outputs_wait
from functions.queues import done_key, logs_key, redis_client
from tests.fixtures.live_platform import wait_for

from .support import make_objects, make_trio


@pytest.fixture
def world(transactional_db):
    return make_objects(make_trio().alice, tag="alpha")


def _blocked_on(command: str) -> int:
    """Redis clients blocked in `command` right now."""
    return sum(1 for c in redis_client().client_list() if c["cmd"] == command and "b" in c["flags"])


def _in_thread(target, results: list, index: int) -> threading.Thread:
    def run():
        try:
            results[index] = target()
        except Exception as exc:  # noqa: BLE001 - the test reports what each waiter got
            results[index] = exc
        finally:
            connection.close()  # this thread's connection, back to the pool

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_it_answers_queries_while_more_waiters_than_the_pool_holds_wait(world):
    # given more long-polling waiters (outputs, and an app's logs) than the pool has connections
    outputs_waiters = settings.DATABASES["default"]["OPTIONS"]["pool"]["max_size"]
    logs_waiters = 10
    results: list = [None] * (outputs_waiters + logs_waiters)
    threads = [
        _in_thread(lambda: outputs_wait(call=world.call, timeout=30), results, i)
        for i in range(outputs_waiters)
    ] + [
        _in_thread(lambda: app_logs(app=world.app, after="$", timeout=30), results, outputs_waiters + i)
        for i in range(logs_waiters)
    ]
    assert (
        wait_for(lambda: _blocked_on("blmove"), lambda n: n >= outputs_waiters, attempts=300)
        == outputs_waiters
    )
    assert wait_for(lambda: _blocked_on("xread"), lambda n: n >= logs_waiters, attempts=300) == logs_waiters
    # when a fresh request needs the database meanwhile
    probe: list = [None]
    _in_thread(lambda: FunctionCall.objects.filter(pk=world.call.pk).count(), probe, 0).join(timeout=60)
    # then it gets a connection; and the output, when it comes, reaches every waiter with one wake-up
    assert probe == [1]
    (input_id,) = world.input_ids
    Input.objects.filter(pk=input_id).update(
        status=InputStatus.SUCCEEDED, result=b"42", result_kind="value", finished_at=timezone.now()
    )
    redis_client().rpush(done_key(world.call.pk), "1")
    redis_client().xadd(logs_key(world.app.pk), {"text": "a line", "stream": "stdout"})
    for thread in threads:
        thread.join(timeout=60)
    outputs = [[o["id"] for o in r] if isinstance(r, list) else r for r in results[:outputs_waiters]]
    lines = [[e["text"] for e in r[0]] if isinstance(r, tuple) else r for r in results[outputs_waiters:]]
    assert outputs == [[input_id]] * outputs_waiters
    assert lines == [["a line"]] * logs_waiters


def test_one_wake_up_wakes_two_waiters_of_the_same_call(transactional_db):
    # given two waiters on the same wake-up list
    key = done_key("fc-two-waiters")
    redis_client().delete(key)
    woken: list = [None, None]
    threads = [_in_thread(lambda: wait_for_wake_up(key, timeout=10), woken, i) for i in range(2)]
    assert wait_for(lambda: _blocked_on("blmove"), lambda n: n >= 2, attempts=300) == 2
    # when one wake-up is pushed
    redis_client().rpush(key, "1")
    for thread in threads:
        thread.join(timeout=30)
    # then both were woken by it (not by the end of their wait), and the list is left empty
    assert woken == [True, True]
    assert redis_client().llen(key) == 0
