"""Calls from inside containers against the real platform: a function calls functions of its own
app and of a deployed app through its host's relay; cancelling the parent cancels the child; the
call graph shows both."""

from __future__ import annotations

import time

import pytest

import skylift
from skylift.call_graph import InputInfo, InputStatus
from tests.integration import container_calls_app as calls_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running(platform):
    client = platform.client("alice")
    calls_app.library.deploy(client=client)
    with calls_app.app.run(client=client):
        yield client


def _graph_until(call: skylift.FunctionCall, done, seconds: float = 90.0) -> list[InputInfo]:
    deadline = time.monotonic() + seconds
    while True:
        graph = call.get_call_graph()
        if done(graph) or time.monotonic() > deadline:
            return graph
        time.sleep(0.5)


def test_a_function_calls_its_own_app_and_the_graph_shows_the_calls(running):
    # when a function calls another of its app with .remote and .map
    call = calls_app.combine.spawn(3)
    # then it gets their results
    assert call.get(timeout=180) == {"remote": 6, "map": [0, 2, 4]}
    # and the call graph holds the parent input and the four inputs it made
    (root,) = call.get_call_graph()
    assert (root.function_call_id, root.function_name, root.status) == (
        call.object_id,
        "combine",
        InputStatus.SUCCEEDED,
    )
    assert (
        sorted((c.function_name, c.status) for c in root.children) == [("double", InputStatus.SUCCEEDED)] * 4
    )
    assert len({c.function_call_id for c in root.children}) == 2  # one .remote, one .map
    assert all(c.task_id.startswith("ta-") and not c.children for c in root.children)


def test_a_function_reads_a_generators_values_from_inside_its_container(running):
    assert calls_app.streams.remote(3) == [3, 2, 1, "a countdown from below zero"]


def test_a_function_calls_a_function_looked_up_from_a_deployed_app(running):
    assert calls_app.via_library.remote(5) == 15 + 18


def test_cancelling_the_parent_cancels_the_call_it_is_waiting_on(running):
    # given a function waiting on a slow call it made
    parent = calls_app.waits_on_child.spawn(300)
    graph = _graph_until(parent, lambda g: g and g[0].children and g[0].children[0].status == "running")
    (child,) = graph[0].children
    assert child.function_name == "sleeper"
    # when the parent is cancelled
    parent.cancel()
    # then the child is cancelled too
    graph = _graph_until(parent, lambda g: g[0].children[0].status != "running", seconds=30)
    assert graph[0].status == InputStatus.CANCELLED
    assert graph[0].children[0].status == InputStatus.CANCELLED
    with pytest.raises(skylift.exception.ExecutionError, match="cancelled"):
        skylift.FunctionCall.from_id(child.function_call_id, client=running).get(timeout=30)


def test_a_parent_that_times_out_cancels_the_call_it_is_waiting_on(running):
    # given a function with a 3 s timeout, waiting on a call that would take 300 s
    parent = calls_app.impatient.spawn(300)
    # then it times out, and the call it made is cancelled with it
    with pytest.raises(skylift.exception.FunctionTimeoutError):
        parent.get(timeout=120)
    graph = _graph_until(parent, lambda g: g and g[0].children and g[0].children[0].status != "running")
    (child,) = graph[0].children
    assert (graph[0].status, child.function_name, child.status) == (
        InputStatus.TIMEOUT,
        "sleeper",
        InputStatus.CANCELLED,
    )
