"""Classes, concurrency, batching, retries, timeouts and cancellation against real containers."""

from __future__ import annotations

import pytest

import skylift
from skylift.exception import ExecutionError, FunctionTimeoutError, InvalidError
from tests.delivery import calls_app
from tests.delivery.calls_app import Counter, app
from tests.fixtures.live_platform import wait_for

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running(platform):
    with app.run(client=platform.client("alice")):
        yield platform


def test_it_runs_class_methods_after_enter_with_parameters(running):
    default = Counter().value.remote(1)
    assert default["x"] == 101
    bound = Counter(start=5, label="five").value.remote(1)
    assert bound == {"x": 106, "label": "five", "task": bound["task"]}
    # each set of parameter values is its own pool of containers
    assert bound["task"] != default["task"]
    assert Counter(start=5, label="five").value.remote(2)["task"] == bound["task"]


def test_it_runs_async_methods(running):
    assert Counter(start=1).avalue.remote(1) == 102


def test_it_checks_parameters_before_calling(running):
    with pytest.raises(InvalidError, match="has no parameter 'nope'"):
        Counter(nope=1)
    with pytest.raises(InvalidError, match="must be int"):
        Counter(start="x")


def test_it_runs_local_calls_with_enter_hooks():
    assert Counter(start=1).value.local(1)["x"] == 102


def test_it_runs_inputs_concurrently_in_one_container(running):
    results = list(calls_app.overlap.map([1.0] * 8))
    assert len({r["task"] for r in results}) == 1
    assert max(r["peak"] for r in results) == 8
    assert len({r["input"] for r in results}) == 8
    assert len({r["call"] for r in results}) == 1


def test_it_runs_async_inputs_concurrently(running):
    ids = list(calls_app.async_overlap.map([0.5] * 10))
    assert len(set(ids)) == 10


def test_it_batches_inputs(running):
    sizes = list(calls_app.batch_sizes.map(range(8)))
    assert sum(sizes) / len(sizes) > 1  # inputs arrived together, not one by one
    assert max(sizes) <= 8


def test_it_says_which_batching_rule_was_broken(running):
    with pytest.raises(ExecutionError, match="must return a list with one result per input"):
        calls_app.bad_batch.remote(1)


def test_it_retries_failures_with_backoff(running):
    assert calls_app.flaky.remote("a") == 3
    row = running.sql(
        "SELECT attempt, retries_used FROM functions_input i JOIN functions_function f ON f.id = i.function_id "
        "WHERE f.name = 'flaky' ORDER BY i.created_at DESC LIMIT 1"
    )[0]
    assert row == (3, 2)


def test_it_times_out_each_attempt_and_replaces_the_container(running):
    # given a function with timeout=2 and one retry (RELIABILITY F5)
    with pytest.raises(FunctionTimeoutError, match="timeout of 2 s"):
        calls_app.slow.remote(30)
    attempts, status = running.sql(
        "SELECT i.attempt, i.status FROM functions_input i JOIN functions_function f ON f.id = i.function_id "
        "WHERE f.name = 'slow' ORDER BY i.created_at DESC LIMIT 1"
    )[0]
    assert (attempts, status) == (2, "timed_out")
    # the next input runs in a clean container
    tasks = {
        row[0]
        for row in running.sql(
            "SELECT t.id FROM functions_task t JOIN functions_function f ON f.id = t.function_id WHERE f.name = 'slow'"
        )
    }
    assert calls_app.slow.remote(0) not in tasks


def test_it_retires_a_container_after_max_inputs(running):
    tasks = [calls_app.retiring.remote() for _ in range(4)]
    assert len(set(tasks)) == 2


def test_it_cancels_a_running_input(running):
    call = calls_app.sleeper.spawn(60)
    wait_for(
        lambda: running.sql("SELECT status FROM functions_input WHERE call_id = %s", [call.object_id])[0][0],
        lambda status: status == "running",
    )
    # when
    call.cancel()
    # then the caller sees it cancelled, and the sleeping code got InputCancellation
    with pytest.raises(ExecutionError, match="cancelled"):
        call.get(timeout=10)
    lines = wait_for(
        lambda: running.sql("SELECT text FROM functions_logline WHERE call_id = %s", [call.object_id]),
        lambda rows: rows,
    )
    assert ("cancelled while sleeping",) in lines


def test_it_gathers_spawned_calls(running):
    calls = [calls_app.sha.spawn(i) for i in range(5)]
    assert skylift.FunctionCall.gather(*calls) == [calls_app.sha.local(i) for i in range(5)]


def test_it_has_async_twins(running):
    import asyncio

    async def main():
        one = await calls_app.sha.remote.aio(1)
        many = [x async for x in calls_app.sha.map.aio([1, 2])]
        return one, many

    # A fresh thread: another test of the session may have left an event loop set on this one.
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        one, many = pool.submit(asyncio.run, main()).result()
    assert one == calls_app.sha.local(1)
    assert many == [calls_app.sha.local(1), calls_app.sha.local(2)]


def test_it_changes_the_autoscaler_at_run_time(running):
    calls_app.sha.update_autoscaler(min_containers=1)
    function_id = calls_app.sha.object_id
    live = wait_for(
        lambda: running.sql(
            "SELECT count(*) FROM functions_task WHERE function_id = %s AND status = 'running'", [function_id]
        )[0][0],
        lambda n: n >= 1,
    )
    assert live >= 1
    calls_app.sha.update_autoscaler(min_containers=0)


def test_it_batches_class_methods(running):
    assert list(calls_app.Batcher().double.map(range(6))) == [0, 2, 4, 6, 8, 10]


def test_it_cancels_a_running_async_input_with_cancelled_error(running):
    call = calls_app.async_sleeper.spawn(60)
    wait_for(
        lambda: running.sql("SELECT status FROM functions_input WHERE call_id = %s", [call.object_id])[0][0],
        lambda status: status == "running",
    )
    call.cancel()
    with pytest.raises(ExecutionError, match="cancelled"):
        call.get(timeout=10)
    lines = wait_for(
        lambda: running.sql("SELECT text FROM functions_logline WHERE call_id = %s", [call.object_id]),
        lambda rows: rows,
    )
    assert ("async cancelled",) in lines


# Interruptions land in user code only (issue 19): a timeout or a cancellation that comes while
# the runtime sends a value or ships log lines waits, so no frame to the relay is ever torn.


def _input_of(running, call) -> tuple[str, str]:
    """The status of a one-input call's input, and the container that ran it."""
    return tuple(
        running.sql("SELECT status, task_id FROM functions_input WHERE call_id = %s", [call.object_id])[0]
    )


def _items(running, call) -> list:
    import cloudpickle

    rows = running.sql(
        "SELECT o.data FROM functions_outputitem o JOIN functions_input i ON i.id = o.input_id "
        "WHERE i.call_id = %s ORDER BY o.n",
        [call.object_id],
    )
    return [cloudpickle.loads(bytes(data)) for (data,) in rows]


def _streamed(running, call, at_least: int) -> None:
    wait_for(lambda: len(_items(running, call)), lambda n: n >= at_least)


def test_it_times_out_a_generator_while_it_streams_large_values(running):
    # given a generator that yields 1 MiB values without end, with timeout=3
    call = calls_app.stream_past_timeout.spawn(1024)
    # when its timeout comes, most likely while a value is on its way to the relay
    with pytest.raises(FunctionTimeoutError, match="timeout of 3 s"):
        call.get(timeout=60)
    # then the caller got the runtime's timeout, and every value that arrived is whole and in order
    assert _input_of(running, call)[0] == "timed_out"
    values = _items(running, call)
    assert values
    assert values == [calls_app.numbered(n, 1024) for n in range(len(values))]


def test_it_times_out_a_function_while_it_prints_and_keeps_its_lines_whole(running):
    call = calls_app.print_past_timeout.spawn()
    with pytest.raises(FunctionTimeoutError, match="timeout of 2 s"):
        call.get(timeout=60)
    lines = [
        text
        for (text,) in running.sql("SELECT text FROM functions_logline WHERE call_id = %s", [call.object_id])
    ]
    assert lines
    torn = [line for line in lines if not (line.startswith("chatter ") and line.endswith(" end"))]
    assert torn == []


def test_it_cancels_streaming_inputs_again_and_again_and_the_same_container_serves_the_next(running):
    # given the container of a function that streams one input at a time
    first = calls_app.stream_inline.spawn(1, 2)
    assert first.get(timeout=60) is None
    _, task = _input_of(running, first)
    # when eight inputs in a row are cancelled while they stream 1 MiB values
    for _ in range(8):
        call = calls_app.stream_inline.spawn(1024, -1)
        _streamed(running, call, at_least=2)
        call.cancel()
        with pytest.raises(ExecutionError, match="cancelled"):
            call.get(timeout=30)
        assert _input_of(running, call) == ("cancelled", task)
    # then the same container serves the next input, and its values are right
    last = calls_app.stream_inline.spawn(4, 3)
    assert last.get(timeout=60) is None
    assert _input_of(running, last) == ("succeeded", task)
    assert _items(running, last) == [calls_app.numbered(n, 4) for n in range(3)]


def test_it_cancels_inputs_that_print_again_and_again_and_the_same_container_serves_the_next(running):
    task = calls_app.print_until_cancelled.remote(0)
    for _ in range(8):
        call = calls_app.print_until_cancelled.spawn(-1)
        wait_for(
            lambda call=call: running.sql(
                "SELECT count(*) FROM functions_logline WHERE call_id = %s", [call.object_id]
            )[0][0],
            lambda n: n >= 10,
        )
        call.cancel()
        with pytest.raises(ExecutionError, match="cancelled"):
            call.get(timeout=30)
    assert calls_app.print_until_cancelled.remote(0) == task


def test_it_cancels_concurrent_streaming_inputs_while_a_neighbour_streams_to_its_end(running):
    # given the container of a @concurrent generator (four inputs at once, one relay connection)
    first = calls_app.stream_concurrent.spawn(1, 2)
    assert first.get(timeout=60) is None
    _, task = _input_of(running, first)
    for _ in range(3):
        # when three inputs streaming without end are cancelled while a fourth streams 200 values
        endless = [calls_app.stream_concurrent.spawn(256, -1) for _ in range(3)]
        steady = calls_app.stream_concurrent.spawn(64, 200)
        for call in endless:
            _streamed(running, call, at_least=2)
            call.cancel()
        for call in endless:
            with pytest.raises(ExecutionError, match="cancelled"):
                call.get(timeout=30)
        # then the fourth's values all arrived, whole and in order, from the same container
        assert steady.get(timeout=60) is None
        assert _input_of(running, steady) == ("succeeded", task)
        assert _items(running, steady) == [calls_app.numbered(n, 64) for n in range(200)]
    last = calls_app.stream_concurrent.spawn(4, 3)
    assert last.get(timeout=60) is None
    assert _input_of(running, last) == ("succeeded", task)


def test_it_watches_for_cancellations_again_after_the_watch_connection_broke(running):
    # given a container whose connection watching for cancellations was cut
    cut = calls_app.watch_probe.remote(True, 0)
    assert cut["cut"] == 1
    # when an input of the same container is cancelled afterwards
    call = calls_app.watch_probe.spawn(False, 60)
    wait_for(lambda: _input_of(running, call)[0], lambda status: status == "running")
    call.cancel()
    with pytest.raises(ExecutionError, match="cancelled"):
        call.get(timeout=30)
    # then the cancellation reached the running code: the watcher connected again
    lines = wait_for(
        lambda: running.sql("SELECT text FROM functions_logline WHERE call_id = %s", [call.object_id]),
        lambda rows: ("cancelled after the watch was cut",) in rows,
    )
    assert ("cancelled after the watch was cut",) in lines
    assert _input_of(running, call)[1] == cut["task"]
    assert calls_app.watch_probe.remote(False, 0)["task"] == cut["task"]
