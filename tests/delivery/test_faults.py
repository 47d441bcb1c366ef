"""Fault rows of RELIABILITY.md, each checked by a ledger of what was accepted and delivered."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import docker
import pytest

from skylift.exception import ExecutionError
from tests.billing.ledger import metered_once
from tests.delivery import calls_app
from tests.delivery.calls_app import app
from tests.fixtures.live_platform import wait_for

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
CRASH_CAP = 3  # settings.SKYLIFT_CONTAINER_CRASH_CAP


@pytest.fixture(scope="module")
def running(platform):
    with app.run(client=platform.client("alice")):
        yield platform


def ledger(platform, call_id: str) -> list[tuple]:
    """(idx, status, attempt, cause) of every accepted input of a call."""
    return platform.sql(
        "SELECT idx, status, attempt, cause FROM functions_input WHERE call_id = %s ORDER BY idx", [call_id]
    )


def expected(x: int) -> str:
    return hashlib.sha256(str(x).encode()).hexdigest()


def test_f2_a_killed_container_fails_its_input_with_the_cause(running):
    # given an input running in a container (retries=0)
    call = calls_app.marker_then_sleep.spawn("f2", 60)
    rows = wait_for(
        lambda: running.sql(
            "SELECT task_id, status FROM functions_input WHERE call_id = %s", [call.object_id]
        ),
        lambda r: r and r[0][1] == "running",
    )
    wait_for(
        lambda: running.sql(
            "SELECT 1 FROM functions_logline WHERE call_id = %s AND text = 'running f2'", [call.object_id]
        ),
        lambda r: r,
    )
    # when the container is SIGKILLed
    docker.from_env().containers.get(f"skylift-{rows[0][0]}").kill()
    # then the caller gets one clear error, and the ledger says container_crash after one attempt
    with pytest.raises(ExecutionError, match=r"container_crash.*signal 9"):
        call.get(timeout=60)
    assert ledger(running, call.object_id) == [(0, "failed", 1, "container_crash")]
    # and the killed container's seconds are metered once each, up to its end (docs/billing.md)
    metered_once(running, rows[0][0])


def test_f16_a_poison_input_fails_at_the_crash_cap_and_the_others_succeed(running):
    results = list(calls_app.poison.map([1, 13, 2], return_exceptions=True, wrap_returned_exceptions=False))
    assert results[0] == 1
    assert results[2] == 2
    assert isinstance(results[1], ExecutionError)
    attempts = running.sql(
        "SELECT i.attempt, i.crashes, i.cause FROM functions_input i JOIN functions_function f ON f.id = i.function_id"
        " WHERE f.name = 'poison' AND i.status = 'failed'"
    )
    assert attempts == [(CRASH_CAP, CRASH_CAP, "container_crash")]


def test_f7_a_map_survives_a_control_plane_restart(running):
    # given a map of 1,000 in flight
    results: list = []
    failure: list = []

    def consume():
        try:
            results.extend(calls_app.sha.map(range(1000)))
        except BaseException as exc:  # noqa: BLE001
            failure.append(exc)

    consumer = threading.Thread(target=consume)
    consumer.start()
    wait_for(
        lambda: running.sql(
            "SELECT count(*) FROM functions_input i JOIN functions_function f ON f.id = i.function_id "
            "WHERE f.name = 'sha' AND i.status = 'succeeded'"
        )[0][0],
        lambda n: n >= 100,
    )
    # when the ASGI server is SIGKILLed and restarted
    running.restart("web")
    consumer.join(timeout=300)
    # then: exactly 1,000 inputs, one output each, correct and in order (L1, L2, L3, L6)
    assert not failure, failure
    assert results == [expected(x) for x in range(1000)]
    calls = running.sql(
        "SELECT c.id, c.input_count FROM functions_functioncall c JOIN functions_function f ON f.id = c.function_id "
        "WHERE f.name = 'sha' AND c.kind = 'map' ORDER BY c.created_at DESC LIMIT 1"
    )
    call_id, count = calls[0]
    assert count == 1000
    rows = ledger(running, call_id)
    assert len(rows) == 1000
    assert {r[1] for r in rows} == {"succeeded"}
    # and the containers that served it are metered once each across the restart (so far: they run on)
    for (task_id,) in running.sql(
        "SELECT DISTINCT task_id FROM functions_input WHERE call_id = %s", [call_id]
    ):
        metered_once(running, task_id, stopped=False)


def test_f12_duplicate_messages_run_each_input_once(running):
    # given inputs whose ids are pushed to Redis twice (a duplicated message)
    call = calls_app.sha.spawn_map(range(200))
    ids = [
        row[0] for row in running.sql("SELECT id FROM functions_input WHERE call_id = %s", [call.object_id])
    ]
    function_id = calls_app.sha.object_id
    running.redis().rpush(f"skylift:q:{function_id}", *ids)
    # then every input is delivered once, after one attempt
    outputs = list(call.iter_outputs())
    assert outputs == [expected(x) for x in range(200)]
    rows = ledger(running, call.object_id)
    assert {(r[1], r[2]) for r in rows} == {("succeeded", 1)}


CLIENT = textwrap.dedent("""
    import sys, skylift
    from skylift._client import Client
    from skylift._config import Config
    from tests.delivery.calls_app import app, sleeper
    client = Client(Config(server_url=sys.argv[1], token_id=sys.argv[2], token_secret=sys.argv[3],
                           profile=None, source="test"))
    detach = sys.argv[4] == "detach"
    with app.run(client=client, show_logs=False, detach=detach):
        if detach:
            print(sleeper.spawn_map([1.0] * 6).object_id, flush=True)
        else:
            for n, _ in enumerate(sleeper.map([1.0] + [30.0] * 5)):
                print("got", n, flush=True)
        import time
        time.sleep(600)
""")


def _client_process(platform, mode: str) -> subprocess.Popen:
    alice = platform.users["alice"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), *sys.path])}
    return subprocess.Popen(
        [sys.executable, "-c", CLIENT, platform.url, alice.token_id, alice.token_secret, mode],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


def test_f11_a_vanished_client_stops_its_app_and_cancels_the_rest(running):
    # given a client in the middle of a map
    proc = _client_process(running, "attached")
    assert proc.stdout.readline().startswith("got 0")
    app_id = running.sql(
        "SELECT id FROM skylift_apps_app WHERE name = 'it-calls' ORDER BY created_at DESC LIMIT 1"
    )[0][0]
    # when it is SIGKILLed
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    # then the app stops, its remaining inputs are cancelled (terminal, not lost), its containers go
    state = wait_for(
        lambda: running.sql("SELECT state FROM skylift_apps_app WHERE id = %s", [app_id])[0][0],
        lambda s: s == "stopped",
        attempts=900,
    )
    assert state == "stopped"
    statuses = running.sql(
        "SELECT i.status, count(*) FROM functions_input i JOIN functions_function f ON f.id = i.function_id "
        "WHERE f.app_id = %s GROUP BY i.status",
        [app_id],
    )
    assert dict(statuses) == {"succeeded": 1, "cancelled": 5}
    left = wait_for(lambda: running.containers(app=app_id), lambda found: not found, attempts=900)
    assert left == []


def test_f11_a_detached_spawn_map_goes_on_without_its_client(running):
    from skylift import FunctionCall

    proc = _client_process(running, "detach")
    call_id = proc.stdout.readline().strip()
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    outputs = list(FunctionCall.from_id(call_id, client=running.client("alice")).iter_outputs())
    assert outputs == ["finished"] * 6


def test_f3_a_graceful_stop_hands_the_input_back_without_spending_retries(running):
    # given an input running in a container (retries=0, drain time 3 s in the test settings)
    call = calls_app.Drainable().work.spawn(8)
    rows = wait_for(
        lambda: running.sql(
            "SELECT task_id, status FROM functions_input WHERE call_id = %s", [call.object_id]
        ),
        lambda r: r and r[0][1] == "running",
    )
    first_task = rows[0][0]
    # when the container is stopped gracefully (SIGTERM, then 30 s before SIGKILL)
    docker.from_env().api.stop(f"skylift-{first_task}", timeout=30)
    # then @exit ran, and the input ran again elsewhere, as a preemption, not a failure
    assert call.get(timeout=120) != first_task
    assert running.sql(
        "SELECT attempt, preemptions, retries_used, crashes, status FROM functions_input WHERE call_id = %s",
        [call.object_id],
    ) == [(2, 1, 0, 0, "succeeded")]
    exits = running.sql("SELECT task_id FROM functions_logline WHERE text = 'drained: exit hook ran'")
    assert (first_task,) in exits


def test_f3_a_graceful_stop_hands_a_concurrent_input_back_after_the_drain_time(running):
    # given an input of a @concurrent function running in a container, longer than the drain time
    # (3 s in tests) but shorter than the fetcher's long-poll under way (10 s): the poll ends when
    # the container is told to stop, so the drain does not wait for it (else the input would finish)
    call = calls_app.concurrent_work.spawn(8)
    rows = wait_for(
        lambda: running.sql(
            "SELECT task_id, status FROM functions_input WHERE call_id = %s", [call.object_id]
        ),
        lambda r: r and r[0][1] == "running",
    )
    first_task = rows[0][0]
    # when the container is stopped gracefully
    docker.from_env().api.stop(f"skylift-{first_task}", timeout=30)
    # then the input ran again elsewhere, as a preemption, not a failure
    assert call.get(timeout=120) != first_task
    assert running.sql(
        "SELECT attempt, preemptions, retries_used, crashes, status FROM functions_input WHERE call_id = %s",
        [call.object_id],
    ) == [(2, 1, 0, 0, "succeeded")]


def test_f4_a_function_past_its_memory_limit_fails_as_oom(running):
    # given a function limited to 128 MiB that holds 1 GiB
    call = calls_app.hog.spawn(1024)
    # then the caller gets one clear error naming the limit, and the ledger says oom on Docker's evidence
    with pytest.raises(ExecutionError, match=r"\(oom\).*exceeded its memory limit of 128 MiB"):
        call.get(timeout=120)
    assert ledger(running, call.object_id) == [(0, "failed", 1, "oom")]
    # and the container is replaced: the same function still serves a small input
    assert calls_app.hog.remote(8) == 8


def _celery_children(pid: int) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=,args=", "--ppid", str(pid)], capture_output=True, text=True
    ).stdout
    return [int(line.split()[0]) for line in out.splitlines() if "celery" in line]


def test_f1_the_agents_container_worker_comes_back_after_a_sigkill(running):
    # given the host agent's Celery worker (it starts and stops this host's containers)
    agent = running.procs["agent"].pid
    (worker,) = _celery_children(agent)
    # when it is SIGKILLed
    os.kill(worker, signal.SIGKILL)
    # then the agent starts another, and a container that must be started now still comes
    again = wait_for(lambda: _celery_children(agent), lambda pids: pids and pids != [worker])
    assert again and again != [worker]
    fresh = calls_app.Counter(start=int.from_bytes(os.urandom(2), "big"), label="f1")
    assert fresh.value.remote(1)["label"] == "f1"
