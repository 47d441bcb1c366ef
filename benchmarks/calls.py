"""The calls benchmark: map, warm .remote(), spawn and a scaling map, against Celery and Ray (issue 5).

    benchmarks/setup.sh                       # once: Celery and Ray in .cache/bench-venv
    .venv/bin/python benchmarks/calls.py      # or add --setup to run setup.sh first

In one run, side by side on this machine, one system at a time (the others stopped):

1. Celery (a throwaway redis-server as broker and result backend, a worker with `-c 2` prefork):
   `group` of N `x + 1` tasks, `.get()`; and `apply_async().get()` round trips.
2. Ray (`ray.init(num_cpus=2)`): N `add1.remote(i)`, `ray.get`; and `ray.get(add1.remote(i))`.
3. Skylift, the embedded platform (`skylift server start --background` in a temporary data dir):
   - `.map` of N inputs over two warm containers (`min_containers=2, max_containers=2`), with
     both containers checked warm (running, and each having served inputs) before timing; after
     each run the database must hold exactly N inputs of the call, all `succeeded`, and the
     results must be right and in order;
   - warm `.remote()` round trips;
   - `.spawn()` of N calls from one thread: the submission rate, the time until the platform has
     recorded all N outputs, and the time to read them all back with `FunctionCall.get()`;
   - `.map` of 1,000 inputs to a function that sleeps 1 s, `max_containers=10`, from zero
     containers: wall time against the ideal of 100 s, and how fast the containers came;
   - (part `longpoll`) warm `.remote()` round trips while 200 clients long-poll idle calls (each
     waits on `GET /calls/{id}/outputs/?timeout=50` of an open call with no input yet), against
     quiet round trips measured just before: the target is a median within 10 % of the quiet one.

Around each measurement it reads every process's CPU time from /proc, so it can say where the
CPU went (client, web, PostgreSQL, Redis, relay, containers, ...). With `--profile DIR` it runs one
extra, untimed map under py-spy (web server, relay, containers, client) and summarises the hottest
frames. It prints a table with the targets of issue 5 (map >= 2x Ray; warm .remote() median <= 2x
Celery's) and writes everything to benchmarks/results/calls-<commit>.json. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _platform import (  # noqa: E402 - the shared module sits beside this script
    HERE,
    REPO,
    CpuProbe,
    EmbeddedPlatform,
    cmdline,
    commit_id,
    docker_api,
    format_cpu,
    free_port,
    machine_info,
    ms,
    other_containers,
    platform_refine,
    say,
    summary,
)

MAP_FACTOR_VS_RAY = 2.0  # Skylift's map must do at least 2x Ray's inputs/s
REMOTE_FACTOR_VS_CELERY = 2.0  # Skylift's warm .remote() median at most 2x Celery's apply_async().get()
LONG_POLL_FACTOR = 1.10  # warm .remote() median while clients long-poll, at most 1.1x the quiet one
BENCH_VENV = Path(os.environ.get("BENCH_VENV") or REPO / ".cache" / "bench-venv")  # as setup.sh
TERMINAL = ("succeeded", "failed", "cancelled", "timed_out", "expired")


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# Celery and Ray, through _compare.py ---------------------------------------------------------------


class Runner:
    """A _compare.py subprocess: each step measured between `go` and `done`, with a CPU probe around it."""

    def __init__(self, python: str, args: list[str], groups: dict[str, list[int]], env: dict | None = None):
        self.proc = subprocess.Popen(
            [python, str(HERE / "_compare.py"), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=HERE,
            env=env,
        )
        self.groups = {**groups, "driver (client)": [self.proc.pid]}
        self.stderr: list[str] = []
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.proc.stderr:
            self.stderr.append(line)
            del self.stderr[:-200]

    def _event(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait(timeout=30)
            raise RuntimeError(f"{self.proc.args[2]} ended early:\n" + "".join(self.stderr[-40:]))
        event = json.loads(line)
        if event["event"] == "error":
            raise RuntimeError(f"{self.proc.args[2]}: {event['error']}\n" + "".join(self.stderr[-40:]))
        return event

    def steps(self):
        """Yield (step, result, cpu) for every step the runner offers."""
        while True:
            event = self._event()
            if event["event"] == "end":
                return
            assert event["event"] == "ready", event
            probe = CpuProbe(self.groups).start()
            self.proc.stdin.write("go\n")
            self.proc.stdin.flush()
            done = self._event()
            yield done["step"], done, probe.stop()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.proc.stdin.close()
                self.proc.wait(timeout=60)
            except (subprocess.TimeoutExpired, BrokenPipeError):
                self.proc.kill()


def compare_results(runner: Runner, n: int) -> dict:
    maps, remote = [], None
    for step, done, cpu in runner.steps():
        if step.startswith("map-"):
            if not done["ok"]:
                raise RuntimeError(f"{step}: wrong results")
            maps.append({"seconds": done["seconds"], "submit_seconds": done["submit_seconds"], "cpu": cpu})
            say(f"  {step}: {done['seconds']:.2f} s, {n / done['seconds']:.0f} inputs/s")
        elif step == "remote":
            remote = {"samples": done["samples"], "cpu": cpu, **summary(done["samples"])}
            say(f"  round trip: median {ms(remote['median'])}")
    return {"map_runs": maps, "remote": remote}


def run_celery(python: str, args) -> dict:
    redis_server = shutil.which("redis-server")
    if redis_server is None:
        raise RuntimeError("redis-server is missing (benchmarks/setup.sh installs it)")
    work = Path(tempfile.mkdtemp(prefix="skylift-bench-celery-"))
    port = free_port()
    url = f"redis://127.0.0.1:{port}/0"
    redis = subprocess.Popen(
        [redis_server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--dir", str(work), "--daemonize", "no", "--loglevel", "warning"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    env = {**os.environ, "BENCH_REDIS_URL": url}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    worker = subprocess.Popen(
        [python, "-m", "celery", "-A", "_celery_tasks", "worker", "-c", "2", "-P", "prefork"]
        + ["--without-gossip", "--without-mingle", "--without-heartbeat", "--loglevel", "WARNING"]
        + ["-n", f"bench-{port}@%h"],
        cwd=HERE,
        env=env,
        stdout=(work / "worker.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    runner = None
    try:
        say(f"Celery: redis-server on port {port}, worker -c 2 prefork; {args.runs} x group of {args.n}")
        load = loadavg()
        runner = Runner(
            python,
            ["celery", "--redis", url, "--n", str(args.n), "--runs", str(args.runs)]
            + ["--remote-calls", str(args.remote_calls), "--warmup", str(args.warmup)],
            {"celery worker (2 processes)": [worker.pid], "redis": [redis.pid]},
            env=env,
        )
        out = compare_results(runner, args.n)
        out["loadavg_at_start"] = load
        return out
    finally:
        if runner:
            runner.close()
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
        redis.terminate()
        redis.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


def run_ray(python: str, args) -> dict:
    say(f"Ray: ray.init(num_cpus=2); {args.runs} x {args.n} tasks")
    load = loadavg()
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
    runner = Runner(
        python,
        ["ray", "--n", str(args.n), "--runs", str(args.runs)]
        + ["--remote-calls", str(args.remote_calls), "--warmup", str(args.warmup)],
        {},
        env=env,
    )
    try:
        out = compare_results(runner, args.n)
    finally:
        runner.close()
    out["loadavg_at_start"] = load
    return out


# Skylift ---------------------------------------------------------------------------------------------


def platform_groups(plat: EmbeddedPlatform, dk) -> dict[str, list[int]]:
    """Root pids of the platform's processes and of this host's containers."""
    state = plat.state()
    groups = {"client (this process)": [os.getpid()], "platform": [state["supervisor"]]}
    # pg_ctl starts PostgreSQL as a daemon: its postmaster is no child of the supervisor.
    pg_dir = Path(state.get("postgres", {}).get("dir", "/nonexistent"))
    try:
        groups["platform: postgres"] = [int((pg_dir / "postmaster.pid").read_text().split()[0])]
    except (OSError, ValueError, IndexError):
        pass
    containers = dk.containers.list(filters={"label": f"skylift.host={plat.host_name}"})
    groups["containers"] = [dk.api.inspect_container(c.id)["State"]["Pid"] for c in containers]
    return groups


def refine(name: str, pid: int, line: str) -> str:
    if name == "client (this process)" and "py-spy" in line:
        return "profiler (py-spy)"
    return platform_refine(name, pid, line)


def wait_warm(plat: EmbeddedPlatform, fn, function_id: str, want: int = 2, timeout: float = 180) -> dict:
    """Wait until `want` containers run the function and each has served inputs (warm-up maps)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = plat.sql(
            "SELECT id FROM functions_task WHERE function_id = %s AND status = 'running' "
            "AND started_at IS NOT NULL",
            [function_id],
        )
        if len(rows) >= want:
            break
        time.sleep(0.2)
    else:
        raise RuntimeError(f"{want} containers of {function_id} did not come up in {timeout:.0f} s")
    warmups = 0
    while time.monotonic() < deadline:
        out = list(fn.map(range(2000)))
        warmups += 1
        if out != [i + 1 for i in range(2000)]:
            raise RuntimeError("warm-up map returned wrong results")
        served = plat.sql(
            "SELECT id, inputs_served FROM functions_task WHERE function_id = %s AND status = 'running'",
            [function_id],
        )
        if len(served) >= want and all(s for _, s in served):
            return {"tasks": dict(served), "warmup_maps": warmups}
    raise RuntimeError(f"not every container of {function_id} served inputs during the warm-up")


def check_map(plat: EmbeddedPlatform, function_id: str, since: float, n: int) -> dict:
    """The map's call in the database: exactly n inputs, all succeeded, each index once."""
    (call,) = plat.sql(
        """SELECT id, status, input_count, closed, extract(epoch FROM created_at),
                  extract(epoch FROM finished_at) FROM functions_functioncall
            WHERE function_id = %s AND kind = 'map' AND created_at >= to_timestamp(%s)
            ORDER BY created_at DESC LIMIT 1""",
        [function_id, since - 1],
    )
    (row,) = plat.sql(
        """SELECT count(*), count(*) FILTER (WHERE status = 'succeeded'), count(DISTINCT idx), min(idx),
                  max(idx), max(attempt), extract(epoch FROM max(created_at)),
                  extract(epoch FROM min(started_at)), extract(epoch FROM max(finished_at)),
                  count(DISTINCT (task_id, started_at)), count(DISTINCT (task_id, finished_at))
             FROM functions_input WHERE call_id = %s""",
        [call[0]],
    )
    per_task = plat.sql(
        "SELECT task_id, count(*) FROM functions_input WHERE call_id = %s GROUP BY task_id", [call[0]]
    )
    count, succeeded, distinct, lo, hi, max_attempt, last_accepted, first_claim, last_output, claims, puts = (
        row
    )
    ok = (
        count == n
        and succeeded == n
        and distinct == n
        and lo == 0
        and hi == n - 1
        and call[1] == "succeeded"
        and call[2] == n
        and call[3]
    )
    return {
        "call_id": call[0],
        "ok": ok,
        "inputs": count,
        "succeeded": succeeded,
        "call_status": call[1],
        "input_count": call[2],
        "max_attempt": max_attempt,
        "per_task": {t: c for t, c in per_task},
        # Inputs claimed (and outputs written) by one statement share its transaction's now().
        "claim_statements": claims,
        "output_statements": puts,
        # Seconds from the submit, by the database's clock (same machine).
        "all_accepted_after": float(last_accepted) - since,
        "first_claim_after": float(first_claim) - since,
        "last_output_after": float(last_output) - since,
    }


DB_STATS = """
    SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),
           seq_scan, seq_tup_read, idx_scan, idx_tup_fetch, n_tup_ins, n_tup_upd
      FROM pg_stat_user_tables WHERE relname = 'functions_input'"""
DB_STAT_NAMES = ("commits", "seq_scan", "seq_tup_read", "idx_scan", "idx_tup_fetch", "inserted", "updated")


def db_stats(plat) -> tuple:
    # The statistics collector flushes at most every 0.5 s (PostgreSQL 15: at transaction end, but
    # a backend's own counters only when it goes idle); a short wait makes the counts settle.
    time.sleep(1.0)
    return plat.sql(DB_STATS)[0]


def skylift_map(plat, dk, fn, function_id: str, n: int) -> dict:
    stats0 = db_stats(plat)
    probe = CpuProbe(platform_groups(plat, dk), refine).start()
    since = time.time()
    p0 = time.perf_counter()
    out, arrivals = [], []
    for value in fn.map(range(n)):
        arrivals.append(time.perf_counter() - p0)
        out.append(value)
    seconds = time.perf_counter() - p0
    cpu = probe.stop()
    if out != [i + 1 for i in range(n)]:
        raise RuntimeError("map returned wrong results")
    stats1 = db_stats(plat)
    check = check_map(plat, function_id, since, n)
    if not check["ok"]:
        raise RuntimeError(f"the map's inputs in the database are not all there and succeeded: {check}")
    db = {k: int(b or 0) - int(a or 0) for k, a, b in zip(DB_STAT_NAMES, stats0, stats1, strict=True)}
    return {"seconds": seconds, "check": check, "cpu": cpu, "stalls": stalls(arrivals), "db": db}


def stalls(arrivals: list[float], threshold: float = 0.5) -> dict:
    """Gaps in the stream of results the caller saw (seconds since the map began)."""
    gaps = [
        {"after_result": i, "at": round(arrivals[i - 1], 3), "gap": round(arrivals[i] - arrivals[i - 1], 3)}
        for i in range(1, len(arrivals))
        if arrivals[i] - arrivals[i - 1] >= threshold
    ]
    return {
        "first_result_after": arrivals[0] if arrivals else None,
        "gaps_over_threshold": gaps,
        "threshold": threshold,
        "stalled_seconds": sum(g["gap"] for g in gaps),
        "results_at_quarters": [round(arrivals[len(arrivals) * q // 4 - 1], 3) for q in (1, 2, 3, 4)]
        if arrivals
        else [],
    }


def skylift_remote(plat, dk, fn, calls: int, warmup: int) -> dict:
    for i in range(warmup):
        fn.remote(i)
    probe = CpuProbe(platform_groups(plat, dk), refine).start()
    samples, stamps = [], []
    for i in range(calls):
        t_submit = time.time()
        p0 = time.perf_counter()
        value = fn.remote(i)
        samples.append(time.perf_counter() - p0)
        stamps.append((t_submit, time.time()))
        if value != i + 1:
            raise RuntimeError(f"inc.remote({i}) returned {value!r}")
    cpu = probe.stop()
    # Where a round trip goes, from the platform's own timestamps (same clock: one machine).
    rows = plat.sql(
        """SELECT extract(epoch FROM c.created_at), extract(epoch FROM i.started_at),
                  extract(epoch FROM i.finished_at)
             FROM functions_functioncall c JOIN functions_input i ON i.call_id = c.id
            WHERE c.function_id = %s AND c.kind = 'remote' ORDER BY c.created_at DESC LIMIT %s""",
        [fn.object_id, calls],
    )[::-1]
    stages: dict[str, list[float]] = {k: [] for k in REMOTE_STAGES}
    for (t_submit, t_done), (created, claimed, recorded) in zip(stamps, rows, strict=False):
        marks = [t_submit, float(created), float(claimed), float(recorded), t_done]
        for name, a, b in zip(REMOTE_STAGES, marks, marks[1:], strict=False):
            stages[name].append(b - a)
    return {
        "samples": samples,
        "cpu": cpu,
        "stages": {k: summary(v) for k, v in stages.items()},
        **summary(samples),
    }


REMOTE_STAGES = {
    "submit -> call row": "client, HTTP, the web's fast path or Django, until the insert's now()",
    "call row -> claimed": "commit, Redis push, the relay's wake-up, claim (the input's started_at)",
    "claimed -> output recorded": "hand-off to the container, run, put, the output's write",
    "output recorded -> result back": "commit, wake-up of the waiting request, output read, response, client",
}


def skylift_spawn(plat, dk, fn, n: int) -> dict:
    probe = CpuProbe(platform_groups(plat, dk), refine).start()
    since = time.time()
    p0 = time.perf_counter()
    calls = [fn.spawn(i) for i in range(n)]
    submit = time.perf_counter() - p0
    ids = [c.object_id for c in calls]
    # The platform has all the results when every input of these calls is terminal.
    while True:
        (row,) = plat.sql(
            """SELECT count(*) FILTER (WHERE status IN ('succeeded', 'failed', 'cancelled', 'timed_out')),
                      count(*) FILTER (WHERE status = 'succeeded'), count(*),
                      extract(epoch FROM max(finished_at))
                 FROM functions_input WHERE call_id = ANY(%s)""",
            [ids],
        )
        if row[0] >= n:
            break
        if time.perf_counter() - p0 > 900:
            raise RuntimeError(f"spawned calls unfinished after 900 s: {row}")
        time.sleep(0.05)
    all_in = float(row[3]) - since
    cpu = probe.stop()
    p1 = time.perf_counter()
    values = [c.get() for c in calls]
    fetch = time.perf_counter() - p1
    if values != [i + 1 for i in range(n)]:
        raise RuntimeError("spawned calls returned wrong results")
    if row[1] != n or row[2] != n:
        raise RuntimeError(f"spawned calls: {row[1]} of {row[2]} inputs succeeded, expected {n}")
    return {
        "n": n,
        "submit_seconds": submit,
        "submit_rate": n / submit,
        "all_results_in_seconds": all_in,
        "fetch_all_seconds": fetch,
        "submit_to_fetched_seconds": time.perf_counter() - p0,
        "cpu": cpu,
    }


def skylift_sleep_map(plat, dk, fn, function_id: str, n: int, slots: int) -> dict:
    timeline: list[tuple[float, int]] = []
    stop = threading.Event()
    since = time.time()

    def sample():
        while not stop.wait(0.5):
            (live,) = plat.sql(
                "SELECT count(*) FROM functions_task WHERE function_id = %s AND status = 'running'",
                [function_id],
            )[0]
            timeline.append((time.time() - since, live))

    sampler = threading.Thread(target=sample, daemon=True)
    probe = CpuProbe(platform_groups(plat, dk), refine).start()
    p0 = time.perf_counter()
    sampler.start()
    out = list(fn.map(range(n)))
    seconds = time.perf_counter() - p0
    stop.set()
    sampler.join()
    cpu = probe.stop()
    if out != list(range(n)):
        raise RuntimeError("the sleeping map returned wrong results")
    check = check_map(plat, function_id, since, n)
    if not check["ok"]:
        raise RuntimeError(f"the sleeping map's inputs are not all there and succeeded: {check}")
    tasks = plat.sql(
        """SELECT id, extract(epoch FROM created_at), extract(epoch FROM started_at), inputs_served
             FROM functions_task WHERE function_id = %s ORDER BY created_at""",
        [function_id],
    )
    started = sorted(float(t[2]) - since for t in tasks if t[2] is not None)
    ideal = n * 1.0 / slots
    return {
        "seconds": seconds,
        "ideal_seconds": ideal,
        "ratio_to_ideal": seconds / ideal,
        "containers": len(tasks),
        "max_running": max((c for _, c in timeline), default=0),
        "container_started_after": started,
        "all_slots_after": started[slots - 1] if len(started) >= slots else None,
        "inputs_per_container": sorted((t[3] for t in tasks), reverse=True),
        "timeline": timeline,
        "check": {k: v for k, v in check.items() if k != "per_task"},
        "cpu": cpu,
    }


def blocked_long_polls(r) -> int:
    """Requests of the platform blocked on a wake-up list in Redis (functions/longpoll.py)."""
    return sum(1 for c in r.client_list() if c["cmd"] == "blmove" and "b" in c["flags"])


def skylift_remote_while_long_polling(plat, dk, client, fn, pollers: int, calls: int, warmup: int) -> dict:
    """Warm round trips, quiet and then while `pollers` clients long-poll idle calls of their own."""
    import redis

    quiet_db0 = db_stats(plat)
    quiet = skylift_remote(plat, dk, fn, calls, warmup)
    quiet_db1 = db_stats(plat)
    # Idle calls: open, with no input yet, so that nothing wakes their waiters.
    idle = [
        client.call_create(fn.object_id, [], kind="spawn", wait=0, closed=False)["call"]["id"]
        for _ in range(pollers)
    ]
    answered = Counter()

    def poll(call_id: str) -> None:
        own = client.clone()
        while True:
            page = own.call_outputs(call_id, timeout=50)
            answered["pages"] += 1
            if page["outputs"]:
                return

    threads = [threading.Thread(target=poll, args=(c,), daemon=True) for c in idle]
    for t in threads:
        t.start()
    r = redis.Redis.from_url(plat.redis_url)
    deadline = time.monotonic() + 120
    while (waiting := blocked_long_polls(r)) < pollers:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {waiting} of {pollers} long-polls are waiting after 120 s")
        time.sleep(0.2)
    loaded_db0 = db_stats(plat)
    loaded = skylift_remote(plat, dk, fn, calls, 0)
    loaded_db1 = db_stats(plat)
    waiting_at_end = blocked_long_polls(r)
    # End the long-polls: one input each, closing its call; the warm containers answer at once.
    for call_id in idle:
        client.call_add_inputs(call_id, 0, [fn._args((0,), {})], close=True)
    for t in threads:
        t.join(timeout=120)
    still = sum(t.is_alive() for t in threads)
    if still:
        raise RuntimeError(f"{still} long-polls did not get their call's output")

    def commits_per_second(before, after, result) -> float:
        return (int(after[0]) - int(before[0])) / (sum(result["samples"]) + 2.0)  # db_stats waits 1 s twice

    return {
        "pollers": pollers,
        "pages_answered": answered["pages"],
        "waiting_at_start": waiting,
        "waiting_at_end": waiting_at_end,
        "quiet": quiet,
        "loaded": loaded,
        "ratio": loaded["median"] / quiet["median"],
        "db_commits_per_second": {
            "quiet": commits_per_second(quiet_db0, quiet_db1, quiet),
            "loaded": commits_per_second(loaded_db0, loaded_db1, loaded),
        },
    }


# Profiling: py-spy over one extra map ----------------------------------------------------------------


def pyspy() -> str | None:
    exe = Path(sys.executable).parent / "py-spy"
    return str(exe) if exe.exists() else shutil.which("py-spy")


def container_python_pids(dk, host_name: str) -> list[int]:
    pids = []
    for c in dk.containers.list(filters={"label": f"skylift.host={host_name}"}):
        init = dk.api.inspect_container(c.id)["State"]["Pid"]
        children = Path(f"/proc/{init}/task/{init}/children").read_text().split()
        pids += [int(p) for p in children if "skylift._container" in cmdline(int(p))] or [init]
    return pids


def profiled(plat, dk, out_dir: Path, run) -> dict:
    """`run()` with py-spy recording (GIL holders only: on-CPU Python) the web server, the relay,
    the containers and this process; returns run()'s result and a summary per process."""
    exe = pyspy()
    if exe is None:
        return {"error": "py-spy is not installed"}
    out_dir.mkdir(parents=True, exist_ok=True)
    children = plat.state().get("children", {})
    targets = {"web": children.get("web"), "relay": children.get("agent"), "client": os.getpid()}
    for k, pid in enumerate(container_python_pids(dk, plat.host_name)):
        targets[f"container{k}"] = pid
    procs = {}
    for name, pid in targets.items():
        if not pid:
            continue
        procs[name] = subprocess.Popen(
            [exe, "record", "--pid", str(pid), "--rate", "250", "--format", "raw", "--nonblocking", "--gil"]
            + ["--output", str(out_dir / f"{name}.txt")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    time.sleep(1.5)  # py-spy attaches
    try:
        result = run()
    finally:
        for proc in procs.values():
            proc.send_signal(signal.SIGINT)
        for proc in procs.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return {
        "seconds": result.get("seconds")
        or result.get("submit_to_fetched_seconds")
        or sum(result.get("samples", [])),
        "cpu": result["cpu"],
        "profiles": {name: summarise_profile(out_dir / f"{name}.txt") for name in procs},
        "dir": str(out_dir),
    }


def _frame_name(frame: str) -> str:
    # py-spy raw frames: "function (path/to/file.py:line)"
    name, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path, _, _ = where.rpartition(":")
    for marker in ("site-packages/", "/work/main/", "python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{name} ({path})"


def summarise_profile(path: Path, top: int = 25) -> dict:
    """Self and inclusive sample counts per frame of a py-spy raw (collapsed) profile."""
    if not path.exists():
        return {"samples": 0}
    own, inclusive, total = Counter(), Counter(), 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        try:
            count = int(count)
        except ValueError:
            continue
        frames = [_frame_name(f) for f in stack.split(";") if f and not f.startswith("process ")]
        frames = [f for f in frames if not f.startswith("thread ")]
        if not frames:
            continue
        total += count
        own[frames[-1]] += count
        for f in set(frames):
            inclusive[f] += count
    return {
        "samples": total,
        "self": [(f, c, round(c / total, 3)) for f, c in own.most_common(top)],
        "inclusive": [(f, c, round(c / total, 3)) for f, c in inclusive.most_common(top * 2)],
    }


def run_skylift(args, dk) -> dict:
    from bench_calls_functions import app, inc, sleep1, sleep_app

    plat = EmbeddedPlatform(keep=args.keep)
    out: dict = {"loadavg_at_start": loadavg()}
    others = other_containers(dk, plat.host_name)
    try:
        plat.start()
        out["platform_start_seconds"] = plat.start_seconds
        client = plat.client()
        with app.run(client=client, show_logs=False):
            fid = inc.object_id
            say("Skylift: waiting for the two warm containers of inc (min_containers=2), warm-up maps")
            out["warm"] = wait_warm(plat, inc, fid)
            if "map" in args.parts:
                say(f"Skylift: {args.runs} x .map over {args.n} inputs")
                out["map_runs"] = []
                for r in range(args.runs):
                    res = skylift_map(plat, dk, inc, fid, args.n)
                    out["map_runs"].append(res)
                    st = res["stalls"]
                    say(
                        f"  map-{r}: {res['seconds']:.2f} s, {args.n / res['seconds']:.0f} inputs/s; "
                        f"{res['check']['succeeded']} inputs succeeded in the database, per container "
                        f"{sorted(res['check']['per_task'].values(), reverse=True)}; last output recorded "
                        f"after {res['check']['last_output_after']:.2f} s; {len(st['gaps_over_threshold'])} "
                        f"stalls >= {st['threshold']} s in the results ({st['stalled_seconds']:.1f} s)"
                    )
                    others = max(others, other_containers(dk, plat.host_name))
            if "remote" in args.parts:
                say(f"Skylift: warm .remote(), {args.warmup} warm-up + {args.remote_calls} timed")
                out["remote"] = skylift_remote(plat, dk, inc, args.remote_calls, args.warmup)
                say(f"  round trip: median {ms(out['remote']['median'])}")
            if "longpoll" in args.parts:
                say(
                    f"Skylift: warm .remote(), quiet and while {args.pollers} clients long-poll idle calls "
                    f"({args.warmup} warm-up + {args.remote_calls} timed each)"
                )
                out["longpoll"] = skylift_remote_while_long_polling(
                    plat, dk, client, inc, args.pollers, args.remote_calls, args.warmup
                )
                lp = out["longpoll"]
                say(
                    f"  median quiet {ms(lp['quiet']['median'])}, with {args.pollers} long-polls "
                    f"{ms(lp['loaded']['median'])} ({lp['ratio']:.2f}x)"
                )
            if "spawn" in args.parts:
                say(f"Skylift: .spawn() x {args.spawn_n}")
                out["spawn"] = skylift_spawn(plat, dk, inc, args.spawn_n)
                s = out["spawn"]
                say(
                    f"  submitted in {s['submit_seconds']:.1f} s ({s['submit_rate']:.0f}/s); all results in "
                    f"after {s['all_results_in_seconds']:.1f} s; read back in {s['fetch_all_seconds']:.1f} s"
                )
            if args.profile:
                say(f"Skylift: one more .map of {args.n} under py-spy (untimed in the table)")
                out["profile"] = profiled(
                    plat, dk, Path(args.profile) / "map", lambda: skylift_map(plat, dk, inc, fid, args.n)
                )
                spawn_n = max(1, args.spawn_n // 5)
                say(f"Skylift: {spawn_n} more .spawn() under py-spy")
                out["profile_spawn"] = profiled(
                    plat, dk, Path(args.profile) / "spawn", lambda: skylift_spawn(plat, dk, inc, spawn_n)
                )
                say(f"Skylift: {args.remote_calls} more warm .remote() under py-spy")
                out["profile_remote"] = profiled(
                    plat,
                    dk,
                    Path(args.profile) / "remote",
                    lambda: skylift_remote(plat, dk, inc, args.remote_calls, 0),
                )
        if "sleep" in args.parts:
            with sleep_app.run(client=client, show_logs=False):
                say(f"Skylift: .map of {args.sleep_n} x sleep(1 s), max_containers={args.sleep_slots}")
                out["sleep_map"] = skylift_sleep_map(
                    plat, dk, sleep1, sleep1.object_id, args.sleep_n, args.sleep_slots
                )
                s = out["sleep_map"]
                say(
                    f"  {s['seconds']:.1f} s (ideal {s['ideal_seconds']:.0f} s), {s['containers']} containers, "
                    f"all {args.sleep_slots} running after {s['all_slots_after']}"
                )
    finally:
        out["loadavg_at_end"] = loadavg()
        out["other_containers"] = others
        plat.stop()
    return out


# Report ------------------------------------------------------------------------------------------------


def rate_summary(runs: list[dict], n: int) -> dict:
    rates = [n / r["seconds"] for r in runs]
    return {"median": statistics.median(rates), "best": max(rates), "runs": rates} if rates else {}


def figures(results: dict) -> dict:
    n = results["config"]["n"]
    f: dict = {}
    for system in ("celery", "ray", "skylift"):
        r = results.get(system) or {}
        if r.get("map_runs"):
            f[f"{system}_map_rate"] = rate_summary(r["map_runs"], n)
        if r.get("remote"):
            f[f"{system}_remote_median"] = r["remote"]["median"]
    if "skylift_map_rate" in f and "ray_map_rate" in f:
        ratio = f["skylift_map_rate"]["median"] / f["ray_map_rate"]["median"]
        f["map_vs_ray"] = ratio
        f["map_pass"] = ratio >= MAP_FACTOR_VS_RAY
    lp = (results.get("skylift") or {}).get("longpoll")
    if lp:
        f["skylift_remote_median_quiet"] = lp["quiet"]["median"]
        f["skylift_remote_median_long_polled"] = lp["loaded"]["median"]
        f["long_poll_ratio"] = lp["ratio"]
        f["long_poll_pass"] = lp["ratio"] <= LONG_POLL_FACTOR
    if "skylift_remote_median" in f and "celery_remote_median" in f:
        ratio = f["skylift_remote_median"] / f["celery_remote_median"]
        f["remote_vs_celery"] = ratio
        f["remote_pass"] = ratio <= REMOTE_FACTOR_VS_CELERY
    return f


def print_report(results: dict) -> None:
    m, f, cfg = results["machine"], results["figures"], results["config"]
    n = cfg["n"]
    sk, ce, ra = results.get("skylift") or {}, results.get("celery") or {}, results.get("ray") or {}
    print()
    print(f"Skylift calls benchmark — commit {results['commit']}{' (dirty)' if results['dirty'] else ''}")
    print(
        f"{m['cpu_model'] or 'cpu'} x{m['cpus']}, {m['memory_mib']} MiB, {m['platform']}, Docker {m['docker']}"
    )
    print(
        f"load average {results['loadavg_at_start'][0]:.2f} at start, {results['loadavg_at_end'][0]:.2f} at end; "
        f"per part: celery {ce.get('loadavg_at_start', ['-'])[0]}, ray {ra.get('loadavg_at_start', ['-'])[0]}, "
        f"skylift {sk.get('loadavg_at_start', ['-'])[0]}"
    )
    if results.get("uncommitted"):
        print("uncommitted changes measured: " + ", ".join(line[3:] for line in results["uncommitted"]))
    if results["config"].get("versions"):
        print("versions: " + ", ".join(f"{k} {v}" for k, v in results["config"]["versions"].items()))
    print()
    row = "{:<46} {:>12} {:>12} {:>12} {:>16}"
    print(row.format("measure", "Skylift", "Celery", "Ray", "target / result"))
    print(row.format("-" * 46, "-" * 12, "-" * 12, "-" * 12, "-" * 16))

    def rate(system):
        v = f.get(f"{system}_map_rate")
        return f"{v['median']:.0f}/s" if v else "-"

    verdict = ""
    if "map_vs_ray" in f:
        verdict = f"{f['map_vs_ray']:.2f}x Ray {'PASS' if f['map_pass'] else 'FAIL'}"
    print(
        row.format(
            f".map / group / ray.get of {n} (median of {cfg['runs']})",
            rate("skylift"),
            rate("celery"),
            rate("ray"),
            verdict,
        )
    )

    def best(system):
        v = f.get(f"{system}_map_rate")
        return f"{v['best']:.0f}/s" if v else "-"

    print(row.format("  best run", best("skylift"), best("celery"), best("ray"), ""))
    if sk.get("map_runs"):
        recorded = statistics.median(n / r["check"]["last_output_after"] for r in sk["map_runs"])
        stalled = statistics.median(r["stalls"]["stalled_seconds"] for r in sk["map_runs"])
        print(row.format("  Skylift: outputs recorded (platform side)", f"{recorded:.0f}/s", "", "", ""))
        print(row.format("  Skylift: results stalled >= 0.5 s (median)", f"{stalled:.1f} s", "", "", ""))

    def med(system, key="median"):
        r = (results.get(system) or {}).get("remote")
        return ms(r[key]) if r else "-"

    verdict = ""
    if "remote_vs_celery" in f:
        verdict = f"{f['remote_vs_celery']:.2f}x Celery {'PASS' if f['remote_pass'] else 'FAIL'}"
    print(row.format("warm round trip, median", med("skylift"), med("celery"), med("ray"), verdict))
    print(row.format("  p90", med("skylift", "p90"), med("celery", "p90"), med("ray", "p90"), ""))
    if sk.get("longpoll"):
        lp = sk["longpoll"]
        verdict = f"{f['long_poll_ratio']:.2f}x quiet {'PASS' if f['long_poll_pass'] else 'FAIL'}"
        print(row.format("warm round trip, median, quiet", ms(lp["quiet"]["median"]), "", "", ""))
        print(
            row.format(
                f"  ... while {lp['pollers']} clients long-poll",
                ms(lp["loaded"]["median"]),
                "",
                "",
                verdict,
            )
        )
        print(row.format("  p90 while they long-poll", ms(lp["loaded"]["p90"]), "", "", ""))
    if sk.get("spawn"):
        s = sk["spawn"]
        print(row.format(f".spawn() x {s['n']}: submission rate", f"{s['submit_rate']:.0f}/s", "", "", ""))
        print(
            row.format(
                "  all results recorded (from first spawn)",
                f"{s['all_results_in_seconds']:.1f} s",
                "",
                "",
                "",
            )
        )
        print(
            row.format("  read back with FunctionCall.get()", f"{s['fetch_all_seconds']:.1f} s", "", "", "")
        )
    if sk.get("sleep_map"):
        s = sk["sleep_map"]
        print(
            row.format(
                f".map of {cfg['sleep_n']} x sleep(1 s), {cfg['sleep_slots']} slots",
                f"{s['seconds']:.1f} s",
                "",
                "",
                f"ideal {s['ideal_seconds']:.0f} s ({s['ratio_to_ideal']:.2f}x)",
            )
        )
        slots = s["all_slots_after"]
        print(
            row.format(
                f"  all {cfg['sleep_slots']} containers running after",
                f"{slots:.1f} s" if slots else "never",
                "",
                "",
                "",
            )
        )
    if sk.get("map_runs"):
        last = sk["map_runs"][-1]
        c = last["check"]
        print()
        print(
            f"Skylift map, last run: {c['inputs']} inputs in the database, {c['succeeded']} succeeded, call "
            f"{c['call_status']}, max attempt {c['max_attempt']}; per container {sorted(c['per_task'].values(), reverse=True)}"
        )
        print(
            f"  all inputs accepted (committed) after {c['all_accepted_after']:.2f} s, first claimed after "
            f"{c['first_claim_after']:.2f} s, last output recorded after {c['last_output_after']:.2f} s, "
            f"last result back after {last['seconds']:.2f} s"
        )
        gaps = last["stalls"]["gaps_over_threshold"]
        if gaps:
            shown = ", ".join(f"{g['gap']:.1f} s after result {g['after_result']}" for g in gaps[:6])
            print(f"  stalls in the stream of results: {shown}{' ...' if len(gaps) > 6 else ''}")
        print(
            f"  relay round trips: {c['claim_statements']} claims ({c['inputs'] / c['claim_statements']:.1f} inputs "
            f"each), {c['output_statements']} output writes ({c['inputs'] / c['output_statements']:.1f} each)"
        )
        if last.get("db"):
            print(
                "  database (functions_input, during the run): "
                + ", ".join(f"{k} {v}" for k, v in last["db"].items())
            )
        print("  CPU during that run:")
        print("\n".join(format_cpu(last["cpu"], "    ")))
    for system, label in (("ray", "Ray"), ("celery", "Celery")):
        runs = (results.get(system) or {}).get("map_runs")
        if runs:
            print(f"{label} map, last run, CPU:")
            print("\n".join(format_cpu(runs[-1]["cpu"], "    ")))
    if sk.get("remote"):
        if sk["remote"].get("stages"):
            print("Skylift warm .remote() by stage (medians, platform timestamps):")
            for name, s in sk["remote"]["stages"].items():
                value = ms(s["median"]) if s.get("n") else "n/a"
                print(f"    {name:<34} {value:>9}   {REMOTE_STAGES[name]}")
        print("Skylift warm .remote(), CPU:")
        print("\n".join(format_cpu(sk["remote"]["cpu"], "    ")))
    if sk.get("longpoll"):
        lp = sk["longpoll"]
        db = lp["db_commits_per_second"]
        print(
            f"Skylift warm .remote() while {lp['pollers']} clients long-poll ({lp['waiting_at_start']} waiting at "
            f"the start, {lp['waiting_at_end']} at the end; database commits/s: quiet {db['quiet']:.0f}, "
            f"long-polled {db['loaded']:.0f}), CPU:"
        )
        print("\n".join(format_cpu(lp["loaded"]["cpu"], "    ")))
    if sk.get("spawn"):
        print("Skylift .spawn() until all results recorded, CPU:")
        print("\n".join(format_cpu(sk["spawn"]["cpu"], "    ")))
    for key, what in (
        ("profile", "one extra map"),
        ("profile_remote", "extra warm .remote() calls"),
        ("profile_spawn", "extra .spawn() calls until all results are in, and their .get()"),
    ):
        prof = sk.get(key)
        if not prof or not prof.get("profiles"):
            continue
        print()
        print(f"py-spy over {what} ({prof['seconds']:.2f} s; raw profiles in {prof['dir']}):")
        print("\n".join(format_cpu(prof["cpu"], "    ")))
        for name, p in prof["profiles"].items():
            if not p.get("samples"):
                continue
            print(
                f"  {name}: {p['samples']} samples holding the GIL ({p['samples'] / 250:.1f} s); hottest (self)"
            )
            for frame, _count, share in p["self"][:8]:
                print(f"    {share * 100:5.1f}%  {frame}")
    if sk.get("other_containers"):
        print(f"warning: {sk['other_containers']} Skylift containers of other platforms ran meanwhile")
    print()


def versions(python: str | None) -> dict:
    out = {}
    if python:
        probe = subprocess.run(
            [python, "-c", "import celery, ray; print(celery.__version__, ray.__version__)"],
            capture_output=True,
            text=True,
        )
        if probe.returncode == 0:
            out["celery"], out["ray"] = probe.stdout.split()
    out["python"] = sys.version.split()[0]
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--setup", action="store_true", help="run benchmarks/setup.sh first (Celery, Ray)")
    parser.add_argument("--n", type=int, default=10_000, help="inputs of the map / tasks (default 10000)")
    parser.add_argument("--runs", type=int, default=3, help="timed maps per system (default 3)")
    parser.add_argument("--remote-calls", type=int, default=200, help="timed round trips (default 200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed round trips first (default 20)")
    parser.add_argument("--spawn-n", type=int, default=10_000, help="spawned calls (default 10000)")
    parser.add_argument("--sleep-n", type=int, default=1000, help="inputs of the sleeping map (default 1000)")
    parser.add_argument("--sleep-slots", type=int, default=10, help="max_containers of the sleeping map")
    parser.add_argument(
        "--systems", default="celery,ray,skylift", help="which systems, comma-separated (default all three)"
    )
    parser.add_argument(
        "--parts",
        default="map,remote,longpoll,spawn,sleep",
        help="Skylift parts (default map,remote,longpoll,spawn,sleep)",
    )
    parser.add_argument("--pollers", type=int, default=200, help="long-polling clients (default 200)")
    parser.add_argument("--profile", metavar="DIR", help="also profile one extra map with py-spy into DIR")
    parser.add_argument("--keep", action="store_true", help="keep the platform's data directory and logs")
    parser.add_argument("--output", type=Path, help="where to write the JSON (default benchmarks/results/)")
    parser.add_argument("--commit", help="commit id to report when the tree is not a git checkout")
    args = parser.parse_args()
    args.parts = set(args.parts.split(","))
    systems = [s.strip() for s in args.systems.split(",") if s.strip()]
    if args.sleep_slots != 10:
        print("note: --sleep-slots only changes the ideal; sleep1 is defined with max_containers=10")

    if args.setup:
        subprocess.run(["bash", str(HERE / "setup.sh")], check=True)
    bench_python = str(BENCH_VENV / "bin" / "python") if (BENCH_VENV / "bin" / "python").exists() else None
    if bench_python is None and {"celery", "ray"} & set(systems):
        print("Celery and Ray are not installed: run benchmarks/setup.sh (or pass --setup)", file=sys.stderr)
        return 2

    commit, dirty = commit_id()
    if args.commit:
        commit, dirty = args.commit, False
    machine = machine_info()
    if machine["loadavg_at_start"][0] > (machine["cpus"] or 1) / 2:
        say(f"warning: load average {machine['loadavg_at_start'][0]:.2f}: figures may be disturbed")
    dk = docker_api()
    results: dict = {
        "benchmark": "calls",
        "commit": commit,
        "dirty": dirty,
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine,
        # What the figures ran on when the tree is dirty (uncommitted changes are measured too).
        "uncommitted": subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO, capture_output=True, text=True
        ).stdout.splitlines(),
        "loadavg_at_start": loadavg(),
        "config": {
            "n": args.n,
            "runs": args.runs,
            "remote_calls": args.remote_calls,
            "warmup": args.warmup,
            "spawn_n": args.spawn_n,
            "sleep_n": args.sleep_n,
            "sleep_slots": args.sleep_slots,
            "pollers": args.pollers,
            "systems": systems,
            "parts": sorted(args.parts),
            "versions": versions(bench_python),
        },
    }
    for system in systems:
        if system == "celery":
            results["celery"] = run_celery(bench_python, args)
        elif system == "ray":
            results["ray"] = run_ray(bench_python, args)
        elif system == "skylift":
            results["skylift"] = run_skylift(args, dk)
        else:
            raise SystemExit(f"unknown system {system!r}")
    results["loadavg_at_end"] = loadavg()
    results["figures"] = figures(results)
    print_report(results)
    out = args.output or HERE / "results" / f"calls-{commit}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    say(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
