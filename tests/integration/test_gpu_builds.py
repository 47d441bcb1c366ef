"""GPU build steps through a whole platform whose host engine has the stand-in NVIDIA hook
(tests/fixtures/nvidia_engine.py) and two declared T4s: a function's container and a build step
on that host are given different devices by device request (as the hook records), the step's
commands see its device named, a step that cannot have its devices now waits, saying why in the
build's log, and takes them when they come free, and every step's devices are free again after."""

from __future__ import annotations

import io
import threading
import time
import uuid

import docker
import pytest

import skylift
from skylift._build import image_build
from tests.fixtures.live_platform import launch
from tests.integration import gpu_build_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def gpu_platform(nvidia_engine):
    """A platform of its own on the engine with the stand-in hook, its host with two T4s."""
    with launch(
        extra_env={
            "DOCKER_HOST": nvidia_engine.url,
            "SKYLIFT_GPU_DEVICE_REQUESTS": "always",
            "SKYLIFT_HOST_GPUS": "T4:2",
            # The engine is the test's own: its bridges are not the machine's to guard.
            "SKYLIFT_HOST_FIREWALL": "off",
            "SKYLIFT_BUILD_GPU_WAIT": "180",
        }
    ) as p:
        yield p


def _records(engine) -> dict[str, dict[str, str]]:
    return {p.name: engine.record(p.name) for p in engine.records.iterdir() if "." not in p.name}


def _uuids(platform) -> dict[int, str]:
    (devices,) = platform.sql("SELECT gpus FROM hosts_host WHERE name = %s", [platform.host_name])[0]
    return {d["index"]: d["uuid"] for d in devices}


def _holds(platform, build_id: str) -> list[tuple]:
    return platform.sql(
        "SELECT gpu_devices, gpu_type, released_at IS NOT NULL, cause FROM builds_stepdevices s"
        " JOIN builds_build b ON b.id = s.build_id WHERE b.id = %s",
        [build_id],
    )


def _last_build(platform) -> tuple[str, str, str]:
    return platform.sql("SELECT id, status, log FROM builds_build ORDER BY created_at DESC LIMIT 1")[0]


def _usage(platform) -> list[int]:
    rows = platform.sql(
        "SELECT u.devices FROM hosts_hostusage u JOIN hosts_host h ON h.id = u.host_id WHERE h.name = %s",
        [platform.host_name],
    )
    return sorted(rows[0][0]) if rows else []


def test_a_build_step_and_a_function_container_on_one_host_get_different_devices(gpu_platform, nvidia_engine):
    uuids = _uuids(gpu_platform)
    with gpu_build_app.app.run(client=gpu_platform.client("alice")):
        # given a function's container holding one T4 (and staying up)
        seen = gpu_build_app.holder.remote()
        ((theirs,),) = gpu_platform.sql(
            "SELECT gpu_devices FROM functions_task WHERE id = %s", [seen["SKYLIFT_TASK_ID"]]
        )[0]
        assert seen["CUDA_VISIBLE_DEVICES"] == uuids[theirs]
        (container,) = docker.DockerClient(base_url=nvidia_engine.url).containers.list(
            filters={"label": f"skylift.task={seen['SKYLIFT_TASK_ID']}"}
        )
        assert nvidia_engine.record(container.id)["NVIDIA_VISIBLE_DEVICES"] == uuids[theirs]
        before = set(_records(nvidia_engine))

        # when an image with a GPU step is built on the host meanwhile
        marker = uuid.uuid4().hex[:12]
        image = skylift.Image.debian_slim().run_commands(
            f'echo "{marker} CUDA=$CUDA_VISIBLE_DEVICES INDICES=$SKYLIFT_GPU_DEVICES TYPE=$SKYLIFT_GPU_TYPE"',
            gpu="T4",
        )
        image_build(gpu_platform.client("alice"), image, out=io.StringIO())
        build_id, status, log = _last_build(gpu_platform)

        # then the step held the other T4, by device request, and its commands saw it named
        assert status == "succeeded"
        ((devices, model, released, cause),) = _holds(gpu_platform, build_id)
        (ours,) = devices
        assert ours != theirs and model == "T4"
        step_records = [r for name, r in _records(nvidia_engine).items() if name not in before]
        assert [r["NVIDIA_VISIBLE_DEVICES"] for r in step_records] == [uuids[ours]]
        assert f"{marker} CUDA={uuids[ours]} INDICES={ours} TYPE=T4" in log
        # and its device is free again, the function's still held
        assert (released, cause) == (True, "succeeded")
        assert _usage(gpu_platform) == [theirs]


def test_a_step_waits_visibly_for_devices_and_takes_them_when_they_come_free(gpu_platform, nvidia_engine):
    engine = docker.DockerClient(base_url=nvidia_engine.url)
    with gpu_build_app.app.run(client=gpu_platform.client("alice")):
        # given a function's container holding one of the two T4s
        seen = gpu_build_app.holder.remote()
        task_id = seen["SKYLIFT_TASK_ID"]
        marker = uuid.uuid4().hex[:12]
        image = skylift.Image.debian_slim().run_commands(f'echo "{marker} $SKYLIFT_GPU_DEVICES"', gpu="T4:2")
        out = io.StringIO()

        # when an image whose step needs both is built, and the container ends while it waits
        def end_the_container_once_the_build_waits() -> None:
            deadline = time.monotonic() + 120
            while (
                time.monotonic() < deadline and "Waiting for 'T4:2' on the build's host" not in out.getvalue()
            ):
                time.sleep(0.2)
            for container in engine.containers.list(filters={"label": f"skylift.task={task_id}"}):
                container.kill()

        ender = threading.Thread(target=end_the_container_once_the_build_waits)
        ender.start()
        image_build(gpu_platform.client("alice"), image, out=out)
        ender.join(timeout=130)
        build_id, status, log = _last_build(gpu_platform)

        # then the build said why it waited, and its step got both devices once free
        assert (
            f"Waiting for 'T4:2' on the build's host: {gpu_platform.host_name}: 1 of 2 T4 free (needs 2)"
            in log
        )
        assert status == "succeeded"
        assert f"{marker} 0,1" in log
        ((devices, _, released, cause),) = _holds(gpu_platform, build_id)
        assert sorted(devices) == [0, 1] and (released, cause) == (True, "succeeded")
