"""Calls from inside containers, through a real relay: a container acts as its own task only.

A container may call functions of its own workspace (by id, by name in its own app, by name in a
deployed app), and its calls are recorded under the input it runs; it cannot reach a function, an
app or a call of another workspace, nor hang a call under an input it does not hold. Cancelling
or timing out a parent input cancels the calls it made, at any depth.
"""

from __future__ import annotations

import pytest

from accounts.models import Workspace
from functions import delivery
from functions import services as function_services
from functions.models import CallStatus, FunctionCall, Input, InputStatus, Task
from functions.queues import cancel_key, input_queue_key, redis_client
from functions.ratelimit import bucket_key

from .support import make_objects, make_trio
from .test_relay_tenancy import Container, relay  # noqa: F401 - the relay fixture

CALLS = ("call", "add_inputs", "outputs", "items", "call_get", "cancel")


@pytest.fixture
def world(relay):  # noqa: F811
    trio = make_trio()
    a, b = make_objects(trio.alice, tag="alpha"), make_objects(trio.charlie, tag="bravo")
    (input_id,) = a.input_ids
    cube = function_services.function_create(
        app=a.app, spec={"name": "cube", "module": "mod", "qualname": "cube", "mount_sha256": a.mount.sha256}
    )
    tasks = {
        "owner": a.task,  # runs A's input: the parent
        "cuber": Task.objects.create(workspace=a.task.workspace, function=cube),  # runs the children
        "neighbour": Task.objects.create(workspace=a.task.workspace, function=a.function),
        "stranger": b.task,  # another workspace
    }
    containers = {name: Container(relay, task) for name, task in tasks.items()}
    delivery.run(delivery.claim(a.task.pk, [input_id]))
    return {"a": a, "b": b, "cube": cube, "input": input_id, "tasks": tasks, **containers}


def _call(container: Container, function_id: str, parent: str | None, args: bytes = b"args") -> dict:
    header = {
        "op": "call",
        "function_id": function_id,
        "kind": "spawn",
        "sizes": [len(args)],
        "parent_input": parent,
        "idempotency_key": None,
    }
    return container.ask(header, args)[0]


def test_a_container_calls_functions_of_its_workspace_under_the_input_it_runs(world):
    owner, cube = world["owner"], world["cube"]
    # when the container looks up a function of its own app and one of a deployed app, and calls one
    own = owner.ask({"op": "lookup", "app": None, "name": "cube"})[0]
    deployed = owner.ask({"op": "lookup", "app": "alpha-deployed", "name": "square"})[0]
    reply = _call(owner, own["function"]["id"], world["input"])
    # then
    assert own["function"]["id"] == cube.pk
    assert (
        deployed["function"]["id"]
        == world["a"].deployed.functions.get(name="square", retired_at__isnull=True).pk
    )
    child = FunctionCall.objects.get(pk=reply["call"]["id"])
    assert (child.function_id, child.parent_input_id, child.parent_call_id, child.created_by_id) == (
        cube.pk,
        world["input"],
        world["a"].call.pk,
        None,
    )
    (child_input,) = reply["input_ids"]
    assert redis_client().lrange(input_queue_key(cube.pk), 0, -1) == [child_input.encode()]
    # and when another container of the workspace runs the child, the caller reads its result
    delivery.run(delivery.claim(world["tasks"]["cuber"].pk, [child_input]))
    assert world["cuber"].put(child_input, 1, b"result") == {"ok": True}
    outputs, body = owner.ask({"op": "outputs", "call_id": child.pk, "timeout": 5})
    assert [(o["input_id"], o["status"], o["size"]) for o in outputs["outputs"]] == [
        (child_input, InputStatus.SUCCEEDED, 6)
    ]
    assert body == b"result" and outputs["done"] is True


@pytest.mark.parametrize("op", CALLS)
def test_a_container_cannot_reach_a_call_or_function_of_another_workspace(world, op):
    a, stranger = world["a"], world["stranger"]
    calls_before = FunctionCall.objects.count()
    # when a container of another workspace names A's function or A's call
    if op == "call":
        reply = _call(stranger, a.function.pk, None)
    else:
        reply, body = stranger.ask(
            {"op": op, "call_id": a.call.pk, "sizes": [4], "start_idx": 1, "timeout": 0}, b"args"
        )
        assert body == b""
    # then it is told there is no such thing, and nothing changed
    assert reply["code"] == "not_found" and "in this workspace" in reply["error"]
    assert FunctionCall.objects.count() == calls_before
    call = FunctionCall.objects.get(pk=a.call.pk)
    assert (call.status, call.input_count, call.finished_at) == (CallStatus.PENDING, 1, None)
    assert Input.objects.get(pk=world["input"]).status == InputStatus.RUNNING


def test_a_container_cannot_look_up_an_app_of_another_workspace(world):
    # when a container of another workspace looks up A's deployed app, and its own
    theirs = world["stranger"].ask({"op": "lookup", "app": "alpha-deployed", "name": "square"})[0]
    own = world["stranger"].ask({"op": "lookup", "app": "bravo-deployed", "name": "square"})[0]
    # then A's is unknown to it
    assert theirs["code"] == "not_found" and "alpha-deployed" in theirs["error"]
    assert (
        own["function"]["id"] == world["b"].deployed.functions.get(name="square", retired_at__isnull=True).pk
    )


@pytest.mark.parametrize("forger", ["neighbour", "stranger"])
def test_a_container_cannot_hang_a_call_under_an_input_it_does_not_hold(world, forger):
    # given a function the forger may call (of its own workspace)
    target = world["cube"].pk if forger == "neighbour" else world["b"].function.pk
    calls_before = FunctionCall.objects.count()
    # when it names the input A's container runs as the parent of its call
    reply = _call(world[forger], target, world["input"])
    # then the call is refused, and nothing is made
    assert reply["code"] == "cancelled"
    assert FunctionCall.objects.count() == calls_before


def test_cancelling_a_call_cancels_the_calls_made_under_it_at_any_depth(world):
    # given A's input made a call whose input, running in another container, made one more
    child = _call(world["owner"], world["cube"].pk, world["input"])
    (child_input,) = child["input_ids"]
    delivery.run(delivery.claim(world["tasks"]["cuber"].pk, [child_input]))
    grandchild = _call(world["cuber"], world["cube"].pk, child_input)
    redis_client().delete(cancel_key(world["tasks"]["cuber"].pk))
    # when A's call is cancelled
    function_services.call_cancel(call=world["a"].call)
    # then its calls are cancelled down the graph, and the running child is interrupted
    statuses = FunctionCall.objects.filter(pk__in=[child["call"]["id"], grandchild["call"]["id"]])
    assert {c.status for c in statuses} == {CallStatus.CANCELLED}
    assert Input.objects.get(pk=child_input).status == InputStatus.CANCELLED
    assert redis_client().lrange(cancel_key(world["tasks"]["cuber"].pk), 0, -1) == [child_input.encode()]


@pytest.mark.parametrize("cause", ["timeout", "cancelled"])
def test_an_input_that_times_out_cancels_the_calls_it_made(world, cause):
    # given A's input made a call, and the neighbour's call under nothing
    child = _call(world["owner"], world["cube"].pk, world["input"])
    unrelated = _call(world["neighbour"], world["cube"].pk, None)
    # when A's input ends with a timeout (or its container reports it cancelled)
    output = {"id": world["input"], "attempt": 1, "kind": "error", "cause": cause, "message": "", "size": 0}
    assert world["owner"].ask({"op": "put", "outputs": [output]})[0] == {"ok": True}
    # then its call is cancelled, and the other one goes on
    assert FunctionCall.objects.get(pk=child["call"]["id"]).status == CallStatus.CANCELLED
    assert FunctionCall.objects.get(pk=unrelated["call"]["id"]).status == CallStatus.PENDING


def _open_map(container: Container, function_id: str, parent: str, n: int) -> dict:
    args = [b"x"] * n
    header = {
        "op": "call",
        "function_id": function_id,
        "kind": "map",
        "sizes": [len(a) for a in args],
        "parent_input": parent,
        "closed": False,
    }
    return container.ask(header, b"".join(args))[0]


def _add(container: Container, call_id: str, start_idx: int, n: int) -> dict:
    header = {"op": "add_inputs", "call_id": call_id, "start_idx": start_idx, "sizes": [1] * n}
    return container.ask(header, b"x" * n)[0]


def test_a_containers_inputs_meet_the_workspaces_rate_as_an_api_requests_do(world):
    # given a workspace allowed a burst of 3 inputs, refilled at one a second
    Workspace.objects.filter(pk=world["a"].app.workspace_id).update(input_rate=1, input_burst=3)
    redis_client().delete(bucket_key(world["a"].app.workspace_id))
    owner, cube = world["owner"], world["cube"]
    # when a container's map takes 2, adds 1, then adds 1 more at once
    opened = _open_map(owner, cube.pk, world["input"], 2)
    added = _add(owner, opened["call"]["id"], 2, 1)
    refused = _add(owner, opened["call"]["id"], 3, 1)
    # then the last waits its turn, as the API's 429 makes the SDK wait, and adds nothing
    assert len(opened["input_ids"]) == 2 and len(added["input_ids"]) == 1
    assert refused["code"] == "rate_limited", refused
    assert Input.objects.filter(call_id=opened["call"]["id"]).count() == 3


def test_a_container_cannot_feed_a_map_of_a_stopped_app_or_past_the_functions_limit(world, settings):
    owner, cube = world["owner"], world["cube"]
    settings.SKYLIFT_MAX_PENDING_INPUTS = 3
    opened = _open_map(owner, cube.pk, world["input"], 3)
    # when the function has 3 inputs waiting, one more is refused for now
    full = _add(owner, opened["call"]["id"], 3, 1)
    assert full["code"] == "resource_exhausted", full
    # and once the app is stopped (which cancels and closes its calls), a batch and a new call
    # are refused for good, naming why
    function_services.app_stop(app=world["a"].app)
    stopped = _add(owner, opened["call"]["id"], 3, 1)
    assert stopped["code"] == "call_closed", stopped
    again = _open_map(owner, cube.pk, world["input"], 1)
    assert again["code"] == "app_stopped", again
    assert Input.objects.filter(function=cube).count() == 3


def test_the_calls_an_input_made_are_cancelled_when_its_container_exits(world):
    from hosts.services import container_exited

    owner, cube = world["owner"], world["cube"]
    # given a container that called a function under the input it runs
    child = _call(owner, cube.pk, world["input"])
    (child_input,) = child["input_ids"]
    # when its container crashes
    container_exited(task_id=world["tasks"]["owner"].pk, exit_code=137, oom=False)
    # then its input fails (it has no retries; with some, a run again would make its own calls), and
    # the call it made is cancelled
    assert Input.objects.get(pk=world["input"]).status == InputStatus.FAILED
    assert FunctionCall.objects.get(pk=child["call"]["id"]).status == CallStatus.CANCELLED
    assert Input.objects.get(pk=child_input).status == InputStatus.CANCELLED
