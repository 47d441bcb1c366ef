"""Every transition of `functions.delivery`, against the real PostgreSQL.

Each runs through Django (`run`); the ones the relay and the fast path use also run through an
async psycopg connection (`arun`), as they do there. The fenced and conditional cases are the
point: a stale attempt, another container (of this workspace or another), a settled task, a
cancelled or closed call.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import psycopg
import pytest
from django.utils import timezone

from config.database import conninfo
from config.ids import new_id
from functions import delivery
from functions.models import (
    CallStatus,
    Function,
    FunctionCall,
    Input,
    InputAttempt,
    InputStatus,
    OutputItem,
    Task,
    TaskStatus,
)
from hosts.models import Host
from tests.api.support import make_objects, make_trio


@dataclass
class Side:
    """One workspace: a function, a running task of it, and a one-input call claimed by the task."""

    function: Function
    task: Task
    call: FunctionCall
    input_id: str


def _side(member, tag: str) -> Side:
    objects = make_objects(member, tag=tag)
    Task.objects.filter(pk=objects.task.pk).update(status=TaskStatus.RUNNING)
    return Side(objects.function, objects.task, objects.call, objects.input_ids[0])


@pytest.fixture
def world(transactional_db):
    trio = make_trio()
    return {"a": _side(trio.alice, "alpha"), "b": _side(trio.charlie, "bravo")}


def arun(plan):
    async def go():
        async with await psycopg.AsyncConnection.connect(conninfo(), autocommit=True) as conn:
            return await delivery.arun(conn, plan)

    return asyncio.run(go())


def _task(function: Function, status: str = TaskStatus.RUNNING) -> Task:
    return Task.objects.create(workspace_id=function.workspace_id, function=function, status=status)


def _output(
    input_id: str, attempt: int, body: bytes = b"result", kind: str = "value", cause: str = ""
) -> dict:
    return {"id": input_id, "attempt": attempt, "kind": kind, "cause": cause, "message": "", "body": body}


def _input(input_id: str) -> Input:
    return Input.objects.get(pk=input_id)


def _history(input_id: str) -> list[tuple]:
    """The attempts of an input recorded as ended: (attempt, task, outcome, cause), in order."""
    return list(
        InputAttempt.objects.filter(input_id=input_id)
        .order_by("attempt")
        .values_list("attempt", "task_id", "outcome", "cause")
    )


def _map_call(side: Side, n: int, *, closed: bool) -> tuple[str, list[str]]:
    """A call of `n` inputs of the side's function, accepted through the transition."""
    accepted = delivery.run(
        delivery.accept_call(
            call_id=new_id("fc"),
            workspace_id=side.function.workspace_id,
            function_id=side.function.id,
            user_id=None,
            kind="map",
            method="",
            idempotency_key=None,
            closed=closed,
            input_ids=[new_id("in") for _ in range(n)],
            args=[b"x"] * n,
            blobs=[""] * n,
        )
    )
    return accepted.call_id, accepted.input_ids


# Claim and release --------------------------------------------------------------------------


def test_it_claims_pending_inputs_of_the_tasks_own_function(world):
    a = world["a"]
    rows, live = arun(delivery.claim(a.task.pk, [a.input_id]))
    assert live is True
    assert [(r["id"], r["attempt"], bytes(r["args"])) for r in rows] == [
        (a.input_id, 1, b"opaque pickled args")
    ]
    row = _input(a.input_id)
    assert (row.status, row.attempt, row.task_id) == (InputStatus.RUNNING, 1, a.task.pk)


def test_it_claims_nothing_for_a_settled_task(world):
    a = world["a"]
    Task.objects.filter(pk=a.task.pk).update(status=TaskStatus.FAILED)
    assert delivery.run(delivery.claim(a.task.pk, [a.input_id])) == ([], False)
    assert _input(a.input_id).status == InputStatus.PENDING


def test_it_claims_nothing_of_another_function_or_workspace(world):
    a, b = world["a"], world["b"]
    other_function_task = _task(a.function.__class__.objects.create(**_clone(a.function)))
    for task_id in (b.task.pk, other_function_task.pk):
        rows, live = arun(delivery.claim(task_id, [a.input_id]))
        assert (rows, live) == ([], True)
    row = _input(a.input_id)
    assert (row.status, row.attempt, row.task_id) == (InputStatus.PENDING, 0, None)


def _clone(function: Function) -> dict:
    fields = {f.attname: getattr(function, f.attname) for f in function._meta.concrete_fields}
    return {**fields, "id": new_id("fu"), "name": "another"}


def test_it_skips_inputs_already_claimed_and_keeps_the_order_asked(world):
    a = world["a"]
    _, ids = _map_call(a, 3, closed=True)
    delivery.run(delivery.claim(a.task.pk, [ids[1]]))
    rows, _ = delivery.run(delivery.claim(a.task.pk, [ids[2], ids[1], ids[0]]))
    assert [r["id"] for r in rows] == [ids[2], ids[0]]


def test_a_release_puts_back_only_what_the_task_holds(world):
    a, b = world["a"], world["b"]
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    assert arun(delivery.inputs_released(b.task.pk, [a.input_id])) == []
    assert _input(a.input_id).status == InputStatus.RUNNING
    assert arun(delivery.inputs_released(a.task.pk, [a.input_id])) == [a.input_id]
    row = _input(a.input_id)
    assert (row.status, row.task_id, row.attempt) == (InputStatus.PENDING, None, 1)


# Outputs --------------------------------------------------------------------------------------


def test_an_output_finishes_a_one_input_call_in_the_same_statement(world):
    a = world["a"]
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    written, finished, again = arun(delivery.record_outputs(a.task.pk, [_output(a.input_id, 1)], {}))
    assert [(w["id"], w["status"], w["finished"]) for w in written] == [(a.input_id, "succeeded", True)]
    assert (finished, again) == ([a.call.pk], [])
    call = FunctionCall.objects.get(pk=a.call.pk)
    assert (call.status, call.finished_at is not None) == (CallStatus.SUCCEEDED, True)
    assert bytes(_input(a.input_id).result) == b"result"
    # and an attempt that ends with the input's output is recorded nowhere else
    assert InputAttempt.objects.count() == 0


def test_a_stale_attempt_writes_nothing(world):
    a = world["a"]
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    delivery.run(delivery.inputs_released(a.task.pk, [a.input_id]))
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))  # attempt 2
    assert delivery.run(delivery.record_outputs(a.task.pk, [_output(a.input_id, 1, b"old")], {}))[0] == []
    assert delivery.run(delivery.record_outputs(a.task.pk, [_output(a.input_id, 2, b"new")], {}))[0]
    assert delivery.run(delivery.record_outputs(a.task.pk, [_output(a.input_id, 2, b"again")], {}))[0] == []
    assert bytes(_input(a.input_id).result) == b"new"


def test_another_container_cannot_write_an_inputs_output(world):
    # given A's input running under A's container, at attempt 1
    a, b = world["a"], world["b"]
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    same_workspace = _task(a.function)
    # when B's container, and another container of A's own function, forge its output
    for forger in (b.task.pk, same_workspace.pk):
        written, finished, _ = arun(delivery.record_outputs(forger, [_output(a.input_id, 1, b"forged")], {}))
        # then nothing is written
        assert (written, finished) == ([], [])
    row = _input(a.input_id)
    assert (row.status, row.result) == (InputStatus.RUNNING, None)
    # and the real output still lands
    written, _, _ = arun(delivery.record_outputs(a.task.pk, [_output(a.input_id, 1, b"real")], {}))
    assert [w["id"] for w in written] == [a.input_id]
    assert bytes(_input(a.input_id).result) == b"real"


def test_an_exception_with_retries_left_goes_back_to_pending(world):
    a = world["a"]
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    failing = _output(a.input_id, 1, b"tb", kind="exception")
    written, finished, again = delivery.run(delivery.record_outputs(a.task.pk, [failing], {"max_retries": 1}))
    assert (written, finished, again) == ([], [], [{"id": a.input_id, "used": 1}])
    row = _input(a.input_id)
    assert (row.status, row.retries_used, row.task_id) == (InputStatus.PENDING, 1, None)
    # and the attempt is history, with how it ended, in the same transition
    assert _history(a.input_id) == [(1, a.task.pk, "failed", "")]
    # the retry's own failure is terminal: the retries are spent
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    written, _, again = delivery.run(
        delivery.record_outputs(
            a.task.pk, [_output(a.input_id, 2, b"tb", kind="exception")], {"max_retries": 1}
        )
    )
    assert ([w["status"] for w in written], again) == (["failed"], [])
    # and the last attempt is the input itself: the history holds the first only
    assert _history(a.input_id) == [(1, a.task.pk, "failed", "")]


def test_a_retried_attempt_keeps_its_traceback_and_a_timeout_says_so(world):
    import pickle

    a = world["a"]
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    traceback = 'Traceback (most recent call last):\n  File "mod.py", line 1\nValueError: boom\n'
    failing = {**_output(a.input_id, 1, pickle.dumps(("ValueError", traceback)), kind="exception")}
    failing["message"] = "ValueError: boom"
    arun(delivery.record_outputs(a.task.pk, [failing], {"max_retries": 2}))
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    timed_out = {
        **_output(a.input_id, 2, b"", kind="error", cause="timeout"),
        "message": "ran past its timeout",
    }
    arun(delivery.record_outputs(a.task.pk, [timed_out], {"max_retries": 2}))
    rows = list(InputAttempt.objects.filter(input_id=a.input_id).order_by("attempt"))
    assert [(r.attempt, r.outcome, r.cause, r.message) for r in rows] == [
        (1, "failed", "", "ValueError: boom"),
        (2, "timed_out", "timeout", "ran past its timeout"),
    ]
    assert rows[0].traceback == traceback and rows[1].traceback == ""
    assert rows[0].started_at is not None and rows[0].ended_at >= rows[0].started_at


def test_errors_take_the_status_of_their_cause():
    assert delivery.terminal_status("error", "timeout") == InputStatus.TIMED_OUT
    assert delivery.terminal_status("error", "cancelled") == InputStatus.CANCELLED
    assert delivery.terminal_status("error", "serialization") == InputStatus.FAILED
    assert delivery.terminal_status("exception", "") == InputStatus.FAILED
    assert delivery.terminal_status("value", "") == InputStatus.SUCCEEDED


def test_a_map_finishes_once_closed_and_its_last_input_is_done(world):
    a = world["a"]
    call_id, ids = _map_call(a, 2, closed=False)
    delivery.run(delivery.claim(a.task.pk, ids))
    _, finished, _ = delivery.run(delivery.record_outputs(a.task.pk, [_output(i, 1) for i in ids], {}))
    assert finished == []  # still open: the client may add inputs
    delivery.run(
        delivery.add_inputs(
            call_id=call_id,
            workspace_id=a.function.workspace_id,
            function_id=a.function.id,
            kind="map",
            method="",
            start_idx=2,
            input_ids=[],
            args=[],
            blobs=[],
            close=True,
        )
    )
    assert delivery.run(delivery.finish_calls([call_id])) == [call_id]
    assert FunctionCall.objects.get(pk=call_id).status == CallStatus.SUCCEEDED
    assert delivery.run(delivery.finish_calls([call_id])) == []  # finished once


def test_a_call_with_a_failed_input_finishes_failed(world):
    a = world["a"]
    call_id, ids = _map_call(a, 2, closed=True)
    delivery.run(delivery.claim(a.task.pk, ids))
    _, finished, _ = delivery.run(
        delivery.record_outputs(a.task.pk, [_output(ids[0], 1), _output(ids[1], 1, kind="exception")], {})
    )
    assert finished == [call_id]
    assert FunctionCall.objects.get(pk=call_id).status == CallStatus.FAILED


def test_a_call_with_a_running_input_is_not_finished(world):
    a = world["a"]
    call_id, ids = _map_call(a, 2, closed=True)
    delivery.run(delivery.claim(a.task.pk, ids))
    _, finished, _ = delivery.run(delivery.record_outputs(a.task.pk, [_output(ids[0], 1)], {}))
    assert finished == []
    assert FunctionCall.objects.get(pk=call_id).finished_at is None


# Generator values -----------------------------------------------------------------------------


def test_generator_values_are_fenced_by_task_and_attempt(world):
    a, b = world["a"], world["b"]
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    assert arun(delivery.record_item(b.task.pk, a.input_id, 1, 0, b"forged")) is False
    assert arun(delivery.record_item(a.task.pk, a.input_id, 2, 0, b"stale")) is False
    assert arun(delivery.record_item(a.task.pk, a.input_id, 1, 0, b"first")) is True
    assert arun(delivery.record_item(a.task.pk, a.input_id, 1, 0, b"repeat")) is False
    assert [
        bytes(d) for d in OutputItem.objects.filter(input_id=a.input_id).values_list("data", flat=True)
    ] == [b"first"]


# Preemption, cancellation, failure ----------------------------------------------------------------


def test_a_requeue_spends_no_retries_and_only_the_holder_may_ask(world):
    a, b = world["a"], world["b"]
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    assert arun(delivery.requeue_preempted(b.task.pk, [{"id": a.input_id, "attempt": 1}])) == []
    assert arun(delivery.requeue_preempted(a.task.pk, [{"id": a.input_id, "attempt": 1}])) == [a.input_id]
    row = _input(a.input_id)
    assert (row.status, row.preemptions, row.retries_used, row.crashes) == (InputStatus.PENDING, 1, 0, 0)
    assert _history(a.input_id) == [(1, a.task.pk, "preempted", "preempted")]
    # a batch's timeout hands the rest back with that reason; a reason it does not know is a preemption
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    arun(delivery.requeue_preempted(a.task.pk, [{"id": a.input_id, "attempt": 2}], "timeout"))
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    arun(delivery.requeue_preempted(a.task.pk, [{"id": a.input_id, "attempt": 3}], "<script>"))
    assert [h[3] for h in _history(a.input_id)] == ["preempted", "timeout", "preempted"]


def test_a_cancel_ends_unfinished_inputs_and_reports_the_running_ones(world):
    a = world["a"]
    call_id, ids = _map_call(a, 3, closed=True)
    delivery.run(delivery.claim(a.task.pk, ids[:2]))
    delivery.run(delivery.record_outputs(a.task.pk, [_output(ids[0], 1)], {}))
    cancelled = delivery.run(delivery.cancel_call(call_id))
    assert {(c["id"], c["status"], c["task_id"]) for c in cancelled} == {
        (ids[1], InputStatus.RUNNING, a.task.pk),
        (ids[2], InputStatus.PENDING, None),
    }
    assert [_input(i).status for i in ids] == [
        InputStatus.SUCCEEDED,
        InputStatus.CANCELLED,
        InputStatus.CANCELLED,
    ]
    call = FunctionCall.objects.get(pk=call_id)
    assert (call.status, call.closed) == (CallStatus.CANCELLED, True)
    # the cancelled input's late output is refused
    assert delivery.run(delivery.record_outputs(a.task.pk, [_output(ids[1], 1)], {}))[0] == []
    assert delivery.run(delivery.cancel_call(call_id)) == []


def test_failing_pending_inputs_finishes_their_calls_failed(world):
    a = world["a"]
    calls = delivery.run(delivery.fail_pending(a.function.id, cause="no_capacity", message="no GPU"))
    assert calls == [a.call.pk]
    row = _input(a.input_id)
    assert (row.status, row.cause, row.message) == (InputStatus.FAILED, "no_capacity", "no GPU")
    assert FunctionCall.objects.get(pk=a.call.pk).status == CallStatus.FAILED


# Accept --------------------------------------------------------------------------------------


def test_an_idempotency_key_accepts_a_call_once(world):
    a = world["a"]

    def accept():
        return delivery.run(
            delivery.accept_call(
                call_id=new_id("fc"),
                workspace_id=a.function.workspace_id,
                function_id=a.function.id,
                user_id=None,
                kind="map",
                method="",
                idempotency_key="k-1",
                closed=True,
                input_ids=[new_id("in"), new_id("in")],
                args=[b"1", b"2"],
                blobs=["", ""],
            )
        )

    first, second = accept(), accept()
    assert (first.created, second.created) == (True, False)
    assert (second.call_id, second.input_ids) == (first.call_id, first.input_ids)
    assert Input.objects.filter(call_id=first.call_id).count() == 2


def _accept_one(
    side: Side, call_id: str, input_id: str, *, key: str | None = None, retrying: bool = False, function=None
):
    return arun(
        delivery.accept_one(
            call_id=call_id,
            input_id=input_id,
            workspace_id=side.function.workspace_id,
            function_id=(function or side.function).id,
            user_id=side.call.created_by_id,
            kind="remote",
            method="",
            args=b"args",
            idempotency_key=key,
            max_pending=1000,
            max_outstanding=1000,
            retrying=retrying,
        )
    )


def test_a_retried_one_input_accept_finds_the_call_it_committed(world):
    # given a statement that committed, though its connection dropped before the answer came
    a = world["a"]
    call_id, input_id = new_id("fc"), new_id("in")
    assert _accept_one(a, call_id, input_id)["inserted"] == 1
    # when it is run again with the same ids
    again = _accept_one(a, call_id, input_id, retrying=True)
    # then the call it made is the answer, and there is still one call
    assert again is not None and again["name"] == a.function.name
    assert FunctionCall.objects.filter(pk=call_id).count() == 1
    assert Input.objects.filter(call_id=call_id).count() == 1


def test_a_one_input_accept_refuses_a_used_key_and_a_foreign_function(world):
    a, b = world["a"], world["b"]
    assert _accept_one(a, new_id("fc"), new_id("in"), key="once") is not None
    assert _accept_one(a, new_id("fc"), new_id("in"), key="once") is None
    assert _accept_one(a, new_id("fc"), new_id("in"), function=b.function) is None
    assert FunctionCall.objects.filter(function=b.function).count() == 1


def _add(side: Side, call_id: str, start: int, n: int, *, close: bool) -> delivery.Added:
    return delivery.run(
        delivery.add_inputs(
            call_id=call_id,
            workspace_id=side.function.workspace_id,
            function_id=side.function.id,
            kind="map",
            method="",
            start_idx=start,
            input_ids=[new_id("in") for _ in range(n)],
            args=[b"x"] * n,
            blobs=[""] * n,
            close=close,
        )
    )


def test_a_late_duplicate_batch_never_reopens_a_closed_call(world):
    # given a map sent in two batches, the second closing it
    a = world["a"]
    call_id, _ = _map_call(a, 0, closed=False)
    first = _add(a, call_id, 0, 2, close=False)
    last = _add(a, call_id, 2, 1, close=True)
    assert (first.was_open, last.was_open) == (True, True)
    # when the first batch arrives again, late (its first answer was lost)
    again = _add(a, call_id, 0, 2, close=False)
    # then it gets the ids it had, inserts nothing, and the call stays closed
    assert (again.input_ids, again.new_ids, again.was_open) == (first.input_ids, [], False)
    call = FunctionCall.objects.get(pk=call_id)
    assert (call.closed, call.input_count) == (True, 3)
    # and a batch that was never sent is refused (fewer ids than inputs)
    assert _add(a, call_id, 3, 1, close=False).input_ids == []


# Containers ----------------------------------------------------------------------------------


def test_a_container_starts_once_and_proves_its_token(world):
    a = world["a"]
    task = _task(a.function, status=TaskStatus.PENDING)
    assert delivery.run(delivery.task_starting(task.pk, "h" * 64)) is True
    assert delivery.run(delivery.task_starting(task.pk, "other")) is False  # a redelivered start
    assert arun(delivery.task_hello(task.pk, "x" * 64)) is None
    hello = arun(delivery.task_hello(task.pk, "h" * 64))
    assert hello["function_id"] == a.function.id and isinstance(hello["retries"], dict)
    assert Task.objects.get(pk=task.pk).status == TaskStatus.RUNNING
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.STOPPED)
    assert arun(delivery.task_hello(task.pk, "h" * 64)) is None


def test_a_container_that_could_not_start_fails_with_the_reason(world):
    task = _task(world["a"].function, status=TaskStatus.STARTING)
    delivery.run(delivery.task_start_failed(task.pk, "no such image"))
    task.refresh_from_db()
    assert (task.status, task.cause, task.message) == (TaskStatus.FAILED, "start_failed", "no such image")


def test_containers_that_never_came_up_time_out(world):
    fresh = _task(world["a"].function, status=TaskStatus.STARTING)
    old = _task(world["a"].function, status=TaskStatus.PENDING)
    Task.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(minutes=5))
    assert delivery.run(delivery.tasks_start_timed_out(120)) == [old.pk]
    assert Task.objects.get(pk=fresh.pk).status == TaskStatus.STARTING
    assert Task.objects.get(pk=old.pk).cause == "start_timeout"


def test_stopping_and_losing_apply_to_live_containers_only(world):
    a = world["a"]
    assert delivery.run(delivery.task_stopping(a.task.pk, "scaled_down")) is True
    assert Task.objects.get(pk=a.task.pk).status == TaskStatus.STOPPING
    Task.objects.filter(pk=a.task.pk).update(status=TaskStatus.STOPPED)
    assert delivery.run(delivery.task_stopping(a.task.pk, "scaled_down")) is False
    assert delivery.run(delivery.task_lost(a.task.pk)) is False
    assert delivery.run(delivery.task_lost(world["b"].task.pk)) is True


def test_a_crash_spends_a_retry_and_the_last_one_fails_the_input(world):
    a = world["a"]
    Function.objects.filter(pk=a.function.pk).update(retries={"max_retries": 1})
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    # when the container crashes
    exited = delivery.run(delivery.task_exited(a.task.pk, exit_code=137, oom=False))
    # then the input runs again, a retry and a crash spent, and the task failed (not OOM: no evidence)
    assert (exited.requeued, exited.failed_calls) == ([a.input_id], [])
    row = _input(a.input_id)
    assert (row.status, row.retries_used, row.crashes, row.preemptions) == (InputStatus.PENDING, 1, 1, 0)
    task = Task.objects.get(pk=a.task.pk)
    assert (task.status, task.cause, task.exit_code) == (TaskStatus.FAILED, "container_crash", 137)
    assert _history(a.input_id) == [(1, a.task.pk, "crashed", "container_crash")]
    assert "killed by signal 9" in InputAttempt.objects.get(input_id=a.input_id).message
    # and when its second container crashes too, the input fails with the cause
    second = _task(a.function)
    delivery.run(delivery.claim(second.pk, [a.input_id]))
    exited = delivery.run(delivery.task_exited(second.pk, exit_code=137, oom=False))
    assert exited.failed_calls == [a.call.pk]
    row = _input(a.input_id)
    assert (row.status, row.cause) == (InputStatus.FAILED, "container_crash")
    assert "killed by signal 9" in row.message
    assert FunctionCall.objects.get(pk=a.call.pk).status == CallStatus.FAILED
    # a second report of the same end changes nothing
    assert delivery.run(delivery.task_exited(second.pk, exit_code=137, oom=False)).requeued == []


def test_an_oom_is_reported_only_on_evidence(world):
    a = world["a"]
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    delivery.run(delivery.task_exited(a.task.pk, exit_code=137, oom=True))
    row = _input(a.input_id)
    assert (row.status, row.cause) == (InputStatus.FAILED, "oom")
    assert "exceeded its memory limit of 128 MiB" in row.message


def test_a_platform_stop_requeues_without_spending_retries(world):
    a = world["a"]
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    delivery.run(delivery.task_stopping(a.task.pk, "scaled_down"))
    exited = delivery.run(delivery.task_exited(a.task.pk, exit_code=0, oom=False))
    assert exited.requeued == [a.input_id]
    row = _input(a.input_id)
    assert (row.status, row.retries_used, row.crashes, row.preemptions) == (InputStatus.PENDING, 0, 0, 1)
    task = Task.objects.get(pk=a.task.pk)
    assert (task.status, task.cause) == (TaskStatus.STOPPED, "scaled_down")
    assert _history(a.input_id) == [(1, a.task.pk, "preempted", "scaled_down")]
    assert "scaled the function down" in InputAttempt.objects.get(input_id=a.input_id).message


def test_an_exit_leaves_inputs_another_container_holds_alone(world):
    a = world["a"]
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    exited = delivery.run(delivery.task_exited(world["b"].task.pk, exit_code=1, oom=False))
    assert exited.requeued == [] and _input(a.input_id).status == InputStatus.RUNNING
    assert delivery.run(delivery.task_exited("ta-missing", exit_code=1, oom=False)) is None


def test_calls_start_and_containers_count_what_they_served(world):
    a = world["a"]
    arun(delivery.calls_started([a.call.pk], {a.task.pk: 3}))
    assert FunctionCall.objects.get(pk=a.call.pk).status == CallStatus.RUNNING
    assert Task.objects.get(pk=a.task.pk).inputs_served == 3


def test_an_idle_container_may_leave_only_above_the_minimum(world):
    a = world["a"]
    assert arun(delivery.may_scale_down(a.function.id, 1)) is False
    _task(a.function)
    assert arun(delivery.may_scale_down(a.function.id, 1)) is True


def test_stranded_inputs_are_pushed_again_only_for_an_empty_queue(world):
    a, b = world["a"], world["b"]
    Input.objects.update(enqueued_at=timezone.now() - timedelta(minutes=1))
    lengths = {a.function.id: 0, b.function.id: 5}
    stranded = delivery.run(delivery.requeue_stranded(15, lambda ids: lengths))
    assert stranded == {a.function.id: [a.input_id]}
    assert _input(a.input_id).enqueued_at > timezone.now() - timedelta(seconds=30)
    assert _input(b.input_id).enqueued_at < timezone.now() - timedelta(seconds=30)


def test_a_task_is_created_pending_on_its_host(world):
    a = world["a"]
    host = Host.objects.create(name="placement-host", cpu=2, memory=2048)
    task_id = delivery.run(
        delivery.task_create(
            task_id=new_id("ta"),
            workspace_id=a.function.workspace_id,
            function_id=a.function.id,
            host_id=host.pk,
        )
    )
    task = Task.objects.get(pk=task_id)
    assert (task.status, task.host_id, task.function_id) == (TaskStatus.PENDING, host.pk, a.function.id)


def test_a_starting_container_records_its_id_and_a_leaving_one_its_reason(world):
    task = _task(world["a"].function, status=TaskStatus.STARTING)
    delivery.run(delivery.task_container(task.pk, "c0ffee"))
    delivery.run(delivery.task_reason(task.pk, "import_failed", "No module named 'numpy'"))
    task.refresh_from_db()
    assert (task.container_id, task.cause, task.message) == (
        "c0ffee",
        "import_failed",
        "No module named 'numpy'",
    )
    # a container that is no longer starting keeps the id it had
    Task.objects.filter(pk=task.pk).update(status=TaskStatus.STOPPED)
    delivery.run(delivery.task_container(task.pk, "other"))
    assert Task.objects.get(pk=task.pk).container_id == "c0ffee"


def test_outputs_past_retention_expire_and_name_their_blobs(world):
    a = world["a"]
    delivery.run(delivery.claim(a.task.pk, [a.input_id]))
    delivery.run(delivery.record_outputs(a.task.pk, [{**_output(a.input_id, 1), "blob": "b" * 64}], {}))
    # not yet: finished just now
    assert delivery.run(delivery.outputs_expired(timezone.now() - timedelta(days=7), 10)) == (0, [])
    expired, blobs = delivery.run(delivery.outputs_expired(timezone.now() + timedelta(seconds=1), 10))
    assert (expired, blobs) == (1, ["b" * 64])
    row = _input(a.input_id)
    assert (row.result_kind, row.result, row.result_blob, row.status) == (
        "expired",
        None,
        "",
        InputStatus.SUCCEEDED,
    )
    assert delivery.run(delivery.outputs_expired(timezone.now() + timedelta(seconds=1), 10)) == (0, [])
