"""Functions and classes the delivery tests run in real containers."""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
import threading
import time

import skylift

app = skylift.App("it-calls")

MARKERS = "/tmp"  # inside the container


@app.cls()
class Counter:
    start: int = skylift.parameter(default=0)
    label: str = skylift.parameter(default="c")

    @skylift.enter()
    def setup(self):
        self.loaded = self.start + 100
        self.task = os.environ.get("SKYLIFT_TASK_ID", "local")

    @skylift.method()
    def value(self, x: int) -> dict:
        return {"x": x + self.loaded, "label": self.label, "task": self.task}

    @skylift.method()
    async def avalue(self, x: int) -> int:
        await asyncio.sleep(0)
        return x + self.loaded


@app.function(max_containers=1)
@skylift.concurrent(max_inputs=8)
def overlap(seconds: float) -> dict:
    """Reports how many inputs ran at once in this container."""
    with _lock:
        _running[0] += 1
        peak = _running[0]
    time.sleep(seconds)
    with _lock:
        _running[0] -= 1
    return {
        "peak": peak,
        "thread": threading.current_thread().name,
        "task": os.environ["SKYLIFT_TASK_ID"],
        "input": skylift.current_input_id(),
        "call": skylift.current_function_call_id(),
    }


_lock = threading.Lock()
_running = [0]


@app.function(max_containers=1)
@skylift.concurrent(max_inputs=10)
async def async_overlap(seconds: float) -> str:
    await asyncio.sleep(seconds)
    return skylift.current_input_id()


@app.function(max_containers=1)
@skylift.batched(max_batch_size=8, wait_ms=500)
def batch_sizes(xs: list[int]) -> list[int]:
    return [len(xs)] * len(xs)


@app.function()
@skylift.batched(max_batch_size=4, wait_ms=100)
def bad_batch(xs: list[int]) -> int:
    return 1


@app.function(retries=skylift.Retries(max_retries=2, initial_delay=0.1, backoff_coefficient=1.0))
def flaky(key: str) -> int:
    """Fails until it has run three times for this key (attempts are counted on the container's disk)."""
    path = f"{MARKERS}/flaky-{key}"
    count = int(open(path).read()) + 1 if os.path.exists(path) else 1
    with open(path, "w") as f:
        f.write(str(count))
    if count < 3:
        raise RuntimeError(f"attempt {count} fails")
    return count


@app.function(timeout=2, retries=1, max_containers=1)
def slow(seconds: float) -> str:
    time.sleep(seconds)
    return os.environ["SKYLIFT_TASK_ID"]


@app.function(max_containers=2)
def sha(x: int) -> str:
    return hashlib.sha256(str(x).encode()).hexdigest()


@app.function(max_inputs=2)
def retiring() -> str:
    return os.environ["SKYLIFT_TASK_ID"]


@app.function(retries=5)
def poison(x: int) -> int:
    if x == 13:
        os._exit(1)
    return x


@app.function(retries=0)
def marker_then_sleep(name: str, seconds: float) -> str:
    open(f"/tmp/{name}", "w").write("running")
    print(f"running {name}", flush=True)
    time.sleep(seconds)
    return "finished"


@app.function()
def sleeper(seconds: float) -> str:
    try:
        time.sleep(seconds)
    except skylift.exception.InputCancellation:
        print("cancelled while sleeping", flush=True)
        raise
    return "finished"


if not skylift.is_local():

    class RemoteOnly:
        """Exists only inside the container: the caller cannot unpickle it (RELIABILITY B6)."""

        def __init__(self):
            self.value = 42


@app.function()
def remote_only():
    return globals()["RemoteOnly"]()


@app.cls(scaledown_window=2)
class WithExit:
    @skylift.exit()
    def bye(self):
        print("exit hook ran", flush=True)

    @skylift.method()
    def ping(self) -> str:
        return "pong"


@app.function()
def countdown(n: int):
    yield from range(n, 0, -1)


@app.function()
async def acountdown(n: int):
    for i in range(n, 0, -1):
        yield i


@app.function()
def broken_generator():
    yield 1
    raise ValueError("stopped early")


@app.function()
def echo(data: bytes) -> bytes:
    return data


@app.cls(retries=0)
class Drainable:
    @skylift.exit()
    def bye(self):
        print("drained: exit hook ran", flush=True)

    @skylift.method()
    def work(self, seconds: float) -> str:
        print(f"working in {os.environ['SKYLIFT_TASK_ID']}", flush=True)
        time.sleep(seconds)
        return os.environ["SKYLIFT_TASK_ID"]


@app.function(retries=0)
@skylift.concurrent(max_inputs=2)
def concurrent_work(seconds: float) -> str:
    time.sleep(seconds)
    return os.environ["SKYLIFT_TASK_ID"]


@app.cls()
class Batcher:
    @skylift.batched(max_batch_size=4, wait_ms=300)
    @skylift.method()
    def double(self, xs: list[int]) -> list[int]:
        return [2 * x for x in xs]


@app.function()
@skylift.concurrent(max_inputs=2)
async def async_sleeper(seconds: float) -> str:
    try:
        await asyncio.sleep(seconds)
    except asyncio.CancelledError:
        print("async cancelled", flush=True)
        raise
    return "finished"


@app.function(max_containers=2)
def paced(x: int) -> str:
    """sha256 of x after a short pause: a map of a few hundred lasts long enough to hit with a fault."""
    time.sleep(0.05)
    return hashlib.sha256(str(x).encode()).hexdigest()


@app.function(memory=128)
def hog(mib: int) -> int:
    """Holds `mib` MiB of touched memory (F4: past memory= the kernel's OOM killer ends it)."""
    blocks = [b"\x01" * (1 << 20) for _ in range(mib)]
    return len(blocks)


# Interruptions at safe points: timeouts and cancellations that come while the runtime talks to
# the relay (a value being streamed, lines being shipped) wait for user code.


def numbered(n: int, kib: int) -> tuple[int, bytes]:
    """The n-th value the streaming functions yield: its number, and `kib` KiB that tell it apart."""
    return n, bytes([n % 251]) * (kib * 1024)


def _stream(kib: int, count: int):
    n = 0
    while count < 0 or n < count:
        yield numbered(n, kib)
        n += 1


@app.function(timeout=3, retries=0)
def stream_past_timeout(kib: int):
    """Streams values of `kib` KiB without end: its timeout stops it, mostly mid-value."""
    yield from _stream(kib, -1)


@app.function(timeout=2, retries=0)
def print_past_timeout():
    """Prints without pause: its timeout stops it, mostly mid-print."""
    n = 0
    while True:
        print(f"chatter {n} {'x' * 200} end")
        n += 1


@app.function(max_containers=1, retries=0)
def stream_inline(kib: int, count: int):
    """Streams `count` values (without end when count < 0), one input at a time."""
    yield from _stream(kib, count)


@app.function(max_containers=1, retries=0)
def print_until_cancelled(seconds: float) -> str:
    """Prints without pause for `seconds` (until cancelled when < 0); returns its container."""
    deadline = time.monotonic() + seconds
    n = 0
    while seconds < 0 or time.monotonic() < deadline:
        print(f"busy {n} {'x' * 200} end")
        n += 1
    return os.environ["SKYLIFT_TASK_ID"]


@app.function(max_containers=1, retries=0)
@skylift.concurrent(max_inputs=4)
def stream_concurrent(kib: int, count: int):
    """Streams `count` values (without end when count < 0), four inputs at once in a thread pool."""
    yield from _stream(kib, count)


@app.function(max_containers=1, retries=0)
def watch_probe(cut: bool, seconds: float) -> dict:
    """Cuts the runtime's connection that watches for cancellations (a relay hiccup, from inside),
    or sleeps for `seconds` and says whether a cancellation reached it."""
    if cut:
        import gc
        import socket

        runtime = sys.modules["__main__"]  # python -m skylift._container
        channels = [o for o in gc.get_objects() if isinstance(o, runtime._Channel) and o.kind == "watch"]
        for channel in channels:
            channel.sock.shutdown(socket.SHUT_RDWR)
        # The relay answers the cut connection's last long-poll only when it ends (it cannot tell
        # before); a cancellation it took meanwhile would go to the cut connection. Wait it out.
        time.sleep(runtime.POLL_SECONDS + 1)
        return {"cut": len(channels), "task": os.environ["SKYLIFT_TASK_ID"]}
    try:
        time.sleep(seconds)
    except skylift.exception.InputCancellation:
        print("cancelled after the watch was cut", flush=True)
        raise
    return {"cut": 0, "task": os.environ["SKYLIFT_TASK_ID"]}
