"""The Dict and Queue benchmark (issue 13), side by side with a direct redis-py client.

    .venv/bin/python benchmarks/state.py

On the embedded platform (`skylift server start --background` in a temporary data dir):

1. Dict get and put of a small entry (a short string key, an int value), p50 of `--ops` of each:
   from the caller (the SDK over HTTP) and from inside a container (the SDK over its relay);
   beside them, GET and SET of the same pickled bytes with redis-py straight to the platform's
   Redis on this machine (no durability, no tenancy: the floor). Target: Dict get p50 <= 3 ms
   from the caller.
2. Queue put_many / get_many of 1,000-item batches (`--batches` of each), items per second each
   way, from the caller and from a container; beside them, RPUSH / LPOP count of 1,000 with
   redis-py. Target: >= 20,000 items/s each way.

Medians, side by side. Writes benchmarks/results/state-<commit>.json. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _platform import EmbeddedPlatform, commit_id, machine_info, say, summary  # noqa: E402

HERE = Path(__file__).resolve().parent
BATCH = 1000


def _timed(fn, n: int) -> list[float]:
    out = []
    for i in range(n):
        started = time.perf_counter()
        fn(i)
        out.append(time.perf_counter() - started)
    return out


def _rate(seconds: list[float]) -> float:
    return BATCH / statistics.median(seconds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ops", type=int, default=500, help="Dict gets and puts of each kind (default 500)")
    parser.add_argument("--batches", type=int, default=20, help="1,000-item batches each way (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep the platform's data directory and logs")
    parser.add_argument("--output", type=Path, help="where to write the JSON (default benchmarks/results/)")
    args = parser.parse_args()

    commit, dirty = commit_id()
    results: dict = {
        "benchmark": "state",
        "commit": commit,
        "dirty": dirty,
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "config": {"ops": args.ops, "batches": args.batches, "batch": BATCH},
    }
    plat = EmbeddedPlatform(keep=args.keep)
    figures: dict[str, list[float]] = {}
    try:
        plat.start()
        client = plat.client()
        import bench_state_functions as fns
        import cloudpickle
        import redis

        import skylift

        r = redis.Redis.from_url(plat.redis_url)
        key, value = cloudpickle.dumps("k1"), cloudpickle.dumps(1)
        with fns.app.run(client=client):
            with skylift.Dict.ephemeral(client=client) as d, skylift.Queue.ephemeral(client=client) as q:
                d.put("warm", 0)
                d.get("warm")
                figures["dict_put_caller"] = _timed(lambda i: d.put(f"k{i % 100}", i), args.ops)
                figures["dict_get_caller"] = _timed(lambda i: d.get(f"k{i % 100}"), args.ops)
                figures["redis_set"] = _timed(lambda i: r.set(b"bench:" + key, value), args.ops)
                figures["redis_get"] = _timed(lambda i: r.get(b"bench:" + key), args.ops)
                inside = fns.dict_latencies.remote(d, args.ops)
                figures["dict_put_container"], figures["dict_get_container"] = inside["put"], inside["get"]
                say("Dict done")

                values = list(range(BATCH))
                # Four batches in, then four out, and again: a partition holds at most 5,000 items.
                figures["queue_put_many_caller"], figures["queue_get_many_caller"] = [], []
                for _ in range(0, args.batches, 4):
                    figures["queue_put_many_caller"] += _timed(lambda i: q.put_many(values), 4)
                    figures["queue_get_many_caller"] += _timed(lambda i: q.get_many(BATCH), 4)
                pickled = [cloudpickle.dumps(v) for v in values]
                figures["redis_rpush"] = _timed(lambda i: r.rpush("bench:q", *pickled), args.batches)
                figures["redis_lpop"] = _timed(lambda i: r.lpop("bench:q", BATCH), args.batches)
                inside = fns.queue_throughput.remote(q, args.batches, BATCH)
                figures["queue_put_many_container"] = inside["put_many"]
                figures["queue_get_many_container"] = inside["get_many"]
                say("Queue done")
    finally:
        plat.stop()

    results["seconds"] = {name: summary(values) for name, values in figures.items()}
    print()
    print(f"{'Dict, p50':34} {'Skylift':>12} {'redis-py':>12} {'target':>10}")
    rows = [
        ("get from the caller", "dict_get_caller", "redis_get", "<= 3 ms"),
        ("put from the caller", "dict_put_caller", "redis_set", ""),
        ("get from a container", "dict_get_container", "redis_get", ""),
        ("put from a container", "dict_put_container", "redis_set", ""),
    ]
    for label, ours, theirs, target in rows:
        print(
            f"{label:34} {statistics.median(figures[ours]) * 1000:>9.2f} ms "
            f"{statistics.median(figures[theirs]) * 1000:>9.2f} ms {target:>10}"
        )
    print()
    print(f"{'Queue, items/s (median batch)':34} {'Skylift':>12} {'redis-py':>12} {'target':>10}")
    rates = {}
    for label, ours, theirs in [
        ("put_many from the caller", "queue_put_many_caller", "redis_rpush"),
        ("get_many from the caller", "queue_get_many_caller", "redis_lpop"),
        ("put_many from a container", "queue_put_many_container", "redis_rpush"),
        ("get_many from a container", "queue_get_many_container", "redis_lpop"),
    ]:
        rates[ours] = _rate(figures[ours])
        print(f"{label:34} {rates[ours]:>12,.0f} {_rate(figures[theirs]):>12,.0f} {'>= 20,000':>10}")
    results["items_per_second"] = {
        **rates,
        "redis_rpush": _rate(figures["redis_rpush"]),
        "redis_lpop": _rate(figures["redis_lpop"]),
    }
    out = args.output or HERE / "results" / f"state-{commit}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    say(f"results in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
