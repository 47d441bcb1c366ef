"""Clusters (`@clustered(size=N)`): what a definition's `cluster` entry may hold (and `i6pn=`,
the other way containers get a network between them), shared by the SDK (at definition) and the
server (when it receives one), and how a container learns its place
in its cluster (the variables the host agent sets, read by `skylift.experimental.get_cluster_info`).

Standard library only: it runs in the client, in the control plane and in containers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .._exceptions import InvalidError
from .resources import parse_gpu

__all__ = [
    "ENV_ID",
    "ENV_IPS",
    "ENV_RANK",
    "ENV_SIZE",
    "MAX_CLUSTER_GPUS",
    "MAX_CLUSTER_SIZE",
    "check_cluster",
    "check_i6pn",
    "cluster_config",
    "cluster_size",
]

# Modal's clusters go up to 64 devices (8 nodes of 8 H100s); the containers of one cluster are
# bounded the same way when they hold no GPU.
MAX_CLUSTER_SIZE = 64
MAX_CLUSTER_GPUS = 64

# The variables a cluster's container is started with (hosts/services.py).
ENV_ID = "SKYLIFT_CLUSTER_ID"
ENV_RANK = "SKYLIFT_CLUSTER_RANK"
ENV_SIZE = "SKYLIFT_CLUSTER_SIZE"
ENV_IPS = "SKYLIFT_CLUSTER_IPS"  # comma-separated, by rank


def cluster_config(
    size: object, *, broadcast: object = True, rdma: object = False, fabric_size: object = None
) -> dict[str, int]:
    """The `cluster` entry of a definition for `@clustered(size=...)`, or InvalidError."""
    if isinstance(size, bool) or not isinstance(size, int):
        raise InvalidError(f"@clustered(size=...) takes an integer, got {size!r}")
    if not 1 <= size <= MAX_CLUSTER_SIZE:
        raise InvalidError(f"@clustered(size={size}): the size must be from 1 to {MAX_CLUSTER_SIZE}")
    if broadcast is not True:
        raise InvalidError("@clustered(broadcast=False) is not supported: every member gets the input")
    if rdma:
        raise InvalidError("@clustered(rdma=True) is not supported: Skylift's hosts have no RDMA fabric")
    if fabric_size is not None:
        raise InvalidError("@clustered(fabric_size=...) is not supported: Skylift's hosts have no fabric")
    return {"size": size}


def cluster_size(definition: Mapping[str, Any] | None) -> int:
    """The cluster size a definition asks for (1: not clustered), validated."""
    entry = (definition or {}).get("cluster")
    if entry is None:
        return 1
    if not isinstance(entry, Mapping):
        raise InvalidError(f"definition.cluster must be an object like {{'size': 2}}, got {entry!r}")
    return cluster_config(entry.get("size"))["size"]


def check_i6pn(i6pn: object, block_network: object) -> bool:
    """`i6pn=` validated (None is False): a bool, and not with block_network=True."""
    if i6pn is None:
        return False
    if not isinstance(i6pn, bool):
        raise InvalidError(f"i6pn must be True or False, got {i6pn!r}")
    if i6pn and block_network:
        raise InvalidError(
            "i6pn=True gives containers a network between them; block_network=True takes every "
            "network away: drop one of the two"
        )
    return i6pn


def check_cluster(size: int, gpu: str | Sequence[str] | None, scaling: Mapping[str, Any]) -> None:
    """The rules a clustered function's other options (`scaling`: its validated options) must
    follow: its GPUs in all (size times the largest count it may get) at most MAX_CLUSTER_GPUS,
    its container bounds (min/max/buffer_containers) multiples of its size, as Modal's, and a
    network (no block_network)."""
    if size <= 1:
        return
    if scaling.get("block_network"):
        raise InvalidError(
            f"@clustered(size={size}) needs a network between its containers: drop block_network=True"
        )
    specs = parse_gpu(list(gpu) if isinstance(gpu, (list, tuple)) else gpu) if gpu else []
    most = max((int(s.partition(":")[2] or 1) for s in specs), default=0)
    if most * size > MAX_CLUSTER_GPUS:
        raise InvalidError(
            f"@clustered(size={size}) with gpu {most} per container asks for {most * size} GPUs; "
            f"a cluster holds at most {MAX_CLUSTER_GPUS}"
        )
    for field in ("min_containers", "max_containers", "buffer_containers"):
        value = scaling.get(field)
        if value and value % size:
            raise InvalidError(f"{field}={value} must be a multiple of the cluster size ({size})")
