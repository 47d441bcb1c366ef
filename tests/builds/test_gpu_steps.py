"""GPU build steps take their devices from the allocation containers take theirs from, against the
real PostgreSQL with declared inventories: never a device a container (or another step) holds,
a visible wait with its reason and a settable limit, a refusal at once when the host could never
give them, and release however the step ends (success, failure, a builder gone, a host lost)."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from apps import services as app_services
from builds import docker_builder, gpu_steps, services
from builds.models import Build, BuildStatus, Image, StepDevices
from builds.spec import plan_image
from config.ids import new_id
from functions import delivery
from functions import services as function_services
from functions.models import Function, Task
from hosts import gpus
from hosts.models import Host, HostUsage
from tests.api.support import make_member

pytestmark = pytest.mark.django_db(transaction=True)

HOLDING = ["pending", "starting", "running", "stopping"]


def _host(name: str, *declared: str) -> Host:
    return Host.objects.create(
        name=name,
        cpu=64,
        memory=512 * 1024,
        gpus=gpus.declared_devices(declared, name),
        gpu_source="declared",
        lease_expires_at=timezone.now() + timedelta(minutes=5),
    )


@pytest.fixture
def member():
    return make_member("gpu-builder")


def _function(member, name: str, gpu: str) -> Function:
    app = app_services.app_create(workspace=member.workspace, user=member.user, name=f"{name}-app")
    return function_services.function_create(
        app=app, spec={"name": name, "module": "mod", "qualname": name, "gpu": gpu, "serialized": b"x"}
    )


def _build(member) -> Build:
    image = Image.objects.create(
        workspace=member.workspace, spec={}, spec_hash=new_id("h"), python_version="3.11"
    )
    return Build.objects.create(
        workspace=member.workspace,
        image=image,
        spec={},
        status=BuildStatus.RUNNING,
        started_at=timezone.now(),
    )


def _container(function: Function) -> delivery.Placed:
    with transaction.atomic():
        return delivery.run(delivery.place_container(task_id=new_id("ta"), function_id=function.id))


def _step(build: Build, host: Host, gpu: str, step: int = 1) -> delivery.Placed:
    return delivery.run(delivery.place_build_step(build_id=build.id, step=step, host_id=host.id, gpu=gpu))


def _held(host: Host) -> Counter:
    """device -> how many holders (containers and build steps) have it on the host."""
    held: Counter = Counter()
    for devices in Task.objects.filter(host=host, status__in=HOLDING).values_list("gpu_devices", flat=True):
        held.update(devices)
    for devices in StepDevices.objects.filter(host=host, released_at=None).values_list(
        "gpu_devices", flat=True
    ):
        held.update(devices)
    return held


def _usage(host: Host) -> list[int]:
    return sorted(HostUsage.objects.get(host=host).devices)


def test_it_gives_a_build_step_a_device_no_container_holds_and_takes_it_back(member):
    # given a host with two T4s, one of them held by a function's container
    host = _host("gpu-a", "T4:2")
    function = _function(member, "infer", "T4")
    first = _container(function)
    build = _build(member)

    # when a build step asks for a T4
    placed = _step(build, host, "T4")

    # then it gets the other one, recorded as its hold and counted in the host's usage
    assert placed.task_id is not None and placed.model == "T4"
    assert set(placed.devices).isdisjoint(first.devices)
    hold = StepDevices.objects.get(pk=int(placed.task_id))
    assert (hold.host_id, list(hold.gpu_devices), hold.gpu_type) == (host.id, list(placed.devices), "T4")
    assert _usage(host) == [0, 1] and HostUsage.objects.get(host=host).held == {"T4": 2}
    # and a second container finds no T4 there while the step holds it
    waiting = _container(function)
    assert waiting.task_id is None
    assert "gpu-a: 0 of 2 T4 free (needs 1)" in waiting.reason

    # when the step releases it
    assert gpu_steps.release(hold.id, "succeeded")

    # then the host's usage lets it go, and a container gets that very device
    assert _usage(host) == sorted(first.devices)
    again = _container(function)
    assert again.devices == placed.devices
    assert not gpu_steps.release(hold.id, "succeeded")  # released once


def test_concurrent_build_steps_and_containers_never_share_a_device(member):
    # given a host with four L4s, and a function and builds that ask for them at once
    host = _host("gpu-b", "L4:4")
    function = _function(member, "train", "L4")
    builds = [_build(member) for _ in range(3)]
    results: list[delivery.Placed] = []

    def containers() -> None:
        try:
            for _ in range(3):
                results.append(_container(function))
        finally:
            connection.close()

    def steps(build: Build) -> None:
        try:
            for step in range(1, 3):
                results.append(_step(build, host, "L4", step))
        finally:
            connection.close()

    # when containers and build steps are placed concurrently
    threads = [threading.Thread(target=containers) for _ in range(2)]
    threads += [threading.Thread(target=steps, args=(b,)) for b in builds]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then every device is held once at most, all four are taken, and the usage agrees
    held = _held(host)
    assert set(held) == {0, 1, 2, 3} and max(held.values()) == 1
    assert sum(len(r.devices) for r in results if r.task_id) == 4
    assert _usage(host) == [0, 1, 2, 3]


def test_a_step_that_cannot_be_placed_now_says_why_and_reserves_the_device_it_waits_for(member):
    # given a host whose two T4s are held by containers
    host = _host("gpu-c", "T4:2")
    function = _function(member, "serve", "T4")
    first, second = _container(function), _container(function)
    build = _build(member)

    # when a build step asks for a T4
    placed = _step(build, host, "T4")

    # then it waits, saying why, and reserves the host's T4 for itself
    assert placed.task_id is None and not placed.never
    assert placed.reason == "Waiting for 'T4' on the build's host: gpu-c: 0 of 2 T4 free (needs 1)"
    host.refresh_from_db()
    assert host.reserved_for == f"{build.id}/1" and host.reserved_model == "T4"

    # when a container ends, a new container does not take its device: the step waits for it
    Task.objects.filter(pk=first.task_id).update(status="stopped")
    assert _container(function).task_id is None
    # and the step gets it, and gives the reservation up
    placed = _step(build, host, "T4")
    assert placed.devices == first.devices
    host.refresh_from_db()
    assert host.reserved_for == ""
    assert second.task_id


def test_a_step_its_host_could_never_serve_is_refused_at_once(member):
    # given a host with two T4s (none in use) and a draining one
    host = _host("gpu-d", "T4:2")
    draining = _host("gpu-e", "A10G:4")
    Host.objects.filter(pk=draining.pk).update(draining=True)
    build = _build(member)

    # when steps ask for more T4s than it has, a type it lacks, or a GPU of a draining host
    too_many = _step(build, host, "T4:4")
    wrong = _step(build, host, "H100")
    gone = _step(build, draining, "A10G")

    # then each is refused for good, with the reason, and nothing is held
    assert too_many.never and too_many.task_id is None
    assert (
        too_many.reason
        == "The build's host gpu-d could never give 'T4:4' (its GPUs: T4): only 2 T4 (needs 4)"
    )
    assert wrong.never and "could never give 'H100' (its GPUs: T4): no H100" in wrong.reason
    assert gone.never and "draining or lost" in gone.reason
    assert not StepDevices.objects.exists()


def test_a_steps_devices_count_against_the_workspace_gpu_limit(member):
    # given a workspace allowed one device at a time, and a build step holding one
    member.workspace.gpu_limit = 1
    member.workspace.save(update_fields=["gpu_limit"])
    host = _host("gpu-f", "T4:4")
    assert _step(_build(member), host, "T4").task_id

    # when one of its functions asks for a T4
    waiting = _container(_function(member, "limited", "T4"))

    # then it waits for the limit, though the host has free T4s
    assert waiting.task_id is None
    assert "the workspace's GPU limit is reached (1 of 1 devices held; this needs 1)" in waiting.reason


@pytest.fixture
def build_host(settings):
    host = _host("gpu-builder-host", "T4:2")
    settings.SKYLIFT_HOST_NAME = host.name
    return host


def test_hold_gives_the_step_its_devices_and_releases_them_when_it_succeeds_or_fails(member, build_host):
    build = _build(member)
    lines: list[str] = []

    # when a step holds a T4 while it runs, and succeeds
    with gpu_steps.hold(build=build, step=1, gpu="T4", log=lines.append) as held:
        # then it holds a device, and its container is told which (no device request: declared devices)
        assert _usage(build_host) == list(held.devices)
        uuid = next(d["uuid"] for d in build_host.gpus if d["index"] == held.devices[0])
        assert held.environment["NVIDIA_VISIBLE_DEVICES"] == held.environment["CUDA_VISIBLE_DEVICES"] == uuid
        assert held.environment["SKYLIFT_GPU_DEVICES"] == str(held.devices[0])
        assert held.device_ids == []
        assert f"export CUDA_VISIBLE_DEVICES={uuid}\n" in held.prelude()
    # then its devices are free again
    assert _usage(build_host) == []
    assert StepDevices.objects.get(pk=held.hold_id).cause == "succeeded"
    assert lines == [f"   GPU: T4 device(s) {held.devices[0]} of gpu-builder-host"]

    # when a step fails (or runs past its timeout: a StepFailed too), or the builder raises
    def failing_step() -> None:
        with gpu_steps.hold(build=build, step=2, gpu="T4:2", log=lines.append):
            assert _usage(build_host) == [0, 1]
            raise docker_builder.StepFailed("the step exited with code 1")

    with pytest.raises(docker_builder.StepFailed):
        failing_step()
    with pytest.raises(KeyError), gpu_steps.hold(build=build, step=3, gpu="T4", log=lines.append):
        raise KeyError("a bug")
    # then its devices are free again too
    assert _usage(build_host) == []
    causes = dict(StepDevices.objects.values_list("step", "cause"))
    assert causes == {1: "succeeded", 2: "failed", 3: "crashed"}


def test_hold_with_a_device_request_names_the_devices_by_uuid(member, build_host, settings):
    # given an engine with an NVIDIA runtime for the declared devices
    settings.SKYLIFT_GPU_DEVICE_REQUESTS = "always"
    with gpu_steps.hold(build=_build(member), step=1, gpu="T4:2", log=lambda line: None) as held:
        # then the device request asks for the held devices by UUID
        assert held.device_ids == [d["uuid"] for d in build_host.gpus]
        assert held.environment["SKYLIFT_GPU_DEVICES"] == "0,1"


def test_hold_waits_visibly_then_fails_with_the_reason_after_the_set_wait(member, build_host):
    # given a build host whose T4s are both held by containers
    function = _function(member, "busy", "T4")
    _container(function), _container(function)
    build = _build(member)
    lines: list[str] = []

    # when a step asks for a T4 and may wait one second
    with override_settings(SKYLIFT_BUILD_GPU_WAIT=1.0), pytest.raises(docker_builder.StepFailed) as failed:
        with gpu_steps.hold(build=build, step=1, gpu="T4", log=lines.append):
            pytest.fail("no device was free")

    # then it said why it waited, kept its build alive, and failed with the reason
    reason = "Waiting for 'T4' on the build's host: gpu-builder-host: 0 of 2 T4 free (needs 1)"
    assert lines[0] == f"   {reason}"
    assert str(failed.value) == (
        f"no GPU for 'T4' came free on this build host within 1 s (SKYLIFT_BUILD_GPU_WAIT). {reason}"
    )
    build.refresh_from_db()
    assert build.heartbeat_at is not None
    assert not StepDevices.objects.exists()


def test_hold_gets_the_device_once_it_is_free(member, build_host):
    # given a build host whose T4s are both held by containers, one of which ends in a while
    function = _function(member, "ending", "T4")
    first, _ = _container(function), _container(function)
    timer = threading.Timer(
        1.5, lambda: (Task.objects.filter(pk=first.task_id).update(status="stopped"), connection.close())
    )
    timer.start()
    lines: list[str] = []
    try:
        # when a step asks for a T4
        with gpu_steps.hold(build=_build(member), step=1, gpu="T4", log=lines.append) as held:
            # then it gets the device the container left
            assert held.devices == first.devices
    finally:
        timer.cancel()
    assert lines[0].startswith("   Waiting for 'T4' on the build's host")


def test_hold_refuses_at_once_what_the_host_could_never_give(member, build_host):
    started = time.monotonic()
    with pytest.raises(docker_builder.StepFailed, match=r"could never give 'A100' \(its GPUs: T4\): no A100"):
        with gpu_steps.hold(build=_build(member), step=1, gpu="A100", log=lambda line: None):
            pass
    assert time.monotonic() - started < 30  # no wait for the SKYLIFT_BUILD_GPU_WAIT (600 s)


def test_the_sweeper_releases_the_devices_of_a_dead_builder_and_of_a_lost_host(member):
    # given steps holding devices: one of a build whose worker died, one on a host then lost,
    # and one of a build running on a live host
    live, lost = _host("gpu-live", "T4:2"), _host("gpu-lost", "T4:2")
    dead = _build(member)
    Build.objects.filter(pk=dead.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    on_lost, running = _build(member), _build(member)
    dead_hold = _step(dead, live, "T4")
    lost_hold = _step(on_lost, lost, "T4")
    running_hold = _step(running, live, "T4")
    Host.objects.filter(pk=lost.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))

    # when the sweeper runs
    services.sweep_abandoned_builds()

    # then the dead builder's build failed and its step's device is free, as is the lost host's
    causes = {h.pk: (h.cause, h.released_at is not None) for h in StepDevices.objects.all()}
    assert causes[int(dead_hold.task_id)] == ("build_ended", True)
    assert causes[int(lost_hold.task_id)] == ("host_lost", True)
    assert causes[int(running_hold.task_id)] == ("", False)
    assert Build.objects.get(pk=dead.pk).status == BuildStatus.FAILED
    assert _usage(live) == list(running_hold.devices) and _usage(lost) == []


def test_a_gpu_build_goes_to_a_host_whose_devices_are_free_now(member, django_capture_on_commit_callbacks):
    # given two hosts with a T4: the first by name has its T4 held by a container
    busy, free = _host("gpu-1-busy", "T4"), _host("gpu-2-free", "T4")
    assert _container(_function(member, "holder", "T4")).host_id == busy.id or pytest.fail("placed elsewhere")
    plan = plan_image(
        workspace_id=str(member.workspace.pk),
        spec={"base": "debian_slim", "steps": [{"kind": "run_commands", "commands": ["true"], "gpu": "T4"}]},
        python_versions={"3.11": "skylift/debian-slim:3.11"},
        conda_channels=[],
    )
    # when its build is sent to a host, then it goes to the one that can give the step its T4 now
    assert services.build_queue(plan) == free.queue
