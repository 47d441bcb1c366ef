"""Modal's calling surface against real containers: programs written as Modal documents them."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration import modal_calls_app as program

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running(platform):
    with program.app.run(client=platform.client("alice")):
        yield platform


def test_it_gives_the_same_keyword_arguments_to_every_input_of_a_map(running):
    # when
    mapped = list(program.tagged.map([1, 2, 3], kwargs={"tag": "m", "times": 10}))
    unordered = sorted(program.tagged.map([1, 2], kwargs={"tag": "u"}, order_outputs=False))
    starmapped = list(program.tagged.starmap([(1,), (2,)], kwargs={"tag": "s"}))
    program.tagged.for_each([1, 2], kwargs={"tag": "f"})  # raises if an input failed
    spawned = program.tagged.spawn_map([4, 5], kwargs={"tag": "p"})
    # then
    assert mapped == ["m10", "m20", "m30"]
    assert unordered == ["u1", "u2"]
    assert starmapped == ["s1", "s2"]
    assert list(spawned.iter_outputs()) == ["p4", "p5"]


def test_it_gives_keyword_arguments_to_an_async_map(running):
    async def main():
        return [x async for x in program.tagged.map.aio([1, 2], kwargs={"tag": "a"})]

    # A fresh thread: another test of the session may have left an event loop set on this one.
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, main()).result() == ["a1", "a2"]
