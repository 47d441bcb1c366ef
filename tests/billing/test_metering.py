"""Metering arithmetic and idempotency, against the real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Sum

from apps import services as app_services
from billing import metering, prices, reconcile
from billing.cgroups import Sample, sample
from billing.models import ContainerMeter, UsageRecord
from functions import services as function_services
from functions.models import Task, TaskStatus
from tests.api.support import make_member

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 1, 10, 59, 30, tzinfo=UTC)


def _task(*, cpu=0.5, memory=1024, started=T0, stopped=T0 + timedelta(seconds=90), gpus=(), gpu_type=""):
    member = make_member(f"meter-{Task.objects.count()}")
    app = app_services.app_create(workspace=member.workspace, user=member.user, name="metered")
    function = function_services.function_create(
        app=app,
        spec={"name": "f", "module": "m", "qualname": "f", "serialized": b"x", "cpu": cpu, "memory": memory},
    )
    return Task.objects.create(
        workspace=member.workspace,
        function=function,
        status=TaskStatus.STOPPED if stopped else TaskStatus.RUNNING,
        started_at=started,
        stopped_at=stopped,
        gpu_devices=list(gpus),
        gpu_type=gpu_type,
    )


def _sum(task, field):
    return UsageRecord.objects.filter(task=task).aggregate(s=Sum(field))["s"]


def test_it_charges_the_reservation_when_use_is_below_it_and_cuts_at_the_hour():
    # given a task of 0.5 cores and 1 GiB that lived 90 s across 11:00
    task = _task()
    # when it is metered with a sample below its reservation
    written = metering.meter_task(task.id, Sample(cpu_ns=10 * 10**9, memory_bytes=256 * 2**20))
    # then two records, 30 s before the hour and 60 s after, charge the reservation
    records = list(UsageRecord.objects.filter(task=task).order_by("start"))
    assert written == 2 and [r.seconds for r in records] == [30.0, 60.0]
    assert [r.hour.hour for r in records] == [10, 11]
    assert _sum(task, "cpu_seconds") == pytest.approx(45.0)
    assert _sum(task, "cpu_used_seconds") == pytest.approx(10.0)
    assert _sum(task, "memory_gib_seconds") == pytest.approx(90.0)
    assert records[0].workspace_id == task.workspace_id and records[0].app_id == task.function.app_id
    assert records[0].environment_id == task.function.app.environment_id
    assert records[0].price.prices["cpu"] == prices.parse(prices.DEFAULT_FILE.read_text())["cpu"]


def test_it_charges_the_measured_use_above_the_reservation_and_gpus_by_count():
    # given a task of 0.5 cores and 1 GiB holding two H100s for 90 s
    task = _task(gpus=(0, 1), gpu_type="H100")
    # when its cgroup used 120 core-seconds and 3 GiB
    metering.meter_task(task.id, Sample(cpu_ns=120 * 10**9, memory_bytes=3 * 2**30))
    # then use is charged where it is higher, and 180 GPU-seconds of H100
    assert _sum(task, "cpu_seconds") == pytest.approx(120.0)
    assert _sum(task, "memory_gib_seconds") == pytest.approx(270.0)
    assert _sum(task, "gpu_seconds") == pytest.approx(180.0)
    assert set(UsageRecord.objects.filter(task=task).values_list("gpu_type", flat=True)) == {"H100"}


def test_it_counts_each_second_once_across_repeated_and_restarted_rounds():
    # given a running task started 30 s ago
    task = _task(started=datetime.now(UTC) - timedelta(seconds=30), stopped=None)
    # when it is metered again and again, its mark lost by an agent of an older record...
    for cpu in (1, 2, 3):
        metering.meter_task(task.id, Sample(cpu_ns=cpu * 10**9, memory_bytes=0))
    # ...and the same window is written twice (a duplicated message): the key refuses the second
    first = UsageRecord.objects.filter(task=task).order_by("start").first()
    ContainerMeter.objects.filter(subject=task.id).update(metered_until=first.start, cpu_ns=0)
    metering.meter_task(task.id, Sample(cpu_ns=4 * 10**9, memory_bytes=0))
    assert UsageRecord.objects.filter(key=first.key).count() == 1
    # when it stops and is metered after
    ContainerMeter.objects.filter(subject=task.id).update(
        metered_until=UsageRecord.objects.latest("start").start
    )
    UsageRecord.objects.filter(task=task).order_by("-start").first().delete()
    Task.objects.filter(pk=task.pk).update(stopped_at=datetime.now(UTC))
    task.refresh_from_db()
    metering.meter_task(task.id)
    metering.meter_task(task.id)
    # then its records hold exactly its lifetime, and a further round writes nothing
    assert _sum(task, "seconds") == pytest.approx(
        (task.stopped_at - task.started_at).total_seconds(), abs=1e-6
    )
    assert metering.meter_task(task.id) == 0


def test_reconcile_settles_a_lost_hosts_task_and_reports_a_difference():
    # given a task that stopped 5 minutes ago on a host that never metered it
    now = datetime.now(UTC)
    lost = _task(started=now - timedelta(minutes=6), stopped=now - timedelta(minutes=5))
    # and one whose records lack a second of its 60
    short = _task(started=now - timedelta(minutes=4), stopped=now - timedelta(minutes=3))
    metering.meter_task(short.id)
    first = UsageRecord.objects.filter(task=short).order_by("start").first()  # two, across an hour's turn
    UsageRecord.objects.filter(pk=first.pk).update(seconds=first.seconds - 1)
    # when the reconcile job runs
    differences = reconcile.reconcile()
    # then the lost host's task is metered in full (at its reservation) and only the short one reported
    assert _sum(lost, "seconds") == pytest.approx(60.0)
    assert [(d.task_id, round(d.lived), round(d.metered)) for d in differences] == [(short.id, 60, 59)]


def test_it_reads_a_containers_cgroup(tmp_path):
    # given the cgroup v1 and v2 files of two containers
    (tmp_path / "cpuacct/docker/c1").mkdir(parents=True)
    (tmp_path / "cpuacct/docker/c1/cpuacct.usage").write_text("1500000000\n")
    (tmp_path / "memory/docker/c1").mkdir(parents=True)
    (tmp_path / "memory/docker/c1/memory.usage_in_bytes").write_text("1048576\n")
    (tmp_path / "system.slice/docker-c2.scope").mkdir(parents=True)
    (tmp_path / "system.slice/docker-c2.scope/cpu.stat").write_text("usage_usec 2500\nuser_usec 2000\n")
    (tmp_path / "system.slice/docker-c2.scope/memory.current").write_text("4096\n")
    # then each is read, and a container without one has no sample
    assert sample("c1", tmp_path) == Sample(cpu_ns=1_500_000_000, memory_bytes=1_048_576)
    assert sample("c2", tmp_path) == Sample(cpu_ns=2_500_000, memory_bytes=4096)
    assert sample("gone", tmp_path) is None


def test_a_price_table_with_a_missing_or_negative_price_is_refused_with_its_line():
    text = prices.DEFAULT_FILE.read_text()
    with pytest.raises(prices.PriceError, match=r"line 5: memory = -1 is not a price"):
        prices.parse(text.replace("memory = 0.00000222", "memory = -1"))
    with pytest.raises(prices.PriceError, match=r"gpu.H100 has no price"):
        prices.parse(text.replace("H100 = 0.001097", ""))
    # and a new version leaves the records metered at the old one their price
    task = _task()
    metering.meter_task(task.id)
    old = UsageRecord.objects.filter(task=task).first().price
    new = prices.load(text.replace("cpu = 0.0000131", "cpu = 0.00002"))
    assert new.version == old.version + 1 and prices.current(task.workspace_id) == new
    assert UsageRecord.objects.filter(task=task).first().price == old


def test_a_hosts_round_meters_its_tasks_and_sandboxes_and_disk_raises_memory_at_20_to_1():
    from billing.models import UsageKind
    from builds.models import Image
    from functions.models import Sandbox, SandboxStatus
    from hosts.services import host_register

    host = host_register(name="meter-host")
    now = datetime.now(UTC)
    # given a running task of 0.5 cores and 1 GiB, and a sandbox of 1 core and 512 MiB outside any app
    task = _task(started=now - timedelta(seconds=30), stopped=None)
    Task.objects.filter(pk=task.pk).update(host=host, container_id="c-task")
    sandbox = Sandbox.objects.create(
        workspace=task.workspace,
        image=Image.objects.create(workspace=task.workspace, spec={}, spec_hash="m", python_version="3.11"),
        cpu=1,
        memory=512,
        host=host,
        container_id="c-sandbox",
        status=SandboxStatus.RUNNING,
        started_at=now - timedelta(seconds=20),
    )
    # when the host's round reads their cgroups, and the sandbox wrote 40 GiB to its disk
    samples = {"c-task": Sample(cpu_ns=0, memory_bytes=0), "c-sandbox": Sample(cpu_ns=0, memory_bytes=0)}
    disks = {"c-task": 0, "c-sandbox": 40 * 2**30}
    assert metering.meter_host(host.id, read=samples.get, disk=disks.get) >= 2
    # then each is metered as its kind: the sandbox with no app and 2 GiB of memory charged (40 / 20)
    records = UsageRecord.objects.filter(sandbox=sandbox)
    assert {(r.kind, r.app_id, r.function_id) for r in records} == {(UsageKind.SANDBOX, None, None)}
    seconds = _sum_sandbox(sandbox)
    assert sum(r.memory_gib_seconds for r in records) == pytest.approx(2.0 * seconds)
    assert sum(r.disk_gib_seconds for r in records) == pytest.approx(40.0 * seconds)
    assert sum(r.cpu_seconds for r in records) == pytest.approx(seconds)
    assert set(UsageRecord.objects.filter(task=task).values_list("kind", flat=True)) == {UsageKind.FUNCTION}
    # and once it stopped and is metered to its end, a round leaves it alone
    Sandbox.objects.filter(pk=sandbox.pk).update(status=SandboxStatus.STOPPED, stopped_at=datetime.now(UTC))
    metering.meter_host(host.id, read=samples.get, disk=disks.get)
    sandbox.refresh_from_db()
    assert _sum_sandbox(sandbox) == pytest.approx((sandbox.stopped_at - sandbox.started_at).total_seconds())
    assert metering.meter_sandbox(sandbox.id) == 0


def _sum_sandbox(sandbox):
    return UsageRecord.objects.filter(sandbox=sandbox).aggregate(s=Sum("seconds"))["s"]
