"""Ports of sandboxes exposed through the web gateway: `Sandbox.create(encrypted_ports=[8000])`
and `sb.tunnels()`.

Each exposed port gets a label, random and unguessable (`tn-` and 20 letters or digits), which
names its URL: `{SKYLIFT_WEB_SCHEME}://{label}.{SKYLIFT_WEB_DOMAIN}` where a web domain is set, else
`{SKYLIFT_PUBLIC_URL}/tunnels/{label}`, as web endpoints' two forms (functions/web_names.py). As
Modal's tunnels, the URL is public: whoever has it reaches the port. A request to it goes through
the web gateway (web/sandbox_tunnels.py), which reaches the sandbox's host agent as it does for a
web endpoint's container, and the agent connects to the port in the sandbox's container on its
isolated network (hosts/relay_sandbox.py, `"op": "port"`).
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass

from django.conf import settings

from config.errors import ApiError

from .models import Sandbox, SandboxPort, SandboxStatus

__all__ = [
    "LABEL",
    "MAX_PORTS",
    "PATH_PREFIX",
    "Target",
    "expose",
    "target",
    "tunnel_url",
    "tunnels_of",
    "validate_ports",
]

LABEL = re.compile(r"^tn-[a-z0-9]{20}$")
PATH_PREFIX = "/tunnels/"
MAX_PORTS = 16
_ALPHABET = string.ascii_lowercase + string.digits


def validate_ports(encrypted: list[int], unencrypted: list[int], *, block_network: bool) -> dict[int, bool]:
    """{port: encrypted} of a sandbox to create, or a clear 400."""
    ports: dict[int, bool] = {}
    for port, is_encrypted in [*((p, True) for p in encrypted), *((p, False) for p in unencrypted)]:
        if port in ports:
            raise ApiError(f"Port {port} is exposed twice.", field="encrypted_ports")
        ports[port] = is_encrypted
    if len(ports) > MAX_PORTS:
        raise ApiError(f"At most {MAX_PORTS} ports may be exposed.", field="encrypted_ports")
    if ports and block_network:
        raise ApiError(
            "A sandbox with block_network has no network, so no port to expose.",
            field="encrypted_ports",
            hint="Leave block_network off, or expose no ports.",
        )
    return ports


def expose(sandbox: Sandbox, ports: dict[int, bool]) -> None:
    SandboxPort.objects.bulk_create(
        SandboxPort(
            label="tn-" + "".join(secrets.choice(_ALPHABET) for _ in range(20)),
            sandbox=sandbox,
            port=port,
            encrypted=encrypted,
        )
        for port, encrypted in sorted(ports.items())
    )


def tunnel_url(label: str) -> str:
    if settings.SKYLIFT_WEB_DOMAIN:
        return f"{settings.SKYLIFT_WEB_SCHEME}://{label}.{settings.SKYLIFT_WEB_DOMAIN}"
    return f"{settings.SKYLIFT_PUBLIC_URL}{PATH_PREFIX}{label}"


def tunnels_of(sandbox: Sandbox) -> list[dict]:
    return [
        {"port": p.port, "encrypted": p.encrypted, "url": tunnel_url(p.label)}
        for p in sandbox.ports.order_by("port")
    ]


@dataclass(frozen=True)
class Target:
    sandbox_id: str
    container_id: str
    host_name: str
    port: int


def target(label: str) -> Target | None:
    """Where a tunnel's requests go: a running sandbox's port, else None."""
    found = (
        SandboxPort.objects.filter(label=label, sandbox__status=SandboxStatus.RUNNING)
        .values_list("sandbox_id", "sandbox__container_id", "sandbox__host__name", "port")
        .first()
    )
    if found is None or not found[1] or not found[2]:
        return None
    return Target(*found)
