"""hosts/firewall.py against the real iptables: the rules land in order, once, and are put back in
order when one went missing."""

from __future__ import annotations

import subprocess

import pytest

from hosts import firewall

INTERFACE = "sl-fwtest0"  # no such interface: the rules are inert


def _rules(chain: str) -> list[str]:
    out = subprocess.run(["iptables", "-w", "-S", chain], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if INTERFACE in line]


@pytest.fixture
def clean():
    yield
    for chain, rule in firewall.rules_for(INTERFACE):
        while subprocess.run(["iptables", "-w", "-D", chain, *rule], capture_output=True).returncode == 0:
            pass


def test_it_adds_the_rules_once_and_in_order(clean):
    assert firewall.guard_host(INTERFACE)
    assert firewall.guard_host(INTERFACE)  # again: nothing added
    assert _rules("INPUT") == [
        f"-A INPUT -i {INTERFACE} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        f"-A INPUT -i {INTERFACE} -j DROP",
    ]
    assert _rules("DOCKER-USER") == [f"-A DOCKER-USER -d 169.254.0.0/16 -i {INTERFACE} -j DROP"]
    # the replies rule comes before the drop, and both before anything else in the chain
    everything = subprocess.run(
        ["iptables", "-w", "-S", "INPUT"], capture_output=True, text=True
    ).stdout.splitlines()
    assert everything[1:3] == _rules("INPUT")


def test_it_puts_a_missing_rule_back_in_order(clean):
    firewall.guard_host(INTERFACE)
    # given the replies rule was removed by hand, leaving the drop alone
    accept = firewall.rules_for(INTERFACE)[0][1]
    subprocess.run(["iptables", "-w", "-D", "INPUT", *accept], check=True)
    # when the host is guarded again, then the replies rule is back, before the drop
    assert firewall.guard_host(INTERFACE)
    assert [r.rsplit(" ", 1)[1] for r in _rules("INPUT")] == ["ACCEPT", "DROP"]
