"""The chaos bench (RELIABILITY.md): many faults on a real platform under load, then the ledger.

    platform/scripts/test-services.sh && source .cache/test-services/env
    .venv/bin/python benchmarks/chaos.py --seed 42 --inputs 6000

It runs a whole platform (web, worker with beat, host agent) on a database and Redis of its own,
plus a second host agent that reaches PostgreSQL and Redis only through the in-repo fault proxy
(so that it can be partitioned). Several `.map()`s of a deterministic function run at once while
a seeded nemesis injects faults at random moments:

    kill-container   F2  docker kill of a container running inputs
    graceful-stop    F3  docker stop of a container (its @exit runs, its input is handed back)
    control-plane    F7  SIGKILL of the ASGI server, then a restart
    kill-worker      F1  SIGKILL of the Celery worker (autoscaler, reconciler), then a restart
    redis            F6  CLIENT KILL TYPE normal: every Redis connection dropped at once
    db               F8  pg_terminate_backend of every other session of the platform's database
    dup-delivery     F12 the ids of running inputs pushed to the queue a second time
    partition        F9  the second host cut off from both for 2 leases, then healed

Once the run is quiet it checks the ledger (L1-L7) and prints one block: hard gates first (must be
0), reported figures second. Rerunning with the same seed replays the same schedule of faults
(their effect still depends on timing). Nothing here is a test: it is run on demand, and its
figures go in issue notes. Results also go to benchmarks/results/chaos-<commit>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import docker  # noqa: E402
from _platform import HERE, commit_id, docker_api, machine_info, say  # noqa: E402

from tests.fixtures.live_platform import launch, wait_for  # noqa: E402
from tests.fixtures.partitioned_host import PartitionedHost  # noqa: E402

FAULTS = (
    "kill-container",
    "graceful-stop",
    "control-plane",
    "kill-worker",
    "redis",
    "db",
    "dup-delivery",
    "partition",
)
CRASH_CAP = 3  # settings.SKYLIFT_CONTAINER_CRASH_CAP
RETRIES = 3  # bench_chaos_functions.work's Retries(max_retries=3)


class Nemesis:
    """Injects faults at seeded random intervals until stopped; records what it did and what bit."""

    def __init__(self, plat, host: PartitionedHost, seed: int, kinds: list[str], every: float):
        self.plat, self.host, self.kinds, self.every = plat, host, kinds, every
        self.rng = random.Random(seed)
        self.dk = docker_api()
        self.injected: Counter[str] = Counter()
        self.missed: Counter[str] = Counter()  # drawn, but nothing to hit at that moment
        self.events: list[dict] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="nemesis", daemon=True)

    def _containers(self) -> list[str]:
        """Ids of this platform's running function containers (the low-level list: no inspect race)."""
        running = self.dk.api.containers(filters={"label": "skylift.managed=1"})
        hosts = {self.plat.host_name, self.host.name}
        return [
            c["Id"]
            for c in running
            if c["Labels"].get("skylift.host") in hosts and c["Labels"].get("skylift.task")
        ]

    def _run(self) -> None:
        while not self.stop.wait(self.rng.expovariate(1 / self.every)):
            kind = self.rng.choice(self.kinds)
            started = time.monotonic()
            try:
                hit = getattr(self, "_" + kind.replace("-", "_"))()
            except Exception as exc:  # noqa: BLE001 - a fault that failed to inject is reported
                hit = False
                self.events.append({"kind": kind, "error": repr(exc)})
            (self.injected if hit else self.missed)[kind] += 1
            self.events.append(
                {"kind": kind, "hit": hit, "at": time.time(), "took": time.monotonic() - started}
            )

    def _kill_container(self) -> bool:
        containers = self._containers()
        if not containers:
            return False
        try:
            self.dk.api.kill(self.rng.choice(containers))
        except docker.errors.APIError:
            return False  # it ended meanwhile
        return True

    def _graceful_stop(self) -> bool:
        containers = self._containers()
        if not containers:
            return False
        try:
            self.dk.api.stop(self.rng.choice(containers), timeout=5)
        except docker.errors.APIError:
            return False
        return True

    def _control_plane(self) -> bool:
        self.plat.restart("web")
        return True

    def _kill_worker(self) -> bool:
        self.plat.restart("worker")
        return True

    def _redis(self) -> bool:
        return bool(self.plat.redis().client_kill_filter(_type="normal", skipme=True))

    def _db(self) -> bool:
        rows = self.plat.sql(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        return bool(rows and rows[0][0])

    def _dup_delivery(self) -> bool:
        rows = self.plat.sql(
            "SELECT id, function_id FROM functions_input WHERE status = 'running' ORDER BY random() LIMIT 20"
        )
        if not rows:
            return False
        pipe = self.plat.redis().pipeline(transaction=False)
        for input_id, function_id in rows:
            pipe.rpush(f"skylift:q:{function_id}", input_id)
        pipe.execute()
        return True

    def _partition(self) -> bool:
        self.host.partition()
        try:
            self.stop.wait(self.host.lease_seconds * 2)
        finally:
            self.host.heal()
        return True


def ledger(plat, call_ids: list[str]) -> dict:
    """L1, L4, L5 from the database for every accepted input of the runs' calls."""
    rows = plat.sql(
        "SELECT status, attempt, retries_used, crashes, preemptions, cause FROM functions_input"
        " WHERE call_id = ANY(%s)",
        [call_ids],
    )
    # Why inputs did not succeed: each status and cause, with one of their messages.
    causes = plat.sql(
        "SELECT status, cause, count(*), min(left(message, 300)) FROM functions_input"
        " WHERE call_id = ANY(%s) AND status <> 'succeeded' GROUP BY status, cause",
        [call_ids],
    )
    statuses = Counter(r[0] for r in rows)
    bound = [r for r in rows if r[2] > RETRIES or r[3] > CRASH_CAP or r[1] > 1 + RETRIES + CRASH_CAP + r[4]]
    return {
        "accepted": len(rows),
        "terminal": sum(n for s, n in statuses.items() if s not in ("pending", "running")),
        "statuses": dict(statuses),
        "not_succeeded": [
            {"status": st, "cause": cause, "count": count, "message": message}
            for st, cause, count, message in causes
        ],
        "attempts_over_bound": len(bound),
        "non_success_without_cause": sum(1 for r in rows if r[0] != "succeeded" and not r[5]),
        "attempts": [r[1] for r in rows],
        "preemptions": sum(r[4] for r in rows),
        "crashes": sum(r[3] for r in rows),
    }


def orphans(plat, host: PartitionedHost, function_id: str) -> dict:
    dk = docker_api()
    containers = dk.api.containers(filters={"label": f"skylift.function={function_id}"})
    r = plat.redis()
    return {
        "containers": len(containers),
        "live_leases": plat.sql(
            "SELECT count(*) FROM functions_input WHERE function_id = %s AND status = 'running'",
            [function_id],
        )[0][0],
        "queued_messages": r.llen(f"skylift:q:{function_id}") + r.llen("control"),
    }


def run_maps(work, maps: int, per_map: int, results: dict, errors: list) -> list[threading.Thread]:
    def one(m: int) -> None:
        xs = list(range(m * per_map, (m + 1) * per_map))
        t0 = time.monotonic()
        try:
            out = list(work.map(xs, return_exceptions=True, wrap_returned_exceptions=False))
        except Exception as exc:  # noqa: BLE001 - reported: a map that did not finish
            errors.append(repr(exc))
            return
        results[m] = {"xs": xs, "out": out, "seconds": time.monotonic() - t0}

    threads = [threading.Thread(target=one, args=(m,), name=f"map-{m}") for m in range(maps)]
    for t in threads:
        t.start()
    return threads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--inputs", type=int, default=6000, help="inputs in all (default 6000)")
    parser.add_argument("--maps", type=int, default=3, help="maps running at once (default 3)")
    parser.add_argument("--every", type=float, default=3.0, help="mean seconds between faults (default 3)")
    parser.add_argument("--faults", default=",".join(FAULTS), help="fault kinds, comma-separated")
    parser.add_argument("--baseline", action="store_true", help="also run the same load without faults first")
    args = parser.parse_args()
    kinds = [k for k in args.faults.split(",") if k]
    unknown = set(kinds) - set(FAULTS)
    if unknown:
        parser.error(f"unknown fault kinds {sorted(unknown)}; known: {', '.join(FAULTS)}")
    if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
        print(
            "Start the services first: platform/scripts/test-services.sh && source .cache/test-services/env"
        )
        return 2
    from bench_chaos_functions import app, work

    commit, dirty = commit_id()
    per_map = args.inputs // args.maps
    report: dict = {
        "benchmark": "chaos",
        "commit": commit,
        "dirty": dirty,
        "seed": args.seed,
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "config": vars(args),
    }
    t_start = time.monotonic()
    with launch(users=True) as plat:
        host = PartitionedHost(plat, Path(tempfile.mkdtemp(prefix="skylift-chaos-")), lease_seconds=6.0)
        try:
            host.wait_registered(plat)
            say(f"platform up; second host {host.name} behind the fault proxy")
            client = plat.client("alice")
            with app.run(client=client, show_logs=False):
                function_id = work.object_id
                if args.baseline:
                    say(f"baseline: {args.maps} maps x {per_map} inputs, no faults")
                    base: dict = {}
                    for t in run_maps(work, args.maps, per_map, base, []):
                        t.join()
                    report["baseline_seconds"] = max(r["seconds"] for r in base.values())
                    say(f"  {report['baseline_seconds']:.1f} s")
                say(
                    f"chaos: {args.maps} maps x {per_map} inputs, faults {kinds}, one every ~{args.every:g} s"
                )
                nemesis = Nemesis(plat, host, args.seed, kinds, args.every)
                results: dict[int, dict] = {}
                errors: list[str] = []
                t0 = time.monotonic()
                threads = run_maps(work, args.maps, per_map, results, errors)
                nemesis.thread.start()
                for t in threads:
                    t.join()
                nemesis.stop.set()
                nemesis.thread.join(60)
                host.heal()
                chaos_seconds = time.monotonic() - t0
                say(f"  maps done in {chaos_seconds:.1f} s; faults injected {sum(nemesis.injected.values())}")
                calls = [
                    r[0]
                    for r in plat.sql(
                        "SELECT id FROM functions_functioncall WHERE function_id = %s AND kind = 'map'"
                        " ORDER BY created_at",
                        [function_id],
                    )
                ]
                calls = calls[-args.maps :]
                # Quiescence: nothing pending or running for the runs' calls.
                wait_for(
                    lambda: plat.sql(
                        "SELECT count(*) FROM functions_input WHERE call_id = ANY(%s)"
                        " AND status IN ('pending', 'running')",
                        [calls],
                    )[0][0],
                    lambda n: n == 0,
                    attempts=1200,
                )
                book = ledger(plat, calls)
            # The app is stopped: its containers must go (L7).
            wait_for(lambda: orphans(plat, host, function_id)["containers"], lambda n: n == 0, attempts=600)
            left = orphans(plat, host, function_id)
            r = plat.redis()
            stats = {k.decode(): int(v) for k, v in (r.hgetall("skylift:stats") or {}).items()}
        finally:
            host.stop()

    # L2, L3, L6 from what the caller received.
    delivered_twice = wrong = out_of_order = missing = 0
    for res in results.values():
        missing += max(0, len(res["xs"]) - len(res["out"]))
        delivered_twice += max(0, len(res["out"]) - len(res["xs"]))
        for x, value in zip(res["xs"], res["out"], strict=False):
            if isinstance(value, BaseException):
                continue
            if value != hashlib.sha256(str(x).encode()).hexdigest():
                # Either a wrong result or one in the wrong place (order): tell them apart.
                if value in {hashlib.sha256(str(y).encode()).hexdigest() for y in res["xs"]}:
                    out_of_order += 1
                else:
                    wrong += 1
    failed_values = sum(1 for res in results.values() for v in res["out"] if isinstance(v, BaseException))
    lost = book["accepted"] - book["terminal"]
    attempts = book["attempts"]
    report.update(
        {
            "duration_seconds": time.monotonic() - t_start,
            "chaos_seconds": chaos_seconds,
            "injected": dict(nemesis.injected),
            "missed": dict(nemesis.missed),
            "events": nemesis.events,
            "map_errors": errors,
            "ledger": {k: v for k, v in book.items() if k != "attempts"},
            "orphans": left,
            "stats": stats,
            "gates": {
                "lost": lost,
                "missing_outputs": missing,
                "delivered_twice": delivered_twice,
                "wrong_results": wrong,
                "out_of_order": out_of_order,
                "attempts_over_bound": book["attempts_over_bound"],
                "non_success_without_cause": book["non_success_without_cause"],
                "maps_that_raised": len(errors),
                "orphans": left,
            },
        }
    )
    print_block(report, args, attempts, failed_values)
    out = HERE / "results" / f"chaos-{commit[:12]}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str))
    say(f"Wrote {out}")
    gates = report["gates"]
    hard = [
        gates["lost"],
        gates["missing_outputs"],
        gates["delivered_twice"],
        gates["wrong_results"],
        gates["out_of_order"],
        gates["attempts_over_bound"],
        gates["non_success_without_cause"],
        gates["maps_that_raised"],
        *gates["orphans"].values(),
    ]
    return 0 if not any(hard) else 1


def print_block(report: dict, args, attempts: list[int], failed_values: int) -> None:
    m = report["machine"]
    injected = report["injected"]
    gates = report["gates"]
    book = report["ledger"]
    n = book["accepted"] or 1
    print()
    print(
        f"skylift chaos  commit {report['commit'][:7]}{'+' if report['dirty'] else ''}  seed {args.seed}  "
        f"hosts 2 (one behind the fault proxy)  {m['platform']} / {m['cpus']} cores  "
        f"duration {report['duration_seconds'] / 60:.1f}m"
    )
    print(
        f"faults injected: {sum(injected.values())}   "
        + " · ".join(f"{k} {v}" for k, v in sorted(injected.items()))
        + (f"   (drawn with nothing to hit: {sum(report['missed'].values())})" if report["missed"] else "")
    )
    print(
        f"inputs submitted {args.inputs:,} · accepted {book['accepted']:,} · terminal {book['terminal']:,} "
        f"({100 * book['terminal'] / n:.3f}%)   statuses {book['statuses']}"
    )
    for row in book["not_succeeded"]:
        print(f"  {row['status']} ({row['cause']}): {row['count']:,}, e.g. {row['message']!r}")
    print("  HARD GATES                                   result")
    rows = [
        ("lost (accepted, never terminal)", gates["lost"]),
        ("outputs missing at the caller", gates["missing_outputs"]),
        ("outputs delivered twice", gates["delivered_twice"]),
        ("wrong results (!= f(x))", gates["wrong_results"]),
        ("out-of-order map results", gates["out_of_order"]),
        ("attempts over bound", gates["attempts_over_bound"]),
        ("non-success without a cause", gates["non_success_without_cause"]),
        ("maps that raised", gates["maps_that_raised"]),
        (
            "orphans after run (containers/leases/msgs)",
            " / ".join(str(v) for v in gates["orphans"].values()),
        ),
        (
            "stale writes accepted after fencing",
            f"0   (refused: {report['stats'].get('stale_outputs_refused', 0)}, proves fencing ran)",
        ),
    ]
    for label, value in rows:
        print(f"  {label:<44} {value}")
    print("  REPORTED")
    mean = statistics.mean(attempts) if attempts else 0
    print(
        f"  {'executions per input':<44} mean {mean:.3f} · max {max(attempts or [0])} · "
        f"crashes {book['crashes']} · preemptions {book['preemptions']}"
    )
    print(f"  {'failed after retries (returned as values)':<44} {failed_values}")
    print(f"  {'loss-rate upper bound (95%, rule of three)':<44} <= {3 / n:.1e}   (= 3 / {n:,})")
    if "baseline_seconds" in report:
        print(
            f"  {'wall time under faults vs baseline':<44} {report['chaos_seconds']:.1f} s vs "
            f"{report['baseline_seconds']:.1f} s ({report['baseline_seconds'] / report['chaos_seconds']:.2f}x throughput)"
        )
    else:
        print(f"  {'wall time under faults':<44} {report['chaos_seconds']:.1f} s")
    if report["map_errors"]:
        print(f"  map errors: {report['map_errors'][:3]}")


if __name__ == "__main__":
    sys.exit(main())
