"""The function benchmarks/state.py runs in a container: Dict get and put timed from inside it."""

from __future__ import annotations

import time

import skylift

app = skylift.App("bench-state")


@app.function()
def dict_latencies(d: skylift.Dict, n: int) -> dict:
    """Seconds of each of `n` puts and `n` gets of a small entry, through the container's relay."""
    d.put("warm", 0)
    d.get("warm")
    puts, gets = [], []
    for i in range(n):
        started = time.perf_counter()
        d.put(f"k{i % 100}", i)
        puts.append(time.perf_counter() - started)
        started = time.perf_counter()
        d.get(f"k{i % 100}")
        gets.append(time.perf_counter() - started)
    return {"put": puts, "get": gets}


@app.function()
def queue_throughput(q: skylift.Queue, batches: int, size: int) -> dict:
    """Seconds of each put_many and get_many of `size` items, through the container's relay.

    Four batches in, then four out, and again: a partition holds at most 5,000 items."""
    puts, gets = [], []
    values = list(range(size))
    for _ in range(0, batches, 4):
        for _ in range(4):
            started = time.perf_counter()
            q.put_many(values)
            puts.append(time.perf_counter() - started)
        for _ in range(4):
            started = time.perf_counter()
            got = q.get_many(size)
            gets.append(time.perf_counter() - started)
            assert len(got) == size
    return {"put_many": puts, "get_many": gets}
