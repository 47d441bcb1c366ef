"""The deploy benchmark (issue 12): deploying unchanged and changed apps, and calling a deployed one.

    .venv/bin/python benchmarks/deploy.py

On the embedded platform (`skylift server start --background` in a temporary data dir), with an
app of two functions written to a temporary folder:

1. `skylift deploy` of the app unchanged (after a first deploy): wall time of the command, which
   imports the file, resolves its (cached) image, and sends the definitions; target < 1 s.
2. `skylift deploy` after a code-only change (the image is cached): target < 2 s.
3. The first `.remote()` through `Function.from_name` to a deployed function with
   `min_containers=1` once its container is up (running, and a second to take its first input),
   against the warm `.remote()` round trip of the same function afterwards (target: the same). The
   lookup by name (`hydrate()`, one request) is timed apart. Beside them, a warm call made after
   the container and the client sat idle as long as before the first call (PAUSE_SECONDS): a
   call after a pause pays for what went cold meanwhile (the server's token check after
   TOKEN_CACHE_SECONDS, CPU caches), which is not the first call's own cost.
4. Schedule firing precision: an app whose function has `schedule=Period(seconds=1)` is deployed,
   and for `--ticks` ticks the lateness of each scheduled call is its `created_at` (when the
   server accepted it) minus the tick it fired for (the microseconds in the call's idempotency
   key, `schedule:<function>:<tick>`); target: median < 1 s.

Medians of `--runs` runs, side by side. Writes benchmarks/results/deploy-<commit>.json. Nothing
here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _platform import EmbeddedPlatform, commit_id, machine_info, ms, say, secs, summary  # noqa: E402

HERE = Path(__file__).resolve().parent
SETTLE_SECONDS = 1.0
PAUSE_SECONDS = 6.0  # about the idle time before a first call here (deploy, warm-up, settle)
APP = """
import skylift

app = skylift.App("bench-deployed")


@app.function(min_containers=1)
def echo(x):
    return x  # {marker}


@app.function()
def other(x):
    return x + 1
"""
SCHEDULED_APP = """
import skylift

app = skylift.App("bench-scheduled")


@app.function(schedule=skylift.Period(seconds=1))
def tick():
    return "tick"
"""


def _deploy(plat: EmbeddedPlatform, path: Path) -> tuple[float, str]:
    exe = Path(sys.executable).parent / "skylift"
    started = time.perf_counter()
    done = subprocess.run(
        [str(exe), "deploy", str(path)], env=plat.env, cwd=path.parent, capture_output=True, text=True
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"skylift deploy failed:\n{done.stdout}\n{done.stderr}")
    return seconds, done.stdout


def _wait_warm(plat: EmbeddedPlatform, timeout: float = 120) -> None:
    """Until the live version's echo has a running container."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = plat.sql(
            """SELECT count(*) FROM functions_task t JOIN functions_function f ON f.id = t.function_id
                JOIN skylift_apps_app a ON a.live_version_id = f.version_id
               WHERE a.name = 'bench-deployed' AND a.state = 'deployed' AND f.name = 'echo'
                 AND t.status = 'running'"""
        )
        if rows[0][0]:
            return
        time.sleep(0.2)
    raise RuntimeError("the deployed function's min_containers never came up")


def _schedule_lateness(plat: EmbeddedPlatform, folder: Path, ticks: int) -> list[float]:
    """Deploy an app firing every second; the lateness of its first `ticks` scheduled calls."""
    path = folder / "bench_scheduled.py"
    path.write_text(SCHEDULED_APP)
    _deploy(plat, path)
    query = """SELECT c.created_at, c.idempotency_key FROM functions_functioncall c
                 JOIN functions_function f ON f.id = c.function_id
                 JOIN skylift_apps_app a ON a.id = f.app_id
                WHERE a.name = 'bench-scheduled' AND c.kind = 'schedule' AND c.idempotency_key IS NOT NULL
                ORDER BY c.created_at"""
    deadline = time.monotonic() + ticks * 3 + 60
    rows = plat.sql(query)
    while len(rows) < ticks and time.monotonic() < deadline:
        time.sleep(0.5)
        rows = plat.sql(query)
    if len(rows) < ticks:
        raise RuntimeError(f"only {len(rows)} of {ticks} scheduled calls came")
    return [created.timestamp() - int(key.rsplit(":", 1)[1]) / 1e6 for created, key in rows[:ticks]]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="deploys of each kind (default 5)")
    parser.add_argument("--warm-calls", type=int, default=100, help="warm round trips (default 100)")
    parser.add_argument("--ticks", type=int, default=30, help="scheduled calls to time (default 30)")
    parser.add_argument(
        "--pause", type=float, default=PAUSE_SECONDS, help="idle seconds before each paused warm call"
    )
    parser.add_argument("--keep", action="store_true", help="keep the platform's data directory and logs")
    parser.add_argument("--output", type=Path, help="where to write the JSON (default benchmarks/results/)")
    args = parser.parse_args()

    commit, dirty = commit_id()
    results: dict = {
        "benchmark": "deploy",
        "commit": commit,
        "dirty": dirty,
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "config": {
            "runs": args.runs,
            "warm_calls": args.warm_calls,
            "ticks": args.ticks,
            "pause": args.pause,
        },
    }
    plat = EmbeddedPlatform(keep=args.keep)
    folder = Path(tempfile.mkdtemp(prefix="skylift-bench-deploy-"))
    path = folder / "bench_deployed.py"
    unchanged, changed, first_calls, warm_calls, lateness, lookups = [], [], [], [], [], []
    paused_calls: list[float] = []
    try:
        plat.start()
        client = plat.client()
        import skylift

        path.write_text(APP.format(marker="v0"))
        first, _ = _deploy(plat, path)
        say(f"first deploy (builds nothing new: the base image is cached): {secs(first)}")
        # This process's first call (its connection, imports, first pickles) is not the deployed
        # function's: make it, untimed, to another function of the app.
        skylift.Function.from_name("bench-deployed", "other", client=client).remote(1)
        for run in range(args.runs):
            seconds, out = _deploy(plat, path)
            assert "unchanged" in out, out
            unchanged.append(seconds)
            path.write_text(APP.format(marker=f"v{run + 1}"))
            seconds, out = _deploy(plat, path)
            assert "Deployed" in out, out
            changed.append(seconds)
            _wait_warm(plat)
            # The container is 'running' once it said hello; it then imports the user's module and
            # asks for its first input. Give it that moment: the figure is of a warm container.
            time.sleep(SETTLE_SECONDS)
            echo = skylift.Function.from_name("bench-deployed", "echo", client=client)
            started = time.perf_counter()
            echo.hydrate()  # the lookup by name, timed apart
            lookups.append(time.perf_counter() - started)
            started = time.perf_counter()
            echo.remote(run)
            first_calls.append(time.perf_counter() - started)
            say(
                f"run {run + 1}/{args.runs}: unchanged {secs(unchanged[-1])}, code change {secs(changed[-1])}, "
                f"first call {ms(first_calls[-1])}"
            )
        echo = skylift.Function.from_name("bench-deployed", "echo", client=client)
        for i in range(args.warm_calls):
            started = time.perf_counter()
            echo.remote(i)
            warm_calls.append(time.perf_counter() - started)
        for i in range(args.runs):
            time.sleep(args.pause)
            started = time.perf_counter()
            echo.remote(i)
            paused_calls.append(time.perf_counter() - started)
        lateness = _schedule_lateness(plat, folder, args.ticks)
        say(f"{len(lateness)} scheduled calls, median lateness {ms(statistics.median(lateness))}")
    finally:
        plat.stop()

    results.update(
        {
            "deploy_unchanged_seconds": summary(unchanged),
            "deploy_code_change_seconds": summary(changed),
            "first_call_seconds": summary(first_calls),
            "lookup_seconds": summary(lookups),
            "warm_call_seconds": summary(warm_calls),
            "warm_call_after_pause_seconds": summary(paused_calls),
            "schedule_lateness_seconds": summary(lateness),
        }
    )
    ratio = statistics.median(first_calls) / statistics.median(warm_calls)
    results["first_call_over_warm"] = ratio
    print()
    print(f"{'measure':44} {'median':>10} {'p90':>10} {'target':>12}")
    rows = [
        ("deploy, unchanged", results["deploy_unchanged_seconds"], "< 1 s", secs),
        ("deploy, code-only change (image cached)", results["deploy_code_change_seconds"], "< 2 s", secs),
        ("Function.from_name(...).hydrate() (lookup)", results["lookup_seconds"], "", ms),
        ("first call, min_containers=1 (warm)", results["first_call_seconds"], "= warm", ms),
        ("warm .remote() of the same function", results["warm_call_seconds"], "", ms),
        (f"warm .remote() after {args.pause:g} s idle", results["warm_call_after_pause_seconds"], "", ms),
        ("schedule lateness (call made - tick)", results["schedule_lateness_seconds"], "< 1 s", ms),
    ]
    for name, s, target, fmt in rows:
        print(f"{name:44} {fmt(s['median']):>10} {fmt(s['p90']):>10} {target:>12}")
    print(f"first call / warm call (medians): {ratio:.2f}x")
    paused = statistics.median(first_calls) / statistics.median(paused_calls)
    results["first_call_over_paused_warm"] = paused
    print(f"first call / warm call after the same idle time (medians): {paused:.2f}x")
    out = args.output or HERE / "results" / f"deploy-{commit}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str))
    say(f"results in {out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
