"""Modal's calling surface against real containers: programs written as Modal documents them."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import skylift as modal
from tests.integration import modal_calls_app as program
from tests.integration import modal_output_app

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
SKYLIFT = str(Path(sys.executable).parent / "skylift")


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


def test_it_runs_each_input_of_a_single_use_function_in_a_container_of_its_own(running):
    # when
    tasks = [program.container_id.remote() for _ in range(3)]
    # then
    assert len(set(tasks)) == 3


def _variant_rows(running, function) -> list[tuple]:
    return running.sql(
        "SELECT memory, timeout FROM functions_function WHERE parent_id = %s ORDER BY created_at",
        [function.object_id],
    )


def test_it_runs_a_function_with_other_options_in_containers_of_its_own(running):
    # given a function whose timeout is 300 s
    base = program.nap.remote(0)
    # when it runs with_options(timeout=1), stacked on other options
    quick = program.nap.with_options(memory=256).with_options(timeout=1, retries=0)
    # then its inputs have one second, in containers of their own; its error is a modal.Error
    assert quick.remote(0) != base
    with pytest.raises(modal.Error) as raised:
        quick.remote(5)
    assert isinstance(raised.value, modal.exception.FunctionTimeoutError)
    assert "timeout of 1 s" in str(raised.value)
    assert (256, 1) in _variant_rows(running, program.nap)
    assert program.nap.remote(0) == base


def test_it_runs_a_class_with_other_options(running):
    quick = program.Worker.with_options(timeout=1, retries=0)
    with pytest.raises(modal.exception.FunctionTimeoutError, match="timeout of 1 s"):
        quick().busy.remote(5)
    assert program.Worker().busy.remote(0)["peak"] == 1


def test_it_runs_a_class_with_another_concurrency(running):
    # given a class whose container runs one input at a time
    assert {r["peak"] for r in program.Worker().busy.map([0.3, 0.3])} == {1}
    # when
    results = list(program.Worker.with_concurrency(max_inputs=4)().busy.map([1.0] * 4))
    # then its one container ran the four at once
    assert len({r["task"] for r in results}) == 1
    assert max(r["peak"] for r in results) == 4


def test_it_runs_a_class_and_a_function_with_another_batching(running):
    # given a batched method and a batched function that take one input at a time
    assert set(program.Embedder().sizes.map(range(4))) == {1}
    # when they run with batches of up to 6
    method_sizes = list(program.Embedder.with_batching(max_batch_size=6, wait_ms=1000)().sizes.map(range(6)))
    function_sizes = list(program.batch_sizes.with_batching(max_batch_size=6, wait_ms=1000).map(range(6)))
    # then inputs arrived together
    for sizes in (method_sizes, function_sizes):
        assert max(sizes) <= 6
        assert sum(sizes) / len(sizes) > 1


def test_it_refuses_a_modal_option_skylift_lacks_before_creating_anything(platform, tmp_path):
    # given a program asking for region="us-east", and a user's credentials
    alice = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_CONFIG_PATH=str(tmp_path / "none.toml"),
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
    )
    apps = platform.sql("SELECT count(*) FROM skylift_apps_app")[0][0]
    # when
    ran = subprocess.run(
        [SKYLIFT, "run", "tests/integration/modal_unsupported_app.py"],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    # then
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "InvalidError: The option region= is not supported yet by Skylift" in ran.stderr
    assert platform.sql("SELECT count(*) FROM skylift_apps_app")[0][0] == apps


def test_it_shows_build_and_container_output_only_inside_enable_output(platform, capfd):
    client = platform.client("alice")
    # when a program runs its app inside enable_output(), its image not built yet
    with modal.enable_output(), modal_output_app.app.run(client=client):
        assert modal_output_app.hello.remote("shown") == "shown"
    # then the image's build log and the container's output were printed
    out = capfd.readouterr().out
    assert "=> Step 1: run_commands(echo enable_output > /opt/output.txt)" in out
    assert "Built image" in out
    assert "hello shown from a container" in out
    # when it runs outside enable_output(), then nothing is printed, as with Modal
    with modal_output_app.app.run(client=client):
        assert modal_output_app.hello.remote("hidden") == "hidden"
    assert capfd.readouterr().out == ""
