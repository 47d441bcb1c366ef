"""The usage rollups against the real PostgreSQL: kept in step with the records by every kind of
write, and reports read from them equal to reports read from the records."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from apps import services as app_services
from apps.models import App, Environment
from billing import budgets, metering, prices, reports, rollup
from billing.cgroups import Sample
from billing.models import Budget, UsageDay, UsageHour, UsageRecord
from functions import services as function_services
from functions.models import Sandbox, SandboxStatus, Task, TaskStatus
from tests.api.support import make_member

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 2, 27, 21, 40, 10, tzinfo=UTC)  # runs across days, and the end of a month


def _app(member, name: str, environment=None):
    app = app_services.app_create(workspace=member.workspace, user=member.user, name=name)
    if environment is not None:
        type(app).objects.filter(pk=app.pk).update(environment=environment)
        app.refresh_from_db()
    return app


def _function(app, name: str, cpu: float = 0.5, memory: int = 1024):
    return function_services.function_create(
        app=app,
        spec={
            "name": name,
            "module": "m",
            "qualname": name,
            "serialized": b"x",
            "cpu": cpu,
            "memory": memory,
        },
    )


def _run(function, start: datetime, hours: float, gpus=(), gpu_type="", sample=None) -> Task:
    """A task that lived `hours` from `start`, metered in two rounds (two windows per hour crossed)."""
    task = Task.objects.create(
        workspace=function.workspace,
        function=function,
        status=TaskStatus.STOPPED,
        started_at=start,
        stopped_at=start + timedelta(hours=hours),
        gpu_devices=list(gpus),
        gpu_type=gpu_type,
    )
    metering.meter_task(task.id, sample)
    return task


@pytest.fixture
def usage():
    """Two workspaces' usage over three days: apps in two environments, GPUs, a sandbox with and one
    without an app, a price change half-way, and use above the reservation."""
    member = make_member("roller")
    other = make_member("other-roller")
    staging = Environment.objects.create(workspace=member.workspace, name="staging")
    api = _app(member, "api")
    etl = _app(member, "etl", environment=staging)
    serve, train = _function(api, "serve"), _function(etl, "train", cpu=2, memory=4096)
    _run(serve, T0, 27.5)
    _run(train, T0 + timedelta(minutes=7), 3.25, gpus=(0, 1), gpu_type="H100")
    prices.load(prices.DEFAULT_FILE.read_text().replace("cpu = 0.0000131", "cpu = 0.00002"))
    _run(serve, T0 + timedelta(hours=30), 20, sample=Sample(cpu_ns=10**15, memory_bytes=8 * 2**30))
    _run(_function(_app(other, "api"), "serve"), T0, 50)
    for app in (api, None):
        sandbox = Sandbox.objects.create(
            workspace=member.workspace,
            app=app,
            image=_image(member.workspace),
            cpu=1,
            memory=512,
            status=SandboxStatus.STOPPED,
            started_at=T0 + timedelta(hours=5),
            stopped_at=T0 + timedelta(hours=6, minutes=30),
        )
        metering.meter_sandbox(sandbox.id, Sample(cpu_ns=0, memory_bytes=0, disk_bytes=100 * 2**30))
    return member, other, staging


def _image(workspace):
    from builds.models import Image

    return Image.objects.get_or_create(
        workspace=workspace, spec_hash="rollup-test", defaults={"spec": {}, "python_version": "3.11"}
    )[0]


def _same(left: list[dict], right: list[dict]) -> None:
    assert len(left) == len(right)
    for a, b in zip(left, right, strict=True):
        assert {k: v for k, v in a.items() if k not in ("quantity", "cost")} == {
            k: v for k, v in b.items() if k not in ("quantity", "cost")
        }
        assert a["quantity"] == pytest.approx(b["quantity"], rel=1e-9, abs=2e-6)
        assert a["cost"] == pytest.approx(b["cost"], rel=1e-9, abs=2e-8)


RANGES = [
    (T0 - timedelta(days=1), T0 + timedelta(days=5)),  # whole days, and more
    (T0.replace(hour=0, minute=0, second=0), T0.replace(hour=0, minute=0, second=0) + timedelta(days=2)),
    (T0 + timedelta(hours=1, minutes=20), T0 + timedelta(hours=49, minutes=5)),  # parts of days at both ends
    (T0 + timedelta(hours=3), T0 + timedelta(hours=9)),  # inside a day
    (T0 + timedelta(days=30), T0 + timedelta(days=31)),  # no usage
]


@pytest.mark.parametrize("by", reports.BY)
@pytest.mark.parametrize("granularity", reports.GRANULARITY)
def test_reports_from_the_rollups_equal_reports_from_the_records(usage, by, granularity):
    member, _, _ = usage
    for start, end in RANGES:
        from_rollup = reports.usage(member.workspace.id, start=start, end=end, by=by, granularity=granularity)
        from_records = reports.usage(
            member.workspace.id, start=start, end=end, by=by, granularity=granularity, source="records"
        )
        _same(from_rollup, from_records)
    # and the widest range holds every kind, both price versions and the GPU, only this workspace's
    rows = reports.usage(
        member.workspace.id, start=RANGES[0][0], end=RANGES[0][1], by=by, granularity=granularity
    )
    assert {r["kind"] for r in rows} == {"function", "sandbox"}
    assert {r["resource"] for r in rows} == {"cpu", "memory", "gpu:H100", "disk"}
    assert reports.usage(member.workspace.id, start=RANGES[4][0], end=RANGES[4][1], by=by) == []


def test_the_rollups_stay_in_step_through_every_kind_of_write(usage):
    member, other, staging = usage
    hours, days = UsageHour.objects.count(), UsageDay.objects.count()
    assert hours > 50 and days >= 8 and rollup.differences() == []
    # a record rewritten, one deleted, a window written again (the key refuses it)
    record = UsageRecord.objects.filter(workspace=member.workspace, kind="function").order_by("start").first()
    UsageRecord.objects.filter(pk=record.pk).update(seconds=1.0, cpu_seconds=2.0)
    UsageRecord.objects.filter(workspace=member.workspace).order_by("-start").first().delete()
    assert rollup.differences() == []
    # apps deleted (their records go by cascade): one in an environment, another workspace's
    App.objects.filter(environment=staging).delete()
    App.objects.filter(workspace=other.workspace).delete()
    assert not UsageRecord.objects.filter(workspace=other.workspace).exists()
    assert not UsageHour.objects.filter(workspace_id=other.workspace.id).exists()
    assert rollup.differences() == []
    # and a budget's spend, from the daily rollup, is the records' priced sum
    budget = Budget.objects.create(workspace=member.workspace, limit_usd=1, period="month")
    march = datetime(2026, 3, 10, tzinfo=UTC)
    priced = sum(
        r["cost"]
        for r in reports.usage(
            member.workspace.id,
            start=datetime(2026, 3, 1, tzinfo=UTC),
            end=march,
            by="resource",
            source="records",
        )
    )
    assert budgets.spend(budget, now=march) == pytest.approx(priced, rel=1e-9)
    assert priced > 0
