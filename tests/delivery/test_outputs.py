"""Outputs: a result the caller cannot deserialize is kept; results expire after 7 days; @exit runs;
clients long-polling for outputs hold no database connection."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from skylift import FunctionCall
from skylift.exception import DeserializationError, OutputExpiredError
from tests.delivery import calls_app
from tests.delivery.calls_app import app
from tests.fixtures.live_platform import wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running(platform):
    with app.run(client=platform.client("alice")):
        yield platform


def test_b6_a_result_the_caller_cannot_deserialize_stays_fetchable(running):
    call = calls_app.remote_only.spawn()
    with pytest.raises(DeserializationError, match="RemoteOnly"):
        call.get(timeout=60)
    # once the environment is fixed, the same output can be fetched again
    calls_app.RemoteOnly = type("RemoteOnly", (), {})
    try:
        assert (
            FunctionCall.from_id(call.object_id, client=running.client("alice")).get(timeout=10).value == 42
        )
    finally:
        del calls_app.RemoteOnly


def test_it_expires_outputs_after_seven_days(running):
    call = calls_app.sha.spawn(5)
    assert call.get(timeout=60) == calls_app.sha.local(5)
    running.sql(
        "UPDATE functions_input SET finished_at = now() - interval '8 days' WHERE call_id = %s",
        [call.object_id],
    )
    assert "expired 1 outputs" in running.manage("expire_outputs")
    with pytest.raises(OutputExpiredError):
        call.get(timeout=10)


def test_it_runs_exit_hooks_when_a_container_leaves(running):
    assert calls_app.WithExit().ping.remote() == "pong"
    function_id = calls_app.WithExit.object_id
    for _ in range(300):
        rows = running.sql(
            "SELECT 1 FROM functions_logline WHERE function_id = %s AND text = 'exit hook ran'", [function_id]
        )
        if rows:
            break
        time.sleep(0.1)
    assert rows


def test_it_streams_generator_values(running):
    assert list(calls_app.countdown.remote_gen(5)) == [5, 4, 3, 2, 1]
    assert list(calls_app.acountdown.remote_gen(3)) == [3, 2, 1]


def test_it_raises_a_generator_s_exception_after_its_values(running):
    values = calls_app.broken_generator.remote_gen()
    assert next(values) == 1
    with pytest.raises(ValueError, match="stopped early"):
        next(values)


def test_it_moves_large_arguments_and_results_to_blob_storage(running):
    payload = bytes(range(256)) * 8192  # 2 MiB
    assert calls_app.echo.remote(payload) == payload
    args_blob, args_len, result_blob, result_len = running.sql(
        "SELECT i.args_blob, length(i.args), i.result_blob, length(i.result) FROM functions_input i "
        "JOIN functions_function f ON f.id = i.function_id WHERE f.name = 'echo' ORDER BY i.created_at DESC LIMIT 1"
    )[0]
    assert len(args_blob) == 64
    assert args_len == 0
    assert len(result_blob) == 64
    assert (result_len or 0) == 0


def _blocked_waiters(platform) -> int:
    """Long-polls of the platform blocked on a wake-up list in Redis right now."""
    return sum(1 for c in platform.redis().client_list() if c["cmd"] == "blmove" and "b" in c["flags"])


def _web_pool_in_use(platform) -> int:
    """Database connections the web process has handed out right now (its /healthz, which itself
    holds one while it answers)."""
    return httpx.get(f"{platform.url}/healthz", timeout=30).json()["database_pool"]["in_use"]


def test_it_answers_the_api_while_200_clients_long_poll(running):
    # given a call that does not finish by itself, and the web process's pool of database connections
    call = calls_app.sleeper.spawn(600)
    pool = httpx.get(f"{running.url}/healthz", timeout=30).json()["database_pool"]["max"]

    def get():
        try:
            return FunctionCall.from_id(call.object_id, client=running.client("alice")).get(timeout=120)
        except Exception as exc:  # noqa: BLE001 - what each waiter got is checked below
            return exc

    def values():
        return running.client("alice").call_items(call.object_id, after=-1, timeout=50)

    # when 200 clients wait for its result with .get() and 20 more for a generator's values
    with ThreadPoolExecutor(max_workers=220) as pool_of_clients:
        gets = [pool_of_clients.submit(get) for _ in range(200)]
        items = [pool_of_clients.submit(values) for _ in range(20)]
        waiting = wait_for(lambda: _blocked_waiters(running), lambda n: n >= 220, attempts=600)
        in_use = [_web_pool_in_use(running) for _ in range(3)]
        answer = httpx.get(f"{running.url}/api/v1/calls/", headers=running.users["alice"].headers, timeout=60)
        in_use.append(_web_pool_in_use(running))
        still_waiting = sum(not f.done() for f in gets + items)
        call.cancel()
        got = [f.result(timeout=120) for f in gets]
        pages = [f.result(timeout=120) for f in items]
    # then all of them waited at once, a fresh request was answered meanwhile, the waiters held
    # none of the web process's database connections (the pool may have grown while 220 requests
    # made their first look at once, but what it has open stays free), and the cancellation reached
    # every waiter
    assert waiting == 220
    assert answer.status_code == 200, answer.text
    assert still_waiting == 220
    assert max(in_use) < pool, (in_use, pool)
    assert [type(r).__name__ for r in got] == ["ExecutionError"] * 200, got[:3]
    assert [(p["done"], p["output"]["status"]) for p in pages] == [(True, "cancelled")] * 20
