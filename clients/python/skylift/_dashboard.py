"""Dashboard URLs of objects (`get_dashboard_url()`): the dashboard's page of an object on its server.

The dashboard is served at the server's root: `/apps/{id}`, `/functions/{id}`, `/calls/{id}`,
`/volumes/{id}`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["dashboard_url"]

_PAGES = {"app": "apps", "function": "functions", "call": "calls", "volume": "volumes"}


def dashboard_url(client: Client | None, kind: str, object_id: str) -> str:
    """The URL of the dashboard's page of an object of `kind`, on the server `client` talks to
    (the configured server when there is no client, or inside a container)."""
    config = getattr(client, "config", None)
    server = getattr(config, "server_url", None)
    if not server:
        from ._config import load_config

        server = load_config().server_url
    return f"{server.rstrip('/')}/{_PAGES[kind]}/{object_id}"
