"""The foundation benchmark: cold start against the `docker run` floor, and the warm round trip.

    .venv/bin/python benchmarks/foundation.py [--runs 5] [--warm-calls 200]

In one run, side by side on this machine, it:

1. starts the real embedded platform (`skylift server start --background`, its own PostgreSQL
   and Redis in a temporary SKYLIFT_DATA_DIR, an SDK profile in a temporary SKYLIFT_CONFIG_PATH)
   and stops it at the end;
2. measures the floor, `docker run --rm <image> python3 -c pass`, and cold starts, `.remote()` on a
   trivial function of a fresh app (so no warm container can serve it; the container that served
   it is checked by its `skylift.function` label to be new), interleaved run by run;
3. measures the warm `.remote()` round trip of the same trivial function;
4. prints a table with the targets of issue 3 (cold <= 1.5 x floor + 0.3 s; warm median < 10 ms)
   and a per-stage breakdown taken from the platform's own timestamps (database rows, Docker's
   container timestamps), and writes everything to benchmarks/results/foundation-<commit>.json.

Nothing here is a test: it asserts no durations, it reports them.
"""

from __future__ import annotations

import argparse
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
IMAGE = "skylift/debian-slim:3.11"

COLD_FACTOR, COLD_SLACK = 1.5, 0.3  # cold start target: at most 1.5 x floor + 0.3 s
WARM_TARGET = 0.010  # warm round-trip median target: under 10 ms


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


def floor_once(image: str, extra: list[str] | None = None, command: list[str] | None = None) -> float:
    cmd = ["docker", "run", "--rm", *(extra or []), image, *(command or ["python3", "-c", "pass"])]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - t0


def hardened_flags() -> list[str]:
    """The `docker run` equivalent of what hosts/docker_client.run adds (hardening, limits, init)."""
    return [
        "--init",
        "--cap-drop",
        "ALL",
        "--security-opt",
        "no-new-privileges:true",
        "--memory",
        "128m",
        "--memory-swap",
        "128m",
        "--cpu-shares",
        "128",
        "--pids-limit",
        "1024",
    ]


def runtime_import_flags() -> list[str]:
    """Mount the SDK and cloudpickle read-only as the host agent does."""
    import cloudpickle

    import skylift

    return [
        *hardened_flags(),
        "--mount",
        f"type=bind,source={Path(skylift.__file__).parent},target=/skylift/lib/skylift,readonly",
        "--mount",
        f"type=bind,source={Path(cloudpickle.__file__).parent},target=/skylift/lib/cloudpickle,readonly",
        "-e",
        "PYTHONPATH=/skylift/lib",
        "-e",
        "PYTHONDONTWRITEBYTECODE=1",
    ]


# The measurements --------------------------------------------------------------------------------


def ts(value) -> float | None:
    return value.timestamp() if value is not None else None


def cold_once(plat: EmbeddedPlatform, dk, client, run: int) -> dict:
    from bench_functions import app, noop

    t_setup = time.perf_counter()
    with app.run(client=client, show_logs=False):
        setup_seconds = time.perf_counter() - t_setup
        function_id = noop.object_id
        before = containers_of(dk, function_id)
        if before:
            raise RuntimeError(f"{function_id} already has containers before its first call")
        t_submit = time.time()
        p0 = time.perf_counter()
        result = noop.remote(run)
        seconds = time.perf_counter() - p0
        t_done = time.time()
        if result != run:
            raise RuntimeError(f"noop.remote({run}) returned {result!r}")
        containers = containers_of(dk, function_id)
        if len(containers) != 1:
            raise RuntimeError(f"expected one new container for {function_id}, found {len(containers)}")
        attrs = dk.api.inspect_container(containers[0].id)
        created, started = docker_time(attrs["Created"]), docker_time(attrs["State"]["StartedAt"])
        if created < t_submit:
            raise RuntimeError(f"the container of {function_id} existed before the call: not a cold start")
        (task,) = plat.sql(
            "SELECT id, created_at, started_at FROM functions_task WHERE function_id = %s", [function_id]
        )
        (call,) = plat.sql(
            """SELECT c.created_at, i.started_at, i.finished_at FROM functions_functioncall c
                 JOIN functions_input i ON i.call_id = c.id WHERE c.function_id = %s""",
            [function_id],
        )
    stop_seconds = wait_gone(dk, function_id)
    marks = {
        "submit": t_submit,
        "call_created": ts(call[0]),
        "task_created": ts(task[1]),
        "container_created": created,
        "container_started": started,
        "runtime_hello": ts(task[2]),
        "input_claimed": ts(call[1]),
        "output_recorded": ts(call[2]),
        "result_back": t_done,
    }
    return {
        "seconds": seconds,
        "function_id": function_id,
        "task_id": task[0],
        "container_id": containers[0].id[:12],
        "app_setup_seconds": setup_seconds,
        "stop_seconds": stop_seconds,
        "marks": marks,
    }


COLD_STAGES = [
    ("submit", "call_created", "client + HTTP + Django until the call row exists"),
    ("call_created", "task_created", "commit, Redis push, ensure_capacity creates the task"),
    (
        "task_created",
        "container_created",
        "Celery dispatch to the host queue + container_start prep + docker create",
    ),
    ("container_created", "container_started", "docker start (namespaces, mounts, init)"),
    (
        "container_started",
        "runtime_hello",
        "Python start-up + runtime imports + relay auth (task row 'running')",
    ),
    ("runtime_hello", "input_claimed", "log channel, import of the user module, first get, claim"),
    ("input_claimed", "output_recorded", "hand-off to the container, run, put (output row written)"),
    ("output_recorded", "result_back", "wake-up of the waiting request, output query, response, client"),
]

WARM_STAGES = [
    ("submit", "call_created", "client serialize + HTTP + auth + parse + function lookup"),
    ("call_created", "input_claimed", "insert + commit + Redis push + ensure_capacity + event + relay claim"),
    ("input_claimed", "output_recorded", "dashboard publish + hand-off + run + put"),
    ("output_recorded", "result_back", "wake-up of the waiting request + output query + response + client"),
]


def stage_breakdown(samples: list[dict], stages) -> list[dict]:
    rows = []
    for start, end, what in stages:
        values = [s[end] - s[start] for s in samples if s.get(start) is not None and s.get(end) is not None]
        rows.append({"from": start, "to": end, "what": what, **summary(values)})
    return rows


def warm(plat: EmbeddedPlatform, client, calls: int, warmup: int) -> dict:
    from bench_functions import app, noop

    with app.run(client=client, show_logs=False):
        function_id = noop.object_id
        for i in range(warmup):  # the first of these starts the container
            noop.remote(i)
        stamps, seconds = [], []
        for i in range(calls):
            t_submit = time.time()
            p0 = time.perf_counter()
            noop.remote(i)
            seconds.append(time.perf_counter() - p0)
            stamps.append((t_submit, time.time()))
        # Reference round trips through the same connection: the HTTP + Django floor.
        http = client.api.get_httpx_client()
        health = []
        for _ in range(100):
            p0 = time.perf_counter()
            http.get("/healthz")
            health.append(time.perf_counter() - p0)
        last_call = plat.sql(
            "SELECT id FROM functions_functioncall WHERE function_id = %s ORDER BY created_at DESC LIMIT 1",
            [function_id],
        )[0][0]
        outputs_get = []
        for _ in range(100):
            p0 = time.perf_counter()
            client.call_outputs(last_call, timeout=0)
            outputs_get.append(time.perf_counter() - p0)
        rows = plat.sql(
            """SELECT c.created_at, i.started_at, i.finished_at FROM functions_functioncall c
                 JOIN functions_input i ON i.call_id = c.id WHERE c.function_id = %s
                ORDER BY c.created_at DESC LIMIT %s""",
            [function_id, calls],
        )[::-1]
        containers = len(plat.sql("SELECT 1 FROM functions_task WHERE function_id = %s", [function_id]))
    marks = [
        {
            "submit": t_submit,
            "call_created": ts(row[0]),
            "input_claimed": ts(row[1]),
            "output_recorded": ts(row[2]),
            "result_back": t_done,
        }
        for (t_submit, t_done), row in zip(stamps, rows, strict=True)
    ]
    return {
        "seconds": seconds,
        "containers_used": containers,
        "healthz_seconds": health,
        "outputs_get_seconds": outputs_get,
        "stages": stage_breakdown(marks, WARM_STAGES),
    }


# Reporting ---------------------------------------------------------------------------------------


def print_report(results: dict) -> None:
    m, f = results["machine"], results["figures"]
    floor, cold, warm_s = f.get("floor"), f.get("cold"), f.get("warm")
    print()
    print(
        f"Skylift foundation benchmark — commit {results['commit']}{' (dirty)' if results['dirty'] else ''}"
    )
    print(
        f"{m['cpu_model'] or 'cpu'} x{m['cpus']}, {m['memory_mib']} MiB, {m['platform']}, Docker {m['docker']}"
    )
    print(
        f"runs: {results['config']['runs']} cold, {results['config']['warm_calls']} warm; image {IMAGE}; "
        f"load average {m['loadavg_at_start'][0]:.2f} at start, {results['loadavg_at_end'][0]:.2f} at end"
    )
    if results.get("other_containers"):
        print(
            f"warning: {results['other_containers']} other Skylift containers ran meanwhile: figures may be disturbed"
        )
    print()
    line = "{:<38} {:>12} {:>14} {:>6}"
    print(line.format("measure", "value", "target", "result"))
    print(line.format("-" * 38, "-" * 12, "-" * 14, "-" * 6))
    if cold:
        print(line.format("floor: docker run --rm python3 -c pass", secs(floor["median"]), "", ""))
        verdict = "PASS" if f["cold_pass"] else "FAIL"
        print(
            line.format(
                "cold start .remote() (median)", secs(cold["median"]), f"<= {secs(f['cold_target'])}", verdict
            )
        )
        print(line.format("cold / floor", f"{cold['median'] / floor['median']:.2f}x", "", ""))
    verdict = "PASS" if f["warm_pass"] else "FAIL"
    print(
        line.format(
            "warm .remote() round trip (median)", ms(warm_s["median"]), f"< {ms(WARM_TARGET)}", verdict
        )
    )
    print(line.format("warm p90", ms(warm_s["p90"]), "", ""))
    print(line.format("warm p99", ms(warm_s["p99"]), "", ""))
    if cold:
        print()
        print("cold runs (s):  " + "  ".join(f"{x:.3f}" for x in f["cold_runs"]))
        print("floor runs (s): " + "  ".join(f"{x:.3f}" for x in f["floor_runs"]))
    d = results["diagnostics"]
    print()
    print("diagnostics (medians)")
    if cold:
        print(
            f"  docker run with Skylift's flags (init, caps, limits)  {secs(d['floor_hardened']['median'])}"
        )
        print(
            f"  ... plus import of the runtime (skylift._container)   {secs(d['runtime_import']['median'])}"
        )
        print(f"  app.run() set-up (create app, upload, define)         {secs(d['app_setup']['median'])}")
    print(f"  GET /healthz on the SDK's connection                  {ms(d['healthz']['median'])}")
    print(f"  GET /calls/<id>/outputs/ (finished call, no wait)     {ms(d['outputs_get']['median'])}")
    sections = [("warm round trip by stage (median of calls)", results["warm_stages"], ms)]
    if cold:
        sections.insert(
            0, ("cold start by stage (median of runs; platform timestamps)", results["cold_stages"], secs)
        )
    for title, rows, fmt in sections:
        print()
        print(title)
        for r in rows:
            value = fmt(r["median"]) if r.get("n") else "n/a"
            print(f"  {r['from'] + ' -> ' + r['to']:<38} {value:>10}   {r['what']}")
    print()


def other_containers(dk, host_name: str) -> int:
    """Skylift containers of other platforms on this machine (they compete for the CPUs)."""
    running = dk.containers.list(filters={"label": "skylift.managed=1"})
    return sum(1 for c in running if c.labels.get("skylift.host") != host_name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--runs", type=int, default=5, help="cold starts and floor runs (default 5; 0 skips them)"
    )
    parser.add_argument("--warm-calls", type=int, default=200, help="timed warm calls (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed warm-up calls (default 20)")
    parser.add_argument("--keep", action="store_true", help="keep the platform's data directory and logs")
    parser.add_argument("--output", type=Path, help="where to write the JSON (default benchmarks/results/)")
    parser.add_argument(
        "--commit", help="commit id to report when the tree is not a git checkout (an export)"
    )
    args = parser.parse_args()

    sys.path.insert(0, str(HERE))
    commit, dirty = commit_id()
    if args.commit:
        commit, dirty = args.commit, False
    machine = machine_info()
    if subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True).returncode != 0:
        print(f"The image {IMAGE} is missing: run platform/scripts/base-image.sh", file=sys.stderr)
        return 2
    dk = docker_api()
    plat = EmbeddedPlatform(keep=args.keep)
    others = other_containers(dk, plat.host_name)
    if others:
        say(f"warning: {others} other Skylift container(s) are running; figures may be disturbed")
    if machine["loadavg_at_start"][0] > (machine["cpus"] or 1) / 2:
        say(f"warning: load average {machine['loadavg_at_start'][0]:.2f}: figures may be disturbed")

    results: dict = {
        "benchmark": "foundation",
        "commit": commit,
        "dirty": dirty,
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine,
        "config": {"runs": args.runs, "warm_calls": args.warm_calls, "warmup": args.warmup, "image": IMAGE},
    }
    floors, colds, hardened, runtime_import = [], [], [], []
    try:
        plat.start()
        client = plat.client()
        results["platform_start_seconds"] = plat.start_seconds

        if args.runs > 0:
            say("Warming up: one untimed floor run and one untimed cold start")
            floor_once(IMAGE)
            cold_once(plat, dk, client, -1)
            for i in range(args.runs):
                floors.append(floor_once(IMAGE))
                colds.append(cold_once(plat, dk, client, i))
                say(
                    f"run {i + 1}/{args.runs}: floor {secs(floors[-1])}, cold {secs(colds[-1]['seconds'])} "
                    f"(container {colds[-1]['container_id']}, new)"
                )
                others = max(others, other_containers(dk, plat.host_name))

            say("Diagnostics: docker run with Skylift's flags, and with the runtime import")
            hardened = [floor_once(IMAGE, hardened_flags()) for _ in range(args.runs)]
            runtime_import = [
                floor_once(IMAGE, runtime_import_flags(), ["python3", "-c", "import skylift._container"])
                for _ in range(args.runs)
            ]

        say(f"Warm round trip: {args.warmup} warm-up calls, then {args.warm_calls} timed")
        warm_result = warm(plat, client, args.warm_calls, args.warmup)
        others = max(others, other_containers(dk, plat.host_name))
    finally:
        plat.stop()

    results["loadavg_at_end"] = os.getloadavg()
    results["other_containers"] = others
    warm_s = summary(warm_result["seconds"])
    results["figures"] = {
        "warm": warm_s,
        "warm_target": WARM_TARGET,
        "warm_pass": warm_s["median"] < WARM_TARGET,
    }
    if colds:
        floor_s = summary(floors)
        cold_s = summary([c["seconds"] for c in colds])
        cold_target = COLD_FACTOR * floor_s["median"] + COLD_SLACK
        results["figures"].update(
            {
                "floor": floor_s,
                "cold": cold_s,
                "cold_target": cold_target,
                "cold_pass": cold_s["median"] <= cold_target,
                "floor_runs": floors,
                "cold_runs": [c["seconds"] for c in colds],
            }
        )
    results["diagnostics"] = {
        "floor_hardened": summary(hardened),
        "runtime_import": summary(runtime_import),
        "healthz": summary(warm_result["healthz_seconds"]),
        "outputs_get": summary(warm_result["outputs_get_seconds"]),
        "app_setup": summary([c["app_setup_seconds"] for c in colds]),
        "app_stop_until_container_gone": summary([c["stop_seconds"] for c in colds]),
        "warm_containers_used": warm_result["containers_used"],
    }
    results["cold_stages"] = stage_breakdown([c["marks"] for c in colds], COLD_STAGES)
    results["warm_stages"] = warm_result["stages"]
    results["cold_samples"] = colds
    results["warm_samples"] = warm_result["seconds"]

    print_report(results)
    out = args.output or HERE / "results" / f"foundation-{commit}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    say(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
