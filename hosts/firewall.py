"""Keep containers off the host they run on (RELIABILITY S9).

On a Docker bridge a container reaches every address of its host: the bridge's gateway and the
host's other interfaces, hence PostgreSQL, Redis, the API and whatever else listens there. A
container's one way to the platform is the data plane's Unix socket, so for the isolating
network (`hosts.docker_client.container_network`) the host drops, with iptables:

- whatever its containers send to the host itself (INPUT from the network's bridge), except
  replies to connections the host opened;
- what they send to link-local addresses (169.254.0.0/16: cloud metadata services) through it.

The rules are added once per process that uses the network, and only where they are missing.
Without root or iptables the host keeps working and says, once, what stays open.
"""

from __future__ import annotations

import logging
import shutil
import subprocess

__all__ = ["guard_host", "rules_for"]

log = logging.getLogger(__name__)


def rules_for(interface: str) -> list[tuple[str, list[str]]]:
    """The (chain, rule) pairs for a bridge interface, in the order they must match."""
    return [
        ("INPUT", ["-i", interface, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"]),
        ("INPUT", ["-i", interface, "-j", "DROP"]),
        ("DOCKER-USER", ["-i", interface, "-d", "169.254.0.0/16", "-j", "DROP"]),
    ]


def guard_host(interface: str) -> bool:
    """Make sure the rules for `interface` are in place; False when they could not be."""
    iptables = shutil.which("iptables")
    if iptables is None:
        log.warning("iptables is missing: containers can reach this host's own ports (RELIABILITY S9)")
        return False
    try:
        chains: dict[str, list[list[str]]] = {}
        for chain, rule in rules_for(interface):
            chains.setdefault(chain, []).append(rule)
        for chain, rules in chains.items():
            present = [subprocess.run([iptables, "-w", "-C", chain, *r], capture_output=True) for r in rules]
            if all(p.returncode == 0 for p in present):
                continue
            # Some are missing: all of this chain's go, then come back in order, first in the chain.
            for rule in rules:
                subprocess.run([iptables, "-w", "-D", chain, *rule], capture_output=True)
            for rule in reversed(rules):
                subprocess.run([iptables, "-w", "-I", chain, "1", *rule], capture_output=True, check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        log.warning(
            "could not add iptables rules for %s (%s): containers can reach this host's own ports "
            "(RELIABILITY S9)",
            interface,
            detail.decode(errors="replace").strip() or exc,
        )
        return False
    return True
