"""Ports of sandboxes exposed through the web gateway: `Sandbox.create(encrypted_ports=[8000])`
and `sb.tunnels()`.

Each exposed port gets a label, random and unguessable (`tn-` and 20 letters or digits), which
names its URL: `{SKYLIFT_WEB_SCHEME}://{label}.{SKYLIFT_WEB_DOMAIN}` where a web domain is set, else
`{SKYLIFT_PUBLIC_URL}/tunnels/{label}`, as web endpoints' two forms (functions/web_names.py). As
Modal's tunnels, the URL is public: whoever has it reaches the port. A request to it goes through
the web gateway (web/sandbox_tunnels.py), which reaches the sandbox's host agent as it does for a
web endpoint's container, and the agent connects to the port in the sandbox's container on its
isolated network (hosts/relay_sandbox.py, `"op": "port"`).

An `unencrypted_ports=` port also gets a raw TCP tunnel where SKYLIFT_TCP_TUNNEL_PORTS gives the
gateway a range of ports: one of them, chosen here when the sandbox is created and free again once
it has ended, on which the gateway listens while the sandbox runs (web/sandbox_tcp.py) and whose
connections go to the sandbox's port the same way, through its host agent. `tunnels()` reports it
as Modal does, `tcp_socket` = (SKYLIFT_TCP_TUNNEL_HOST, that port).
"""

from __future__ import annotations

import re
import secrets
import string
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction

from config.errors import ApiError

from .models import LIVE_SANDBOX_STATUSES, Sandbox, SandboxPort, SandboxStatus

__all__ = [
    "LABEL",
    "MAX_PORTS",
    "PATH_PREFIX",
    "Target",
    "expose",
    "target",
    "tcp_range",
    "tcp_targets",
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


# Held while the gateway's TCP ports are handed out, so that two sandboxes never get the same one.
TCP_LOCK = 0x5C7B7C9


def tcp_range() -> range | None:
    """SKYLIFT_TCP_TUNNEL_PORTS ("20000-20999") as a range; None when raw TCP tunnels are off."""
    spec = settings.SKYLIFT_TCP_TUNNEL_PORTS.strip()
    if not spec:
        return None
    first, _, last = spec.partition("-")
    return range(int(first), int(last or first) + 1)


def expose(sandbox: Sandbox, ports: dict[int, bool]) -> None:
    """Its ports' tunnels; an unencrypted one gets a TCP port of the gateway's range too. When the
    range is used up the sandbox is terminated and the caller told (503), rather than left running
    without the tunnel it asked for."""
    raw = sorted(p for p, encrypted in ports.items() if not encrypted) if tcp_range() is not None else []
    with transaction.atomic():
        given = dict(zip(raw, _free_tcp_ports(len(raw)), strict=False)) if raw else {}
        if len(given) == len(raw):
            SandboxPort.objects.bulk_create(
                SandboxPort(
                    label="tn-" + "".join(secrets.choice(_ALPHABET) for _ in range(20)),
                    sandbox=sandbox,
                    port=port,
                    encrypted=encrypted,
                    tcp_port=given.get(port),
                )
                for port, encrypted in sorted(ports.items())
            )
    if len(given) < len(raw):
        from .sandboxes import sandbox_terminate

        sandbox_terminate(sandbox, cause="no_tcp_port")
        raise ApiError(
            "Every TCP tunnel port of this platform is in use: the sandbox was not kept.",
            code="no_tcp_port",
            status_code=503,
            field="unencrypted_ports",
            hint="Try again once other sandboxes with unencrypted_ports have ended.",
        )


def _free_tcp_ports(count: int) -> list[int]:
    """`count` ports of the range no live sandbox holds (inside the caller's transaction, under a
    lock held to its end), or [] when fewer are free."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TCP_LOCK])
    used = set(
        SandboxPort.objects.filter(
            tcp_port__isnull=False, sandbox__status__in=LIVE_SANDBOX_STATUSES
        ).values_list("tcp_port", flat=True)
    )
    free = [p for p in tcp_range() or () if p not in used]
    # Random rather than the lowest: a port just freed is not handed straight on.
    return secrets.SystemRandom().sample(free, count) if len(free) >= count else []


def tcp_host() -> str:
    return settings.SKYLIFT_TCP_TUNNEL_HOST or urlsplit(settings.SKYLIFT_PUBLIC_URL).hostname or "127.0.0.1"


def tunnel_url(label: str) -> str:
    if settings.SKYLIFT_WEB_DOMAIN:
        return f"{settings.SKYLIFT_WEB_SCHEME}://{label}.{settings.SKYLIFT_WEB_DOMAIN}"
    return f"{settings.SKYLIFT_PUBLIC_URL}{PATH_PREFIX}{label}"


def tunnels_of(sandbox: Sandbox) -> list[dict]:
    return [
        {
            "port": p.port,
            "encrypted": p.encrypted,
            "url": tunnel_url(p.label),
            "tcp_host": tcp_host() if p.tcp_port else None,
            "tcp_port": p.tcp_port,
        }
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


def tcp_targets() -> dict[int, Target]:
    """{gateway TCP port: where its connections go} of every running sandbox's raw TCP tunnel."""
    rows = SandboxPort.objects.filter(
        tcp_port__isnull=False, sandbox__status=SandboxStatus.RUNNING
    ).values_list("tcp_port", "sandbox_id", "sandbox__container_id", "sandbox__host__name", "port")
    return {row[0]: Target(*row[1:]) for row in rows if row[0] is not None and row[2] and row[3]}
