"""Clusters (`@clustered(size=N)`) on the session platform's host, with real containers: members
placed together, told their rank, the world size and each other's addresses on a network of their
own that no other container reaches; rank 0's result is the call's; a member killed mid-input
ends the others and the input runs again on a new cluster; a cluster no host could hold is
refused with the reason. And `i6pn=True` functions: their containers share their workspace's private
network on the host, which no other container reaches."""

from __future__ import annotations

import secrets
import socket
import time

import docker
import pytest

import skylift
from skylift.exception import ExecutionError
from tests.integration import cluster_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running(platform):
    with cluster_app.app.run(client=platform.client("alice")):
        yield platform


def _wait(what: str, check, timeout: float = 90.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def _members(platform, cluster_id: str) -> list[tuple]:
    return platform.sql(
        "SELECT id, cluster_rank, host_id, status, cause FROM functions_task WHERE cluster_id = %s "
        "ORDER BY cluster_rank",
        [cluster_id],
    )


@pytest.mark.parametrize(("fn", "size"), [(cluster_app.pair, 2), (cluster_app.quad, 4)])
def test_members_meet_by_their_addresses_and_rank_0_answers(running, fn, size):
    # when a clustered function is called once
    result = fn.remote()
    # then the answer is rank 0's, which heard every other rank from the address it was given
    assert result["rank"] == 0 and result["world"] == result["size"] == size
    assert len(set(result["ips"])) == size
    assert {int(r): ip for r, ip in result["heard"].items()} == {r: result["ips"][r] for r in range(1, size)}
    # its members were placed together, on one host, one of each rank
    members = _members(running, result["cluster_id"])
    assert [m[1] for m in members] == list(range(size)) and members[0][0] == result["task"]
    assert len({m[2] for m in members}) == 1
    # each container sits on the cluster's network only, at the address of its rank
    network = f"skylift-cluster-{result['cluster_id']}"
    for task_id, rank, *_ in members:
        (container,) = running.containers(task=task_id)
        assert container["Config"]["Labels"]["skylift.cluster"] == result["cluster_id"]
        networks = container["NetworkSettings"]["Networks"]
        assert list(networks) == [network] and networks[network]["IPAddress"] == result["ips"][rank]
    # a container of no cluster cannot reach rank 0's server (which still listens: the cluster is warm)
    assert cluster_app.probe.remote(result["ips"][0], cluster_app.PORT) != "connected"
    # every member is metered
    _wait("every member metered", lambda: _metered(running, members) == size, 30)


def _metered(platform, members) -> int:
    return platform.sql(
        "SELECT count(DISTINCT subject) FROM billing_containermeter WHERE subject = ANY(%s)",
        [[m[0] for m in members]],
    )[0][0]


@pytest.fixture
def hold_flags(running):
    """The named Dict the held input waits on; deleted after (other tests list alice's Dicts)."""
    client = running.client("alice")
    yield skylift.Dict.from_name("it-cluster-hold", create_if_missing=True, client=client)
    skylift.Dict.objects.delete("it-cluster-hold", client=client)


def test_a_killed_member_ends_the_others_and_the_input_runs_again(running, hold_flags):
    flags = hold_flags
    flags["go"] = False
    call = cluster_app.hold.spawn("it-cluster-hold")
    # given a cluster whose leader holds the input
    (input_id,) = _wait(
        "the input",
        lambda: running.sql("SELECT id FROM functions_input WHERE call_id = %s", [call.object_id]),
    )
    input_id = input_id[0]

    def held():
        rows = running.sql(
            "SELECT t.cluster_id FROM functions_input i JOIN functions_task t ON t.id = i.task_id "
            "WHERE i.id = %s AND i.status = 'running' AND t.status = 'running'",
            [input_id],
        )
        if not rows:
            return None
        members = _members(running, rows[0][0])
        return members if all(m[3] == "running" for m in members) else None

    members = _wait("a running cluster holding the input", held)
    leader, member = members[0][0], members[1][0]
    (container,) = running.containers(task=member)
    # when a member's container is killed
    docker.from_env().containers.get(container["Id"]).kill()
    # then the leader is stopped as its cluster ended, and both settle
    cluster_id = _cluster_of(running, leader)
    _wait(
        "the cluster settled",
        lambda: all(m[3] in ("stopped", "failed") for m in _members(running, cluster_id)),
    )
    (cause,) = running.sql("SELECT cause FROM functions_task WHERE id = %s", [leader])[0]
    assert cause == "cluster_ended"
    # and the input runs again, on a new cluster, whose leader answers
    flags["go"] = True
    result = call.get(timeout=120)
    assert result["rank"] == 0 and result["task"] != leader
    attempts = running.sql(
        "SELECT outcome, cause FROM functions_inputattempt WHERE input_id = %s ORDER BY id", [input_id]
    )
    assert attempts == [("preempted", "cluster_ended")]
    # the broken cluster's network went with it
    network = f"skylift-cluster-{cluster_id}"
    _wait("its network removed", lambda: not docker.from_env().networks.list(names=[network]), 60)


def _cluster_of(platform, task_id: str) -> str:
    return platform.sql("SELECT cluster_id FROM functions_task WHERE id = %s", [task_id])[0][0]


def test_a_cluster_no_host_could_hold_is_refused_with_the_reason(running):
    # when a cluster of 64 one-core containers is called on a host with fewer cores
    with pytest.raises(ExecutionError) as failed:
        cluster_app.too_big.remote()
    # then it fails at once, saying why, and no member was placed
    assert "failed (no_capacity): No live host could ever hold a cluster of 64 on one host (64 CPU" in str(
        failed.value
    )
    assert f"{running.host_name}: " in str(failed.value) and "CPU free (needs 64)" in str(failed.value)
    (function_id,) = running.sql(
        "SELECT id FROM functions_function WHERE name = 'too_big' ORDER BY created_at DESC LIMIT 1"
    )[0]
    assert running.sql("SELECT count(*) FROM functions_task WHERE function_id = %s", [function_id]) == [(0,)]


def test_a_member_does_not_reach_its_hosts_own_ports(running):
    from tests.security.test_isolation import _host_addresses

    # given a port the host listens on, on every address (the kernel completes a connection to it)
    server = socket.create_server(("0.0.0.0", 0))
    try:
        # when a cluster's member tries it, on its gateway and on every other address of the host
        results = cluster_app.reach_host.remote(server.getsockname()[1], _host_addresses())
    finally:
        server.close()
    # then every one is blocked (the host's firewall guards the cluster's bridge too)
    assert len(results) >= 2 and all(r.startswith("blocked") for r in results.values()), results


@pytest.fixture
def i6pn_flags(running):
    client = running.client("alice")
    yield skylift.Dict.from_name("it-i6pn", create_if_missing=True, client=client)
    skylift.Dict.objects.delete("it-i6pn", client=client)


def test_i6pn_containers_reach_each_other_and_no_other_container_does(running, i6pn_flags):
    # given an i6pn container listening at its address on the workspace's network
    listening = cluster_app.i6pn_listen.spawn("it-i6pn")
    address = _wait("the listener's address", lambda: i6pn_flags.get("address"))
    # then a container of a function without i6pn does not reach it
    assert cluster_app.probe.remote(address, cluster_app.I6PN_PORT) != "connected"
    # and an i6pn container of the same workspace does, but not its host's own ports
    server = socket.create_server(("0.0.0.0", 0))
    try:
        knocked = cluster_app.i6pn_knock.remote(
            [[address, cluster_app.I6PN_PORT], ["", server.getsockname()[1]]]
        )
    finally:
        server.close()
    results = list(knocked["results"].values())
    assert results[0] == "connected hi" and results[1].startswith("blocked"), knocked
    heard = listening.get(timeout=60)
    assert heard["address"] == address and heard["peer"] != address
    # both sit on the workspace's i6pn network only
    (workspace_id,) = running.sql("SELECT workspace_id FROM functions_task WHERE id = %s", [heard["task"]])[0]
    for task_id in (heard["task"], knocked["task"]):
        (container,) = running.containers(task=task_id)
        assert list(container["NetworkSettings"]["Networks"]) == [f"skylift-cluster-i6pn-{workspace_id}"]


def test_the_sweep_removes_the_networks_nothing_holds_and_keeps_the_others():
    from hosts import clusters

    # given two workspaces' i6pn networks made on a host, one of which a container still holds
    host = f"sweep-{secrets.token_hex(4)}"
    kept, gone = clusters.i6pn_key("ws-kept"), clusters.i6pn_key("ws-gone")
    for key in (kept, gone):
        clusters.cluster_network(key, host)
    engine = docker.from_env()
    try:
        # when the host's sweep runs, then only the one nothing holds goes
        assert clusters.sweep_networks(host, {kept}) == 1
        made = engine.networks.list(filters={"label": f"skylift.host={host}"})
        assert [n.name for n in made] == [clusters.network_name(kept)]
    finally:
        clusters.sweep_networks(host, set())
    assert engine.networks.list(filters={"label": f"skylift.host={host}"}) == []
