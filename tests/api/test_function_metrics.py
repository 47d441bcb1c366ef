"""A function's metrics (GET /functions/{id}/metrics/): counts and buckets computed in SQL from the
inputs, containers, meters and versions of every version of the function's name."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps import deployments
from apps.models import AppVersion
from billing.models import PriceTable, UsageRecord
from functions import metrics
from functions import services as function_services
from functions.models import Function, FunctionCall, Input, Task

from .support import source_tar

STEP = timedelta(minutes=1)


def _deploy(member, release: int):
    content = source_tar(f"def square(x):\n    return x * {release}\n")
    sha = hashlib.sha256(content).hexdigest()
    function_services.mount_store(workspace=member.workspace, sha256=sha, content=content)
    spec = {"name": "square", "module": "mod", "qualname": "square", "mount_sha256": sha}
    return deployments.app_deploy(
        workspace=member.workspace, user=member.user, name="charted", environment=None, functions=[spec]
    )


def _input(function, at: datetime, *, status: str, queued: float = 0.5, ran: float | None = 2.0, task=None):
    call = FunctionCall.objects.create(
        workspace=function.workspace, function=function, status=status, input_count=1, created_at=at
    )
    started = at + timedelta(seconds=queued) if queued is not None else None
    finished = started + timedelta(seconds=ran) if started and ran is not None else None
    if started is None and status not in ("pending", "running"):
        finished = at + timedelta(seconds=1)  # cancelled before it started
    return Input.objects.create(
        workspace=function.workspace,
        call=call,
        function=function,
        idx=0,
        args=b"",
        status=status,
        created_at=at,
        started_at=started,
        finished_at=finished,
        attempt=1 if started else 0,
        task=task,
    )


def _now() -> datetime:
    """A minute boundary of the recent past plus 30 s: buckets are [t, t + 1 min)."""
    aligned = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=5)
    return aligned + timedelta(seconds=30)


def test_it_counts_inputs_outcomes_latency_and_queue_time_per_bucket(trio):
    # given two versions of a function: v1's inputs two minutes ago, v2's in the current minute
    v1 = _deploy(trio.alice, 1)
    old = Function.objects.get(version=v1.version)
    v2 = _deploy(trio.alice, 2)
    new = Function.objects.get(version=v2.version)
    now = _now()
    current = now.replace(second=0)
    earlier = current - 2 * STEP
    _input(old, earlier + timedelta(seconds=1), status="succeeded", queued=1.0, ran=1.0)
    _input(old, earlier + timedelta(seconds=2), status="failed", queued=1.0, ran=3.0)
    for i in range(3):
        _input(new, current + timedelta(seconds=i), status="succeeded", queued=0.5, ran=2.0 + i)
    _input(new, current + timedelta(seconds=20), status="pending", queued=None)
    _input(new, current + timedelta(seconds=5), status="cancelled", queued=None, ran=None)
    AppVersion.objects.filter(pk=v1.version.pk).update(created_at=earlier - timedelta(seconds=30))
    AppVersion.objects.filter(pk=v2.version.pk).update(created_at=current - timedelta(seconds=30))
    # when
    found = metrics.function_metrics(new, "1h", now=now)
    # then the window is 60 one-minute buckets, the last one holding now
    assert (found.step_seconds, len(found.times)) == (60, 60)
    assert found.times[-1] == current
    series = found.series
    last, two_ago = 59, 57
    assert series["inputs_per_second"][last] == round(5 / 60, 4)
    assert series["inputs_per_second"][two_ago] == round(2 / 60, 4)
    assert (series["succeeded"][last], series["failed"][last]) == (3, 0)
    assert (series["succeeded"][two_ago], series["failed"][two_ago]) == (1, 1)
    assert series["success_rate"][two_ago] == 0.5
    assert series["success_rate"][last] == 1.0
    assert series["success_rate"][10] is None  # nothing finished then
    assert series["latency_p50"][last] == 3.0
    assert series["latency_p95"][last] == 3.9
    assert series["queue_p50"][last] == 0.5
    assert series["pending"][last] == 1  # the pending one, at now
    assert series["running"][last] == 0
    assert found.totals == {"inputs": 7, "succeeded": 4, "failed": 1}
    # and both deploys are marked
    assert [d["version"] for d in found.deploys] == [1, 2]
    assert found.deploys[0]["by"] == "alice"


def test_it_charts_containers_cold_starts_pending_running_and_usage(trio):
    function = Function.objects.get(version=_deploy(trio.alice, 1).version)
    now = _now()
    current = now.replace(second=0)
    # a container asked for 3 minutes ago, running after 4 s, still live; one that stopped 2 minutes ago
    live = Task.objects.create(
        workspace=function.workspace,
        function=function,
        status="running",
        created_at=current - 3 * STEP,
        started_at=current - 3 * STEP + timedelta(seconds=4),
    )
    Task.objects.create(
        workspace=function.workspace,
        function=function,
        status="stopped",
        created_at=current - 10 * STEP,
        started_at=current - 10 * STEP + timedelta(seconds=2),
        stopped_at=current - 2 * STEP + timedelta(seconds=1),
    )
    # an input running on it since 3 minutes ago
    _input(
        function,
        current - 3 * STEP + timedelta(seconds=10),
        status="running",
        queued=1.0,
        ran=None,
        task=live,
    )
    # an input made two hours ago, before the window, still waiting
    _input(function, current - timedelta(hours=2), status="pending", queued=None)
    # 30 core-seconds and 60 GiB-seconds metered in the last minute
    price = PriceTable.objects.create(version=9_999, prices={})
    UsageRecord.objects.create(
        key="metrics-test",
        workspace=function.workspace,
        app=function.app,
        function=function,
        task=live,
        hour=current.replace(minute=0),
        start=current + timedelta(seconds=1),
        seconds=20,
        cpu_seconds=30,
        cpu_used_seconds=30,
        memory_gib_seconds=60,
        price=price,
    )
    # when read through the API by a member
    response = trio.bob.api.get(f"/api/v1/functions/{function.id}/metrics/", {"window": "1h"})
    assert response.status_code == 200, response.content[:300]
    found = metrics.function_metrics(function, "1h", now=now)
    # then
    s = found.series
    assert s["cold_starts"][56] == 1 and s["cold_start_p50"][56] == 4.0
    assert s["cold_starts"][49] == 1 and s["cold_start_p50"][49] == 2.0
    assert s["containers"][47] == 0  # before either
    assert s["containers"][50] == 1
    assert s["containers"][56] == 2  # both live at the end of that minute
    assert s["containers"][57] == 1  # the older one stopped during it
    assert s["running"][55] == 0 and s["running"][56] == 1 and s["running"][59] == 1
    assert s["pending"][0] == 1 and s["pending"][59] == 1  # waiting since before the window
    assert s["cpu_cores"][59] == 0.5 and s["memory_gib"][59] == 1.0
    assert s["cpu_cores"][58] is None
    body = response.json()
    assert set(body["series"]) == set(metrics.SERIES)
    assert len(body["times"]) == 60 and all(len(v) == 60 for v in body["series"].values())


def test_it_reads_a_window_in_a_fixed_number_of_queries_whatever_the_calls(trio):
    function = Function.objects.get(version=_deploy(trio.alice, 1).version)
    now = timezone.now()
    for i in range(40):
        _input(function, now - timedelta(minutes=i * 7), status="succeeded")
    for window, (length, step) in metrics.WINDOWS.items():
        with CaptureQueriesContext(connection) as queries:
            found = metrics.function_metrics(function, window)
        assert len(queries) == 4, window  # inputs, containers, meters, versions
        assert len(found.times) == int(length / step)
    assert metrics.function_metrics(function, "7d").totals["inputs"] == 40


def test_it_refuses_an_unknown_window_with_a_field_error(trio, objects_a):
    response = trio.alice.api.get(f"/api/v1/functions/{objects_a.function.id}/metrics/", {"window": "2h"})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "window"
