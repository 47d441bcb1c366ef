"""A sandbox's exposed port as Modal's `Tunnel`: `sb.tunnels()[8000].url`.

Skylift reaches the port through its web gateway, at a URL of its own (a host name under the
platform's web domain, or a path under its public URL). A port exposed with `unencrypted_ports=`
also has a raw TCP address (Modal's `unencrypted_host`/`unencrypted_port`, `tcp_socket`) where the
platform offers them (its SKYLIFT_TCP_TUNNEL_PORTS).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ._exceptions import InvalidError

__all__ = ["Tunnel"]


@dataclass(frozen=True)
class Tunnel:
    """Where a port of a sandbox is reached from outside."""

    host: str
    port: int
    unencrypted_host: str | None = None
    unencrypted_port: int | None = None
    path: str = ""  # the path form's prefix (/tunnels/tn-...), empty for a host of its own
    scheme: str = "https"

    @staticmethod
    def _from_url(url: str, tcp_host: str | None = None, tcp_port: int | None = None) -> Tunnel:
        parts = urlsplit(url)
        default = 443 if parts.scheme == "https" else 80
        return Tunnel(
            host=parts.hostname or "",
            port=parts.port or default,
            unencrypted_host=tcp_host if tcp_port is not None else None,
            unencrypted_port=tcp_port if tcp_host is not None else None,
            path=parts.path.rstrip("/"),
            scheme=parts.scheme or "https",
        )

    @property
    def url(self) -> str:
        """The port's URL (Modal's `https://host[:port]`, with Skylift's path when it has one)."""
        default = 443 if self.scheme == "https" else 80
        port = "" if self.port == default else f":{self.port}"
        return f"{self.scheme}://{self.host}{port}{self.path}"

    @property
    def tls_socket(self) -> tuple[str, int]:
        """(host, port) to connect to with TLS."""
        return self.host, self.port

    @property
    def tcp_socket(self) -> tuple[str, int]:
        """(host, port) of the raw TCP tunnel of a port exposed with `unencrypted_ports=`."""
        if self.unencrypted_host is None or self.unencrypted_port is None:
            raise InvalidError(
                "This tunnel has no raw TCP address: only ports exposed with unencrypted_ports= have "
                "one, where the platform offers raw TCP tunnels (tunnel.url reaches it over HTTP)"
            )
        return self.unencrypted_host, self.unencrypted_port
