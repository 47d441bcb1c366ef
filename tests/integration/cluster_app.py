"""Clustered functions (`@clustered`): members that meet each other by the addresses they were
given, and a cluster that holds an input until told to let it go."""

from __future__ import annotations

import os
import socket
import struct
import threading
import time

import skylift
from skylift import experimental

app = skylift.App("cluster-it")

PORT = 7070
# What rank 0's server heard: each member's rank and the address it came from.
_heard: dict[int, str] = {}
_serving = threading.Lock()


def _serve() -> None:
    server = socket.create_server(("0.0.0.0", PORT))
    while True:
        conn, (address, _) = server.accept()
        with conn:
            rank = int(conn.recv(16).decode() or -1)
            _heard[rank] = address
            conn.sendall(b"ok")


def _meet() -> dict:
    """Rank 0 listens; every other rank connects to rank 0's given address and says its rank.
    Rank 0 returns once it heard from all of them (its server stays up while the container does)."""
    info = experimental.get_cluster_info()
    world = len(info.container_ips)
    if info.rank == 0:
        if _serving.acquire(blocking=False):
            threading.Thread(target=_serve, daemon=True).start()
        deadline = time.monotonic() + 90
        while len(_heard) < world - 1 and time.monotonic() < deadline:
            time.sleep(0.1)
    else:
        deadline = time.monotonic() + 90
        while True:
            try:
                with socket.create_connection((info.container_ips[0], PORT), timeout=2) as conn:
                    conn.sendall(str(info.rank).encode())
                    conn.recv(2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    return {
        "rank": info.rank,
        "world": world,
        "size": int(os.environ["SKYLIFT_CLUSTER_SIZE"]),
        "cluster_id": info.cluster_id,
        "ips": info.container_ips,
        "heard": dict(_heard),
        "task": os.environ["SKYLIFT_TASK_ID"],
    }


@app.function(scaledown_window=60)
@experimental.clustered(size=2)
def pair() -> dict:
    return _meet()


@app.function(scaledown_window=60)
@experimental.clustered(size=4)
def quad() -> dict:
    return _meet()


@app.function()
def probe(address: str, port: int) -> str:
    """A container of no cluster trying to reach a cluster's member."""
    try:
        with socket.create_connection((address, port), timeout=3):
            return "connected"
    except OSError as exc:
        return type(exc).__name__


@app.function(scaledown_window=60)
@experimental.clustered(size=2)
def hold(name: str) -> dict:
    """Every member waits until the Dict says go; then rank 0's task answers."""
    flags = skylift.Dict.from_name(name)
    deadline = time.monotonic() + 120
    while not flags.get("go", False) and time.monotonic() < deadline:
        time.sleep(0.2)
    info = experimental.get_cluster_info()
    return {"rank": info.rank, "task": os.environ["SKYLIFT_TASK_ID"]}


@app.function(cpu=1.0)
@experimental.clustered(size=64)
def too_big() -> int:
    return 0


def _gateway() -> str:
    with open("/proc/net/route") as routes:
        for line in routes.readlines()[1:]:
            fields = line.split()
            if fields[1] == "00000000":
                return socket.inet_ntoa(struct.pack("<L", int(fields[2], 16)))
    return ""


@app.function()
@experimental.clustered(size=2)
def reach_host(port: int, addresses: list[str]) -> dict:
    """A member trying its host's port on its gateway and on each of the host's addresses, at once."""
    results: dict[str, str] = {}

    def one(address: str) -> None:
        try:
            with socket.create_connection((address, port), timeout=3):
                results[address] = "connected"
        except OSError as exc:
            results[address] = f"blocked: {exc}"

    threads = [threading.Thread(target=one, args=(a,)) for a in {_gateway(), *addresses}]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


I6PN_PORT = 7171


@app.function(i6pn=True, scaledown_window=60)
def i6pn_listen(name: str) -> dict:
    """An i6pn container: listens, says its address in the Dict `name`, answers the first to come."""
    flags = skylift.Dict.from_name(name)
    server = socket.create_server(("0.0.0.0", I6PN_PORT))
    server.settimeout(90)
    address = socket.gethostbyname(socket.gethostname())
    flags["address"] = address
    try:
        conn, (peer, _) = server.accept()
    except OSError as exc:
        return {"address": address, "error": str(exc)}
    with conn:
        conn.sendall(b"hi")
    return {"address": address, "peer": peer, "task": os.environ["SKYLIFT_TASK_ID"]}


@app.function(i6pn=True)
def i6pn_knock(targets: list[list]) -> dict:
    """An i6pn container trying each (address, port), and its host's port on its gateway."""
    results: dict[str, str] = {}
    for address, port in [*targets]:
        address = address or _gateway()
        try:
            with socket.create_connection((address, port), timeout=3) as conn:
                results[f"{address}:{port}"] = "connected " + conn.recv(2).decode()
        except OSError as exc:
            results[f"{address}:{port}"] = f"blocked: {exc}"
    return {"results": results, "task": os.environ["SKYLIFT_TASK_ID"]}
