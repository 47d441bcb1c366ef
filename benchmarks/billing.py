"""The billing benchmark: what metering costs the calls it meters, and how fast a usage report over a
year answers (issue 16).

    source .cache/test-services/env                    # the report part's PostgreSQL
    .venv/bin/python benchmarks/billing.py             # both parts; --parts report or metering

1. **report**: a database of its own on the PostgreSQL of DATABASE_URL, holding a year of hourly
   usage records for 1,000 functions (50 apps of 20, in two environments: 8.76 million records,
   written a day at a time through the rollups' trigger as metering writes them). Timed, each the
   median of `--report-runs`:
   - the report service (`billing.reports.usage`) over the whole year, by app, resource and
     environment per day; by app per hour over 31 days (the longest hourly report), and by function
     per day over 30 days; each beside the
     same report computed from the records themselves (what reports read before the rollups);
   - `GET /api/v1/usage/` of the year by app, over HTTP to the ASGI server on that database;
   - `skylift billing report --start --end --by app --csv` as a user runs it, beside `skylift
     --help` (the CLI's own start, the floor of any command).
   Target: under 500 ms. The database is dropped at the end unless `--keep-db` (a later run with the
   same `--functions` and `--days` then reuses it: generating it takes minutes).
2. **metering**: the embedded platform (`skylift server start --background`) started once per
   entry of `--order` (default off,on,on,off: an ABBA order, so a drift of the machine over the run
   weighs on both sides alike), with metering off (SKYLIFT_METER_SECONDS=0: the host agent runs no
   metering thread) or on (every `--meter-seconds`, 10 s as in production unless given). On each: two
   warm containers of `inc` (as calls.py), then `--runs` maps of `--n` inputs and `--remote-calls`
   warm `.remote()` round trips. The medians of the on side against the off side: target within
   noise, at most 3 % slower; the spread between the two platforms of the same side is printed as
   the noise. With metering on, the usage written during the run is counted, to show it ran.

Prints a table and writes benchmarks/results/billing-<commit>.json. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _platform import (  # noqa: E402 - the shared module sits beside this script
    REPO,
    EmbeddedPlatform,
    commit_id,
    docker_api,
    free_port,
    machine_info,
    ms,
    say,
    summary,
)

REPORT_TARGET = 0.5  # seconds
OVERHEAD_TARGET = 1.03  # metering on at most 3 % slower than off
APPS, PER_APP = 50, 20
YEAR_END = datetime(2026, 12, 1, tzinfo=UTC)


def _with_db(url: str, name: str) -> str:
    return urlunparse(urlparse(url)._replace(path=f"/{name}"))


def median_of(fn, runs: int) -> tuple[float, list[float], object]:
    samples, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples), samples, result


# 1. Reports -----------------------------------------------------------------------------------------


RECORDS_SQL = """
INSERT INTO billing_usagerecord (id, key, kind, workspace_id, environment_id, app_id, function_id, hour, start,
    seconds, cpu_seconds, cpu_used_seconds, memory_gib_seconds, gpu_type, gpu_seconds, disk_gib_seconds, price_id)
SELECT 'us-b' || f.n || '-' || extract(epoch FROM h)::bigint, f.id || ':' || extract(epoch FROM h)::bigint,
       'function', f.workspace_id, a.environment_id, f.app_id, f.id, h, h,
       3600, 3600 * f.cpu, 900 * f.cpu, 3600 * f.memory / 1024.0, '', 0, 0, %(price)s
  FROM generate_series(%(day)s::timestamptz, %(day)s::timestamptz + interval '23 hours', interval '1 hour') h
 CROSS JOIN (SELECT row_number() OVER (ORDER BY id) AS n, * FROM functions_function WHERE workspace_id = %(ws)s) f
  JOIN skylift_apps_app a ON a.id = f.app_id
"""


def _report_world(env: dict, functions: int, days: int) -> dict:
    """The workspace, apps and functions, and `days` of hourly records: made once per database."""
    import django

    django.setup()
    from django.db import connection

    from accounts.models import Workspace
    from apps import services as app_services
    from apps.models import App, Environment
    from billing import prices
    from functions import services as function_services

    user = json.loads(
        subprocess.run(
            [sys.executable, "manage.py", "create_user", "--username", "bench", "--workspace", "bench"]
            + ["--role", "owner", f"--password={secrets.token_urlsafe(12)}", "--token"],
            cwd=REPO,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    )
    workspace = Workspace.objects.get(pk=user["workspace_id"])
    from django.contrib.auth import get_user_model

    owner = get_user_model().objects.get(username="bench")
    staging = Environment.objects.create(workspace=workspace, name="staging")
    apps = max(1, functions // PER_APP)
    for a in range(apps):
        app = app_services.app_create(workspace=workspace, user=owner, name=f"app-{a:02d}")
        if a % 2:
            App.objects.filter(pk=app.pk).update(environment=staging)
        for f in range(functions // apps):
            function_services.function_create(
                app=app,
                spec={
                    "name": f"f{f:02d}",
                    "module": "m",
                    "qualname": f"f{f:02d}",
                    "serialized": b"x",
                    "cpu": 0.25 * (1 + f % 4),
                    "memory": 256 * (1 + f % 8),
                },
            )
    price = prices.current(workspace.id).id
    first = YEAR_END - timedelta(days=days)
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        for d in range(days):
            cursor.execute(
                RECORDS_SQL, {"day": first + timedelta(days=d), "ws": workspace.id, "price": price}
            )
            if d % 30 == 29:
                say(f"  {d + 1} days of records written ({time.perf_counter() - t0:.0f} s)")
        cursor.execute("VACUUM ANALYZE")
    return {**user, "generate_seconds": time.perf_counter() - t0}


def run_report(args) -> dict:
    import psycopg

    base_db = os.environ.get("DATABASE_URL")
    if not base_db:
        sys.exit("Set DATABASE_URL (source .cache/test-services/env).")
    name = f"skylift_bench_billing_{args.functions}f_{args.days}d"
    with psycopg.connect(_with_db(base_db, "postgres"), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f"CREATE DATABASE {name}")
    work = Path(tempfile.mkdtemp(prefix="skylift-bench-billing-"))
    env = {
        **os.environ,
        "DATABASE_URL": _with_db(base_db, name),
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "SKYLIFT_DATA_DIR": str(work / "data"),
    }
    os.environ.update(env)
    sys.path.insert(0, str(REPO))
    state_file = work.parent / f"{name}.json"  # the bench user's token, kept beside a kept database
    out: dict = {"database": name, "functions": args.functions, "days": args.days}
    web = None
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=REPO, env=env, check=True)
        if exists and state_file.exists():
            user = json.loads(state_file.read_text())
            say(f"Reports: reusing the database {name}")
        else:
            say(
                f"Reports: writing {args.days} days of hourly records for {args.functions} functions into {name}"
            )
            user = _report_world(env, args.functions, args.days)
            state_file.write_text(json.dumps(user))
            out["generate_seconds"] = user["generate_seconds"]
        import django

        django.setup()
        from django.db import connection

        from billing import reports

        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT (SELECT count(*) FROM billing_usagerecord), (SELECT count(*) FROM billing_usagehour),"
                " (SELECT count(*) FROM billing_usageday)"
            )
            records, hours, days = cursor.fetchone()
        out["rows"] = {"records": records, "hour_rollup": hours, "day_rollup": days}
        say(f"  {records:,} records, {hours:,} hourly and {days:,} daily rollup rows")
        year = (YEAR_END - timedelta(days=args.days), YEAR_END)
        month = (YEAR_END - timedelta(days=30), YEAR_END)
        cases = [
            ("year by app per day", year, "app", "day"),
            ("year by resource per day", year, "resource", "day"),
            ("year by environment per day", year, "environment", "day"),
            ("31 days by app per hour", (YEAR_END - timedelta(days=31), YEAR_END), "app", "hour"),
            ("30 days by function per day", month, "function", "day"),
        ]
        out["service"] = []
        ws = user["workspace_id"]
        for label, (start, end), by, granularity in cases:

            def rollup(start=start, end=end, by=by, granularity=granularity):
                return reports.usage(ws, start=start, end=end, by=by, granularity=granularity)

            def records_(start=start, end=end, by=by, granularity=granularity):
                return reports.usage(
                    ws, start=start, end=end, by=by, granularity=granularity, source="records"
                )

            rollup()  # warm the caches alike for both
            fast, fast_samples, rows = median_of(rollup, args.report_runs)
            slow, slow_samples, _ = median_of(records_, max(1, args.report_runs // 3))
            out["service"].append(
                {
                    "case": label,
                    "rows": len(rows),
                    "rollup_median": fast,
                    "records_median": slow,
                    "rollup_samples": fast_samples,
                    "records_samples": slow_samples,
                }
            )
            say(f"  {label}: {ms(fast)} from the rollups, {ms(slow)} from the records ({len(rows)} rows)")

        # Over HTTP and the CLI, as users ask.
        import httpx

        port = free_port()
        web = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "config.asgi:application",
                "--port",
                str(port),
                "--no-access-log",
            ],
            cwd=REPO,
            env=env,
            stdout=(work / "web.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        headers = {"Authorization": f"Bearer {user['token_id']}:{user['token_secret']}"}
        query = {"start": year[0].isoformat(), "end": year[1].isoformat(), "by": "app"}
        with httpx.Client(base_url=url, headers=headers, timeout=60) as http:
            for _ in range(300):
                try:
                    if http.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    time.sleep(0.1)
            http.get("/api/v1/usage/", params=query).raise_for_status()
            fast, samples, response = median_of(
                lambda: http.get("/api/v1/usage/", params=query), args.report_runs
            )
            response.raise_for_status()
            out["http"] = {"median": fast, "samples": samples, "rows": len(response.json()["results"])}
        say(f"  GET /api/v1/usage/ (year by app): {ms(fast)}")
        cli_env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
        cli_env.update(
            SKYLIFT_CONFIG_PATH=str(work / "skylift.toml"),
            SKYLIFT_SERVER_URL=url,
            SKYLIFT_TOKEN_ID=user["token_id"],
            SKYLIFT_TOKEN_SECRET=user["token_secret"],
        )
        skylift = str(Path(sys.executable).parent / "skylift")
        command = [
            skylift,
            "billing",
            "report",
            "--start",
            query["start"],
            "--end",
            query["end"],
            "--by",
            "app",
        ]

        def cli(*argv: str):
            return subprocess.run(argv, env=cli_env, capture_output=True, text=True, check=True)

        cli(*command, "--csv")
        fast, samples, done = median_of(lambda: cli(*command, "--csv"), args.report_runs)
        floor, floor_samples, _ = median_of(lambda: cli(skylift, "--help"), args.report_runs)
        out["cli"] = {
            "median": fast,
            "samples": samples,
            "lines": done.stdout.count("\n"),
            "floor_median": floor,
            "floor_samples": floor_samples,
        }
        say(f"  skylift billing report (year by app, CSV): {ms(fast)}; skylift --help: {ms(floor)}")
    finally:
        if web is not None:
            web.terminate()
            web.wait(timeout=30)
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            with psycopg.connect(_with_db(base_db, "postgres"), autocommit=True) as conn:
                conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            state_file.unlink(missing_ok=True)
    return out


# 2. Metering overhead -------------------------------------------------------------------------------


def one_platform(args, dk, metering: bool) -> dict:
    from bench_calls_functions import app, inc
    from calls import skylift_map, skylift_remote, wait_warm

    plat = EmbeddedPlatform()
    plat.env["SKYLIFT_METER_SECONDS"] = str(args.meter_seconds) if metering else "0"
    out: dict = {"metering": metering, "meter_seconds": args.meter_seconds if metering else 0}
    try:
        plat.start()
        with app.run(client=plat.client(), show_logs=False):
            wait_warm(plat, inc, inc.object_id)
            out["maps"] = []
            for r in range(args.runs):
                res = skylift_map(plat, dk, inc, inc.object_id, args.n)
                out["maps"].append({"seconds": res["seconds"], "cpu": res["cpu"]})
                say(f"  map-{r}: {res['seconds']:.2f} s ({args.n / res['seconds']:.0f} inputs/s)")
            remote = skylift_remote(plat, dk, inc, args.remote_calls, args.warmup)
            out["remote"] = {"samples": remote["samples"], **summary(remote["samples"])}
            say(f"  warm .remote(): median {ms(out['remote']['median'])}")
        out["usage_records"] = plat.sql("SELECT count(*) FROM billing_usagerecord")[0][0]
        agent_log = plat.data_dir / "logs" / "agent.log"
        out["metering_failures"] = (
            agent_log.read_text(errors="replace").count("metering failed") if agent_log.exists() else 0
        )
    finally:
        plat.stop()
    return out


def _cpu(measured: dict, group: str) -> float:
    return measured["cpu"]["by_group_seconds"].get(group, 0.0)


def run_metering(args) -> dict:
    dk = docker_api()
    platforms = []
    for side in args.order.split(","):
        metering = side.strip() == "on"
        say(
            f"Metering {'on (every ' + str(args.meter_seconds) + ' s)' if metering else 'off'}: a platform of its own"
        )
        platforms.append(one_platform(args, dk, metering))
    sides: dict = {}
    for name, on in (("off", False), ("on", True)):
        mine = [p for p in platforms if p["metering"] is on]
        maps = [m["seconds"] for p in mine for m in p["maps"]]
        remotes = [s for p in mine for s in p["remote"]["samples"]]
        sides[name] = {
            "map_median": statistics.median(maps),
            "map_samples": maps,
            "remote_median": statistics.median(remotes),
            # Between the platforms of one side: what starting another platform alone changes.
            "map_medians_per_platform": [statistics.median(m["seconds"] for m in p["maps"]) for p in mine],
            "remote_medians_per_platform": [p["remote"]["median"] for p in mine],
            "usage_records": [p["usage_records"] for p in mine],
            # CPU seconds per map, less bent by a busy machine than wall time: the host agent (where
            # metering runs) and PostgreSQL (where it writes).
            "agent_cpu_per_map": statistics.median(
                _cpu(m, "platform: relay (host agent)") for p in mine for m in p["maps"]
            ),
            "postgres_cpu_per_map": statistics.median(
                _cpu(m, "platform: postgres") for p in mine for m in p["maps"]
            ),
        }

    def spread(values: list[float]) -> float:
        return max(values) / min(values) - 1 if len(values) > 1 else float("nan")

    return {
        "platforms": platforms,
        "sides": sides,
        "map_ratio": sides["on"]["map_median"] / sides["off"]["map_median"],
        "remote_ratio": sides["on"]["remote_median"] / sides["off"]["remote_median"],
        "noise": {
            "map": max(spread(sides[s]["map_medians_per_platform"]) for s in sides),
            "remote": max(spread(sides[s]["remote_medians_per_platform"]) for s in sides),
        },
    }


# Report ---------------------------------------------------------------------------------------------


def print_report(results: dict) -> None:
    print()
    print(f"billing benchmark, commit {results['commit']}{' (dirty)' if results['dirty'] else ''}")
    m = results["machine"]
    print(
        f"machine: {m['cpu_model']}, {m['cpus']} CPUs, {m['memory_mib']} MiB; load {results['loadavg_at_start']}"
    )
    if "report" in results:
        r = results["report"]
        rows = r["rows"]
        print(
            f"\nusage reports over {rows['records']:,} records ({r['functions']} functions x {r['days']} days x 24 h);"
            f" rollups: {rows['hour_rollup']:,} hourly, {rows['day_rollup']:,} daily rows"
        )
        print(f"{'report':<34} {'rollups':>10} {'records':>10} {'speed-up':>9} {'rows':>7}  target < 500 ms")
        for c in r["service"]:
            ok = "pass" if c["rollup_median"] < REPORT_TARGET else "FAIL"
            print(
                f"{c['case']:<34} {ms(c['rollup_median']):>10} {ms(c['records_median']):>10} "
                f"{c['records_median'] / c['rollup_median']:>8.1f}x {c['rows']:>7}  {ok}"
            )
        h, cli = r["http"], r["cli"]
        print(
            f"{'GET /api/v1/usage/ (year by app)':<34} {ms(h['median']):>10} {'':>10} {'':>9} {h['rows']:>7}  "
            f"{'pass' if h['median'] < REPORT_TARGET else 'FAIL'}"
        )
        print(
            f"{'skylift billing report (year, app)':<34} {ms(cli['median']):>10} {'':>10} {'':>9} {'':>7}  "
            f"{'pass' if cli['median'] < REPORT_TARGET else 'FAIL'} (skylift --help alone: {ms(cli['floor_median'])})"
        )
    if "metering" in results:
        x = results["metering"]
        off, on = x["sides"]["off"], x["sides"]["on"]
        print(
            f"\nmetering overhead (order {results['config']['order']}; every {results['config']['meter_seconds']} s when on)"
        )
        print(f"{'measure':<34} {'off':>10} {'on':>10} {'on/off':>8} {'noise':>8}  target <= 1.03")
        print(
            f"{'map of ' + str(results['config']['n']) + ' inputs (median)':<34} {off['map_median']:>9.2f}s "
            f"{on['map_median']:>9.2f}s {x['map_ratio']:>8.3f} {x['noise']['map']:>7.1%}  "
            f"{'pass' if x['map_ratio'] <= OVERHEAD_TARGET else 'FAIL'}"
        )
        print(
            f"{'warm .remote() (median)':<34} {ms(off['remote_median']):>10} {ms(on['remote_median']):>10} "
            f"{x['remote_ratio']:>8.3f} {x['noise']['remote']:>7.1%}  "
            f"{'pass' if x['remote_ratio'] <= OVERHEAD_TARGET else 'FAIL'}"
        )
        for key, label in (
            ("agent_cpu_per_map", "host agent CPU s per map"),
            ("postgres_cpu_per_map", "PostgreSQL CPU s per map"),
        ):
            print(f"{label + ' (median)':<34} {off[key]:>10.2f} {on[key]:>10.2f} {on[key] / off[key]:>8.3f}")
        print(f"usage records written: off {off['usage_records']}, on {on['usage_records']}")
        print("noise: the largest spread between the medians of two platforms of the same side")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="report,metering")
    parser.add_argument("--functions", type=int, default=1000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--report-runs", type=int, default=9)
    parser.add_argument("--keep-db", action="store_true", help="keep the report database for the next run")
    parser.add_argument("--order", default="off,on,on,off", help="metering off/on, one platform each")
    parser.add_argument("--meter-seconds", type=float, default=10.0)
    parser.add_argument("--n", type=int, default=10_000, help="inputs per map")
    parser.add_argument("--runs", type=int, default=3, help="maps per platform")
    parser.add_argument("--remote-calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    commit, dirty = commit_id()
    results: dict = {
        "benchmark": "billing",
        "commit": commit,
        "dirty": dirty,
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "loadavg_at_start": [round(x, 2) for x in os.getloadavg()],
        "config": {k: v for k, v in vars(args).items() if k != "output"} | {"output": str(args.output or "")},
    }
    if "metering" in parts:
        results["metering"] = run_metering(args)
    if "report" in parts:
        results["report"] = run_report(args)
    results["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print_report(results)
    out = args.output or HERE / "results" / f"billing-{commit}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    say(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
