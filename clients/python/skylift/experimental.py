"""`modal.experimental`: Modal's experimental functions.

`clustered` and `get_cluster_info` work (docs/clusters.md). Each of the others is here under
Modal's name, so that `import modal.experimental` and a reference to one work; calling one raises
`InvalidError` naming it, whatever the arguments: a decorator fails where it decorates, when the
program is imported, before anything is created on the server.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

from ._exceptions import InvalidError
from .contract import clusters

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "ClusterInfo",
    "clustered",
    "get_app_lifecycle",
    "get_app_objects",
    "get_cluster_info",
    "get_fabric_peers",
    "get_local_input_concurrency",
    "http_server",
    "image_delete",
    "list_deployed_apps",
    "set_local_input_concurrency",
    "stop_app",
    "stop_fetching_inputs",
]


def _unsupported(name: str, what: str) -> NoReturn:
    raise InvalidError(f"modal.experimental.{name} ({what}) is not supported by Skylift yet")


CLUSTERED_ATTR = "__skylift_clustered__"


def clustered(
    size: int, broadcast: bool = True, rdma: bool = False, fabric_size: int | None = None
) -> Callable[[F], F]:
    """Serve each call with `size` containers started together, all or none, on a network of their
    own: every one gets the input, the call's result is rank 0's (docs/clusters.md).

    Goes under `@app.function(...)`. Bad sizes, and sizes whose GPUs in all pass the limit, raise
    `InvalidError` here or at `@app.function`."""
    config = clusters.cluster_config(size, broadcast=broadcast, rdma=rdma, fabric_size=fabric_size)

    def wrapper(f: F) -> F:
        from ._function import Function

        if isinstance(f, Function):
            raise InvalidError(
                "@clustered goes under @app.function(...): "
                "@app.function(...) then @clustered(size=...) then def ..."
            )
        if isinstance(f, type):
            raise InvalidError("@clustered on a class is not supported by Skylift yet: use it on a function")
        if not callable(f):
            raise InvalidError("@clustered decorates a function")
        setattr(f, CLUSTERED_ATTR, dict(config))
        return f

    return wrapper


@dataclass(frozen=True)
class ClusterInfo:
    """This container's place in its cluster: its rank (0 is the leader, whose result is the
    call's) and every member's address, by rank."""

    rank: int
    cluster_id: str
    container_ips: list[str] = field(default_factory=list)
    container_ipv4_ips: list[str] = field(default_factory=list)
    fabric_ids: list[str] = field(default_factory=list)


def get_cluster_info() -> ClusterInfo:
    """This container's rank and the addresses of its cluster's members (by rank). Outside a
    cluster's container: rank 0, no cluster id, no addresses (as Modal's)."""
    ips = [ip for ip in os.environ.get(clusters.ENV_IPS, "").split(",") if ip]
    return ClusterInfo(
        rank=int(os.environ.get(clusters.ENV_RANK, "0") or 0),
        cluster_id=os.environ.get(clusters.ENV_ID, ""),
        container_ips=list(ips),
        container_ipv4_ips=list(ips),
    )


def get_fabric_peers(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported yet: the peers of this container on a cluster's fabric."""
    _unsupported("get_fabric_peers", "clusters of co-scheduled containers")


def http_server(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported yet: a class that serves HTTP from its containers ("Flash")."""
    _unsupported("http_server", "HTTP servers in containers")


def stop_fetching_inputs(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported yet: a container taking no more inputs after the current one."""
    _unsupported("stop_fetching_inputs", "a container that stops taking inputs")


def get_local_input_concurrency(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported yet: the number of inputs this container runs at once."""
    _unsupported("get_local_input_concurrency", "changing a container's concurrency while it runs")


def set_local_input_concurrency(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported yet: changing the number of inputs this container runs at once."""
    _unsupported("set_local_input_concurrency", "changing a container's concurrency while it runs")


def list_deployed_apps(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported yet: the deployed apps of an environment."""
    _unsupported("list_deployed_apps", "deployed apps")


def get_app_lifecycle(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported yet: a deployed app's history."""
    _unsupported("get_app_lifecycle", "deployed apps")


def get_app_objects(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported yet: the functions and classes of a deployed app."""
    _unsupported("get_app_objects", "deployed apps")


def stop_app(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported yet: stopping a deployed app by name."""
    _unsupported("stop_app", "deployed apps")


def image_delete(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported yet: deleting a built image."""
    _unsupported("image_delete", "deleting images")


def __getattr__(name: str) -> NoReturn:
    if name.startswith("__"):  # the import system's and tools' probes: the usual error
        raise AttributeError(name)
    # Modal's other experimental names (the flash_* functions among them) come here.
    raise AttributeError(
        f"module 'modal.experimental' has no attribute {name!r}: Skylift supports none of Modal's "
        "other experimental functions yet"
    )
