"""The one adapter to the Docker engine; no other module imports `docker`."""

from __future__ import annotations

import functools
import logging
import socket
import time
from collections.abc import Iterator

import docker
from docker.errors import APIError, DockerException, ImageNotFound, NotFound

__all__ = [
    "BUILD_HOST_LABEL",
    "HOST_LABEL",
    "DockerUnavailable",
    "client",
    "commit",
    "container_address",
    "container_ip",
    "container_logs",
    "container_processes",
    "container_network",
    "engine_check",
    "exec_exit_code",
    "exec_kill",
    "exec_open",
    "find_by_label",
    "gpu_device_requests",
    "forget_network",
    "network_missing",
    "inspect",
    "remove",
    "remove_host_containers",
    "run",
    "stop",
    "write_stdin",
]

log = logging.getLogger(__name__)

DOCKER_HINT = (
    "Start the Docker engine (on Debian/Ubuntu: `sudo apt-get install docker.io && sudo dockerd &`, "
    "or `sudo systemctl start docker`), or run `make setup`, which does it for you."
)


class DockerUnavailable(RuntimeError):
    pass


# Every container the platform starts for a host carries one of these labels, valued with the
# host's name: function containers HOST_LABEL (hosts/services.py), build network holders
# BUILD_HOST_LABEL (builds/docker_builder.py; a label of their own, for they run no task).
HOST_LABEL = "skylift.host"
BUILD_HOST_LABEL = "skylift.build-host"


@functools.cache
def client() -> docker.DockerClient:
    return docker.from_env(timeout=120)


# RELIABILITY S18 and S9: function containers and build steps sit on a bridge network of their
# own on which Docker drops traffic between containers (enable_icc=false), and the host drops
# what they send to the host itself (hosts/firewall.py): a container reaches the outside world,
# never another container nor its host's ports. Its one way to the platform is the Unix socket
# of the data plane.
ICC_OPTION = "com.docker.network.bridge.enable_icc"
_checked: dict[str, float] = {}  # network name -> when it and the host's rules were last checked


def container_network(engine: docker.DockerClient | None = None, *, allowlist: bool = False) -> str:
    """The isolating network's name, made on first use, with the host's rules for it checked
    every SKYLIFT_FIREWALL_CHECK_SECONDS; refuses a same-named network that lets containers reach
    each other or speaks IPv6, and (unless SKYLIFT_HOST_FIREWALL=off) a host it cannot guard.

    With `allowlist`: its twin `<name>-allowlist` for sandboxes with a `cidr_allowlist`, whose
    containers reach only the ranges `firewall.allow_egress` opens for each (it needs the host's
    firewall: without it such a sandbox does not start)."""
    from django.conf import settings

    from . import firewall

    name = settings.SKYLIFT_CONTAINER_NETWORK + ("-allowlist" if allowlist else "")
    if allowlist and settings.SKYLIFT_HOST_FIREWALL == "off":
        raise DockerUnavailable(
            "cidr_allowlist needs the host's firewall (SKYLIFT_HOST_FIREWALL=off on this host)."
        )
    checked = _checked.get(name)
    if checked is not None and time.monotonic() - checked < settings.SKYLIFT_FIREWALL_CHECK_SECONDS:
        return name
    engine = engine or client()
    try:
        network = engine.networks.get(name)
    except NotFound:
        try:
            network = engine.networks.create(
                name,
                driver="bridge",
                options={ICC_OPTION: "false"},
                enable_ipv6=False,
                labels={"skylift.managed": "1"},
            )
        except APIError as exc:
            if exc.status_code != 409:  # 409: another process made it first
                raise
            network = engine.networks.get(name)
    options = network.attrs.get("Options") or {}
    if (
        network.attrs.get("Driver") != "bridge"
        or options.get(ICC_OPTION) != "false"
        or network.attrs.get("EnableIPv6")
    ):
        raise DockerUnavailable(
            f"The Docker network {name!r} lets containers reach each other (or speaks IPv6, which "
            f"Skylift does not filter); Skylift needs its own IPv4 bridge with {ICC_OPTION}=false. "
            f"Remove it (docker network rm {name}) or set SKYLIFT_CONTAINER_NETWORK to another name."
        )
    if settings.SKYLIFT_HOST_FIREWALL != "off":
        interface = options.get("com.docker.network.bridge.name") or f"br-{network.short_id}"
        try:
            firewall.guard_host(interface, tuple(settings.SKYLIFT_HOST_FIREWALL_ALLOW), egress=allowlist)
        except firewall.FirewallUnavailable as exc:
            raise DockerUnavailable(
                f"Containers would reach this host's own ports: the host's firewall rules could not "
                f"be put in place ({exc}). Run the host agent as root, on the host's network, with "
                "iptables; or set SKYLIFT_HOST_FIREWALL=off to run without this protection."
            ) from None
    _checked[name] = time.monotonic()
    return name


def forget_network() -> None:
    """After Docker said the network is missing (pruned): make it, and check it, again."""
    _checked.clear()


def network_missing(exc: Exception) -> bool:
    """Whether Docker refused because the network is gone."""
    return (
        isinstance(exc, (NotFound, APIError))
        and "network" in str(exc).lower()
        and "not found" in str(exc).lower()
    )


def engine_check() -> str:
    """The engine's version, or DockerUnavailable saying how to start one."""
    try:
        return client().version()["Version"]
    except DockerException as exc:
        client.cache_clear()
        raise DockerUnavailable(f"No Docker engine answers ({exc}). {DOCKER_HINT}") from None


def image_exists(ref: str) -> bool:
    try:
        client().images.get(ref)
        return True
    except ImageNotFound:
        return False


def run(
    *,
    image: str,
    command: list[str],
    name: str,
    labels: dict,
    environment: dict,
    mounts: list[dict],
    memory_mib: int,
    memory_reservation_mib: int | None = None,
    nano_cpus: int,
    cpu_shares: int,
    pids_limit: int,
    network_disabled: bool,
    runtime: str | None = None,
    gpu_device_ids: list[str] | None = None,
    working_dir: str | None = None,
    allowlist: bool = False,
    stdin_open: bool = False,
    cluster_network: tuple[str, str] | None = None,
) -> str:
    """Start a hardened container (RELIABILITY S7) and return its id.

    `gpu_device_ids`: the NVIDIA devices (UUIDs) it gets, through a device request. `allowlist`:
    on the allowlist network (`container_network`). `stdin_open`: its command's stdin is a pipe
    open to `write_stdin`. `cluster_network`: (network, address): on its cluster's network
    (hosts/clusters.py) at that address (any, when empty: an i6pn network), instead of the
    isolating network.
    """
    from docker.types import Mount

    def networking() -> dict:
        if network_disabled:
            return {"network_mode": "none"}
        if cluster_network is not None:
            name, address = cluster_network
            endpoint = client().api.create_endpoint_config(ipv4_address=address or None)
            return {"network": name, "networking_config": {name: endpoint}}
        return {"network_mode": container_network(allowlist=allowlist)}

    def start() -> str:
        container = client().containers.run(
            image,
            command,
            name=name,
            detach=True,
            labels=labels,
            environment=environment,
            mounts=[
                Mount(target=m["target"], source=m["source"], type="bind", read_only=m["read_only"])
                for m in mounts
            ],
            mem_limit=f"{memory_mib}m",
            memswap_limit=f"{memory_mib}m",
            mem_reservation=f"{memory_reservation_mib}m" if memory_reservation_mib else None,
            nano_cpus=nano_cpus,
            cpu_shares=cpu_shares,
            pids_limit=pids_limit,
            cap_drop=["ALL"],
            security_opt=["no-new-privileges:true"],
            privileged=False,
            **networking(),
            init=True,
            runtime=runtime or None,  # None: the engine's default runtime
            device_requests=gpu_device_requests(gpu_device_ids or []) or None,
            working_dir=working_dir or None,
            stdin_open=stdin_open,
        )
        assert container.id is not None  # a container the engine created has its id
        return container.id

    try:
        return start()
    except (NotFound, APIError) as exc:
        if network_disabled or cluster_network is not None or not network_missing(exc):
            raise
        forget_network()  # pruned while this process had it checked: made again, once
        remove(name)  # Docker may have created the container before refusing to start it
        return start()


def write_stdin(container_id: str, data: bytes) -> None:
    """Write `data` to a container's command's stdin (started with `stdin_open`). Over an attach
    stream: the bytes are in no config Docker keeps or shows."""
    sock = client().api.attach_socket(container_id, params={"stdin": 1, "stream": 1})
    raw = getattr(sock, "_sock", sock)
    try:
        raw.sendall(data)
    finally:
        raw.close()


def container_ip(container_id: str, network: str) -> str:
    """The container's address on `network` ("" when it has none)."""
    attrs = inspect(container_id) or {}
    return ((attrs.get("NetworkSettings") or {}).get("Networks") or {}).get(network, {}).get(
        "IPAddress"
    ) or ""


def commit(container_id: str, ref: str) -> str:
    """`docker commit` a running container's filesystem as the image `ref` (repository:tag), with
    the configuration of the image it started from (not the container's own environment, command
    or labels, which name the container); pushed when `ref` is in the shared registry
    (SKYLIFT_IMAGE_REGISTRY). Returns its id."""
    api = client().api
    container = api.inspect_container(container_id)
    source = api.inspect_image(container["Image"]).get("Config") or {}
    conf = {key: source.get(key) for key in ("Env", "Cmd", "Entrypoint", "WorkingDir", "User", "Labels")}
    repository, _, tag = ref.rpartition(":")
    committed = api.commit(container_id, repository=repository, tag=tag, conf=conf, pause=True)
    from django.conf import settings

    registry = settings.SKYLIFT_IMAGE_REGISTRY.strip("/")
    if registry and ref.startswith(registry + "/"):  # other hosts pull it from there
        for event in api.push(repository, tag=tag, stream=True, decode=True):
            if "error" in event:
                raise DockerUnavailable(f"could not push {ref}: {event['error']}")
    return str(committed["Id"])


def container_address(container_id: str) -> str | None:
    """A running container's IPv4 address on its (first) network, None without one."""
    info = inspect(container_id)
    if info is None or not (info.get("State") or {}).get("Running"):
        return None
    for network in ((info.get("NetworkSettings") or {}).get("Networks") or {}).values():
        if network.get("IPAddress"):
            return str(network["IPAddress"])
    return None


def container_logs(container_id: str, *, tail: int = 1000, since: float | None = None) -> list[list[str]]:
    """What a container printed, oldest first: [[RFC 3339 time, "stdout"|"stderr", line], ...], its
    last `tail` lines (after `since`, seconds since the epoch), the two streams merged by time."""
    api = client().api
    lines: list[list[str]] = []
    for stream in ("stdout", "stderr"):
        raw = api.logs(
            container_id,
            stdout=stream == "stdout",
            stderr=stream == "stderr",
            timestamps=True,
            tail=tail,
            since=since,
        )
        for line in raw.decode(errors="replace").splitlines():
            at, _, text = line.partition(" ")
            lines.append([at, stream, text])
    # RFC 3339 in UTC, its fraction padded (Docker trims trailing zeros): then it sorts as text.
    lines.sort(key=lambda entry: _time_key(entry[0]))
    return lines[-tail:]


def _time_key(at: str) -> str:
    whole, _, fraction = at.rstrip("Z").partition(".")
    return f"{whole}.{fraction.ljust(9, '0')}"


def container_processes(container_id: str) -> dict:
    """The processes running in a container (`docker top`): {"titles": [...], "processes": [[...]]}."""
    top = client().api.top(container_id)
    return {
        "titles": list(top.get("Titles") or []),
        "processes": [list(p) for p in top.get("Processes") or []],
    }


def gpu_device_requests(device_ids: list[str]) -> list:
    """The Docker device request for these NVIDIA devices (by UUID or index), or none."""
    from docker.types import DeviceRequest

    if not device_ids:
        return []
    return [DeviceRequest(driver="nvidia", device_ids=list(device_ids), capabilities=[["gpu"]])]


def find_by_label(label: str, value: str) -> list:
    return client().containers.list(all=True, filters={"label": f"{label}={value}"})


def inspect(container_id: str) -> dict | None:
    try:
        return client().api.inspect_container(container_id)
    except NotFound:
        return None


def stop(container_id: str, timeout: int = 30) -> None:
    try:
        client().api.stop(container_id, timeout=timeout)
    except NotFound:
        pass


def kill(container_id: str) -> None:
    """SIGKILL, no grace: for containers that must stop now (fencing)."""
    try:
        client().api.kill(container_id)
    except NotFound:
        pass
    except APIError as exc:
        if "is not running" not in str(exc):
            raise


def remove(container_id: str) -> None:
    try:
        client().api.remove_container(container_id, force=True)
    except NotFound:
        pass
    except APIError as exc:
        if "already in progress" not in str(exc):
            raise


def remove_host_containers(host_name: str) -> int:
    """Remove every container started for this host, running or not; returns how many.

    For a platform that stops with its host (the embedded one): nothing it started outlives it.
    """
    try:
        found = {
            c["Id"]
            for label in (HOST_LABEL, BUILD_HOST_LABEL)
            for c in client().api.containers(all=True, filters={"label": f"{label}={host_name}"})
        }
    except DockerException as exc:
        raise DockerUnavailable(f"No Docker engine answers ({exc}). {DOCKER_HINT}") from None
    failed = []
    for container_id in found:
        try:
            remove(container_id)
        except DockerException as exc:
            failed.append(f"{container_id[:12]}: {exc}")
    if failed:
        raise DockerUnavailable(
            f"{len(failed)} of {len(found)} containers were not removed ({'; '.join(failed)})"
        )
    return len(found)


def die_events(label_filter: str) -> Iterator[dict]:
    """Container `die` events for containers carrying the label (blocks; yields forever)."""
    yield from client().events(
        decode=True, filters={"type": "container", "event": "die", "label": label_filter}
    )


def exec_open(
    container_id: str,
    command: list[str],
    *,
    workdir: str = "",
    environment: dict | None = None,
    tty: bool = False,
) -> tuple[str, socket.socket]:
    """Start a process in a running container (`docker exec`: the container's namespaces, cgroup,
    capabilities and no-new-privileges). Returns (exec id, the raw socket carrying its stdin one
    way and the other its multiplexed stdout/stderr, or with `tty` its terminal's output)."""
    api = client().api
    created = api.exec_create(
        container_id,
        command,
        stdin=True,
        stdout=True,
        stderr=True,
        tty=tty,
        workdir=workdir or None,
        environment=environment or None,
    )
    sock = api.exec_start(created["Id"], socket=True, demux=False, tty=tty)
    raw = getattr(sock, "_sock", sock)  # the engine's connection under docker-py's file wrapper
    if not isinstance(raw, socket.socket):
        raise DockerUnavailable(f"exec over {type(raw).__name__} is not supported (a local engine socket is)")
    return created["Id"], raw


def exec_resize(exec_id: str, rows: int, cols: int) -> None:
    """Set the size of an exec'd process's terminal."""
    try:
        client().api.exec_resize(exec_id, height=rows, width=cols)
    except APIError:
        pass  # the process has ended


def exec_exit_code(exec_id: str) -> int | None:
    """The exit code of an exec'd process, None while it runs."""
    info = client().api.exec_inspect(exec_id)
    return None if info.get("Running") else info.get("ExitCode")


def exec_kill(exec_id: str) -> None:
    """SIGKILL an exec'd process, by its PID on the host (an agent in its own PID namespace cannot:
    it is said in the log, and the process ends with its sandbox)."""
    import os
    import signal
    from pathlib import Path

    pid = int(client().api.exec_inspect(exec_id).get("Pid") or 0)
    if pid <= 0:
        return
    # The process and what it started (a shell's children hold its output open too).
    found: list[int] = []
    todo = [pid]
    while todo and len(found) < 4096:
        current = todo.pop()
        found.append(current)
        for children in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                todo += [int(c) for c in children.read_text().split()]
            except OSError:
                pass
    for target in found:
        try:
            os.kill(target, signal.SIGKILL)
        except ProcessLookupError:
            pass
        except PermissionError:
            log.warning("could not kill the exec'd process %s (pid %s)", exec_id[:12], target)
