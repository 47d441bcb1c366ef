"""Budgets against the real PostgreSQL: spend, the cap that stops new containers, alerts once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps import services as app_services
from billing import budgets, metering, prices
from billing.models import Budget, BudgetAlert
from functions import autoscaler
from functions import services as function_services
from functions.models import Function, Input, InputStatus, Task, TaskStatus
from hosts.services import host_register
from tests.api.support import make_member

pytestmark = pytest.mark.django_db

CPU = prices.parse(prices.DEFAULT_FILE.read_text())["cpu"]
MEMORY = prices.parse(prices.DEFAULT_FILE.read_text())["memory"]


@pytest.fixture
def spent():
    """An app whose function ran one container of 1 core and 1 GiB for an hour today."""
    member = make_member("spender")
    app = app_services.app_create(workspace=member.workspace, user=member.user, name="spender")
    function = function_services.function_create(
        app=app,
        spec={"name": "f", "module": "m", "qualname": "f", "serialized": b"x", "cpu": 1, "memory": 1024},
    )
    now = datetime.now(UTC)
    task = Task.objects.create(
        workspace=member.workspace,
        function=function,
        status=TaskStatus.STOPPED,
        started_at=max(now - timedelta(hours=1), now.replace(hour=0, minute=0, second=0, microsecond=0)),
        stopped_at=now,
    )
    metering.meter_task(task.id)
    lived = (task.stopped_at - task.started_at).total_seconds()
    return member, app, function, lived * (CPU + MEMORY)


def test_an_app_at_its_cap_starts_no_container_and_its_inputs_fail_after_the_limit(spent, settings):
    member, app, function, cost = spent
    host_register(name="budget-host")
    settings.SKYLIFT_BUDGET_WAIT_SECONDS = 60
    # given a daily cap of the app below what it spent today, and an input waiting
    Budget.objects.create(workspace=member.workspace, app=app, limit_usd=cost / 2, period="day")
    call, (input_id,) = function_services.call_create(function=function, user=member.user, args=[b"x"])
    # when the autoscaler would start a container
    assert autoscaler.ensure_capacity(function_id=function.id) is None
    # then none starts, and the function says why: the cap, and who may raise it
    reason = Function.objects.get(pk=function.pk).waiting_reason
    assert reason.startswith("The app spender's daily cap of $") and "owner or admin" in reason
    assert Input.objects.get(pk=input_id).status == InputStatus.PENDING
    assert budgets.spend(Budget.objects.get(app=app)) == pytest.approx(cost)
    # when the input has waited past the limit
    Input.objects.filter(pk=input_id).update(enqueued_at=datetime.now(UTC) - timedelta(seconds=61))
    autoscaler.ensure_capacity(function_id=function.id)
    # then it fails as resource_exhausted, naming the cap
    failed = Input.objects.get(pk=input_id)
    assert (failed.status, failed.cause, failed.message) == (InputStatus.FAILED, "resource_exhausted", reason)
    # when the cap is raised above the spend, a new input gets a container
    Budget.objects.filter(app=app).update(limit_usd=cost * 2)
    function_services.call_create(function=function, user=member.user, args=[b"y"])
    autoscaler.ensure_capacity(function_id=function.id)
    assert Task.objects.filter(function=function, status=TaskStatus.PENDING).count() == 1
    assert Function.objects.get(pk=function.pk).waiting_reason == ""


def test_a_workspace_budget_caps_every_app_and_alerts_once_per_threshold(spent):
    member, app, function, cost = spent
    # given a monthly workspace budget of which 85 % is spent
    budget = Budget.objects.create(workspace=member.workspace, limit_usd=cost / 0.85)
    # when alerts are checked twice
    first = budgets.check_alerts()
    again = budgets.check_alerts()
    # then 50 % and 80 % are raised once, and no container is refused yet
    assert sorted(a.threshold for a in first) == [50, 80] and again == []
    assert BudgetAlert.objects.filter(budget=budget).count() == 2
    assert budgets.blocking_cap(member.workspace.id, app.id) is None
    # when the budget is lowered below the spend: 100 % and the cap takes effect at once
    Budget.objects.filter(pk=budget.pk).update(limit_usd=cost / 2)
    assert [a.threshold for a in budgets.check_alerts()] == [100]
    assert budgets.blocking_cap(member.workspace.id, app.id).startswith("The workspace's monthly cap")
