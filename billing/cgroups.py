"""A container's CPU and memory use, read from its cgroup (v1 `cgroupfs` or v2 layouts)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")


@dataclass(frozen=True)
class Sample:
    cpu_ns: int  # CPU time used since the container started, in nanoseconds
    memory_bytes: int  # memory in use now
    disk_bytes: int = 0  # its writable layer (ephemeral disk), from Docker: billing/disk.py

    def with_disk(self, disk_bytes: int | None) -> Sample:
        return replace(self, disk_bytes=disk_bytes or 0)


def _read(path: Path) -> str | None:
    try:
        return path.read_text()
    except OSError:
        return None


def sample(container_id: str, root: Path = ROOT) -> Sample | None:
    """The container's counters now, or None when its cgroup is gone (it stopped) or unknown."""
    # cgroup v1 (Docker's cgroupfs driver): one tree per controller.
    cpu = _read(root / "cpuacct" / "docker" / container_id / "cpuacct.usage")
    memory = _read(root / "memory" / "docker" / container_id / "memory.usage_in_bytes")
    if cpu is not None and memory is not None:
        return Sample(cpu_ns=int(cpu), memory_bytes=int(memory))
    # cgroup v2: one tree; systemd's driver names the scope, cgroupfs uses docker/<id>.
    for group in (root / "system.slice" / f"docker-{container_id}.scope", root / "docker" / container_id):
        stat = _read(group / "cpu.stat")
        current = _read(group / "memory.current")
        if stat is not None and current is not None:
            usec = next(
                (int(line.split()[1]) for line in stat.splitlines() if line.startswith("usage_usec ")), 0
            )
            return Sample(cpu_ns=usec * 1000, memory_bytes=int(current))
    return None
