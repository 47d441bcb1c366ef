"""hosts/firewall.py against the real iptables (as root, like the host agent): the rules land
first in their chains, in order, once; they are put back in order when one went missing; and a
bridge this process cannot see is refused rather than guarded in vain."""

from __future__ import annotations

import os
import shlex
import subprocess

import pytest

from hosts import firewall

INTERFACE = "sl-fwtest0"  # a bridge of its own, with nothing attached: nothing passes


def _rules(chain: str) -> list[str]:
    out = subprocess.run(["iptables", "-w", "-S", chain], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if INTERFACE in line]


@pytest.fixture
def interface():
    subprocess.run(["ip", "link", "add", INTERFACE, "type", "bridge"], check=True)
    yield INTERFACE
    subprocess.run(["ip", "link", "del", INTERFACE], check=True)
    for chain, rule in firewall.rules_for(INTERFACE, allowed=("3141/tcp",)):
        while subprocess.run(["iptables", "-w", "-D", chain, *rule], capture_output=True).returncode == 0:
            pass


def test_it_adds_the_rules_once_first_and_in_order(interface):
    firewall.guard_host(interface)
    firewall.guard_host(interface)  # again: nothing added
    tag = f'-m comment --comment "skylift:{INTERFACE}"'
    assert _rules("INPUT") == [
        f"-A INPUT -i {INTERFACE} -m conntrack --ctstate RELATED,ESTABLISHED {tag} -j ACCEPT",
        f"-A INPUT -i {INTERFACE} -p udp -m udp --dport 53 {tag} -j ACCEPT",
        f"-A INPUT -i {INTERFACE} -p tcp -m tcp --dport 53 {tag} -j ACCEPT",
        f"-A INPUT -i {INTERFACE} {tag} -j DROP",
    ]
    assert _rules("DOCKER-USER") == [
        f"-A DOCKER-USER -d 169.254.0.0/16 -i {INTERFACE} -p udp -m udp --dport 53 {tag} -j RETURN",
        f"-A DOCKER-USER -d 169.254.0.0/16 -i {INTERFACE} -p tcp -m tcp --dport 53 {tag} -j RETURN",
        f"-A DOCKER-USER -d 169.254.0.0/16 -i {INTERFACE} {tag} -j DROP",
    ]
    # before anything in the chain but other Skylift bridges' rules
    everything = subprocess.run(["iptables", "-w", "-S", "INPUT"], capture_output=True, text=True).stdout
    rules = [line for line in everything.splitlines() if line.startswith("-A ")]
    first = rules.index(_rules("INPUT")[0])
    assert rules[first : first + 4] == _rules("INPUT")
    assert all("skylift:" in line for line in rules[:first])


def test_it_puts_a_missing_rule_back_in_order(interface):
    firewall.guard_host(interface)
    # given the replies rule was removed by hand (a reload, a flush), leaving the drop alone
    accept = firewall.rules_for(INTERFACE)[0][1]
    subprocess.run(["iptables", "-w", "-D", "INPUT", *accept], check=True)
    # when the host is guarded again, then the replies rule is back, before the drop
    firewall.guard_host(interface)
    assert [r.rsplit(" ", 1)[1] for r in _rules("INPUT")] == ["ACCEPT", "ACCEPT", "ACCEPT", "DROP"]


def test_it_moves_its_rules_back_above_a_rule_put_before_them(interface):
    firewall.guard_host(interface)
    # given a rule another tool put at the top of INPUT
    other = ["-i", INTERFACE, "-p", "tcp", "--dport", "9", "-j", "ACCEPT"]
    subprocess.run(["iptables", "-w", "-I", "INPUT", "1", *other], check=True)
    try:
        # when the host is guarded again, then Skylift's rules are above it again
        firewall.guard_host(interface)
        listed = subprocess.run(["iptables", "-w", "-S", "INPUT"], capture_output=True, text=True).stdout
        rules = [line for line in listed.splitlines() if line.startswith("-A ")]
        drop = f'-A INPUT -i {INTERFACE} -m comment --comment "skylift:{INTERFACE}" -j DROP'
        assert rules.index(drop) < rules.index(f"-A INPUT -i {INTERFACE} -p tcp -m tcp --dport 9 -j ACCEPT")
    finally:
        subprocess.run(["iptables", "-w", "-D", "INPUT", *other], check=True)


def test_it_opens_the_ports_the_operator_allows_before_the_drop(interface):
    # when the operator allows a package mirror's port on the host
    firewall.guard_host(interface, ("3141/tcp",))
    # then it is accepted, after the replies and DNS and before the drop
    tag = f'-m comment --comment "skylift:{INTERFACE}"'
    assert _rules("INPUT")[-2:] == [
        f"-A INPUT -i {INTERFACE} -p tcp -m tcp --dport 3141 {tag} -j ACCEPT",
        f"-A INPUT -i {INTERFACE} {tag} -j DROP",
    ]
    # and when the operator no longer allows it, the port closes again
    firewall.guard_host(interface)
    assert not [r for r in _rules("INPUT") if "3141" in r]
    assert len(_rules("INPUT")) == 4
    with pytest.raises(firewall.FirewallUnavailable, match="not a port"):
        firewall.guard_host(interface, ("http",))


def test_it_refuses_a_bridge_it_cannot_see():
    # (an agent in a container of its own would otherwise fill its own namespace's firewall)
    with pytest.raises(firewall.FirewallUnavailable, match="not in this process's network namespace"):
        firewall.guard_host("br-doesnotexist")


def test_a_host_it_cannot_guard_starts_no_container_unless_told_to_run_without(settings, monkeypatch):
    import docker

    from hosts import docker_client

    # given a host where iptables cannot be found
    settings.SKYLIFT_CONTAINER_NETWORK = "skylift-fwtest"
    docker_client.forget_network()
    monkeypatch.setenv("PATH", "/nonexistent")
    try:
        # when the network is asked for, then it is refused, saying how to go on
        with pytest.raises(docker_client.DockerUnavailable, match="SKYLIFT_HOST_FIREWALL=off"):
            docker_client.container_network()
        # and with the protection turned off on purpose, the network serves
        settings.SKYLIFT_HOST_FIREWALL = "off"
        assert docker_client.container_network() == "skylift-fwtest"
    finally:
        docker_client.forget_network()
        docker.from_env().networks.get("skylift-fwtest").remove()


def test_the_host_agent_puts_a_removed_rule_back_without_any_container_starting(platform):
    import docker

    from tests.fixtures.live_platform import wait_for

    # given the platform's isolating network, with its rules in place (a function ran)
    network = docker.from_env().networks.get("skylift")
    interface = network.attrs["Options"].get("com.docker.network.bridge.name") or f"br-{network.id[:12]}"

    def drop_rules() -> list[str]:
        out = subprocess.run(
            ["iptables", "-w", "-S", "INPUT"], capture_output=True, text=True, check=True
        ).stdout
        return [
            line for line in out.splitlines() if f"skylift:{interface}" in line and line.endswith("-j DROP")
        ]

    assert wait_for(drop_rules, bool, attempts=300)
    # when the drop rule is removed by hand (a firewall reload, a flush)
    (rule,) = drop_rules()
    subprocess.run(["iptables", "-w", "-D", "INPUT", *shlex.split(rule)[2:]], check=True)
    assert drop_rules() == []
    # then the agent's periodic check (every 2 s on the test platform) puts it back
    assert wait_for(drop_rules, bool, attempts=300) == [rule]


def test_a_network_pruned_under_a_running_process_is_made_again(settings):
    import docker

    from hosts import docker_client

    # given a process that made and checked its network, which is then pruned
    settings.SKYLIFT_CONTAINER_NETWORK = "skylift-prunetest"
    settings.SKYLIFT_HOST_FIREWALL = "off"  # the rules are not what this is about
    engine = docker.from_env()
    docker_client.forget_network()
    try:
        docker_client.container_network()
        engine.networks.get("skylift-prunetest").remove()
        # when it starts a container within the check interval, then the network is made again
        container_id = docker_client.run(
            image="skylift/debian-slim:3.11",
            command=["true"],
            name=f"skylift-prunetest-{os.getpid()}",
            labels={"skylift.test": "prune"},
            environment={},
            mounts=[],
            memory_mib=64,
            nano_cpus=10**9,
            cpu_shares=256,
            pids_limit=16,
            network_disabled=False,
        )
        attrs = engine.api.inspect_container(container_id)
        assert list(attrs["NetworkSettings"]["Networks"]) == ["skylift-prunetest"]
        engine.api.remove_container(container_id, force=True)
    finally:
        docker_client.forget_network()
        for network in engine.networks.list(names=["skylift-prunetest"]):
            network.remove()


def _egress() -> list[str]:
    out = subprocess.run(["iptables", "-w", "-S", firewall.EGRESS_CHAIN], capture_output=True, text=True)
    return [line for line in out.stdout.splitlines() if line.startswith("-A ")]


def test_an_allowlist_bridge_sends_its_traffic_through_the_egress_chain_which_drops_the_rest(interface):
    try:
        # given the allowlist bridge guarded, and one container's ranges opened
        firewall.guard_host(interface, egress=True)
        tag = f'-m comment --comment "skylift:{INTERFACE}"'
        assert _rules("DOCKER-USER")[-1] == f"-A DOCKER-USER -i {INTERFACE} {tag} -j {firewall.EGRESS_CHAIN}"
        firewall.allow_egress("192.0.2.7", ["10.0.0.0/8", "198.51.100.0/24"], "sb-fwtest-a")
        mine = [line for line in _egress() if "192.0.2.7/32" in line]
        assert [line.split(" -d ")[1].split()[0] for line in mine] == ["10.0.0.0/8", "198.51.100.0/24"]
        assert _egress()[-1] == f"-A {firewall.EGRESS_CHAIN} -j DROP"
        # when a later container of the same address gets its own, then the earlier ones are gone
        firewall.allow_egress("192.0.2.7", ["203.0.113.0/24"], "sb-fwtest-b")
        mine = [line for line in _egress() if "192.0.2.7/32" in line]
        assert len(mine) == 1 and "203.0.113.0/24" in mine[0] and "sb-fwtest-b" in mine[0]
        # when it ends, then its rules go, and the drop stays last
        firewall.revoke_egress("sb-fwtest-b")
        assert not [line for line in _egress() if "192.0.2.7/32" in line]
        assert _egress()[-1] == f"-A {firewall.EGRESS_CHAIN} -j DROP"
    finally:
        firewall.revoke_egress("sb-fwtest-a")
        firewall.revoke_egress("sb-fwtest-b")
        for chain, rule in firewall.rules_for(INTERFACE, egress=True):
            while subprocess.run(["iptables", "-w", "-D", chain, *rule], capture_output=True).returncode == 0:
                pass
