"""What the benchmarks share: the embedded platform, machine facts, small statistics helpers.

`EmbeddedPlatform` runs `skylift server start --background` in a temporary SKYLIFT_DATA_DIR with an
SDK profile in a temporary SKYLIFT_CONFIG_PATH and a host name of its own, and stops it on exit.
`CpuProbe` reads per-process CPU time from /proc, to say where a measurement's CPU went.
"""

from __future__ import annotations

import json
import math
import os
import platform as pyplatform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# Small helpers -------------------------------------------------------------------------------


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def summary(values: list[float]) -> dict:
    if not values:
        return {"n": 0}
    return {
        "n": len(values),
        "median": statistics.median(values),
        "mean": statistics.fmean(values),
        "min": min(values),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
        "max": max(values),
    }


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def secs(seconds: float) -> str:
    return f"{seconds:.3f} s"


def free_port() -> int:
    with closing(socket.socket()) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def docker_time(value: str) -> float:
    """A Docker timestamp (RFC 3339 with nanoseconds) as epoch seconds."""
    m = re.match(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$", value)
    if not m:
        raise ValueError(f"unexpected Docker timestamp {value!r}")
    base, frac, tz = m.groups()
    tz = "+00:00" if tz == "Z" else tz
    stamp = datetime.fromisoformat(base + tz).timestamp()
    return stamp + (float("0." + frac) if frac else 0.0)


def git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def commit_id() -> tuple[str, bool]:
    sha = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return sha, dirty


def machine_info() -> dict:
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_mib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**20
    docker_version = subprocess.run(
        ["docker", "version", "--format", "{{.Server.Version}}"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "hostname": socket.gethostname(),
        "platform": pyplatform.platform(),
        "cpu_model": cpu_model,
        "cpus": os.cpu_count(),
        "memory_mib": mem_mib,
        "python": pyplatform.python_version(),
        "docker": docker_version,
        "loadavg_at_start": os.getloadavg(),
    }


# The platform --------------------------------------------------------------------------------


class EmbeddedPlatform:
    """`skylift server start --background` in a temporary data directory, stopped on exit."""

    def __init__(self, keep: bool = False):
        self.keep = keep
        self.work = Path(tempfile.mkdtemp(prefix="skylift-bench-"))
        self.data_dir = self.work / "data"
        self.config_path = self.work / "skylift.toml"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("SKYLIFT_")
            and k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")
        }
        # A host name of its own: the embedded default is the machine's name, and a host agent
        # reconciles (removes) every container labelled with its host name, so two platforms on
        # one machine under the same name would remove each other's containers.
        self.host_name = f"bench-{secrets.token_hex(3)}"
        self.env.update(
            {
                "SKYLIFT_DATA_DIR": str(self.data_dir),
                "SKYLIFT_CONFIG_PATH": str(self.config_path),
                "SKYLIFT_HOST_NAME": self.host_name,
            }
        )
        self.started = False

    def _cli(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        exe = Path(sys.executable).parent / "skylift"
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "skylift.cli"]
        return subprocess.run([*cmd, *args], env=self.env, cwd=REPO, **kwargs)

    def start(self) -> None:
        say(f"Starting the embedded platform on {self.url} (data in {self.data_dir})")
        t0 = time.monotonic()
        result = self._cli(
            "server", "start", "--background", "--port", str(self.port), capture_output=True, text=True
        )
        self.started = True
        if result.returncode != 0:
            raise RuntimeError(
                f"skylift server start failed:\n{result.stdout}\n{result.stderr}\n{self.logs()}"
            )
        self._wait_agent()
        self.start_seconds = time.monotonic() - t0
        say(f"Platform ready in {self.start_seconds:.1f} s")

    def state(self) -> dict:
        return json.loads((self.data_dir / "state.json").read_text())

    @property
    def database_url(self) -> str:
        state = self.state()
        return f"postgresql://skylift:{state['pg_password']}@127.0.0.1:{state['postgres']['port']}/skylift"

    @property
    def redis_url(self) -> str:
        state = self.state()
        return f"redis://:{state['redis_password']}@127.0.0.1:{state['redis']['port']}/0"

    def sql(self, query: str, params: list | None = None) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.database_url, autocommit=True) as conn:
            cur = conn.execute(query, params or [])
            return cur.fetchall() if cur.description else []

    def _wait_agent(self) -> None:
        """The web server answers once `start` returns; wait for the host agent and its worker too."""
        log = self.data_dir / "logs" / "agent.log"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            text = log.read_text(errors="replace") if log.exists() else ""
            if "relay listening" in text and f"host.{self.host_name}@" in text and " ready." in text:
                if self.sql("SELECT 1 FROM hosts_host WHERE name = %s", [self.host_name]):
                    return
            time.sleep(0.2)
        raise RuntimeError("the host agent did not come up:\n" + self.logs())

    def logs(self, tail: int = 3000) -> str:
        out = []
        for p in sorted((self.data_dir / "logs").glob("*.log")):
            out.append(f"--- {p.name}\n{p.read_text(errors='replace')[-tail:]}")
        return "\n".join(out)

    def client(self):
        os.environ["SKYLIFT_CONFIG_PATH"] = str(self.config_path)
        for key in ("SKYLIFT_TOKEN_ID", "SKYLIFT_TOKEN_SECRET", "SKYLIFT_SERVER_URL", "SKYLIFT_PROFILE"):
            os.environ.pop(key, None)
        from skylift._client import Client

        return Client.from_env("local")

    def stop(self) -> None:
        if self.started:
            say("Stopping the embedded platform")
            self._cli("server", "stop", capture_output=True, text=True)
        if self.keep:
            say(f"Kept the platform's data and logs in {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


# Docker ----------------------------------------------------------------------------------------


def docker_api():
    import docker

    return docker.from_env(timeout=60)


def containers_of(dk, function_id: str) -> list:
    return dk.containers.list(all=True, filters={"label": f"skylift.function={function_id}"})


def wait_gone(dk, function_id: str, timeout: float = 90.0) -> float:
    """Wait until the function's containers are gone (the app was stopped); returns seconds waited."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if not containers_of(dk, function_id):
            return time.monotonic() - t0
        time.sleep(0.1)
    raise RuntimeError(f"the containers of {function_id} did not go away in {timeout:.0f} s")


def other_containers(dk, host_name: str) -> int:
    """Skylift containers of other platforms on this machine (they compete for the CPUs)."""
    running = dk.containers.list(filters={"label": "skylift.managed=1"})
    return sum(1 for c in running if c.labels.get("skylift.host") != host_name)


# Where the CPU went ------------------------------------------------------------------------------

_CLK = os.sysconf("SC_CLK_TCK")


def _proc_table() -> dict[int, tuple[int, float]]:
    """Every process now: pid -> (parent pid, user + system CPU seconds so far)."""
    table = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # the name may hold spaces and parentheses
        table[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _CLK)
    return table


def _machine_cpu() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    total = sum(values[:8])  # guest time is already counted in user
    idle = values[3] + values[4]  # idle + iowait
    return (total - idle) / _CLK, total / _CLK


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


class CpuProbe:
    """CPU seconds per group of processes between `start()` and `stop()`, and the machine's total.

    `groups` maps a group name to root pids: a process belongs to the group of its nearest
    ancestor (or itself) among the roots; `refine(name, pid, cmdline)` may rename it (say, to tell
    PostgreSQL from Redis inside the platform's tree). What no group claims counts as "other";
    processes that started and ended inside the window are not seen (their CPU shows only in the
    machine's total).
    """

    def __init__(self, groups: dict[str, list[int]], refine=None):
        self.groups = groups
        self.refine = refine
        self.start_table: dict[int, tuple[int, float]] = {}

    def start(self) -> CpuProbe:
        self.start_table = _proc_table()
        self.start_machine = _machine_cpu()
        self.t0 = time.monotonic()
        return self

    def stop(self) -> dict:
        wall = time.monotonic() - self.t0
        table = _proc_table()
        busy1, total1 = _machine_cpu()
        busy0, total0 = self.start_machine
        owner = {pid: name for name, pids in self.groups.items() for pid in pids}

        def group_of(pid: int) -> str | None:
            seen = 0
            while pid > 1 and seen < 64:
                if pid in owner:
                    return owner[pid]
                pid = table.get(pid, (0, 0.0))[0]
                seen += 1
            return None

        per: dict[str, float] = {}
        for pid, (_, cpu) in table.items():
            before = self.start_table.get(pid, (0, 0.0))[1]
            delta = cpu - before if cpu >= before else cpu  # a reused pid: count from zero
            if delta <= 0:
                continue
            name = group_of(pid)
            if name is None:
                line = cmdline(pid)
                name = "docker engine" if re.search(r"\b(dockerd|containerd)", line) else "other"
            elif self.refine is not None:
                name = self.refine(name, pid, cmdline(pid))
            per[name] = per.get(name, 0.0) + delta
        cpus = os.cpu_count() or 1
        machine_busy = busy1 - busy0
        return {
            "wall_seconds": wall,
            "cpus": cpus,
            "machine_busy_seconds": machine_busy,
            "machine_capacity_seconds": (total1 - total0),
            "machine_utilisation": machine_busy / (total1 - total0) if total1 > total0 else 0.0,
            "by_group_seconds": dict(sorted(per.items(), key=lambda kv: -kv[1])),
        }


def platform_refine(name: str, pid: int, line: str) -> str:
    """Name the parts of the embedded platform by their command lines."""
    if name != "platform":
        return name
    if line.startswith("postgres") or "/postgres " in line or "pg_ctl" in line:
        return "platform: postgres"
    if "redis-server" in line:
        return "platform: redis"
    if "uvicorn" in line:
        return "platform: web (uvicorn)"
    if "host_agent" in line:
        return "platform: relay (host agent)"
    if "celery" in line and " -Q host." in line:
        return "platform: host worker (celery)"
    if "celery" in line:
        return "platform: control worker (celery + beat)"
    return "platform: other"


def format_cpu(probe: dict, indent: str = "  ") -> list[str]:
    wall = probe["wall_seconds"]
    lines = [
        f"{indent}{'group':<42} {'CPU s':>8} {'cores':>6}",
    ]
    for name, seconds in probe["by_group_seconds"].items():
        if seconds >= 0.05:
            lines.append(f"{indent}{name:<42} {seconds:8.2f} {seconds / wall if wall else 0:6.2f}")
    lines.append(
        f"{indent}{'machine busy (all processes, kernel)':<42} {probe['machine_busy_seconds']:8.2f} "
        f"{probe['machine_busy_seconds'] / wall if wall else 0:6.2f}  of {probe['cpus']} in {wall:.2f} s"
    )
    return lines
