"""A simulation of placement at scale (issue 17, "Tests"): 100 hosts of mixed declared inventories,
containers of mixed requests placed by 4 concurrent schedulers through the platform's own
decision (`place_container`) on the real PostgreSQL. Afterwards: no device given twice, no host
over-committed (CPU, memory, devices), every request that any host could still take was placed,
and fallbacks and upgrades were taken in their order.

The suite places 2,000 containers (about a minute on a 2-core machine);
SKYLIFT_SIM_CONTAINERS=10000 runs the issue's full 10,000. The hosts' CPU is sized from the count
so that CPU, like devices, runs out before the requests do."""

from __future__ import annotations

import os
import random
import threading
from collections import Counter, defaultdict
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps import services as app_services
from config.ids import new_id
from functions import delivery
from functions import services as function_services
from functions.delivery.placement import Need, alive_hosts, rank
from functions.models import Function, Task
from hosts import gpus
from hosts.models import Host, HostUsage
from tests.api.support import make_member

pytestmark = pytest.mark.django_db(transaction=True)

HOSTS = 100
CONTAINERS = int(os.environ.get("SKYLIFT_SIM_CONTAINERS", "2000"))
SCHEDULERS = 4
# 90 % of what the CPU-only requests ask for, over the hosts: some of them must wait.
HOST_CPU = max(4, int(CONTAINERS * 0.70 * 0.5 * 0.9 / HOSTS))
INVENTORIES: list[tuple[str, ...]] = [
    ("H100:8",),
    ("H100:4", "H200:4"),
    ("A100-80GB:8",),
    ("A10G:4", "T4:2"),
    ("L4:8",),
    (),
]
# (name, gpu, cpu, memory, share of the requests): CPU-only containers ask for more CPU than the
# hosts have in all, GPU ones for more devices, so that some of each must wait.
FUNCTIONS: list[tuple[str, str | list[str] | None, float, int, int]] = [
    ("cpu", None, 0.5, 256, 70),  # 70 % of the requests
    ("t4", "T4", 0.125, 128, 3),
    ("l4-pair", "L4:2", 0.125, 128, 4),
    ("h100", "H100", 0.125, 128, 6),
    ("h100-strict", "H100!:2", 0.125, 128, 3),
    ("h100-eight", "H100:8", 0.125, 128, 2),
    ("fallback", ["A100-80GB", "A10G:2"], 0.125, 128, 6),
    ("any", "any", 0.125, 128, 3),
    ("any-pair", "any:2", 0.125, 128, 3),
]


def _world() -> tuple[list[Host], dict[str, Function]]:
    member = make_member("sim-owner")
    app = app_services.app_create(workspace=member.workspace, user=member.user, name="sim")
    functions = {
        name: function_services.function_create(
            app=app,
            spec={
                "name": name,
                "module": "mod",
                "qualname": name,
                "gpu": gpu,
                "cpu": cpu,
                "memory": memory,
                "serialized": b"x",
            },
        )
        for name, gpu, cpu, memory, _ in FUNCTIONS
    }
    lease = timezone.now() + timedelta(hours=1)
    hosts = Host.objects.bulk_create(
        Host(
            name=f"sim-{k:03d}",
            cpu=HOST_CPU,
            memory=96 * 1024,
            gpus=gpus.declared_devices(INVENTORIES[k % len(INVENTORIES)], f"sim-{k:03d}"),
            gpu_source="declared",
            lease_expires_at=lease,
        )
        for k in range(HOSTS)
    )
    return hosts, functions


def test_100_hosts_10000_containers_4_schedulers():
    hosts, functions = _world()
    rng = random.Random(17)
    requests = [name for name, *_, share in FUNCTIONS for _ in range(share * CONTAINERS // 100)]
    rng.shuffle(requests)
    assert len(requests) == CONTAINERS
    lock = threading.Lock()
    placed: Counter = Counter()
    waited: Counter = Counter()
    errors: list[BaseException] = []

    def scheduler() -> None:
        try:
            while True:
                with lock:
                    if not requests:
                        return
                    name = requests.pop()
                with transaction.atomic():
                    result = delivery.run(
                        delivery.place_container(task_id=new_id("ta"), function_id=functions[name].id)
                    )
                with lock:
                    (placed if result.task_id else waited)[name] += 1
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(SCHEDULERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert sum(placed.values()) + sum(waited.values()) == CONTAINERS
    assert waited["cpu"] and placed["cpu"]  # the hosts' CPU ran out: some CPU-only ones waited

    by_host = {h.pk: h for h in Host.objects.all()}
    spec = {f.pk: (f.cpu, f.memory) for f in functions.values()}
    tasks = list(Task.objects.filter(status__in=["pending", "starting", "running", "stopping"]))
    assert len(tasks) == sum(placed.values())

    # no device given twice, each device one the host has (healthy) of the model the task records
    devices: Counter = Counter()
    cpu: defaultdict[int, float] = defaultdict(float)
    memory: defaultdict[int, int] = defaultdict(int)
    models_of = {h.pk: {d["index"]: d["model"] for d in h.gpus} for h in by_host.values()}
    for task in tasks:
        for index in task.gpu_devices:
            devices[(task.host_id, index)] += 1
            assert models_of[task.host_id][index] == task.gpu_type
        cpu[task.host_id] += spec[task.function_id][0]
        memory[task.host_id] += spec[task.function_id][1]
    assert devices and max(devices.values()) == 1
    # no host over-committed
    for host_id, used in cpu.items():
        assert used <= by_host[host_id].cpu + 1e-9 and memory[host_id] <= by_host[host_id].memory

    # every request that any host could take now was placed: whatever waited fits nowhere
    states = delivery.run(alive_hosts())
    for name in waited:
        function = functions[name]
        need = Need(function.id, function.cpu, function.memory, tuple(gpus.parse_request(function.gpu)))
        assert rank(need, states) == [], name
    # and the database's per-host usage is what the containers hold
    for state in states:
        assert state.used_cpu == pytest.approx(cpu.get(state.id, 0.0))
        held = Counter(models_of[state.id][i] for (h, i) in devices if h == state.id)
        assert (
            state.held_total == sum(held.values())
            and {m: n for m, n in (state.held or {}).items() if n} == held
        )
    for usage in HostUsage.objects.all():
        assert set(usage.devices) == {i for (h, i) in devices if h == usage.host_id}

    # fallbacks and upgrades in order: a later spec, or an upgrade, only once the first ran out
    # (nothing ended meanwhile, so what ran out then still has: no host could give it now)
    got = Counter((t.function_id, t.gpu_type) for t in tasks)
    fallback, h100, strict = functions["fallback"], functions["h100"], functions["h100-strict"]

    def could_have(function: Function, request: str) -> bool:
        need = Need(function.id, function.cpu, function.memory, tuple(gpus.parse_request(request)))
        return bool(rank(need, states))

    assert got[(fallback.id, "A100-80GB")] > 0 and got[(h100.id, "H100")] > 0
    if got[(fallback.id, "A10G")]:
        assert not could_have(fallback, "A100-80GB")
    if got[(h100.id, "H200")]:
        assert not could_have(h100, "H100!")
    assert got[(strict.id, "H200")] == 0
