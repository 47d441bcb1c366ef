"""Build steps join a network namespace their workspace's builds share on a host (made once, by a
holder container) instead of each paying for a namespace of its own; workspaces never share one,
and a step's /etc/hosts and resolv.conf stay its own."""

from __future__ import annotations

import io
import os
import uuid

import docker
import pytest
from django.conf import settings

from builds import docker_builder

pytestmark = pytest.mark.integration

BASE = "skylift/debian-slim:3.11"


@pytest.fixture
def keys():
    made = [f"test-{uuid.uuid4().hex[:8]}" for _ in range(3)]
    yield made
    for c in docker.from_env().containers.list(all=True, filters={"label": "skylift.build-network"}):
        if c.labels.get("skylift.build-network") in made:
            c.remove(force=True)


@pytest.fixture
def images():
    made: list[str] = []
    yield made
    for ref in made:
        docker.from_env().images.remove(ref, force=True)


def _namespace(container_id: str) -> str:
    """The network namespace a container's process is in (as the kernel names it)."""
    pid = docker.from_env().api.inspect_container(container_id)["State"]["Pid"]
    return os.readlink(f"/proc/{pid}/ns/net")


def _step(network: str | None, script: str, images: list[str]) -> list[str]:
    target = f"skylift-test/buildnet:{uuid.uuid4().hex[:8]}"
    images.append(target)
    lines: list[str] = []
    docker_builder.run_and_commit(
        parent=BASE, script=script, target=target, log=lines.append, network=network
    )
    return lines


def test_steps_of_one_workspace_share_a_namespace_and_workspaces_do_not(keys):
    first, second, _ = keys
    # given the holders of two workspaces
    a = docker_builder.network_holder(first)
    assert a is not None and a.startswith("container:")
    assert docker_builder.network_holder(first) == a  # made once, then found
    b = docker_builder.network_holder(second)
    assert b != a
    # then each is a namespace of its own, on the isolating network like a step's own would be
    assert _namespace(a.split(":", 1)[1]) != _namespace(b.split(":", 1)[1])
    attrs = docker.from_env().api.inspect_container(a.split(":", 1)[1])
    assert attrs["HostConfig"]["NetworkMode"] == settings.SKYLIFT_CONTAINER_NETWORK
    network = docker.from_env().networks.get(settings.SKYLIFT_CONTAINER_NETWORK)
    assert network.attrs["Options"]["com.docker.network.bridge.enable_icc"] == "false"
    # and a holder itself can do nothing but hold it
    assert attrs["HostConfig"]["CapDrop"] == ["ALL"] and attrs["HostConfig"]["ReadonlyRootfs"]
    assert "no-new-privileges" in attrs["HostConfig"]["SecurityOpt"]


def test_a_step_runs_in_its_workspaces_namespace_with_network_files_of_its_own(keys, images):
    holder = docker_builder.network_holder(keys[0])
    # when a step runs joined to the holder, and writes to /etc/hosts
    lines = _step(holder, "readlink /proc/self/ns/net; echo '10.9.9.9 poisoned' >> /etc/hosts", images)
    # then it ran in the holder's namespace, and its layer was committed
    assert _namespace(holder.split(":", 1)[1]) in "\n".join(lines)
    assert docker_builder.image_exists(images[-1])
    # and the next step of the workspace does not see what it wrote
    lines = _step(holder, "cat /etc/hosts; getent hosts localhost", images)
    assert "poisoned" not in "\n".join(lines) and "localhost" in "\n".join(lines)


def test_only_this_platforms_unused_holders_are_retired(keys, images):
    busy_key, idle_key, foreign_key = keys
    client = docker.from_env()
    busy = docker_builder.network_holder(busy_key)
    docker_builder.network_holder(idle_key)
    # a holder of another platform on the same engine (it has no marker here)
    foreign = client.containers.run(
        BASE, ["sleep", "60"], labels={"skylift.build-network": foreign_key}, detach=True
    )
    # given a step container still running in the first workspace's namespace
    step = client.containers.run(BASE, ["sleep", "60"], network_mode=busy, detach=True)
    try:
        # when holders used in the last ten minutes are asked to go, nothing goes
        assert docker_builder.retire_idle_network_holders() == 0
        # when every unused one is
        docker_builder.retire_idle_network_holders(0)
        # then only this platform's unused one went
        left = {
            c.labels["skylift.build-network"]
            for c in client.containers.list(all=True, filters={"label": "skylift.build-network"})
        }
        assert busy_key in left and foreign_key in left and idle_key not in left
    finally:
        step.remove(force=True)
        foreign.remove(force=True)
    # and a step whose holder has gone still runs, in a namespace of its own
    docker_builder.retire_idle_network_holders(0)
    lines = _step(busy, "true", images)
    assert docker_builder.image_exists(images[-1])
    assert any("network holder went away" in line for line in lines)


def test_holders_are_made_from_a_current_base_and_a_restart_refreshes_their_network_files(keys):
    client = docker.from_env()
    bases = {i.id for i in client.images.list(name="skylift/debian-slim")}
    # given the holders' tag left on an image that is no base (as after a base was remade)
    stale, _ = client.images.build(fileobj=io.BytesIO(f"FROM {BASE}\nRUN touch /stale\n".encode()), rm=True)
    stale.tag(docker_builder.HOLDER_IMAGE)
    try:
        # when a holder is made
        holder = docker_builder.network_holder(keys[0])
        holder_id = holder.split(":", 1)[1]
        # then it runs a current base, and the tag followed it
        assert client.api.inspect_container(holder_id)["Image"] in bases
        assert client.images.get(docker_builder.HOLDER_IMAGE).id in bases
        # and when it stopped and is started again, its network files are read anew
        docker_builder._holder_network_files(holder)
        client.api.stop(holder_id, timeout=0)
        assert docker_builder.network_holder(keys[0]) == holder
        assert holder_id not in docker_builder._network_files_cache
    finally:
        client.images.remove(stale.id, force=True)
