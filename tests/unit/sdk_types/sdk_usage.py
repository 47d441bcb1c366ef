"""A program using the SDK as its users do; mypy must find every type below as written.

Checked by tests/unit/test_types.py (not run: nothing here talks to a server).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, assert_type

import skylift

app = skylift.App("typed")


@app.function(cpu=0.5, memory=256, timeout=60, retries=skylift.Retries(max_retries=2))
def square(x: int) -> int:
    return x * x


@app.function(gpu=["H100", "A100"], max_containers=4)
async def fetch(url: str, *, retries: int = 0) -> bytes:
    return url.encode()


@app.function()
@skylift.batched(max_batch_size=8, wait_ms=10)
def embed(texts: list[str]) -> list[float]:
    return [float(len(t)) for t in texts]


@app.function()
@skylift.concurrent(max_inputs=10)
def shout(text: str) -> str:
    return text.upper()


@app.cls(memory=1024)
class Model:
    size: str = skylift.parameter(default="small")

    @skylift.enter()
    def load(self) -> None:
        self.weights = {self.size: 1.0}

    @skylift.method()
    def predict(self, x: int) -> str:
        return f"{self.weights}{x}"

    @skylift.method()
    async def apredict(self, x: int) -> float:
        return float(x)

    @skylift.exit()
    def close(self) -> None:
        pass


@app.local_entrypoint()
def main(n: int = 3) -> int:
    return square.remote(n)


def blocking() -> None:
    assert_type(square.remote(3), int)
    assert_type(square.local(3), int)
    assert_type(square(3), int)
    call = square.spawn(3)
    assert_type(call, skylift.FunctionCall[int])
    assert_type(call.get(), int)
    assert_type(call.get(timeout=1.5), int)
    assert_type(square.map([1, 2]), Iterator[int])
    assert_type(square.map([1, 2], order_outputs=False), Iterator[int])
    assert_type(square.map([1], return_exceptions=True), Iterator[int | Exception])
    assert_type(square.starmap([(1,), (2,)]), Iterator[int])
    assert_type(square.spawn_map([1, 2]), skylift.FunctionCall[int])
    assert_type(square.spawn_map([1, 2]).iter_outputs(), Iterator[int])
    assert_type(square.for_each([1, 2]), None)
    assert_type(fetch.map(["a"], kwargs={"retries": 1}), Iterator[bytes])
    assert_type(fetch.starmap([("a",)], kwargs={"retries": 1}), Iterator[bytes])
    assert_type(fetch.for_each(["a"], kwargs={"retries": 1}), None)
    assert_type(fetch.spawn_map(["a"], kwargs={"retries": 1}), skylift.FunctionCall[bytes])
    assert_type(skylift.gather(square.spawn(1), square.spawn(2)), list[int])
    assert_type(skylift.FunctionCall.from_id("fc-1").get(), Any)
    assert_type(fetch.remote("https://example.invalid", retries=2), bytes)
    assert_type(embed.remote("one text"), float)
    assert_type(shout.remote("hi"), str)
    assert_type(Model().predict.remote(3), str)
    assert_type(Model().predict.spawn(3).get(), str)
    assert_type(Model().apredict.remote(3), float)
    assert_type(Model().predict.map([1, 2]), Iterator[str])
    assert_type(main(4), int)
    with app.run() as running:
        assert_type(running, skylift.App)
    volume = skylift.Volume.from_name("data", create_if_missing=True)
    assert_type(volume.read_file("weights.bin"), Iterator[bytes])
    image = skylift.Image.debian_slim().pip_install("numpy").env({"A": "1"})
    assert_type(image, skylift.Image)
    assert_type(skylift.current_input_id(), str | None)
    assert_type(square.with_options(cpu=2, timeout=30).remote(3), int)
    assert_type(square.with_concurrency(max_inputs=4).with_options(gpu="T4").map([1]), Iterator[int])
    assert_type(shout.with_batching(max_batch_size=4, wait_ms=10).remote("a"), str)


async def awaiting() -> None:
    assert_type(await square.remote.aio(3), int)
    assert_type(await fetch.remote.aio("https://example.invalid"), bytes)
    assert_type(await square.spawn.aio(3), skylift.FunctionCall[int])
    assert_type(await square.spawn(3).get.aio(), int)
    async for value in square.map.aio([1, 2]):
        assert_type(value, int)
    async for outcome in square.map.aio([1, 2], return_exceptions=True):
        assert_type(outcome, int | Exception)
    async for fetched in fetch.map.aio(["a"], kwargs={"retries": 1}):
        assert_type(fetched, bytes)
    assert_type(await Model().predict.remote.aio(1), str)
