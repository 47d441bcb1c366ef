"""A program written against Modal's documented API (`import skylift as modal`), run on Skylift by
tests/integration/test_modal_calls.py: how Modal programs call functions and classes."""

from __future__ import annotations

import os
import threading
import time

import skylift as modal

app = modal.App("it-modal-calls")


@app.function()
def tagged(x: int, *, tag: str, times: int = 1) -> str:
    return f"{tag}{x * times}"


@app.function(single_use_containers=True)
def container_id() -> str:
    return os.environ["SKYLIFT_TASK_ID"]


@app.function()
def nap(seconds: float) -> str:
    time.sleep(seconds)
    return os.environ["SKYLIFT_TASK_ID"]


@app.function(max_containers=1)
@modal.batched(max_batch_size=1, wait_ms=0)
def batch_sizes(xs: list[int]) -> list[int]:
    return [len(xs)] * len(xs)


_lock = threading.Lock()
_running = [0]


@app.cls(max_containers=1)
class Worker:
    @modal.method()
    def busy(self, seconds: float) -> dict:
        """How many inputs ran at once in this container, and which container it is."""
        with _lock:
            _running[0] += 1
            peak = _running[0]
        time.sleep(seconds)
        with _lock:
            _running[0] -= 1
        return {"peak": peak, "task": os.environ["SKYLIFT_TASK_ID"]}


@app.cls(max_containers=1)
class Embedder:
    @modal.batched(max_batch_size=1, wait_ms=0)
    @modal.method()
    def sizes(self, xs: list[int]) -> list[int]:
        return [len(xs)] * len(xs)
