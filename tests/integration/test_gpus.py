"""A GPU function on a real container, on the session platform's host given a simulated (declared)
inventory: the device placement allocated reaches the container, and no device request is made."""

from __future__ import annotations

import json

import pytest

from hosts import gpus
from tests.integration import gpu_app

pytestmark = pytest.mark.integration


@pytest.fixture
def simulated_gpus(platform):
    # The session host declares no GPUs (other tests rely on it): give it two simulated T4s for
    # this test only. Its agent's heartbeats leave a host's declared inventory as they find it.
    devices = gpus.declared_devices(["T4:2"], platform.host_name)
    platform.sql(
        "UPDATE hosts_host SET gpus = %s::jsonb, gpu_source = 'declared' WHERE name = %s",
        [json.dumps(devices), platform.host_name],
    )
    yield devices
    platform.sql(
        "UPDATE hosts_host SET gpus = '[]'::jsonb, gpu_source = '' WHERE name = %s", [platform.host_name]
    )


def test_the_container_gets_its_allocated_device(platform, simulated_gpus):
    with gpu_app.app.run(client=platform.client("alice")):
        # when the function runs (its H100:2 cannot be met; its fallback T4 can)
        seen = gpu_app.devices.remote()
        # then the task holds one T4, and the container names that device and no other
        ((held, model),) = platform.sql(
            "SELECT gpu_devices, gpu_type FROM functions_task WHERE id = %s", [seen["SKYLIFT_TASK_ID"]]
        )
        assert model == "T4" and len(held) == 1
        uuid = next(d["uuid"] for d in simulated_gpus if d["index"] == held[0])
        assert seen["CUDA_VISIBLE_DEVICES"] == seen["NVIDIA_VISIBLE_DEVICES"] == uuid
        assert seen["SKYLIFT_GPU_DEVICES"] == str(held[0]) and seen["SKYLIFT_GPU_TYPE"] == "T4"
        assert seen["SKYLIFT_GPU_SIMULATED"] == "1"
        (container,) = platform.containers(task=seen["SKYLIFT_TASK_ID"])
        assert container["Config"]["Labels"]["skylift.gpus"] == str(held[0])
        # a simulated host makes no device request (no NVIDIA runtime could honour it)
        assert not container["HostConfig"].get("DeviceRequests")
