"""Outputs: a result the caller cannot deserialize is kept; results expire after 7 days; @exit runs."""

from __future__ import annotations

import time

import pytest

from skylift import FunctionCall
from skylift.exception import DeserializationError, OutputExpiredError
from tests.delivery import calls_app
from tests.delivery.calls_app import app

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
