"""Build steps join a network namespace their workspace's builds share on a host (made once, by a
holder container) instead of each paying for a namespace of its own; workspaces never share one."""

from __future__ import annotations

import os
import uuid

import docker
import pytest

from builds import docker_builder

pytestmark = pytest.mark.integration

BASE = "skylift/debian-slim:3.11"


@pytest.fixture
def keys():
    made = [f"test-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    yield made
    client = docker.from_env()
    for c in client.containers.list(all=True, filters={"label": "skylift.build-network"}):
        if c.labels.get("skylift.build-network") in made:
            c.remove(force=True)


def _namespace(container_id: str) -> str:
    """The network namespace a container's process is in (as the kernel names it)."""
    pid = docker.from_env().api.inspect_container(container_id)["State"]["Pid"]
    return os.readlink(f"/proc/{pid}/ns/net")


def test_steps_of_one_workspace_share_a_namespace_and_workspaces_do_not(keys):
    first, second = keys
    # given the holders of two workspaces
    a = docker_builder.network_holder(first)
    assert a is not None and a.startswith("container:")
    assert docker_builder.network_holder(first) == a  # made once, then found
    b = docker_builder.network_holder(second)
    assert b != a
    # then each is a namespace of its own, on Docker's bridge like a step's own would be
    assert _namespace(a.split(":", 1)[1]) != _namespace(b.split(":", 1)[1])
    attrs = docker.from_env().api.inspect_container(a.split(":", 1)[1])
    assert attrs["HostConfig"]["NetworkMode"] == "bridge"
    # and a holder itself can do nothing but hold it
    assert attrs["HostConfig"]["CapDrop"] == ["ALL"] and attrs["HostConfig"]["ReadonlyRootfs"]
    assert "no-new-privileges" in attrs["HostConfig"]["SecurityOpt"]


def test_a_step_runs_in_its_workspaces_namespace_and_is_committed(keys):
    holder = docker_builder.network_holder(keys[0])
    target = f"skylift-test/buildnet:{uuid.uuid4().hex[:8]}"
    lines: list[str] = []
    try:
        # when a step runs joined to the holder
        docker_builder.run_and_commit(
            parent=BASE,
            script="readlink /proc/self/ns/net; echo done > /opt/step.txt",
            target=target,
            log=lines.append,
            network=holder,
        )
        # then it ran in the holder's namespace, and its layer has what it wrote
        assert _namespace(holder.split(":", 1)[1]) in "\n".join(lines)
        out = docker.from_env().containers.run(target, ["cat", "/opt/step.txt"], remove=True)
        assert out.decode().strip() == "done"
    finally:
        docker.from_env().images.remove(target, force=True)


def test_unused_holders_are_retired_and_a_holder_in_use_is_kept(keys):
    first, second = keys
    busy = docker_builder.network_holder(first)
    docker_builder.network_holder(second)
    client = docker.from_env()
    # given a step container still running in the first workspace's namespace
    step = client.containers.run(BASE, ["sleep", "60"], network_mode=busy, detach=True)
    try:
        # when unused holders are retired
        docker_builder.retire_idle_network_holders(0)
        # then only the unused one went
        left = {
            c.labels["skylift.build-network"]
            for c in client.containers.list(all=True, filters={"label": "skylift.build-network"})
        }
        assert first in left and second not in left
    finally:
        step.remove(force=True)
    # and a step whose holder is gone still runs, in a namespace of its own
    gone = busy
    docker_builder.retire_idle_network_holders(0)
    target = f"skylift-test/buildnet:{uuid.uuid4().hex[:8]}"
    try:
        docker_builder.run_and_commit(parent=BASE, script="true", target=target, log=print, network=gone)
        assert docker_builder.image_exists(target)
    finally:
        client.images.remove(target, force=True)
