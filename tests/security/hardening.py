"""The S7 hardening policy for function containers, as a function any test can apply.

`container_violations(attrs, ...)` takes what `docker inspect` says about one container (as
`Platform.containers()` returns it) and lists every way the container breaks the policy; an
empty list means it complies. `assert_hardened(platform)` applies it to every container the
platform's host agent started in this session.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

__all__ = ["FORBIDDEN_HOST_PATHS", "assert_hardened", "container_violations"]

# Host paths no function container may see, nor anything beneath them.
# (The allowlist refuses every other path too; these get a message of their own.)
FORBIDDEN_HOST_PATHS = (
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/proc",
    "/sys",
    "/var/lib/docker",
    "/dev",
)
# Inside the container: the Skylift runtime and the user's code, which the container must not alter,
# and its I/O folder on the host (it connects to the socket there; a write would land on the host's disk);
# an idle sandbox's launcher folder likewise (hosts/relay_launch.py).
READ_ONLY_TARGETS = ("/skylift/lib", "/skylift/src", "/skylift/io", "/skylift/launch")
NO_NEW_PRIVILEGES = {"no-new-privileges", "no-new-privileges:true", "no-new-privileges=true"}


def _under(path: str, roots: Iterable[str]) -> bool:
    p = PurePosixPath(path)
    return any(p == PurePosixPath(r) or PurePosixPath(r) in p.parents for r in roots)


def container_violations(
    attrs: dict,
    *,
    allowed_sources: Iterable[str | Path] = (),
    block_network: bool | None = None,
    runtime: str | None = None,
    cap_allowlist: Iterable[str] = (),
    volumes: Iterable[tuple[str | Path, str]] = (),
) -> list[str]:
    """Every way the inspected container breaks the hardening policy (RELIABILITY S7).

    Args:
        attrs: the container's `docker inspect` document.
        allowed_sources: host directories that bind mounts may come from (the runtime packages,
            the host agent's data directory); anything else is a violation.
        block_network: the function's `block_network`, when known: True requires network `none`.
        runtime: the OCI runtime the platform is configured with (e.g. "runsc"), if any.
        cap_allowlist: capabilities a function container may add back (none by default).
        volumes: the function's own volumes as (host folder, mount path): each may be mounted,
            writable, at its path and nowhere else.
    """
    host = attrs.get("HostConfig") or {}
    found: list[str] = []

    def check(ok: bool, message: str) -> None:
        if not ok:
            found.append(message)

    check(host.get("Privileged") is False, f"Privileged is {host.get('Privileged')!r}, not false")
    cap_drop = {c.upper().removeprefix("CAP_") for c in host.get("CapDrop") or []}
    check("ALL" in cap_drop, f"CapDrop {host.get('CapDrop')!r} does not drop ALL")
    cap_add = {c.upper().removeprefix("CAP_") for c in host.get("CapAdd") or []}
    extra_caps = cap_add - {c.upper().removeprefix("CAP_") for c in cap_allowlist}
    check(not extra_caps, f"CapAdd adds {sorted(extra_caps)} beyond the allowlist")
    security_opt = set(host.get("SecurityOpt") or [])
    check(
        bool(security_opt & NO_NEW_PRIVILEGES),
        f"SecurityOpt {sorted(security_opt)} lacks no-new-privileges:true",
    )
    check(
        not any(o.endswith("unconfined") for o in security_opt),
        f"SecurityOpt {sorted(security_opt)} is unconfined",
    )
    check((host.get("PidsLimit") or 0) > 0, f"PidsLimit is {host.get('PidsLimit')!r}, not positive")
    memory, swap = host.get("Memory") or 0, host.get("MemorySwap")
    check(memory > 0, f"Memory is {memory!r}, not limited")
    check(swap == memory, f"MemorySwap {swap!r} != Memory {memory!r}: the container can swap")
    cpu_limited = (host.get("NanoCpus") or 0) > 0 or (
        (host.get("CpuQuota") or 0) > 0 and (host.get("CpuPeriod") or 0) > 0
    )
    check(cpu_limited, "no CPU limit (NanoCpus or CpuQuota/CpuPeriod)")
    for mode in ("PidMode", "IpcMode", "UTSMode", "UsernsMode"):
        check(host.get(mode) != "host", f"{mode} is host")
    network = host.get("NetworkMode")
    check(network != "host", "NetworkMode is host")
    if block_network:
        check(network == "none", f"NetworkMode is {network!r} although the function blocks the network")
    check(not host.get("Devices"), f"Devices {host.get('Devices')!r}: devices only through DeviceRequests")
    if runtime:
        check(host.get("Runtime") == runtime, f"Runtime is {host.get('Runtime')!r}, not {runtime!r}")

    allowed = [str(Path(s).resolve()) for s in allowed_sources]
    own_volumes = {(str(Path(source).resolve()), target) for source, target in volumes}
    mounts = list(attrs.get("Mounts") or [])
    for bind in host.get("Binds") or []:  # `-v src:dst[:ro]` binds, in case one bypasses Mounts
        source, _, rest = bind.partition(":")
        target, _, options = rest.partition(":")
        mounts.append(
            {"Type": "bind", "Source": source, "Destination": target, "RW": "ro" not in options.split(",")}
        )
    for mount in mounts:
        source, target, writable = mount.get("Source") or "", mount.get("Destination") or "", mount.get("RW")
        name = f"mount {source or mount.get('Name')!r} -> {target!r}"
        if mount.get("Type") == "bind" and (str(Path(source).resolve()), target) in own_volumes:
            continue  # the function's own volume, where it asked for it
        if mount.get("Type") == "bind":
            check(
                source != "/" and not _under(source, FORBIDDEN_HOST_PATHS),
                f"{name}: a forbidden host path",
            )
            check(_under(source, allowed), f"{name}: host path off the allowlist")
        check(not _under(target, ("/proc", "/sys", "/dev")) and target != "/", f"{name}: over a system path")
        if _under(target, READ_ONLY_TARGETS):
            check(writable is False, f"{name}: the runtime, the code and the I/O folder must be read-only")
        else:
            check(not writable, f"{name}: writable, and not one of the function's volumes")
    return found


def launcher_folder(platform, sandbox_id: str) -> Path:
    """The host folder an idle sandbox's container sees (read-only) for its launcher
    (hosts/relay_launch.py): its own, beside the relay's other sockets."""
    from django.test import override_settings

    from hosts.relay import socket_dir

    with override_settings(SKYLIFT_HOST_DIR=platform.env["SKYLIFT_HOST_DIR"]):
        return socket_dir() / f"{sandbox_id}.launch"


def assert_hardened(platform, **labels) -> int:
    """Check every container of the platform's host (filtered by `labels`); returns how many.

    Looks up each container's function (or sandbox) for its `block_network` and volumes, and reads the allowlisted host
    paths from the platform's environment and installed packages.
    """
    import cloudpickle
    from django.test import override_settings

    import skylift
    from hosts.relay import socket_dir

    with override_settings(SKYLIFT_HOST_DIR=platform.env["SKYLIFT_HOST_DIR"]):
        io_root = socket_dir()  # the agent's per-task I/O directories (short paths, for AF_UNIX)
    shared = [
        platform.env["SKYLIFT_HOST_DIR"],
        Path(skylift.__file__).parent,
        Path(cloudpickle.__file__).parent,
    ]
    runtime = platform.env.get("SKYLIFT_CONTAINER_RUNTIME") or None
    containers = platform.containers(**labels)
    problems = {}
    for attrs in containers:
        labels_of = (attrs.get("Config") or {}).get("Labels") or {}
        rows = platform.sql(
            "SELECT block_network, volumes FROM functions_function WHERE id = %s",
            [labels_of.get("skylift.function")],
        ) or platform.sql(
            "SELECT block_network, volumes FROM functions_sandbox WHERE id = %s",
            [labels_of.get("skylift.sandbox")],
        )
        volume_root = Path(platform.env["SKYLIFT_DATA_DIR"]) / "volumes"
        volumes = [(volume_root / v["volume_id"], v["path"]) for v in (rows[0][1] if rows else [])]
        # Its own I/O directory only: the same root holds the relay's control socket.
        allowed = [*shared, io_root / labels_of.get("skylift.task", "?")]
        if labels_of.get("skylift.sandbox"):
            allowed.append(launcher_folder(platform, labels_of["skylift.sandbox"]))
        found = container_violations(
            attrs,
            allowed_sources=allowed,
            block_network=rows[0][0] if rows else None,
            runtime=runtime,
            volumes=volumes,
        )
        if found:
            problems[attrs.get("Name")] = found
    assert problems == {}, "containers break the hardening policy (RELIABILITY S7):\n" + "\n".join(
        f"{name}: {'; '.join(found)}" for name, found in problems.items()
    )
    return len(containers)
