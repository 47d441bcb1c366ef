"""Clusters across hosts on an attachable Docker Swarm overlay (docs/clusters.md, "Across hosts"): a
platform with SKYLIFT_CLUSTER_NETWORK_DRIVER=overlay and two host agents, on an engine of the test's
own in swarm mode. One machine, so one node: what crosses machines is Docker's own VXLAN, which
this machine cannot show. What is Skylift's is here: the members placed on both hosts, the network
made once, as an attachable overlay, and joined by the members of both, each at the address of its
rank (the engine takes an address of the network for each host that joins it), rank 0 hearing the
others there, and the network removed once they have ended; and a workspace's `i6pn=True`
containers on both hosts meeting on its one overlay network."""

from __future__ import annotations

import docker
import pytest

import skylift
from processes import specs
from tests.fixtures.live_platform import launch, wait_for
from tests.integration import cluster_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def overlay(swarm_engine):
    """The platform (its own host agent and a second one, both on the swarm's engine) and the engine."""
    with launch(
        extra_env={
            "DOCKER_HOST": swarm_engine,
            "SKYLIFT_CLUSTER_NETWORK_DRIVER": "overlay",
            # The engine is the test's own: its bridges are not the machine's to guard.
            "SKYLIFT_HOST_FIREWALL": "off",
        }
    ) as p:
        second = f"{p.host_name}-b"
        p.commands["agent-b"] = specs.host_agent()
        p.envs["agent-b"] = {
            "SKYLIFT_HOST_NAME": second,
            "SKYLIFT_HOST_DIR": str(p.log_dir.parent / "host-b"),
        }
        p.start("agent-b")
        log = p.log_dir / "agent-b.log"
        up = wait_for(
            lambda: (
                bool(p.sql("SELECT 1 FROM hosts_host WHERE name = %s", [second]))
                and "relay listening" in log.read_text()
            ),
            bool,
        )
        assert up, f"the second host agent did not come up:\n{log.read_text()[-3000:]}"
        engine = docker.DockerClient(base_url=swarm_engine)
        try:
            yield p, engine
        finally:
            engine.close()


def test_a_clusters_members_on_two_hosts_meet_on_its_overlay_network(overlay):
    platform, engine = overlay
    with cluster_app.app.run(client=platform.client("alice")):
        # when a cluster of two is called
        result = cluster_app.pair.remote()
        # then rank 0 answers, having heard rank 1 from the address it was given
        assert result["rank"] == 0 and result["world"] == 2
        assert {int(r): ip for r, ip in result["heard"].items()} == {1: result["ips"][1]}
        # its members were placed each where a single container would go: on both hosts
        cluster_id = result["cluster_id"]
        members = platform.sql(
            "SELECT t.id, t.cluster_rank, h.name FROM functions_task t JOIN hosts_host h ON h.id = t.host_id "
            "WHERE t.cluster_id = %s ORDER BY t.cluster_rank",
            [cluster_id],
        )
        assert [m[1] for m in members] == [0, 1] and len({m[2] for m in members}) == 2
        # on one network, an attachable overlay, made once
        name = f"skylift-cluster-{cluster_id}"
        (network,) = engine.networks.list(names=[name])
        assert network.attrs["Driver"] == "overlay" and network.attrs["Attachable"]
        # each member's container on it only, at the address of its rank
        for task_id, rank, host in members:
            (container,) = engine.containers.list(filters={"label": f"skylift.task={task_id}"})
            assert container.labels["skylift.host"] == host
            networks = container.attrs["NetworkSettings"]["Networks"]
            assert list(networks) == [name] and networks[name]["IPAddress"] == result["ips"][rank]
    # and once the app has stopped and its members have ended, the network is gone
    gone = wait_for(lambda: engine.networks.list(names=[name]), lambda found: not found, attempts=900)
    assert not gone, f"the cluster's network outlived its members:\n{platform.logs()}"
    assert not engine.containers.list(filters={"label": f"skylift.cluster={cluster_id}"})


def test_i6pn_containers_on_two_hosts_meet_on_their_workspaces_overlay(overlay):
    platform, engine = overlay
    client = platform.client("alice")
    flags = skylift.Dict.from_name("it-overlay-i6pn", create_if_missing=True, client=client)
    try:
        with cluster_app.app.run(client=client):
            # given an i6pn container listening at its address
            listening = cluster_app.i6pn_listen.spawn("it-overlay-i6pn")
            address = wait_for(lambda: flags.get("address"), bool)
            # when another i6pn container of the workspace knocks there (placed where a container
            # goes: the host with the most free CPU, the other one)
            knocked = cluster_app.i6pn_knock.remote([[address, cluster_app.I6PN_PORT]])
            heard = listening.get(timeout=60)
    finally:
        skylift.Dict.objects.delete("it-overlay-i6pn", client=client)
    # then it got in, from another host, both on their workspace's one overlay network
    assert list(knocked["results"].values()) == ["connected hi"], knocked
    assert heard["address"] == address and heard["peer"] != address
    hosts = dict(
        platform.sql(
            "SELECT id, host_id FROM functions_task WHERE id = ANY(%s)", [[heard["task"], knocked["task"]]]
        )
    )
    assert len(set(hosts.values())) == 2
    (workspace_id,) = platform.sql("SELECT workspace_id FROM functions_task WHERE id = %s", [heard["task"]])[
        0
    ]
    (network,) = engine.networks.list(names=[f"skylift-cluster-i6pn-{workspace_id}"])
    assert network.attrs["Driver"] == "overlay"
