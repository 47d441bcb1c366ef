"""GPU placement against the real PostgreSQL, over simulated multi-host inventories (Host rows
with declared devices): concurrent decisions never give one device to two containers, devices
come back however a container ends, and a container that cannot be placed says why."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps import services as app_services
from config.ids import new_id
from functions import autoscaler, delivery, reconciler
from functions import services as function_services
from functions.delivery.placement import Need, alive_hosts, rank
from functions.models import Function, Input, InputStatus, Task, TaskStatus
from hosts import gpus
from hosts.models import Host
from tests.api.support import make_member

pytestmark = pytest.mark.django_db(transaction=True)


def _host(name: str, *declared: str, cpu: float = 64, memory: int = 512 * 1024) -> Host:
    return Host.objects.create(
        name=name,
        cpu=cpu,
        memory=memory,
        gpus=gpus.declared_devices(declared, name),
        gpu_source="declared",
        lease_expires_at=timezone.now() + timedelta(minutes=5),
    )


@pytest.fixture
def member():
    return make_member("gpu-owner")


def _function(member, name: str, gpu: str | None, **spec) -> Function:
    app = app_services.app_create(workspace=member.workspace, user=member.user, name=f"{name}-app")
    return function_services.function_create(
        app=app,
        spec={"name": name, "module": "mod", "qualname": name, "gpu": gpu, "serialized": b"opaque", **spec},
    )


def _place(function: Function) -> delivery.Placed:
    with transaction.atomic():
        return delivery.run(delivery.place_container(task_id=new_id("ta"), function_id=function.id))


def _held() -> Counter:
    """(host, device) -> how many holding tasks have it."""
    held: Counter = Counter()
    for task in Task.objects.filter(status__in=["pending", "starting", "running", "stopping"]):
        for index in task.gpu_devices:
            held[(task.host_id, index)] += 1
    return held


def test_concurrent_placements_never_give_a_device_twice_and_place_all_that_fits(member):
    # given three hosts of mixed inventories, and functions of mixed requests
    for name, *declared in [("sim-a", "H100:8"), ("sim-b", "H100:4", "H200:4"), ("sim-c", "A10G:4", "T4:2")]:
        _host(name, *declared)
    functions = [
        _function(member, "pair", "H100:2"),
        _function(member, "one", "H100"),
        _function(member, "strict", "H100!:4"),
        _function(member, "anyone", "any"),
        _function(member, "fallback", ["A100-80GB", "A10G:2"]),
    ]
    placed: list[delivery.Placed] = []

    def worker(function: Function) -> None:
        try:
            misses = 0
            while misses < 2:
                result = _place(function)
                if result.task_id is None:
                    misses += 1
                else:
                    placed.append(result)
        finally:
            connection.close()

    # when five schedulers place containers at once until none fits
    threads = [threading.Thread(target=worker, args=(f,)) for f in functions for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then no device was given to two containers
    held = _held()
    assert held and max(held.values()) == 1
    assert sum(len(p.devices) for p in placed) == sum(held.values())
    # and each container got the model its request allows, on its host
    for task in Task.objects.select_related("function", "host"):
        models = {d["index"]: d["model"] for d in task.host.gpus}
        assert {models[i] for i in task.gpu_devices} == {task.gpu_type}
        assert gpus.fit(
            gpus.parse_request(task.function.gpu), [d for d in task.host.gpus if d["model"] == task.gpu_type]
        )
    # and nothing that fits was left unplaced: no function fits any host now
    states = delivery.run(alive_hosts())
    for function in functions:
        need = Need(function.id, function.cpu, function.memory, tuple(gpus.parse_request(function.gpu)))
        assert rank(need, states) == [], function.name
    # every device is taken, or kept free for a waiting request that it is not yet enough for
    kept = 0
    for state in states:
        if state.reserved_for:
            assert state.free_of(state.reserved_model) < state.reserved_count
            kept += state.free_of(state.reserved_model)
    assert sum(held.values()) + kept == 8 + 8 + 6
    # the strict H100 request never got an H200
    assert not Task.objects.filter(function=functions[2], gpu_type="H200").exists()


def test_devices_come_back_on_exit_crash_start_failure_and_host_loss(member):
    # given two hosts with two T4s each, all four taken by four containers
    a, b = _host("rel-a", "T4:2"), _host("rel-b", "T4:2")
    function = _function(member, "t4", "T4")
    tasks = [_place(function) for _ in range(4)]
    assert all(t.task_id for t in tasks) and _place(function).task_id is None
    on_a = [t for t in tasks if t.host_id == a.pk]
    on_b = [t for t in tasks if t.host_id == b.pk]
    assert len(on_a) == len(on_b) == 2

    # when one container exits, and another crashes
    delivery.run(delivery.task_exited(on_a[0].task_id, exit_code=0, oom=False))
    delivery.run(delivery.task_exited(on_a[1].task_id, exit_code=137, oom=False))
    # then both of host a's devices are free again, and given again
    again = [_place(function) for _ in range(2)]
    assert sorted(d for p in again for d in p.devices) == [0, 1] and {p.host_id for p in again} == {a.pk}

    # when one of those fails to start
    delivery.run(delivery.task_start_failed(again[0].task_id, "no such image"))
    assert _place(function).devices == again[0].devices

    # when host b is lost (its lease ran out), with one of its containers stopping meanwhile
    delivery.run(delivery.task_stopping(on_b[0].task_id, "scaled_down"))
    Host.objects.filter(pk=b.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    reconciler.repair()
    # then its tasks are settled and hold nothing; when it comes back, its devices are free
    assert not Task.objects.filter(host=b, status__in=["pending", "starting", "running", "stopping"]).exists()
    Host.objects.filter(pk=b.pk).update(lease_expires_at=timezone.now() + timedelta(minutes=5))
    back = [_place(function) for _ in range(2)]
    assert sorted(d for p in back for d in p.devices) == [0, 1] and {p.host_id for p in back} == {b.pk}
    assert max(_held().values()) == 1


def test_a_host_that_loses_a_device_stops_its_container_and_requeues_as_preempted(member):
    # given a host with two H100s, one container on each, one running an input
    host = _host("lossy", "H100:2")
    function = _function(member, "h100", "H100")
    first, second = _place(function), _place(function)
    call, (input_id,) = function_services.call_create(function=function, user=member.user, args=[b"x"])
    Task.objects.filter(pk__in=[first.task_id, second.task_id]).update(status=TaskStatus.RUNNING)
    claimed, _ = delivery.run(delivery.claim(second.task_id, [input_id]))
    assert [c["id"] for c in claimed] == [input_id]
    # when the heartbeat reports device of the second gone (the agent's inventory changed)
    devices = host.gpus
    devices[second.devices[0]]["healthy"] = False
    Host.objects.filter(pk=host.pk).update(gpus=devices)
    stopped = delivery.run(delivery.tasks_on_lost_devices(host_id=host.pk))
    # then that container is asked to stop, and its end requeues the input without spending a retry
    assert [task_id for task_id, _ in stopped] == [second.task_id]
    # (until it has ended, each beat has its container killed again)
    assert [t for t, _ in delivery.run(delivery.tasks_on_lost_devices(host_id=host.pk))] == [second.task_id]
    exited = delivery.run(delivery.task_exited(second.task_id, exit_code=137, oom=False))
    assert exited.requeued == [input_id]
    inp = Input.objects.get(pk=input_id)
    assert (inp.status, inp.preemptions, inp.retries_used) == (InputStatus.PENDING, 1, 0)
    assert Task.objects.get(pk=first.task_id).status == TaskStatus.RUNNING
    assert delivery.run(delivery.tasks_on_lost_devices(host_id=host.pk)) == []


def test_a_container_that_cannot_be_placed_says_why_in_the_calls_status(member):
    # given one host whose only A100 is taken, and one without GPUs
    _host("busy-a100", "A100")
    _host("cpu-only")
    holder = _function(member, "holder", "A100")
    assert _place(holder).task_id
    function = _function(member, "waiter", "A100")
    call, _ = function_services.call_create(function=function, user=member.user, args=[b"x"])
    # when the autoscaler tries to start its container
    assert autoscaler.ensure_capacity(function_id=function.id) is None
    # then the call's status says which hosts lack what
    api = member.api
    body = api.get(f"/api/v1/calls/{call.id}/").json()
    reason = body["waiting_reason"]
    assert "busy-a100: 0 of 1 A100-40GB free (needs 1)" in reason
    assert "cpu-only: no A100" in reason
    # and once the A100 is free the container is placed and the reason goes
    Task.objects.filter(function=holder).update(status=TaskStatus.STOPPED)
    assert autoscaler.ensure_capacity(function_id=function.id) is not None
    assert api.get(f"/api/v1/calls/{call.id}/").json()["waiting_reason"] == ""


def test_inputs_that_wait_past_the_placement_timeout_fail_with_the_reason(member, settings):
    _host("full-t4", "T4")
    assert _place(_function(member, "hog", "T4")).task_id
    function = _function(member, "late", "T4")
    call, (input_id,) = function_services.call_create(function=function, user=member.user, args=[b"x"])
    assert autoscaler.ensure_capacity(function_id=function.id) is None
    assert Input.objects.get(pk=input_id).status == InputStatus.PENDING
    # when the wait goes past the timeout
    settings.SKYLIFT_PLACEMENT_TIMEOUT = 60
    Function.objects.filter(pk=function.pk).update(waiting_since=timezone.now() - timedelta(seconds=61))
    Input.objects.filter(pk=input_id).update(enqueued_at=timezone.now() - timedelta(seconds=61))
    assert autoscaler.ensure_capacity(function_id=function.id) is None
    # then the input fails, saying why
    inp = Input.objects.get(pk=input_id)
    assert inp.status == InputStatus.FAILED and inp.cause == "no_capacity"
    assert "for 60 s" in inp.message and "full-t4: 0 of 1 T4 free" in inp.message


def test_a_workspace_gpu_limit_caps_the_devices_its_containers_hold(member):
    _host("big", "L4:8")
    member.workspace.gpu_limit = 3
    member.workspace.save()
    function = _function(member, "l4s", ["L4:2", "L4"])
    first, second, third = _place(function), _place(function), _place(function)
    # the first takes 2, the second falls back to 1 within the limit, the third must wait
    assert (len(first.devices), len(second.devices), third.task_id) == (2, 1, None)
    assert "GPU limit is reached (3 of 3 devices held" in third.reason


def test_a_large_request_is_not_starved_by_a_stream_of_small_ones(member):
    # given a host of four H100s, two of them held by small containers
    host = _host("fair", "H100:4")
    small = _function(member, "small", "H100")
    big = _function(member, "big", "H100:4")
    holders = [_place(small), _place(small)]
    # when the large request cannot be placed, it reserves the host
    assert _place(big).task_id is None
    # then small requests no longer take the devices it waits for
    assert _place(small).task_id is None
    assert "held for a larger request" in Function.objects.get(pk=small.pk).waiting_reason
    # and once the small ones end, the large one gets the whole host
    for placed in holders:
        delivery.run(delivery.task_exited(placed.task_id, exit_code=0, oom=False))
    got = _place(big)
    assert got.devices == (0, 1, 2, 3) and got.host_id == host.pk
    assert Host.objects.get(pk=host.pk).reserved_for == ""


def _usage(host: Host) -> tuple[float, int, list[int], dict]:
    from hosts.models import HostUsage

    row = HostUsage.objects.filter(host_id=host.pk).values_list("cpu", "memory", "devices", "held").first()
    return row or (0.0, 0, [], {})


def _free(host: Host) -> tuple[tuple, dict]:
    """What the host has free as placement finds it: (cpu, memory, has GPUs), and per model
    (devices, cpu, memory)."""
    from hosts.models import HostFree, HostUsage

    usage = HostUsage.objects.filter(host_id=host.pk).values_list("cpu_free", "memory_free", "gpu").first()
    models = {
        model: (free, cpu, memory)
        for model, free, cpu, memory in HostFree.objects.filter(host_id=host.pk).values_list(
            "model", "free", "cpu_free", "memory_free"
        )
    }
    return usage, models


def test_a_hosts_usage_follows_its_containers_whatever_changes_them(member):
    # given a host with 4 L4s and a function of 2 L4s, 0.5 CPU, 256 MiB
    host = _host("usage", "L4:4", cpu=8, memory=4096)
    assert Host.objects.get(pk=host.pk).gpu_models == {"L4": 4}
    # it has its usage, and what is free, from its registration
    assert _usage(host) == (0.0, 0, [], {})
    assert _free(host) == ((8.0, 4096, True), {"L4": (4, 8.0, 4096)})
    function = _function(member, "pair", "L4:2", cpu=0.5, memory=256)
    first, second = _place(function), _place(function)
    # then the host's usage is what its two containers hold, and what is free the rest
    assert _usage(host) == (1.0, 512, [0, 1, 2, 3], {"L4": 4})
    assert _free(host) == ((7.0, 3584, True), {"L4": (0, 7.0, 3584)})
    # when one stops (still holding), then settles through the ORM rather than a transition
    Task.objects.filter(pk=first.task_id).update(status=TaskStatus.STOPPING)
    assert _usage(host)[3] == {"L4": 4}
    Task.objects.filter(pk=first.task_id).update(status=TaskStatus.STOPPED)
    assert _usage(host) == (0.5, 256, list(second.devices), {"L4": 2})
    # when the other's row is deleted, and a sandbox takes CPU and memory
    Task.objects.filter(pk=second.task_id).delete()
    assert _usage(host) == (0.0, 0, [], {})
    from functions.models import Sandbox

    sandbox = Sandbox.objects.create(
        workspace=member.workspace, image=function.image, cpu=2, memory=1024, host=host, status="running"
    )
    assert _usage(host)[:2] == (2.0, 1024)
    # and its devices count as a task's do, given and given back
    Sandbox.objects.filter(pk=sandbox.pk).update(gpu_devices=[2], gpu_type="L4")
    assert _usage(host) == (2.0, 1024, [2], {"L4": 1})
    Sandbox.objects.filter(pk=sandbox.pk).update(gpu_devices=[], gpu_type="")
    assert _usage(host) == (2.0, 1024, [], {})
    # a device turning unhealthy leaves the host one fewer of that model
    devices = host.gpus
    devices[3]["healthy"] = False
    Host.objects.filter(pk=host.pk).update(gpus=devices)
    assert Host.objects.get(pk=host.pk).gpu_models == {"L4": 3}
    assert _free(host) == ((6.0, 3072, True), {"L4": (3, 6.0, 3072)})
    # and a host whose devices are all gone has none free, nor any model
    Host.objects.filter(pk=host.pk).update(gpus=[], cpu=16)
    assert _free(host) == ((14.0, 3072, False), {})
    # and a deleted host takes its usage with it
    Sandbox.objects.filter(pk=sandbox.pk).update(status="stopped")
    Host.objects.filter(pk=host.pk).delete()
    from hosts.models import HostFree, HostUsage

    assert not HostUsage.objects.filter(host_id=host.pk).exists()
    assert not HostFree.objects.filter(host_id=host.pk).exists()


def test_a_waiting_request_is_worded_again_only_when_the_hosts_change_or_a_second_has_passed(
    member, monkeypatch
):
    from functions.delivery import placement

    # given a host with one T4, and a function that asks for two
    _host("why-a", "T4:1")
    waits = _function(member, "waits", "T4:2")
    reads: list[str] = []

    def count(execute, sql, params, many, context):
        if sql == placement.ALIVE_HOSTS_SQL:
            reads.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        # when it is decided twice
        first, second = _place(waits), _place(waits)
        # then it was worded once (every live host read), and says the same both times
        assert first.task_id is None and "only 1 T4" in first.reason
        assert second.reason == first.reason and len(reads) == 1
        # when a host joins, it is worded again at once (what it works out now is kept for no time)
        monkeypatch.setattr(placement, "EXPLAINED_SECONDS", 0.0)
        _host("why-b", "T4:1")
        third = _place(waits)
        assert len(reads) == 2 and "why-b" in third.reason
        # and again once that time has passed, the hosts unchanged
        assert _place(waits).reason == third.reason and len(reads) == 3
    assert Function.objects.get(pk=waits.pk).waiting_reason == third.reason


def test_a_host_holding_devices_of_a_model_it_no_longer_has_counts_them_held(member):
    # given a host whose two A100s are held by containers
    host = _host("swapped", "A100:2")
    a100 = _function(member, "olds", "A100")
    assert [_place(a100).devices for _ in range(2)] == [(0,), (1,)]
    # when its devices at those indices become H100s while they are still held (its agent
    # registered it again with other devices, the old containers still stopping)
    Host.objects.filter(pk=host.pk).update(gpus=gpus.declared_devices(["H100:2"], "swapped"))
    h100 = _function(member, "news", "H100")
    # then a container of an H100 function waits, and its words name the host, whose H100 are held
    waited = _place(h100)
    assert waited.task_id is None and "swapped: 0 of 2 H100 free (needs 1)" in waited.reason, waited.reason
    # as the counts the database keeps say (the candidates' and the words')
    counted = next(h for h in delivery.run(alive_hosts()) if h.id == host.pk)
    assert counted.free_of("H100") == 0 and counted.held == {"H100": 2}
    from hosts.models import HostFree

    assert list(HostFree.objects.filter(host=host).values_list("model", "free")) == [("H100", 0)]
