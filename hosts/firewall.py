"""Keep containers off the host they run on (RELIABILITY S9).

On a Docker bridge a container reaches every address of its host: the bridge's gateway and the
host's other interfaces, hence PostgreSQL, Redis, the API and whatever else listens there. A
container's one way to the platform is the data plane's Unix socket, so for the isolating
network (`hosts.docker_client.container_network`) the host drops, with iptables:

- whatever its containers send to the host itself (INPUT from the network's bridge), except
  replies to connections the host opened, and DNS (port 53: a resolver on a host address);
- what they send to link-local addresses (169.254.0.0/16: cloud metadata services) through it,
  except DNS (some clouds resolve names at 169.254.169.254), in DOCKER-USER, or FORWARD where
  Docker has no DOCKER-USER chain.

The rules are checked (and put back, in order, under a file lock) whenever the network is used
after SKYLIFT_FIREWALL_CHECK_SECONDS, since a firewall reload or a flush may remove them. Where
they cannot be applied (no root, no iptables, the agent in a network namespace of its own), a
container does not start unless SKYLIFT_HOST_FIREWALL=off says to run without them.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shlex
import shutil
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

__all__ = [
    "EGRESS_CHAIN",
    "FirewallUnavailable",
    "allow_egress",
    "guard_host",
    "revoke_egress",
    "rules_for",
    "unguard_host",
]

log = logging.getLogger(__name__)

# Root's own: a lock in a world-writable folder could be held, or planted, by any local user.
LOCK_DIR = Path("/run/skylift")
LOCK_SECONDS = 30
DNS = [["-p", "udp", "--dport", "53"], ["-p", "tcp", "--dport", "53"]]
# Sandboxes with a `cidr_allowlist` sit on a bridge of their own whose forwarded traffic goes
# through this chain: one RETURN rule per container and allowed range, then DROP. A container's
# traffic is dropped until its rules are in, so nothing gets out before they are.
EGRESS_CHAIN = "SKYLIFT-EGRESS"


class FirewallUnavailable(RuntimeError):
    pass


def rules_for(
    interface: str, forward_chain: str = "DOCKER-USER", allowed: tuple[str, ...] = (), egress: bool = False
) -> list[tuple[str, list[str]]]:
    """The (chain, rule) pairs for a bridge interface, in the order they must match.

    `allowed` are the host's ports containers may reach after all ("3141/tcp": say, a package
    mirror on the build host), from SKYLIFT_HOST_FIREWALL_ALLOW. With `egress` (the allowlist
    bridge), what its containers send out goes through EGRESS_CHAIN.
    """
    opened = [["-p", proto, "--dport", port] for port, proto in (_port(a) for a in allowed)]
    tag = ["-m", "comment", "--comment", f"skylift:{interface}"]
    into_host = [
        ["-i", interface, "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"],
        *(["-i", interface, *dns, "-j", "ACCEPT"] for dns in DNS),
        *(["-i", interface, *port, "-j", "ACCEPT"] for port in opened),
        ["-i", interface, "-j", "DROP"],
    ]
    link_local = [
        *(["-i", interface, "-d", "169.254.0.0/16", *dns, "-j", "RETURN"] for dns in DNS),
        ["-i", interface, "-d", "169.254.0.0/16", "-j", "DROP"],
    ]
    if forward_chain != "DOCKER-USER":  # in FORWARD itself, RETURN would skip Docker's own rules
        link_local = [[*r[:-1], "ACCEPT"] if r[-1] == "RETURN" else r for r in link_local]
    if egress:
        link_local.append(["-i", interface, "-j", EGRESS_CHAIN])
    # Each rule carries a comment naming the bridge, so that the set can be compared as a whole.
    return [("INPUT", [*r[:-2], *tag, *r[-2:]]) for r in into_host] + [
        (forward_chain, [*r[:-2], *tag, *r[-2:]]) for r in link_local
    ]


def _port(entry: str) -> tuple[str, str]:
    """ "3141/tcp" -> ("3141", "tcp"); a bare port is TCP."""
    port, _, proto = entry.strip().lower().partition("/")
    proto = proto or "tcp"
    if not port.isdigit() or not 0 < int(port) < 65536 or proto not in ("tcp", "udp"):
        raise FirewallUnavailable(f"SKYLIFT_HOST_FIREWALL_ALLOW: {entry!r} is not a port like 3141/tcp")
    return port, proto


def _iptables() -> Callable[..., subprocess.CompletedProcess]:
    iptables = shutil.which("iptables")
    if iptables is None:
        raise FirewallUnavailable("iptables is missing")

    def run(*args: str, check: bool = False) -> subprocess.CompletedProcess:
        return subprocess.run([iptables, "-w", *args], capture_output=True, check=check)

    return run


def _egress_chain(run: Callable[..., subprocess.CompletedProcess]) -> None:
    """EGRESS_CHAIN exists and ends with DROP (containers' rules go before it)."""
    run("-N", EGRESS_CHAIN)  # fails when it exists already
    listed = run("-S", EGRESS_CHAIN, check=True).stdout.decode().splitlines()
    if not listed or listed[-1] != f"-A {EGRESS_CHAIN} -j DROP":
        run("-D", EGRESS_CHAIN, "-j", "DROP")
        run("-A", EGRESS_CHAIN, "-j", "DROP", check=True)


def allow_egress(ip: str, cidrs: list[str], owner: str) -> None:
    """Let the container at `ip` (on the allowlist bridge) reach `cidrs` and nothing else. Any
    rules an earlier container of that address left are removed first."""
    run = _iptables()
    try:
        with _locked():
            _egress_chain(run)
            _drop_rules(run, lambda line: f" -s {ip}/32 " in f"{line} ")
            for cidr in reversed(cidrs):
                tag = ["-m", "comment", "--comment", f"skylift-sandbox:{owner}"]
                run("-I", EGRESS_CHAIN, "1", "-s", f"{ip}/32", "-d", cidr, *tag, "-j", "RETURN", check=True)
    except subprocess.CalledProcessError as exc:
        raise FirewallUnavailable(exc.stderr.decode(errors="replace").strip() or str(exc)) from None
    except OSError as exc:
        raise FirewallUnavailable(str(exc)) from None


def revoke_egress(owner: str) -> None:
    """Remove the rules `allow_egress` put in for `owner` (its container ended)."""
    run = _iptables()
    with _locked():
        # `iptables -S` quotes a comment: "skylift-sandbox:sb-..."
        _drop_rules(run, lambda line: f"skylift-sandbox:{owner}" in line.replace('"', " ").split())


def _drop_rules(run: Callable[..., subprocess.CompletedProcess], matches: Callable[[str], bool]) -> None:
    listed = run("-S", EGRESS_CHAIN).stdout.decode().splitlines()
    for line in listed:
        if line.startswith("-A ") and matches(line):
            run("-D", EGRESS_CHAIN, *shlex.split(line)[2:])


def guard_host(interface: str, allowed: tuple[str, ...] = (), egress: bool = False) -> None:
    """Make sure the rules for `interface` are in place, first in their chains and in order.

    Raises FirewallUnavailable when they cannot be (no iptables, not allowed to change it).
    """
    run = _iptables()
    if not Path("/sys/class/net", interface).exists():
        # Rules made in another network namespace (an agent in a container) would guard nothing.
        raise FirewallUnavailable(f"the bridge {interface} is not in this process's network namespace")

    try:
        with _locked():  # one process at a time checks and rewrites them
            if egress:
                _egress_chain(run)
            forward = "DOCKER-USER" if run("-S", "DOCKER-USER").returncode == 0 else "FORWARD"
            chains: dict[str, list[list[str]]] = {}
            for chain, rule in rules_for(interface, forward, allowed, egress):
                chains.setdefault(chain, []).append(rule)
            for chain, rules in chains.items():
                listed = [
                    line
                    for line in run("-S", chain, check=True).stdout.decode().splitlines()
                    if line.startswith("-A ")
                ]
                mine = [i for i, line in enumerate(listed) if f"skylift:{interface}" in line]
                ours = [listed[i] for i in mine]
                wanted = [_listed(chain, r, run) for r in rules]
                # In order, together, and after nothing but other Skylift bridges' rules.
                if (
                    ours == wanted
                    and mine == list(range(mine[0], mine[0] + len(mine)))
                    and all("skylift:" in line for line in listed[: mine[0]])
                ):
                    continue
                # Missing, stale (a port no longer allowed) or out of place: all of this bridge's
                # rules in the chain go, then the wanted ones come back in order, first.
                for line in ours:
                    run("-D", chain, *shlex.split(line)[2:])
                for rule in reversed(rules):
                    run("-I", chain, "1", *rule, check=True)
    except subprocess.CalledProcessError as exc:
        raise FirewallUnavailable(exc.stderr.decode(errors="replace").strip() or str(exc)) from None
    except OSError as exc:
        raise FirewallUnavailable(str(exc)) from None


def unguard_host(interface: str) -> None:
    """Remove the rules `guard_host` put in for a bridge that is gone (a cluster's network)."""
    run = _iptables()
    try:
        with _locked():
            for chain in ("INPUT", "DOCKER-USER", "FORWARD"):
                listed = run("-S", chain).stdout.decode().splitlines()
                for line in listed:
                    if line.startswith("-A ") and f"skylift:{interface}" in line.replace('"', " ").split():
                        run("-D", chain, *shlex.split(line)[2:])
    except OSError as exc:
        raise FirewallUnavailable(str(exc)) from None


def _listed(chain: str, rule: list[str], run: Callable[..., subprocess.CompletedProcess]) -> str:
    """How `iptables -S` prints a rule (it normalises the order of matches): added to a scratch
    chain of its own and read back, once per rule and process."""
    key = (chain, tuple(rule))
    if key not in _LISTED:
        scratch = f"SKYLIFT-{os.getpid() % 100000}"
        run("-N", scratch)
        try:
            run("-A", scratch, *rule, check=True)
            line = run("-S", scratch, check=True).stdout.decode().splitlines()[1]
        finally:
            run("-F", scratch)
            run("-X", scratch)
        _LISTED[key] = line.replace(f"-A {scratch} ", f"-A {chain} ", 1)
    return _LISTED[key]


_LISTED: dict[tuple, str] = {}


class _locked:
    def __enter__(self) -> _locked:
        LOCK_DIR.mkdir(mode=0o700, exist_ok=True)
        self.handle = os.open(LOCK_DIR / "firewall.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        deadline = time.monotonic() + LOCK_SECONDS
        while True:
            try:
                fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() > deadline:
                    os.close(self.handle)
                    raise FirewallUnavailable(
                        f"{LOCK_DIR}/firewall.lock stayed held for {LOCK_SECONDS} s"
                    ) from None
                time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        os.close(self.handle)  # closing releases the lock
