"""`modal.experimental`: Modal's experimental functions, none of which Skylift offers yet.

Each is here under Modal's name, so that `import modal.experimental` and a reference to one work;
calling one raises `InvalidError` naming it, whatever the arguments: a decorator fails where it
decorates, when the program is imported, before anything is created on the server.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ._exceptions import InvalidError

__all__ = [
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


def clustered(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported yet: gangs of co-scheduled, networked containers for each input."""
    _unsupported("clustered", "clusters of co-scheduled containers")


def get_cluster_info(*args: Any, **kwargs: Any) -> NoReturn:
    """Not supported yet: this container's rank and peers in a cluster."""
    _unsupported("get_cluster_info", "clusters of co-scheduled containers")


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
        "experimental functions yet"
    )
