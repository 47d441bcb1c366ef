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
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _platform import (  # noqa: E402 - the shared module sits beside this script
    HERE,
    EmbeddedPlatform,
    commit_id,
    containers_of,
    docker_api,
    docker_time,
    machine_info,
    ms,
    other_containers,
    say,
    secs,
    summary,
    wait_gone,
)

IMAGE = "skylift/debian-slim:3.11"

COLD_FACTOR, COLD_SLACK = 1.5, 0.3  # cold start target: at most 1.5 x floor + 0.3 s
WARM_TARGET = 0.010  # warm round-trip median target: under 10 ms


# Docker runs ------------------------------------------------------------------------------------


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
