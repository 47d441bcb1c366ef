"""The Celery and Ray sides of calls.py, run under the benchmark venv's Python (benchmarks/setup.sh).

    python benchmarks/_compare.py celery --redis redis://127.0.0.1:PORT/0 [--n 10000] [--runs 3]
    python benchmarks/_compare.py ray [--n 10000] [--runs 3]

It speaks a line protocol on stdin/stdout so that calls.py can read the machine's CPU counters
around each measurement and nothing else: before each step it prints
`{"event": "ready", "step": ...}` and waits for a line `go`; after it, it prints
`{"event": "done", "step": ..., ...figures}`. Set-up (Ray's start, Celery's warm-up) happens
before the first `ready`, outside every measurement. Anything else it prints goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_out = sys.stdout


def emit(obj: dict) -> None:
    _out.write(json.dumps(obj) + "\n")
    _out.flush()


def wait_go(step: str) -> None:
    emit({"event": "ready", "step": step})
    line = sys.stdin.readline()
    if line.strip() != "go":
        sys.exit(0)


def timed_calls(call, calls: int, warmup: int) -> list[float]:
    for i in range(warmup):
        call(i)
    samples = []
    for i in range(calls):
        p0 = time.perf_counter()
        result = call(i)
        samples.append(time.perf_counter() - p0)
        if result != i + 1:
            raise RuntimeError(f"add1({i}) returned {result!r}")
    return samples


def run_celery(args) -> None:
    os.environ["BENCH_REDIS_URL"] = args.redis
    sys.path.insert(0, str(HERE))
    from _celery_tasks import add1, app
    from celery import group

    # The worker is up when a task comes back; then keep both processes busy once.
    deadline = time.monotonic() + 120
    while True:
        try:
            add1.apply_async((0,)).get(timeout=5)
            break
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline:
                raise
    group(add1.s(i) for i in range(1000)).apply_async().get(timeout=120)
    expected = list(range(1, args.n + 1))
    for r in range(args.runs):
        wait_go(f"map-{r}")
        p0 = time.perf_counter()
        result = group(add1.s(i) for i in range(args.n)).apply_async()
        submitted = time.perf_counter() - p0
        values = result.get(timeout=900)
        seconds = time.perf_counter() - p0
        ok = values == expected
        emit({"event": "done", "step": f"map-{r}", "seconds": seconds, "submit_seconds": submitted, "ok": ok})
        result.forget()
    wait_go("remote")
    samples = timed_calls(lambda i: add1.apply_async((i,)).get(timeout=60), args.remote_calls, args.warmup)
    emit({"event": "done", "step": "remote", "samples": samples})
    app.close()


def run_ray(args) -> None:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    ray.init(
        num_cpus=2,
        include_dashboard=False,
        object_store_memory=256 * 2**20,
        log_to_driver=False,
        configure_logging=False,
    )

    @ray.remote
    def add1(x):
        return x + 1

    # Start both workers and warm the task path.
    ray.get([add1.remote(i) for i in range(2000)])
    expected = list(range(1, args.n + 1))
    for r in range(args.runs):
        wait_go(f"map-{r}")
        p0 = time.perf_counter()
        refs = [add1.remote(i) for i in range(args.n)]
        submitted = time.perf_counter() - p0
        values = ray.get(refs)
        seconds = time.perf_counter() - p0
        emit(
            {
                "event": "done",
                "step": f"map-{r}",
                "seconds": seconds,
                "submit_seconds": submitted,
                "ok": values == expected,
            }
        )
        del refs, values
    wait_go("remote")
    samples = timed_calls(lambda i: ray.get(add1.remote(i)), args.remote_calls, args.warmup)
    emit({"event": "done", "step": "remote", "samples": samples})
    ray.shutdown()


def main() -> int:
    global _out
    parser = argparse.ArgumentParser()
    parser.add_argument("system", choices=["celery", "ray"])
    parser.add_argument("--redis", help="broker and result backend (celery)")
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--remote-calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    args = parser.parse_args()
    # Only the protocol goes to stdout: libraries that print go to stderr.
    _out = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    sys.stdout = sys.stderr
    try:
        run_celery(args) if args.system == "celery" else run_ray(args)
    except BaseException as exc:  # noqa: BLE001 - reported to calls.py
        emit({"event": "error", "error": f"{type(exc).__name__}: {exc}"})
        raise
    emit({"event": "end"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
