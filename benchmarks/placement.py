"""The placement benchmark: decisions per second over many hosts, and the wait of a queued request
for its placed container (issue 17, "Speed").

    source .cache/test-services/env   # or any PostgreSQL the platform's settings point at
    .venv/bin/python benchmarks/placement.py [--hosts 100,1000] [--schedulers 4] [--seconds 10] [--rate 400]

For each host count it registers that many simulated hosts (Host rows with declared GPUs of mixed
inventories: 8 H100; 4 H100 + 4 H200; 8 A100-80GB; 4 A10G + 2 T4; 8 L4; no GPU) and functions of
mixed requests (no GPU, "T4", "L4:2", "H100", "H100:8", "A100-80GB" falling back to "A10G:2",
"any"), then runs `--schedulers` scheduler processes that each call the platform's own decision,
`functions.delivery.place_container`, in a transaction of its own as the autoscaler does:

1. Throughput: each scheduler places containers of random functions as fast as it can for
   `--seconds`; a scheduler ends its oldest container (`task_exited`, as when Docker reports the
   exit) once it holds more than its share of the hosts, so the platform stays busy but not full.
   Decisions per second counts every decision (placed or not) across the schedulers.
2. Latency: a producer queues requests at `--rate` per second (a queued input that needs a
   container) and the schedulers take them; the time from queued to the container's task row
   committed, p50 and p99, over the requests that got a container. A request that finds no room
   (at 1,000 hosts about half of them by then: the GPUs fill before the schedulers' share of
   containers is reached) waits as an input would, and is decided again later: it is not placed,
   but its decision, the reason worded and a reservation made, takes a scheduler meanwhile, so the
   requests queued behind it wait longer. The time from queued to decided over every request,
   placed or not, is printed beside.

Targets (the issue): >= 500 decisions/s at 1,000 hosts with 4 schedulers; p99 < 100 ms. It prints
both, and writes benchmarks/results/placement-<commit>.json. It writes into the database it is
pointed at (hosts, a workspace and functions of its own, deleted at the end). Not a test.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import queue
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

INVENTORIES: list[tuple[str, ...]] = [
    ("H100:8",),
    ("H100:4", "H200:4"),
    ("A100-80GB:8",),
    ("A10G:4", "T4:2"),
    ("L4:8",),
    (),
]
REQUESTS: list[str | list[str] | None] = [
    None,
    "T4",
    "L4:2",
    "H100",
    "H100:8",
    ["A100-80GB", "A10G:2"],
    "any",
]


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _world(run: str, hosts: int) -> tuple[list[str], list[str]]:
    from django.contrib.auth import get_user_model

    from accounts.models import Workspace
    from apps import services as app_services
    from functions import services as function_services
    from hosts import gpus
    from hosts.models import Host

    user = get_user_model().objects.create(username=f"bench-placement-{run}")
    workspace = Workspace.objects.create(name=f"bench-placement-{run}")
    app = app_services.app_create(workspace=workspace, user=user, name=f"bench-placement-{run}")
    functions = []
    for n, request in enumerate(REQUESTS):
        name = f"f{n}"
        spec = {"name": name, "module": "mod", "qualname": name, "gpu": request, "serialized": b"x"}
        functions.append(function_services.function_create(app=app, spec=spec).id)
    lease = timezone.now() + timedelta(hours=2)
    names = []
    rows = []
    for k in range(hosts):
        name = f"bench-{run}-{k:04d}"
        declared = INVENTORIES[k % len(INVENTORIES)]
        rows.append(
            Host(
                name=name,
                cpu=64,
                memory=256 * 1024,
                gpus=gpus.declared_devices(declared, name),
                gpu_source="declared" if declared else "",
                lease_expires_at=lease,
            )
        )
        names.append(name)
    Host.objects.bulk_create(rows)
    # As autovacuum would have on a platform that has had these hosts a while: the planner's
    # statistics of the host tables, which the candidates' statements are planned by.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE hosts_host, hosts_hostusage, hosts_hostfree")
    return functions, names


def _cleanup(run: str) -> None:
    from accounts.models import Workspace
    from apps.models import App, Environment
    from functions.models import Task
    from hosts.models import Host

    workspace = Workspace.objects.get(name=f"bench-placement-{run}")
    Task.objects.filter(workspace=workspace).delete()
    App.objects.filter(workspace=workspace).delete()
    Environment.objects.filter(workspace=workspace).delete()
    Host.objects.filter(name__startswith=f"bench-{run}-").delete()
    workspace.delete()
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(username=f"bench-placement-{run}").delete()


def _decide(function_id: str):
    from config.ids import new_id
    from functions import delivery

    with transaction.atomic():
        return delivery.run(delivery.place_container(task_id=new_id("ta"), function_id=function_id))


def _settle(task_id: str) -> None:
    from functions import delivery

    delivery.run(delivery.task_exited(task_id, exit_code=0, oom=False))


def _scheduler(functions, share, seconds, requests, results, seed, ready, go) -> None:
    """One scheduler process: place containers (from `requests`, or random ones when None) until
    the time is up; report (decisions, placed, settled, waits, error)."""
    _decide(functions[0])  # connected, and the code paths warm, before the clock starts
    ready.put(seed)
    go.wait()
    rng = random.Random(seed)
    live: list[str] = []
    decisions = placed = settled = 0
    waits: list[float] = []
    deadline = time.monotonic() + seconds
    error = ""
    try:
        while time.monotonic() < deadline:
            if requests is None:
                function_id, queued = rng.choice(functions), None
            else:
                try:
                    function_id, queued = requests.get(timeout=0.2)
                except queue.Empty:
                    continue
            result = _decide(function_id)
            decisions += 1
            if queued is not None:
                waits.append((time.time() - queued, bool(result.task_id)))
            if result.task_id:
                placed += 1
                live.append(result.task_id)
            while len(live) > share:
                _settle(live.pop(rng.randrange(len(live) // 2 + 1)))
                settled += 1
    except Exception as exc:  # reported by the parent, which would otherwise wait for ever
        error = f"{type(exc).__name__}: {exc}"
    finally:
        connection.close()
        results.put((decisions, placed, settled, waits, error))


def _run_schedulers(functions, n, share, seconds, requests=None, rate=0.0):
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    connection.close()
    ready, go = ctx.Queue(), ctx.Event()
    procs = [
        ctx.Process(target=_scheduler, args=(functions, share, seconds, requests, results, k, ready, go))
        for k in range(n)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get()
    started = time.perf_counter()
    go.set()
    if requests is not None:  # the producer: queued inputs at a steady rate
        rng = random.Random(99)
        sent, t0 = 0, time.monotonic()
        while time.monotonic() - t0 < seconds - 0.5:
            due = int((time.monotonic() - t0) * rate)
            while sent < due:
                requests.put((rng.choice(functions), time.time()))
                sent += 1
            time.sleep(0.002)
    out = [results.get() for _ in procs]
    elapsed = time.perf_counter() - started
    errors = [o[4] for o in out if o[4]]
    if errors:
        raise SystemExit(f"a scheduler failed: {errors[0]}")
    for p in procs:
        p.join()
    return elapsed, out


def _measure(hosts: int, schedulers: int, seconds: float, rate: float) -> dict:
    run = f"{os.getpid()}{time.time_ns() % 10**6}"
    functions, _ = _world(run, hosts)
    try:
        share = hosts * 6 // schedulers  # about 6 containers a host: busy, not full
        elapsed, out = _run_schedulers(functions, schedulers, share, seconds)
        decisions = sum(o[0] for o in out)
        placed = sum(o[1] for o in out)
        settled = sum(o[2] for o in out)
        rate_found = decisions / elapsed
        ctx = multiprocessing.get_context("spawn")
        requests = ctx.Queue()
        requests.cancel_join_thread()  # what the schedulers did not take by the end is dropped
        _, out = _run_schedulers(functions, schedulers, share, seconds, requests=requests, rate=rate)
        waits = [w for o in out for w in o[3]]
        placed_waits = [w for w, placed_now in waits if placed_now]
        every_wait = [w for w, _ in waits]
        return {
            "hosts": hosts,
            "schedulers": schedulers,
            "decisions": decisions,
            "placed": placed,
            "settled": settled,
            "seconds": round(elapsed, 2),
            "decisions_per_s": round(rate_found, 1),
            "queued_rate_per_s": rate,
            "queued_taken": len(waits),
            "queued_placed": len(placed_waits),
            "queued_to_placed_p50_ms": round(_percentile(placed_waits, 0.50) * 1000, 1),
            "queued_to_placed_p99_ms": round(_percentile(placed_waits, 0.99) * 1000, 1),
            "queued_to_decided_p50_ms": round(_percentile(every_wait, 0.50) * 1000, 1),
            "queued_to_decided_p99_ms": round(_percentile(every_wait, 0.99) * 1000, 1),
        }
    finally:
        _cleanup(run)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hosts", default="100,1000", help="host counts, comma-separated")
    parser.add_argument("--schedulers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument(
        "--rate", type=float, default=400.0, help="queued requests per second in the latency phase"
    )
    args = parser.parse_args()
    from _platform import commit_id

    call_command("migrate", verbosity=0)
    figures = []
    for hosts in [int(h) for h in args.hosts.split(",")]:
        f = _measure(hosts, args.schedulers, args.seconds, args.rate)
        figures.append(f)
        print(
            f"{hosts:>5} hosts, {args.schedulers} schedulers: {f['decisions_per_s']:>7.1f} decisions/s "
            f"({f['placed']} placed, {f['settled']} ended); queued at {args.rate:g}/s -> placed: "
            f"p50 {f['queued_to_placed_p50_ms']} ms, p99 {f['queued_to_placed_p99_ms']} ms "
            f"({f['queued_placed']} placed of {f['queued_taken']} taken; every decision, placed or "
            f"waiting: p50 {f['queued_to_decided_p50_ms']} ms, p99 {f['queued_to_decided_p99_ms']} ms)"
        )
    sha, dirty = commit_id()
    out = REPO / "benchmarks" / "results" / f"placement-{sha}{'-dirty' if dirty else ''}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "benchmark": "placement",
                "commit": sha,
                "dirty": dirty,
                "cpus": os.cpu_count(),
                "loadavg_at_end": os.getloadavg(),
                "figures": figures,
            },
            indent=2,
        )
    )
    print("targets: >= 500 decisions/s at 1,000 hosts; p99 queued -> placed < 100 ms")
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1) / 2:
        print(f"warning: the machine is busy (load average {load:.1f}): the figures are pessimistic")
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
