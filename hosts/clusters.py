"""The Docker network of a cluster (docs/clusters.md): private to its members, made when the first
of them starts, removed once the last has ended. A workspace's `i6pn=True` functions share one
such network per host the same way (`i6pn_key`), their containers at any of its addresses.

Its members reach each other on it, at addresses known before any of them starts (rank r has the
r-th address from the top of the network's subnet, below its broadcast address: the engine gives
the addresses it chooses itself from the bottom, the gateway's and, on an overlay, one for each
host whose containers join it), and nothing else does: it is a network
of its own, and Docker keeps its networks apart. As on the isolating network of ordinary
containers (`docker_client.container_network`), the host's firewall keeps the members off the
host's own ports (`firewall.guard_host` on its bridge) and it speaks no IPv6.

The driver is SKYLIFT_CLUSTER_NETWORK_DRIVER: "bridge" (one host: placement puts a cluster's
members on one host) or "overlay" (an attachable Docker Swarm overlay, which the operator's hosts
share: members on any host). Subnets come from SKYLIFT_CLUSTER_SUBNETS, one block per cluster.
"""

from __future__ import annotations

import fcntl
import hashlib
import ipaddress
import logging
import os

from django.conf import settings
from docker.errors import APIError, NotFound

from . import docker_client, firewall

__all__ = [
    "ClusterNetwork",
    "cluster_network",
    "i6pn_key",
    "network_name",
    "remove_network",
    "sweep_networks",
]

log = logging.getLogger(__name__)

CLUSTER_LABEL = "skylift.cluster"
# One block per cluster: room for the largest (64 members) beside the gateway.
BLOCK_PREFIX = 25


def i6pn_key(workspace_id: str) -> str:
    """What a workspace's i6pn network on a host is made and found by, as a cluster's by its id: the
    containers of its `i6pn=True` functions on that host share it, at any of its addresses."""
    return f"i6pn-{workspace_id}"


def network_name(cluster_id: str) -> str:
    return f"{settings.SKYLIFT_CLUSTER_NETWORK_PREFIX}-{cluster_id}"


class ClusterNetwork:
    """A cluster's network as Docker made it: its id and name, and its members' addresses by rank."""

    def __init__(self, id_: str, name: str, subnet: str, gateway: str):
        self.id = id_
        self.name = name
        self.subnet = ipaddress.ip_network(subnet)
        self.gateway = ipaddress.ip_address(gateway) if gateway else next(self.subnet.hosts())

    def addresses(self, size: int) -> list[str]:
        """The members' addresses by rank, from the top of the subnet down (see the module)."""
        top = self.subnet.broadcast_address
        found = (top - n for n in range(1, self.subnet.num_addresses - 1) if top - n != self.gateway)
        return [str(next(found)) for _ in range(size)]


def _blocks() -> list[ipaddress.IPv4Network]:
    pool = ipaddress.IPv4Network(settings.SKYLIFT_CLUSTER_SUBNETS)
    return list(pool.subnets(new_prefix=max(BLOCK_PREFIX, pool.prefixlen)))


def _existing(engine, cluster_id: str):
    """The cluster's network if one exists (the oldest, should two have been made)."""
    found = engine.networks.list(filters={"label": f"{CLUSTER_LABEL}={cluster_id}"})
    return min(found, key=lambda n: (n.attrs.get("Created", ""), n.id)) if found else None


def cluster_network(cluster_id: str, host_name: str) -> ClusterNetwork:
    """The cluster's network, made if it is not yet: by the first of its members to start (the
    members starting on this host at once take turns, under a file lock; on other hosts, with an
    overlay, they try the same subnets in the same order, so that only one can be made). Its
    subnet is the first free block of the pool from a place the cluster's id chooses."""
    engine = docker_client.client()
    with _locked():
        network = _existing(engine, cluster_id) or _create(engine, cluster_id, host_name)
    network.reload()
    config = ((network.attrs.get("IPAM") or {}).get("Config") or [{}])[0]
    if settings.SKYLIFT_HOST_FIREWALL != "off":
        _guard(network)
    return ClusterNetwork(network.id, network.name, config["Subnet"], config.get("Gateway", ""))


class _locked:
    """One process of this host at a time makes a cluster's network."""

    def __enter__(self) -> _locked:
        from .relay import host_dir

        path = host_dir() / "cluster-networks.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
        fcntl.flock(self.handle, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc: object) -> None:
        os.close(self.handle)  # closing releases the lock


def _create(engine, cluster_id: str, host_name: str):
    from docker.types import IPAMConfig, IPAMPool

    blocks = _blocks()
    start = int(hashlib.sha256(cluster_id.encode()).hexdigest(), 16) % len(blocks)
    overlay = settings.SKYLIFT_CLUSTER_NETWORK_DRIVER == "overlay"
    for n in range(min(len(blocks), 64)):
        block = blocks[(start + n) % len(blocks)]
        try:
            return engine.networks.create(
                network_name(cluster_id),
                driver=settings.SKYLIFT_CLUSTER_NETWORK_DRIVER,
                ipam=IPAMConfig(pool_configs=[IPAMPool(subnet=str(block))]),
                enable_ipv6=False,
                attachable=overlay or None,
                labels={
                    "skylift.managed": "1",
                    CLUSTER_LABEL: cluster_id,
                    docker_client.HOST_LABEL: host_name,
                },
            )
        except APIError as exc:
            made = _existing(engine, cluster_id)  # a member on another host made it meanwhile
            if made is not None:
                return made
            if "overlap" not in str(exc).lower():
                raise
    raise docker_client.DockerUnavailable(
        f"no free subnet for cluster {cluster_id} in SKYLIFT_CLUSTER_SUBNETS={settings.SKYLIFT_CLUSTER_SUBNETS}"
    )


def _guard(network) -> None:
    """The host's firewall rules for the network's bridge (an overlay's traffic to the host and
    out goes through docker_gwbridge)."""
    if network.attrs.get("Driver") == "overlay":
        interface = "docker_gwbridge"
    else:
        options = network.attrs.get("Options") or {}
        interface = options.get("com.docker.network.bridge.name") or f"br-{network.id[:12]}"
    try:
        firewall.guard_host(interface, tuple(settings.SKYLIFT_HOST_FIREWALL_ALLOW))
    except firewall.FirewallUnavailable as exc:
        raise docker_client.DockerUnavailable(
            f"A cluster's containers would reach this host's own ports: the host's firewall rules "
            f"could not be put in place ({exc}). Run the host agent as root, on the host's network, "
            "with iptables; or set SKYLIFT_HOST_FIREWALL=off to run without this protection."
        ) from None


def remove_network(cluster_id: str) -> bool:
    """Remove the cluster's network if none of its containers is on it any more (else the last
    member's end, or the agent's sweep, does). True if it is gone."""
    try:
        for network in docker_client.client().networks.list(
            filters={"label": f"{CLUSTER_LABEL}={cluster_id}"}
        ):
            network.reload()
            if network.attrs.get("Containers"):
                return False
            network.remove()
            _forget_rules(network)
    except NotFound:
        return True
    except Exception:  # noqa: BLE001 - still in use, or the engine away: the sweep tries again
        log.info("could not remove the network of cluster %s yet", cluster_id, exc_info=True)
        return False
    return True


def _forget_rules(network) -> None:
    """The firewall rules of a removed bridge guard nothing: they go with it."""
    if settings.SKYLIFT_HOST_FIREWALL == "off" or network.attrs.get("Driver") == "overlay":
        return
    options = network.attrs.get("Options") or {}
    interface = options.get("com.docker.network.bridge.name") or f"br-{network.id[:12]}"
    try:
        firewall.unguard_host(interface)
    except firewall.FirewallUnavailable:
        log.info("could not remove the firewall rules of %s", interface)


def sweep_networks(host_name: str, live_clusters: set[str]) -> int:
    """Remove the networks this host made for clusters that have no live member any more (a
    member's end that could not remove it: the others were still attached). Returns how many went."""
    removed = 0
    label = f"{docker_client.HOST_LABEL}={host_name}"
    for network in docker_client.client().networks.list(filters={"label": [CLUSTER_LABEL, label]}):
        cluster_id = (network.attrs.get("Labels") or {}).get(CLUSTER_LABEL, "")
        if cluster_id and cluster_id not in live_clusters and remove_network(cluster_id):
            removed += 1
    return removed
