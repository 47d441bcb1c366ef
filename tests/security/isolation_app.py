"""Apps of two workspaces on one host: one serves on a TCP port, the other tries to reach it
(tests/security/test_isolation.py)."""

from __future__ import annotations

import os
import socket
import struct
import threading

import skylift

served = skylift.App("security-isolation-served")
prober = skylift.App("security-isolation-prober")

_listener: socket.socket | None = None


@served.function(scaledown_window=120)
def serve() -> dict:
    """Listen on a TCP port of this container (a thread that outlives the call); say where."""
    global _listener
    if _listener is None:
        _listener = socket.create_server(("0.0.0.0", 0))

        def answer() -> None:
            while True:
                conn, _ = _listener.accept()
                conn.sendall(b"workspace A's secret")
                conn.close()

        threading.Thread(target=answer, daemon=True).start()
    return {"port": _listener.getsockname()[1], "task": os.environ["SKYLIFT_TASK_ID"]}


def reach(ip: str, port: int) -> str:
    try:
        with socket.create_connection((ip, port), timeout=3) as conn:
            return "connected: " + conn.recv(100).decode()
    except OSError as exc:
        return f"blocked: {exc}"


@prober.function()
def probe(ip: str, port: int) -> str:
    return reach(ip, port)


@served.function()
def probe_own(ip: str, port: int) -> str:
    return reach(ip, port)


def gateway() -> str:
    """This container's default gateway: its host, on the container's network."""
    with open("/proc/net/route") as routes:
        for line in routes.readlines()[1:]:
            fields = line.split()
            if fields[1] == "00000000":
                return socket.inet_ntoa(struct.pack("<L", int(fields[2], 16)))
    raise RuntimeError("no default route")


@prober.function()
def probe_host(port: int, others: list[str]) -> dict:
    """Try the host's port on the gateway and on the host's other addresses."""
    return {ip: reach(ip, port) for ip in [gateway(), *others]}
