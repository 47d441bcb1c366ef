"""The calls table's rows (GET /calls/), a call's report (GET /calls/{id}/report/), retry
(POST /calls/{id}/retry/), and the apps list's facts (GET /apps/)."""

from __future__ import annotations

from datetime import timedelta

import cloudpickle
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps import services as app_services
from functions import call_reports, delivery
from functions import services as function_services
from functions.models import Function, FunctionCall, Input, InputAttempt, LogLine, Task


def _exception_body(message: str) -> bytes:
    try:
        raise ValueError(message)
    except ValueError as exc:
        import traceback

        return cloudpickle.dumps({"exc": exc, "traceback": traceback.format_exc(), "type": "ValueError"})


def _ran(call: FunctionCall, task: Task, *, status="succeeded", waited=2.0, result_kind="value", body=b"r"):
    """The call's inputs ran on `task`, started `waited` s after they were made, for 1 s."""
    for row in Input.objects.filter(call=call):
        started = row.created_at + timedelta(seconds=waited)
        Input.objects.filter(pk=row.pk).update(
            status=status,
            task=task,
            attempt=2,
            crashes=1,
            started_at=started,
            finished_at=started + timedelta(seconds=1),
            result_kind=result_kind,
            result=body,
            cause="exception" if status == "failed" else "",
            message="ValueError('boom')" if status == "failed" else "",
        )
    FunctionCall.objects.filter(pk=call.pk).update(status=status, finished_at=timezone.now())


def test_the_calls_table_shows_queue_time_cold_start_container_and_attempts(trio, objects_a):
    function = objects_a.function
    call, _ = function_services.call_create(function=function, user=trio.alice.user, args=[b"a", b"b"])
    made = Input.objects.filter(call=call).first().created_at
    # a container asked for before the inputs, ready 1.5 s after them: they waited for it
    task = Task.objects.create(
        workspace=function.workspace,
        function=function,
        status="running",
        created_at=made - timedelta(seconds=1),
        started_at=made + timedelta(seconds=1.5),
    )
    _ran(call, task)
    # when bob lists the function's calls
    with CaptureQueriesContext(connection) as queries:
        response = trio.bob.api.get("/api/v1/calls/", {"function": function.id, "limit": 50})
    # then
    assert response.status_code == 200, response.content[:300]
    rows = {row["id"]: row for row in response.json()["results"]}
    row = rows[call.id]
    assert row["cold_start"] is True
    assert row["task_id"] == task.id
    assert row["attempts"] == 2
    assert row["queue_seconds"] >= 2.0
    never_ran = rows[objects_a.call.id]
    assert (never_ran["cold_start"], never_ran["task_id"], never_ran["queue_seconds"]) == (False, None, None)
    assert len(queries) <= 5  # auth, membership, page: never one per row
    # and the status filter
    failed = trio.bob.api.get("/api/v1/calls/", {"function": function.id, "status": "failed"}).json()
    assert failed["results"] == []


def test_a_calls_report_has_its_inputs_attempts_traceback_logs_and_cold_start(trio, objects_a):
    function = objects_a.function
    call, input_ids = function_services.call_create(function=function, user=trio.alice.user, args=[b"x"])
    made = Input.objects.get(pk=input_ids[0]).created_at
    task = Task.objects.create(
        workspace=function.workspace,
        function=function,
        status="running",
        created_at=made + timedelta(seconds=0.25),
        started_at=made + timedelta(seconds=1.25),
    )
    _ran(call, task, status="failed", waited=1.5, result_kind="exception", body=_exception_body("boom"))
    LogLine.objects.create(
        workspace=function.workspace, app=function.app, function=function, task=task, call=call, text="hello"
    )
    # when
    response = trio.bob.api.get(f"/api/v1/calls/{call.id}/report/")
    # then
    assert response.status_code == 200, response.content[:300]
    report = response.json()
    assert report["counts"] == {"failed": 1}
    (one,) = report["inputs"]
    assert (one["attempts"], one["crashes"], one["cause"]) == (2, 1, "exception")
    assert one["traceback"].startswith("Traceback (most recent call last):")
    assert "ValueError: boom" in one["traceback"]
    assert [line["text"] for line in report["logs"]] == ["hello"]
    cold = report["cold_start"]
    assert cold["cold"] is True
    stages = {s["name"]: s["seconds"] for s in cold["stages"]}
    assert stages == {"container_requested": 0.25, "container_start": 1.0, "input_claimed": 0.25, "run": 1.0}


def test_a_calls_report_lists_each_inputs_attempts_in_order_with_their_causes(trio, objects_a):
    # given an input that raised (retried), lost its container (run again), then failed for good,
    # through the transitions the relay and the host agent use
    function = objects_a.function
    Function.objects.filter(pk=function.pk).update(retries={"max_retries": 3})
    call, (input_id,) = function_services.call_create(function=function, user=trio.alice.user, args=[b"x"])
    first, second, third = (
        Task.objects.create(workspace=function.workspace, function=function, status="running")
        for _ in range(3)
    )
    delivery.run(delivery.claim(first.pk, [input_id]))
    raised = {"id": input_id, "attempt": 1, "kind": "exception", "cause": "exception"}
    raised.update(message="ValueError: first", body=_exception_body("first"))
    delivery.run(delivery.record_outputs(first.pk, [raised], {"max_retries": 3}))
    delivery.run(delivery.claim(second.pk, [input_id]))
    delivery.run(delivery.task_exited(second.pk, exit_code=137, oom=False))
    delivery.run(delivery.claim(third.pk, [input_id]))
    final = {**raised, "attempt": 3, "message": "ValueError: last", "body": _exception_body("last")}
    delivery.run(delivery.record_outputs(third.pk, [final], {"max_retries": 1}))
    # when
    response = trio.bob.api.get(f"/api/v1/calls/{call.id}/report/")
    # then its three attempts come in order, each with how it ended, why and where
    assert response.status_code == 200, response.content[:300]
    (one,) = response.json()["inputs"]
    history = one["attempt_history"]
    assert [(a["attempt"], a["outcome"], a["cause"], a["task_id"]) for a in history] == [
        (1, "failed", "exception", first.pk),
        (2, "crashed", "container_crash", second.pk),
        (3, "failed", "exception", third.pk),
    ]
    assert "ValueError: first" in history[0]["traceback"] and "ValueError: last" in history[2]["traceback"]
    assert "killed by signal 9" in history[1]["message"] and history[1]["traceback"] == ""
    assert all(a["started_at"] and a["ended_at"] for a in history)
    # and the last attempt is the input's own: two rows of history were written, not three
    assert InputAttempt.objects.filter(input_id=input_id).count() == 2


def test_a_pending_input_shows_only_the_attempts_that_ended(trio, objects_a):
    function = objects_a.function
    call, (input_id,) = function_services.call_create(function=function, user=trio.alice.user, args=[b"x"])
    assert trio.bob.api.get(f"/api/v1/calls/{call.id}/report/").json()["inputs"][0]["attempt_history"] == []
    task = Task.objects.create(workspace=function.workspace, function=function, status="running")
    delivery.run(delivery.claim(task.pk, [input_id]))
    running = trio.bob.api.get(f"/api/v1/calls/{call.id}/report/").json()["inputs"][0]["attempt_history"]
    assert [(a["attempt"], a["outcome"], a["ended_at"]) for a in running] == [(1, "running", None)]
    delivery.run(delivery.requeue_preempted(task.pk, [{"id": input_id, "attempt": 1}]))
    waiting = trio.bob.api.get(f"/api/v1/calls/{call.id}/report/").json()["inputs"][0]["attempt_history"]
    assert [(a["attempt"], a["outcome"], a["cause"]) for a in waiting] == [(1, "preempted", "preempted")]


def test_the_traceback_reader_never_unpickles():
    # a pickle that would run code if loaded: only its strings are read
    class Boom:
        def __reduce__(self):
            return (exec, ("raise SystemExit('unpickled')",))

    body = cloudpickle.dumps(
        {"exc": Boom(), "traceback": "Traceback (most recent call last):\n  x", "type": "B"}
    )
    assert call_reports.remote_traceback(body) == "Traceback (most recent call last):\n  x"
    assert call_reports.remote_traceback(b"not a pickle") == ""
    assert call_reports.remote_traceback(None) == ""


def test_retry_makes_a_new_call_with_the_same_inputs(trio, objects_a):
    call, _ = function_services.call_create(
        function=objects_a.function, user=trio.alice.user, args=[b"one", b"two" * 100_000], kind="map"
    )
    # when bob (a member) retries alice's call
    response = trio.bob.api.post(f"/api/v1/calls/{call.id}/retry/")
    # then a new call of the same function carries the same arguments, in order
    assert response.status_code == 201, response.content[:300]
    retried = FunctionCall.objects.get(pk=response.json()["id"])
    assert retried.id != call.id and retried.function_id == call.function_id
    assert (retried.kind, retried.input_count, retried.created_by) == ("map", 2, trio.bob.user)
    old = [
        function_services.blobs.load(k) if k else bytes(a)
        for a, k in call.inputs.order_by("idx").values_list("args", "args_blob")
    ]
    new = [
        function_services.blobs.load(k) if k else bytes(a)
        for a, k in retried.inputs.order_by("idx").values_list("args", "args_blob")
    ]
    assert new == old == [b"one", b"two" * 100_000]
    assert FunctionCall.objects.get(pk=call.pk).status == call.status  # the original is unchanged


def test_retry_refuses_a_call_whose_arguments_expired(trio, objects_a):
    call, _ = function_services.call_create(function=objects_a.function, user=trio.alice.user, args=[b"x"])
    Input.objects.filter(call=call).update(result_kind="expired", args=b"", status="succeeded")
    response = trio.alice.api.post(f"/api/v1/calls/{call.id}/retry/")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "inputs_expired"


def test_cancel_from_the_api_makes_unfinished_inputs_cancelled(trio, objects_a):
    call, _ = function_services.call_create(
        function=objects_a.function, user=trio.alice.user, args=[b"x", b"y"]
    )
    response = trio.alice.api.post(f"/api/v1/calls/{call.id}/cancel/")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert set(Input.objects.filter(call=call).values_list("status", flat=True)) == {"cancelled"}


def test_the_apps_list_shows_deployer_containers_and_error_rate_in_one_query(trio, objects_a):
    deployed = objects_a.deployed
    function = Function.objects.filter(app=deployed, retired_at__isnull=True).first()
    Task.objects.create(workspace=deployed.workspace, function=function, status="running")
    Task.objects.create(workspace=deployed.workspace, function=function, status="stopped")
    call, _ = function_services.call_create(
        function=function, user=trio.alice.user, args=[b"1", b"2", b"3", b"4"]
    )
    rows = list(Input.objects.filter(call=call).order_by("idx"))
    now = timezone.now()
    for row, status in zip(rows, ["succeeded", "failed", "succeeded", "cancelled"], strict=True):
        Input.objects.filter(pk=row.pk).update(status=status, finished_at=now)
    # one input that failed two hours ago does not count
    old, _ = function_services.call_create(function=function, user=trio.alice.user, args=[b"old"])
    Input.objects.filter(call=old).update(status="failed", finished_at=now - timedelta(hours=2))
    for i in range(30):
        app_services.app_create(workspace=trio.alice.workspace, user=trio.alice.user, name=f"filler-{i}")
    # when
    with CaptureQueriesContext(connection) as queries:
        response = trio.bob.api.get("/api/v1/apps/", {"state": "deployed", "limit": 50})
    # then
    assert response.status_code == 200, response.content[:300]
    row = next(a for a in response.json()["results"] if a["id"] == deployed.id)
    assert (row["deployed_by"], row["live_version"]) == ("alice", 2)
    assert row["deployed_at"] is not None
    assert row["running_containers"] == 1
    assert row["inputs_1h"] == 3 and abs(row["error_rate_1h"] - 1 / 3) < 1e-9
    page_queries = [q for q in queries if "skylift_apps_app" in q["sql"]]
    assert len(page_queries) == 2  # the count and the page
    # search and pagination, server-side
    found = trio.bob.api.get("/api/v1/apps/", {"search": "filler-2", "limit": 5}).json()
    assert found["count"] == 1 + 10  # filler-2 and filler-20..29
    assert len(found["results"]) == 5
    second = trio.bob.api.get("/api/v1/apps/", {"search": "filler-2", "limit": 5, "offset": 5}).json()
    assert {a["id"] for a in second["results"]}.isdisjoint({a["id"] for a in found["results"]})
