"""A sandbox's lifecycle rules (functions/delivery/sandboxes.py) on the real database, and the
pieces of its exec streams that hold no connection: frames and the SDK's line splitting."""

from __future__ import annotations

import asyncio
import concurrent.futures
from datetime import timedelta

import pytest
from django.utils import timezone

from functions import delivery
from functions.models import Sandbox
from hosts.models import Host
from hosts.relay_sandbox import KIND_STDIN, KIND_STDOUT, frame, read_frame
from skylift._sandbox import StreamReader


def _sandbox(**fields) -> Sandbox:
    from apps import services as app_services
    from functions import services as function_services
    from tests.api.support import make_member

    member = make_member(f"sb{Sandbox.objects.count()}")
    app = app_services.app_create(workspace=member.workspace, user=member.user, name="sandboxes")
    function = function_services.function_create(
        app=app, spec={"name": "f", "module": "m", "qualname": "f", "serialized": b"x"}
    )
    return Sandbox.objects.create(workspace=member.workspace, image=function.image, **fields)


def _host(name: str, cpu: float = 2.0, memory: int = 1024) -> Host:
    now = timezone.now()
    return Host.objects.create(
        name=name,
        cpu=cpu,
        memory=memory,
        last_heartbeat=now,
        lease_seconds=30,
        lease_expires_at=now + timedelta(seconds=30),
    )


@pytest.mark.django_db
def test_placement_counts_what_sandboxes_hold_on_a_host():
    # given one host with 1 CPU, and a sandbox asking for 0.75 of it, placed there
    host = _host("sandbox-host", cpu=1.0)
    first = _sandbox(cpu=0.75)
    placed = delivery.run(delivery.place_sandbox(sandbox_id=first.id))
    assert placed.host_id == host.id and placed.queue == "host.sandbox-host"
    # when a second sandbox asks for 0.5, then it waits, saying why
    second = _sandbox(cpu=0.5)
    waiting = delivery.run(delivery.place_sandbox(sandbox_id=second.id))
    assert waiting.task_id is None and "0.25 of 1 CPU free" in waiting.reason
    assert Sandbox.objects.get(pk=second.id).message == waiting.reason
    # when the first is terminated and its container exits, then the second is placed
    stop = delivery.run(delivery.sandbox_stopping(first.id, "terminated"))
    assert stop is not None and stop.queue == "host.sandbox-host"
    delivery.run(delivery.sandbox_exited(first.id, exit_code=137, oom=False))
    assert Sandbox.objects.get(pk=first.id).status == "stopped"
    assert delivery.run(delivery.place_sandbox(sandbox_id=second.id)).host_id == host.id


@pytest.mark.django_db
def test_a_gpu_sandbox_holds_devices_within_the_workspaces_gpu_limit_beside_its_containers():
    from hosts import gpus

    # given a host with two T4s, and a workspace that may hold two GPUs
    host = _host("gpu-sandbox-host", cpu=8.0, memory=8192)
    host.gpus = gpus.declared_devices(["T4:2"], host.name)
    host.gpu_source = "declared"
    host.save()
    first = _sandbox(gpu="T4")
    first.workspace.gpu_limit = 2
    first.workspace.save()
    # when a sandbox asks for one T4, then it holds one device of it
    placed = delivery.run(delivery.place_sandbox(sandbox_id=first.id))
    first.refresh_from_db()
    assert placed.host_id == host.id and first.gpu_type == "T4" and len(first.gpu_devices) == 1
    # when another of the same workspace asks for two, then the limit holds it back, saying so
    second = Sandbox.objects.create(workspace=first.workspace, image=first.image, gpu="T4:2")
    waiting = delivery.run(delivery.place_sandbox(sandbox_id=second.id))
    assert waiting.task_id is None and "GPU limit is reached (1 of 2" in waiting.reason
    # when one more asks for the last one, then it gets the other device
    third = Sandbox.objects.create(workspace=first.workspace, image=first.image, gpu="T4")
    assert delivery.run(delivery.place_sandbox(sandbox_id=third.id)).host_id == host.id
    third.refresh_from_db()
    assert set(third.gpu_devices).isdisjoint(first.gpu_devices)
    # and a CPU-only sandbox still places beside them
    plain = Sandbox.objects.create(workspace=first.workspace, image=first.image)
    assert delivery.run(delivery.place_sandbox(sandbox_id=plain.id)).host_id == host.id


def test_the_env_loader_hands_any_value_to_the_command_and_leaves_stdin_after_it():
    import subprocess

    from hosts import sandbox_env

    env = {"A": "two\nlines 'q' \"d\" $HOME `x` \\ 100% ✓", "EMPTY": "", "B_2": "-n"}
    shown = "import os, sys; print(repr([os.environ[k] for k in ('A', 'EMPTY', 'B_2')])); print(repr(sys.stdin.read()))"
    done = subprocess.run(
        sandbox_env.wrap(["python3", "-c", shown]),
        input=sandbox_env.block(env) + b"\nthe caller's stdin\n",
        capture_output=True,
        check=True,
    )
    assert done.stdout.decode().splitlines() == [repr(list(env.values())), repr("\nthe caller's stdin\n")]
    # one line a variable, then the empty one: a value's newlines, quotes and spaces are escaped
    block = sandbox_env.block(env)
    assert block.count(b"\n") == len(env) + 1 and not set(b"'\" $`") & set(block)


def test_cidr_allowlists_are_normalised_and_bad_ones_refused():
    from config.errors import ApiError
    from functions.sandboxes import validate_cidrs

    assert validate_cidrs(None) is None
    assert validate_cidrs(["10.1.2.3/8", "192.168.0.1", "10.0.0.0/8"]) == ["10.0.0.0/8", "192.168.0.1/32"]
    for bad in (["::1/128"], ["10.0.0.0/33"], "10.0.0.0/8", [7]):
        with pytest.raises(ApiError):
            validate_cidrs(bad)


@pytest.mark.django_db
def test_it_stops_sandboxes_past_their_timeout_or_idle_too_long():
    host = _host("tick-host")
    long_ago = timezone.now() - timedelta(seconds=100)
    # given a sandbox past its timeout, one idle past its idle_timeout, and one within both
    expired = _sandbox(host=host, status="running", timeout=10, created_at=long_ago)
    idle = _sandbox(host=host, status="running", timeout=1000, idle_timeout=5, active_at=long_ago)
    fresh = _sandbox(host=host, status="running", timeout=1000, idle_timeout=500, active_at=long_ago)
    # when the tick looks
    stops = delivery.run(delivery.sandboxes_expired())
    # then the first two are asked to stop, each for its reason, and the third runs on
    assert sorted(s.sandbox_id for s in stops) == sorted([expired.id, idle.id])
    assert {s.queue for s in stops} == {"host.tick-host"}
    assert Sandbox.objects.get(pk=expired.id).cause == "timeout"
    assert Sandbox.objects.get(pk=idle.id).cause == "idle_timeout"
    assert Sandbox.objects.get(pk=fresh.id).status == "running"
    # and a second look asks nothing more
    assert delivery.run(delivery.sandboxes_expired()) == []
    # an exec keeps a sandbox from idling; a stopped one is not active any more
    assert delivery.run(delivery.sandbox_active(fresh.id))
    assert not delivery.run(delivery.sandbox_active(idle.id))


@pytest.mark.django_db
def test_a_sandbox_never_placed_stops_at_once_and_its_end_is_recorded_once():
    waiting = _sandbox()
    stop = delivery.run(delivery.sandbox_stopping(waiting.id, "terminated"))
    assert stop is not None and stop.queue == ""
    assert Sandbox.objects.get(pk=waiting.id).status == "stopped"
    assert delivery.run(delivery.sandbox_stopping(waiting.id, "terminated")) is None
    # a container's exit reported twice changes nothing the second time
    ran = _sandbox(host=_host("exit-host"), status="running", container_id="c1")
    assert delivery.run(delivery.sandbox_exited(ran.id, exit_code=3, oom=False)) == "c1"
    assert delivery.run(delivery.sandbox_exited(ran.id, exit_code=0, oom=False)) == "c1"
    record = Sandbox.objects.get(pk=ran.id)
    assert (record.status, record.exit_code, record.cause) == ("failed", 3, "container_crash")


@pytest.mark.django_db
def test_sandboxes_on_a_host_whose_lease_ran_out_end_as_lost():
    lost_host = _host("lost-host")
    Host.objects.filter(pk=lost_host.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    running = _sandbox(host=lost_host, status="running")
    stopping = _sandbox(host=lost_host, status="stopping", cause="terminated")
    alive = _sandbox(host=_host("alive-host"), status="running")
    assert sorted(delivery.run(delivery.sandboxes_host_lost())) == sorted([running.id, stopping.id])
    assert (Sandbox.objects.get(pk=running.id).status, Sandbox.objects.get(pk=running.id).cause) == (
        "failed",
        "host_lost",
    )
    assert Sandbox.objects.get(pk=stopping.id).status == "stopped"
    assert Sandbox.objects.get(pk=alive.id).status == "running"
    assert delivery.run(delivery.sandboxes_host_lost()) == []


def test_frames_read_back_as_written_and_an_oversized_one_is_refused():
    async def roundtrip(data: bytes):
        reader = asyncio.StreamReader()
        reader.feed_data(data)
        reader.feed_eof()
        out = []
        while (got := await read_frame(reader)) is not None:
            out.append(got)
        return out

    def run(coroutine):
        # On a thread of its own: the suite may leave an event loop running in this one.
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, coroutine).result()

    wire = frame(KIND_STDOUT, b"hello\n") + frame(KIND_STDIN) + frame(KIND_STDOUT, b"x" * 70_000)
    assert run(roundtrip(wire)) == [
        (KIND_STDOUT, b"hello\n"),
        (KIND_STDIN, b""),
        (KIND_STDOUT, b"x" * 70_000),
    ]
    with pytest.raises(ValueError, match="a frame of"):
        run(roundtrip(b"\x00" + (2 * 1024 * 1024).to_bytes(4, "big")))


def test_the_sdk_splits_lines_across_chunks_and_keeps_a_last_partial_line():
    stream = StreamReader(text=True)
    for chunk in (b"one\ntw", b"o\n", b"", b"three"):
        stream._put(chunk)
    stream._put(None)
    assert list(stream) == ["one\n", "two\n", "three"]
    raw = StreamReader(text=False)
    raw._put(b"\x00\xff")
    raw._put(None)
    assert raw.read() == b"\x00\xff"


@pytest.mark.django_db(transaction=True)
def test_tunnel_traffic_restarts_idle_clocks_in_one_write_per_round():
    from functions.sandbox_activity import ActivityClock

    host = _host("traffic-host")
    long_ago = timezone.now() - timedelta(seconds=100)
    used = _sandbox(host=host, status="running", timeout=1000, idle_timeout=5, active_at=long_ago)
    quiet = _sandbox(host=host, status="running", timeout=1000, idle_timeout=5, active_at=long_ago)
    ended = _sandbox(host=host, status="stopped", timeout=1000, idle_timeout=5, active_at=long_ago)
    clock = ActivityClock(every=0.2)

    async def traffic() -> None:
        # given 300 requests to two sandboxes within one round, one of them still open at its end
        for _ in range(150):
            for sandbox in (used, ended):
                clock.begin(sandbox.id)
                clock.end(sandbox.id)
        clock.begin(used.id)
        await asyncio.sleep(0.5)
        clock.end(used.id)
        while clock._flusher is not None and not clock._flusher.done():
            await asyncio.sleep(0.05)

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, traffic()).result()
    # then a handful of writes carried them all (one at once, then one a round while one was open)
    assert 1 <= clock.writes <= 5
    # and the used sandbox's idle clock restarted, not the quiet one's, nor the ended one's
    assert Sandbox.objects.get(pk=used.id).active_at > long_ago + timedelta(seconds=90)
    assert Sandbox.objects.get(pk=quiet.id).active_at == long_ago
    assert Sandbox.objects.get(pk=ended.id).active_at == long_ago
    # and the tick stops the quiet one only
    assert [s.sandbox_id for s in delivery.run(delivery.sandboxes_expired())] == [quiet.id]


@pytest.mark.django_db
def test_raw_tcp_tunnels_get_distinct_ports_of_the_range_until_it_is_used_up(settings):
    from config.errors import ApiError
    from functions import sandbox_ports

    settings.SKYLIFT_TCP_TUNNEL_PORTS = "21000-21002"
    settings.SKYLIFT_TCP_TUNNEL_HOST = "tcp.example.test"
    # given a range of three ports: a sandbox with two unencrypted ports and an encrypted one
    first = _sandbox(host=_host("tcp-host"), status="running", container_id="c-tcp")
    sandbox_ports.expose(first, {8000: True, 9000: False, 9001: False})
    tunnels = {t["port"]: t for t in sandbox_ports.tunnels_of(first)}
    # then each unencrypted port has its own port of the range, at the configured host
    assert {tunnels[9000]["tcp_port"], tunnels[9001]["tcp_port"]} <= {21000, 21001, 21002}
    assert tunnels[9000]["tcp_port"] != tunnels[9001]["tcp_port"]
    assert tunnels[9000]["tcp_host"] == "tcp.example.test"
    assert (tunnels[8000]["tcp_host"], tunnels[8000]["tcp_port"]) == (None, None)
    # and the running sandbox's tunnels are the gateway's to listen on
    assert set(sandbox_ports.tcp_targets()) == {tunnels[9000]["tcp_port"], tunnels[9001]["tcp_port"]}
    # when another asks for two more, then it is refused clearly (503) and not kept
    second = _sandbox()
    with pytest.raises(ApiError) as refused:
        sandbox_ports.expose(second, {9000: False, 9001: False})
    assert refused.value.status_code == 503
    second.refresh_from_db()
    assert (second.status, second.cause) == ("stopped", "no_tcp_port")
    # and one that ended gives its ports back
    Sandbox.objects.filter(pk=first.pk).update(status="stopped")
    third = _sandbox()
    sandbox_ports.expose(third, {9000: False, 9001: False, 9002: False})
    assert sorted(t["tcp_port"] for t in sandbox_ports.tunnels_of(third)) == [21000, 21001, 21002]
