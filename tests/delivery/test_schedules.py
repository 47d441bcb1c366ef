"""Schedules against the real PostgreSQL: a tick fires once, missed ticks, and what a deploy does.

The scheduler's transition (`delivery.fire_schedule`, through `schedules.fire_tick` and
`fire_due`) runs as the Celery task runs it; two schedulers are two threads, each on its own
database connection.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps import deployments
from config.errors import ApiError
from functions import schedules
from functions import services as function_services
from functions.models import Function, FunctionCall, Input
from tests.api.support import make_member, source_tar

HOURLY = {"cron": "0 * * * *", "timezone": "UTC"}


def _period(**units) -> dict:
    return {"period": {"years": 0, "months": 0, "weeks": 0, "days": 0, "hours": 0, "minutes": 0,
                       "seconds": 0.0, **units}}  # fmt: skip


@pytest.fixture
def member(transactional_db):
    return make_member("alice")


def _deploy(member, *, code: str = "v1", name: str = "scheduled", **schedules_by_function):
    content = source_tar(f"def tick():\n    return {code!r}\n")
    mount = function_services.mount_store(
        workspace=member.workspace, sha256=hashlib.sha256(content).hexdigest(), content=content
    )
    specs = [
        {"name": fn, "module": "mod", "qualname": "tick", "mount_sha256": mount.sha256, "schedule": schedule}
        for fn, schedule in schedules_by_function.items()
    ]
    return deployments.app_deploy(
        workspace=member.workspace, user=member.user, name=name, environment=None, functions=specs
    )


def _function(deployed, name: str) -> Function:
    return Function.objects.get(version=deployed.version, name=name, variant_key="")


def _make_due(function: Function, due) -> None:
    Function.objects.filter(pk=function.pk).update(next_run_at=due)


def _scheduled_calls(function: Function) -> list[FunctionCall]:
    return list(FunctionCall.objects.filter(function=function, kind="schedule"))


def test_a_tick_two_schedulers_fire_at_once_makes_one_call(member):
    function = _function(_deploy(member, every=_period(minutes=1)), "every")
    due = timezone.now() - timedelta(seconds=1)
    _make_due(function, due)
    barrier = threading.Barrier(2)
    results: list = []

    def scheduler() -> None:
        try:
            barrier.wait()
            results.append(schedules.fire_tick(function_id=function.pk, schedule=function.schedule, due=due))
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    fired = [r for r in results if r is not None]
    assert len(results) == 2 and len(fired) == 1
    [call] = _scheduled_calls(function)
    assert call.id == fired[0].call_id and call.input_count == 1
    [row] = Input.objects.filter(call=call)
    assert bytes(row.args) == schedules.EMPTY_ARGS and row.status == "pending"
    function.refresh_from_db()
    assert (function.last_run_at, function.last_run_call_id) == (due, call.id)
    assert function.next_run_at == due + timedelta(minutes=1)
    # the same tick again (a scheduler restarted after its commit) fires nothing
    assert schedules.fire_tick(function_id=function.pk, schedule=function.schedule, due=due) is None
    assert len(_scheduled_calls(function)) == 1


def test_a_tick_missed_long_ago_fires_once_and_the_next_is_in_the_future(member):
    deployed = _deploy(member, every=_period(minutes=1), hourly=HOURLY)
    every, hourly = _function(deployed, "every"), _function(deployed, "hourly")
    now = timezone.now()
    # down for three days: the ticks in between are skipped, the first fires once
    _make_due(every, now - timedelta(days=3, seconds=30))
    _make_due(hourly, now - timedelta(days=3))
    fired = schedules.fire_due(horizon=0)
    assert sorted(f.call_id for f in fired) == sorted(
        c.id for c in _scheduled_calls(every) + _scheduled_calls(hourly)
    )
    assert len(_scheduled_calls(every)) == len(_scheduled_calls(hourly)) == 1
    every.refresh_from_db()
    hourly.refresh_from_db()
    # a Period keeps its rhythm: the first tick after now of due + k minutes
    assert every.next_run_at == now - timedelta(days=3, seconds=30) + timedelta(minutes=4321)
    assert timezone.now() < every.next_run_at
    # a Cron: its next time after now
    assert timezone.now() < hourly.next_run_at <= timezone.now() + timedelta(hours=1)
    assert (hourly.next_run_at.minute, hourly.next_run_at.second) == (0, 0)
    assert schedules.fire_due(horizon=0) == []


def test_a_period_starts_again_at_each_deploy_and_a_cron_keeps_its_times(member):
    first = _deploy(member, every=_period(hours=1), hourly=HOURLY)
    every1, hourly1 = _function(first, "every"), _function(first, "hourly")
    assert first.version.created_at + timedelta(hours=1) <= every1.next_run_at
    assert every1.next_run_at <= timezone.now() + timedelta(hours=1)
    period_before, cron_before = every1.next_run_at, hourly1.next_run_at
    second = _deploy(member, code="v2", every=_period(hours=1), hourly=HOURLY)
    assert second.changed
    every1.refresh_from_db()
    hourly1.refresh_from_db()
    every2, hourly2 = _function(second, "every"), _function(second, "hourly")
    # the old version's schedules stop; the new version's Period counts from its deploy
    assert every1.next_run_at is None and hourly1.next_run_at is None
    assert every2.next_run_at == every1.retired_at + timedelta(hours=1)
    assert every2.next_run_at > period_before
    # the Cron's next time is the one it had
    assert hourly2.next_run_at == cron_before


def test_a_cron_tick_due_when_a_redeploy_came_fires_for_the_new_version(member):
    first = _deploy(member, hourly=HOURLY)
    hourly1 = _function(first, "hourly")
    due = timezone.now() - timedelta(minutes=5)
    _make_due(hourly1, due)
    second = _deploy(member, code="v2", hourly=HOURLY)
    hourly2 = _function(second, "hourly")
    assert hourly2.next_run_at == due
    # the old function no longer fires it; the new one does, once
    assert schedules.fire_tick(function_id=hourly1.pk, schedule=HOURLY, due=due) is None
    assert [f.call_id for f in schedules.fire_due(horizon=0)] == [c.id for c in _scheduled_calls(hourly2)]
    assert _scheduled_calls(hourly1) == []


def test_a_rollback_starts_the_period_again_and_a_stop_ends_the_schedules(member):
    first = _deploy(member, every=_period(minutes=10))
    second = _deploy(member, code="v2", every=_period(minutes=10))
    version = deployments.app_rollback(app=first.app, user=member.user, number=1)
    rolled = Function.objects.get(version=version, name="every")
    replaced = Function.objects.get(version=second.version)
    assert rolled.next_run_at == replaced.retired_at + timedelta(minutes=10)
    assert Function.objects.filter(app=first.app, next_run_at__isnull=False).count() == 1
    due = timezone.now() - timedelta(seconds=1)
    _make_due(rolled, due)
    function_services.app_stop(app=first.app)
    assert Function.objects.filter(app=first.app, next_run_at__isnull=False).count() == 0
    # a scheduler that read the tick before the stop fires nothing after it
    assert schedules.fire_tick(function_id=rolled.pk, schedule=rolled.schedule, due=due) is None
    assert _scheduled_calls(rolled) == []


def test_a_schedule_is_part_of_what_a_version_runs(member):
    assert _deploy(member, every=_period(hours=1)).changed
    assert not _deploy(member, every=_period(hours=1)).changed
    changed = _deploy(member, every=_period(hours=2))
    assert changed.changed and changed.version.number == 2
    assert changed.version.spec["functions"][0]["schedule"] == _period(hours=2)
    assert _deploy(member, every=None).changed


def test_run_now_makes_one_call_and_leaves_the_schedule_as_it_was(member):
    function = _function(_deploy(member, every=_period(hours=1)), "every")
    call = schedules.run_now(function=function, user=member.user)
    function.refresh_from_db()
    assert (call.kind, call.input_count, function.last_run_call_id) == ("schedule", 1, call.id)
    assert function.next_run_at > timezone.now() + timedelta(minutes=59)
    unscheduled = _function(_deploy(member, name="plain", plain=None), "plain")
    with pytest.raises(ApiError, match="has no schedule"):
        schedules.run_now(function=unscheduled, user=member.user)


def test_a_served_apps_schedule_fires_until_the_app_stops(member):
    # given an app `skylift serve` runs (an ephemeral app deployed in place), with a schedule
    content = source_tar("def tick():\n    return 'served'\n")
    mount = function_services.mount_store(
        workspace=member.workspace, sha256=hashlib.sha256(content).hexdigest(), content=content
    )
    served = deployments.app_deploy(
        workspace=member.workspace,
        user=member.user,
        name="served",
        environment=None,
        ephemeral=True,
        functions=[
            {"name": "every", "module": "mod", "qualname": "tick", "mount_sha256": mount.sha256,
             "schedule": _period(minutes=1)}
        ],
    )  # fmt: skip
    function = _function(served, "every")
    assert served.app.state == "ephemeral" and function.next_run_at is not None
    # when a tick is due, then the scheduler fires it
    due = timezone.now() - timedelta(seconds=1)
    _make_due(function, due)
    fired = schedules.fire_due(horizon=0)
    assert [f.call_id for f in fired] == [c.id for c in _scheduled_calls(function)] and len(fired) == 1
    # and once the app is stopped (Ctrl-C), nothing fires any more
    function_services.app_stop(app=served.app)
    _make_due(function, timezone.now() - timedelta(seconds=1))
    assert schedules.fire_due(horizon=0) == []
    assert len(_scheduled_calls(function)) == 1
