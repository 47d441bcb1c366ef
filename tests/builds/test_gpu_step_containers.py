"""A GPU build step's container on a real Docker engine whose NVIDIA runtime is the stand-in hook
(tests/fixtures/nvidia_engine.py): it gets, by device request, exactly the devices its step holds
(never one a function's container holds), the variables that name them (not committed into the
layer), and its devices are free again when the step ends, whichever way."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps import services as app_services
from builds import docker_builder, gpu_steps
from builds.models import Build, BuildStatus, Image, StepDevices
from config.ids import new_id
from functions import delivery
from functions import services as function_services
from hosts import docker_client, gpus, services
from hosts.models import Host, HostUsage
from tests.api.support import make_member

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

BASE = "skylift/debian-slim:3.11"
SHOW = 'echo "seen CUDA=$CUDA_VISIBLE_DEVICES NVIDIA=$NVIDIA_VISIBLE_DEVICES INDICES=$SKYLIFT_GPU_DEVICES TYPE=$SKYLIFT_GPU_TYPE"\n'


@pytest.fixture
def engine(nvidia_engine, monkeypatch, settings):
    """The builds adapter talks to the engine with the stand-in hook, whose devices are declared."""
    monkeypatch.setenv("DOCKER_HOST", nvidia_engine.url)
    settings.SKYLIFT_GPU_DEVICE_REQUESTS = "always"
    settings.SKYLIFT_HOST_FIREWALL = "off"  # an engine of the test's own: its bridge is not the host's
    settings.SKYLIFT_CONTAINER_NETWORK = "skylift-nvidia-test"
    docker_builder._client.cache_clear()
    docker_client.client.cache_clear()
    docker_client._checked.clear()
    yield nvidia_engine
    docker_builder._client.cache_clear()
    docker_client.client.cache_clear()
    docker_client._checked.clear()


@pytest.fixture
def gpu_host(settings):
    name = f"nvidia-{new_id('h')[-6:].lower()}"
    settings.SKYLIFT_HOST_NAME = name
    settings.SKYLIFT_HOST_GPUS = ["T4:2"]  # what its heartbeats find
    return Host.objects.create(
        name=name,
        cpu=8,
        memory=16384,
        gpus=gpus.declared_devices(["T4:2"], name),
        gpu_source="declared",
        lease_expires_at=timezone.now() + timedelta(minutes=5),
    )


@pytest.fixture
def member():
    return make_member("gpu-step-owner")


def _build(member) -> Build:
    image = Image.objects.create(
        workspace=member.workspace, spec={}, spec_hash=new_id("h"), python_version="3.11"
    )
    return Build.objects.create(workspace=member.workspace, image=image, spec={}, status=BuildStatus.RUNNING)


def _step(build: Build, script: str, lines: list[str], *, timeout: float = 120, step: int = 1) -> None:
    """A GPU step as builds.steps runs one: its devices held around its container."""
    with gpu_steps.hold(build=build, step=step, gpu="T4", log=lines.append) as held:
        docker_builder.run_and_commit(
            parent=BASE,
            script=held.prelude() + script,
            target=f"skylift/layer:gpu-step-{new_id('t')[-8:].lower()}",
            log=lines.append,
            gpu_device_ids=held.device_ids,
            timeout=timeout,
            name=held.container,
        )


def _new_records(engine, before: set[str]) -> list[dict[str, str]]:
    return [
        engine.record(p.name) for p in engine.records.iterdir() if p.name not in before and "." not in p.name
    ]


def test_a_gpu_build_step_gets_by_device_request_the_device_it_holds_and_no_other(engine, gpu_host, member):
    # given a function's container holding one of the host's two T4s
    app = app_services.app_create(workspace=member.workspace, user=member.user, name="gpu-holder")
    function = function_services.function_create(
        app=app, spec={"name": "holder", "module": "m", "qualname": "holder", "gpu": "T4", "serialized": b"x"}
    )
    with transaction.atomic():
        task = delivery.run(delivery.place_container(task_id=new_id("ta"), function_id=function.id))
    uuids = {d["index"]: d["uuid"] for d in gpu_host.gpus}
    (theirs,) = task.devices
    (ours,) = set(uuids) - {theirs}
    before = {p.name for p in engine.records.iterdir()}
    lines: list[str] = []

    # when a build step with gpu="T4" runs in a container on the engine
    _step(_build(member), SHOW, lines)

    # then the NVIDIA hook was asked for the other T4, by UUID, and for nothing else
    (record,) = _new_records(engine, before)
    assert record["args"] == "prestart"
    assert record["NVIDIA_VISIBLE_DEVICES"] == uuids[ours]
    # and the step's commands saw that device named in their environment
    assert f"seen CUDA={uuids[ours]} NVIDIA={uuids[ours]} INDICES={ours} TYPE=T4" in lines
    # and its device is free again: the host's usage holds the function's only
    assert HostUsage.objects.get(host=gpu_host).devices == [theirs]
    (hold,) = StepDevices.objects.all()
    assert (list(hold.gpu_devices), hold.cause) == ([ours], "succeeded") and hold.released_at


def test_the_variables_are_not_committed_into_the_layer(engine, gpu_host, member):
    # when a GPU step commits its layer
    target = f"skylift/layer:gpu-env-{new_id('t')[-8:].lower()}"
    with gpu_steps.hold(build=_build(member), step=1, gpu="T4", log=lambda line: None) as held:
        docker_builder.run_and_commit(
            parent=BASE,
            script=held.prelude() + "true\n",
            target=target,
            log=lambda line: None,
            gpu_device_ids=held.device_ids,
        )
    # then containers of the image are not told of the build's device
    env = docker_builder.image_config(target).get("Env") or []
    assert not [
        e for e in env if e.startswith(("CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "SKYLIFT_GPU"))
    ]
    docker_builder.remove_image(target)


def test_a_failed_or_timed_out_step_frees_its_device(engine, gpu_host, member):
    build = _build(member)
    lines: list[str] = []
    # when one step fails and another runs past its timeout, each in a container with a device request
    with pytest.raises(docker_builder.StepFailed, match="exited with code 3"):
        _step(build, "exit 3\n", lines, step=1)
    with pytest.raises(docker_builder.StepFailed, match="past its timeout of 1 s"):
        _step(build, "sleep 60\n", lines, timeout=1, step=2)
    # then both held a device while they ran, and neither holds one now
    assert dict(StepDevices.objects.values_list("step", "cause")) == {1: "failed", 2: "failed"}
    assert HostUsage.objects.get(host=gpu_host).devices == []


@pytest.mark.parametrize("cause", ["build_ended", "host_lost", "gpu_lost"])
def test_a_step_container_whose_devices_were_given_up_is_killed_by_its_host(
    engine, gpu_host, member, settings, cause
):
    # given a GPU step running in its container
    build = _build(member)
    failures: list[Exception] = []

    def run() -> None:
        try:
            _step(build, "sleep 120\n", [])
        except docker_builder.StepFailed as exc:
            failures.append(exc)
        finally:
            connection.close()

    runner = threading.Thread(target=run)
    runner.start()
    deadline = time.monotonic() + 60
    while not gpu_steps._step_containers(gpu_host.name) and time.monotonic() < deadline:
        time.sleep(0.2)
    (hold,) = StepDevices.objects.filter(build=build)
    # its host reports its device as used
    services.host_heartbeat(host=gpu_host)
    gpu_host.refresh_from_db()
    assert gpu_host.gpu_usage["used"] == list(hold.gpu_devices)

    # when its devices are given up by another than the step: the sweeper (its builder seen dead,
    # or its host seen lost), or its host losing the device
    if cause == "gpu_lost":
        settings.SKYLIFT_HOST_GPUS = []  # the host finds none of its devices any more
    else:
        StepDevices.objects.filter(pk=hold.pk).update(released_at=timezone.now(), cause=cause)
    # and the host's next heartbeat comes
    services.host_heartbeat(host=gpu_host)
    runner.join(timeout=60)

    # then the step's container was killed (the step failed), and the device is free
    assert not runner.is_alive()
    assert failures and "exited with code 137" in str(failures[0])
    hold.refresh_from_db()
    assert hold.released_at is not None and hold.cause == cause
    assert not gpu_steps._step_containers(gpu_host.name)
