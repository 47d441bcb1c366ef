"""The retention benchmark: does output expiry keep up with the rate the platform accepts inputs? (issue 19)

    .venv/bin/python benchmarks/retention.py [--accept-n 100000] [--clients 2] [--expire-n 500000]

On the embedded platform (`skylift server start --background` in a temporary data dir, as calls.py):

1. Acceptance: `--clients` threads submit `--accept-n` inputs of `inc` (bench_calls_functions.py, two
   warm containers running them meanwhile) as `spawn_map` does, 5,000 per request, as fast as the
   platform takes them (a 429 is waited out, as the SDK does). The rate is inputs committed per
   second, from the first request to the last answer; the database must then hold all of them.
2. Expiry: `--expire-n` finished inputs aged 8 days are written straight into `functions_input`
   (beside the accepted ones, which stay), then `manage.py expire_outputs` (the job Celery beat
   runs, `functions/retention.py`) works the backlog off; its rows/s is what it reports. The
   database must then hold exactly that many expired rows.

It prints both side by side with their ratio (expiry must be faster than acceptance: a platform
accepting inputs at its maximum for 7 days gets a day's worth to expire each day, and the job
must do that in less than a day) and writes results/retention-<commit>.json. Not a test.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _platform import (  # noqa: E402 - the shared module sits beside this script
    HERE,
    REPO,
    EmbeddedPlatform,
    commit_id,
    machine_info,
    say,
)

BATCH = 5_000  # inputs per request, as the SDK's map


def accept(plat: EmbeddedPlatform, client, fn, n: int, clients: int) -> dict:
    """Submit n inputs from `clients` threads, each into a spawned call of its own, in batches."""
    args = fn._args((1,), {})
    share = [n // clients + (1 if k < n % clients else 0) for k in range(clients)]
    call_ids: list[str] = []
    errors: list[BaseException] = []

    def submit(count: int) -> None:
        own = client.clone()
        try:
            call = own.call_create(fn.object_id, [], kind="spawn", wait=0, closed=False)["call"]["id"]
            call_ids.append(call)
            start = 0
            while start < count:
                size = min(BATCH, count - start)
                own.call_add_inputs(call, start, [args] * size, close=start + size == count)
                start += size
        except BaseException as exc:  # noqa: BLE001 - reported after the threads end
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(c,)) for c in share]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"submitting failed: {errors[0]!r}")
    (count,) = plat.sql("SELECT count(*) FROM functions_input WHERE call_id = ANY(%s)", [call_ids])[0]
    if count != n:
        raise RuntimeError(f"{count} of {n} inputs are in the database")
    return {"inputs": n, "clients": clients, "seconds": seconds, "rate": n / seconds}


OLD_INPUTS_SQL = """
WITH f AS (SELECT id, workspace_id FROM functions_function WHERE id = %(function)s),
c AS (
    INSERT INTO functions_functioncall (id, workspace_id, function_id, kind, status, input_count,
                                        closed, created_at, finished_at)
    SELECT %(call)s, f.workspace_id, f.id, 'map', 'succeeded', %(n)s, true,
           now() - interval '8 days 1 hour', now() - interval '8 days' FROM f
    RETURNING id, workspace_id, function_id
)
INSERT INTO functions_input (id, workspace_id, call_id, function_id, idx, method, args, args_blob, status,
                             spawned, attempt, crashes, retries_used, preemptions, result, result_kind,
                             result_blob, cause, message, created_at, enqueued_at, started_at, finished_at,
                             finished_seq)
SELECT %(call)s || '-' || g, c.workspace_id, c.id, c.function_id, g, '', %(args)s, '', 'succeeded', false,
       1, 0, 0, 0, %(result)s, 'value', '', '', '', now() - interval '8 days 1 hour',
       now() - interval '8 days 1 hour', now() - interval '8 days 1 hour',
       now() - interval '8 days 1 hour' + g * interval '1 ms', nextval('skylift_output_seq')
  FROM c, generate_series(0, %(n)s - 1) AS g
"""

REPORT = re.compile(r"expired (\d+) outputs, removed (\d+) blobs in ([0-9.]+) s")


def expire(plat: EmbeddedPlatform, fn, n: int) -> dict:
    say(f"Writing {n} inputs finished 8 days ago")
    t0 = time.perf_counter()
    call = f"fc-ret{int(time.time())}"  # ids are at most 32 characters
    args = fn._args((1,), {})
    plat.sql(OLD_INPUTS_SQL, {"function": fn.object_id, "call": call, "n": n, "args": args, "result": args})
    plat.sql("VACUUM ANALYZE functions_input")
    say(f"  written in {time.perf_counter() - t0:.1f} s; running manage.py expire_outputs")
    env = {
        **plat.env,
        "DATABASE_URL": plat.database_url,
        "REDIS_URL": plat.redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "expire_outputs"], env=env, cwd=REPO, capture_output=True, text=True
    )
    match = REPORT.search(result.stdout)
    if result.returncode != 0 or match is None:
        raise RuntimeError(f"expire_outputs failed:\n{result.stdout}\n{result.stderr[-3000:]}")
    rows, blobs, seconds = int(match[1]), int(match[2]), float(match[3])
    (expired,) = plat.sql(
        "SELECT count(*) FROM functions_input WHERE call_id = %s AND result_kind = 'expired'", [call]
    )[0]
    if expired != n or rows != n:
        raise RuntimeError(f"{rows} rows expired by the job, {expired} of {n} expired in the database")
    return {"rows": rows, "blobs": blobs, "seconds": seconds, "rate": rows / seconds}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--accept-n", type=int, default=100_000, help="inputs submitted (default 100000)")
    parser.add_argument("--clients", type=int, default=2, help="submitting threads (default 2)")
    parser.add_argument("--expire-n", type=int, default=500_000, help="old inputs to expire (default 500000)")
    parser.add_argument("--keep", action="store_true", help="keep the platform's data directory and logs")
    parser.add_argument("--output", type=Path, help="where to write the JSON (default benchmarks/results/)")
    args = parser.parse_args()

    from bench_calls_functions import app, inc

    commit, dirty = commit_id()
    results: dict = {
        "benchmark": "retention",
        "commit": commit,
        "dirty": dirty,
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "config": {"accept_n": args.accept_n, "clients": args.clients, "expire_n": args.expire_n},
    }
    plat = EmbeddedPlatform(keep=args.keep)
    try:
        plat.start()
        client = plat.client()
        with app.run(client=client, show_logs=False):
            say(f"Acceptance: {args.accept_n} inputs from {args.clients} clients, {BATCH} per request")
            results["acceptance"] = accept(plat, client, inc, args.accept_n, args.clients)
            say(f"  {results['acceptance']['rate']:.0f} inputs/s")
            results["expiry"] = expire(plat, inc, args.expire_n)
            say(f"  {results['expiry']['rate']:.0f} rows/s")
    finally:
        plat.stop()
    a, e = results["acceptance"], results["expiry"]
    results["ratio"] = e["rate"] / a["rate"]
    print()
    print(f"Skylift retention benchmark — commit {commit}{' (dirty)' if dirty else ''}")
    row = "{:<58} {:>14}"
    print(row.format(f"inputs accepted ({a['inputs']} from {a['clients']} clients, {BATCH}/request)", ""))
    print(row.format("  inputs/s", f"{a['rate']:.0f}"))
    print(row.format(f"outputs expired (a backlog of {e['rows']}, manage.py expire_outputs)", ""))
    print(row.format("  rows/s", f"{e['rate']:.0f}"))
    verdict = "keeps up" if results["ratio"] > 1 else "FALLS BEHIND"
    print(row.format("expiry rate / acceptance rate", f"{results['ratio']:.2f}x {verdict}"))
    print()
    out = args.output or HERE / "results" / f"retention-{commit}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    say(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
