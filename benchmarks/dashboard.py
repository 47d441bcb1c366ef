"""The dashboard benchmark: the main bundle's size, and how soon pages are painted in Chromium (issue 15).

    .venv/bin/python benchmarks/dashboard.py [--apps 200] [--calls 10000] [--runs 5]
                                             [--tail-lines 20000] [--tail-rate 5000] [--tail-only]

It needs the built dashboard (platform/scripts/frontend.sh, or `npm run build` in frontend/) and
the system's Chromium. In one run it:

1. gzips each JavaScript file of frontend/dist/assets: the main bundle (index-*.js, what every page
   loads; target <= 300 KB gzipped) and the chunks loaded later (the function page with its charts);
2. starts the embedded platform (`skylift server start --background` in a temporary data dir),
   deploys `noop` (bench_dashboard_functions.py), makes `--apps` apps through the API, and writes
   `--calls` finished calls of `noop` (one input each, spread over the last hour, 2% failed, on 20
   containers) straight into PostgreSQL, as retention.py writes its backlog;
3. signs in as the platform's admin in Chromium and, `--runs` times each, loads the Apps page and
   the function page from a fresh page, timing from navigation start (`performance.now()`) until
   the first page of apps is in the table, and until the function page's calls table and its
   inputs-per-second chart are drawn (target < 1 s each);
4. the live log tail: opens the Logs page of bench-dashboard (live over /ws/logs/), then runs
   `chatty`, a real function printing `--tail-lines` numbered lines at `--tail-rate` lines per
   second in its container. The page's own count of lines shown is watched (a MutationObserver,
   timed with Date.now(): the container, the platform and Chromium share this machine's clock). It
   reports how many lines arrived (target: all of them, nothing dropped), the lag of the last line
   (when the page showed it minus when it was printed; target < 1 s), and the largest lag seen while
   the lines streamed (the newest line shown against when it was due to be printed).

It prints the figures and writes results/dashboard-<commit>.json. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _platform import HERE, REPO, EmbeddedPlatform, commit_id, machine_info, say  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
DIST = REPO / "frontend" / "dist"
BUNDLE_TARGET_KB = 300
PAINT_TARGET_S = 1.0
TAIL_LAG_TARGET_S = 1.0

# Installed in the Logs page: every change of its "N lines shown" is stamped with Date.now() / 1000.
WATCH_COUNT_JS = """
() => {
  const counter = document.querySelector('[data-testid=log-count]');
  const samples = [];
  window.__tail = samples;
  const read = () => samples.push([Date.now() / 1000, parseInt(counter.textContent, 10)]);
  new MutationObserver(read).observe(counter, { childList: true, characterData: true, subtree: true });
  read();
}
"""

CALLS_SQL = """
WITH f AS (SELECT id, workspace_id FROM functions_function WHERE id = %(function)s),
t AS (
    INSERT INTO functions_task (id, workspace_id, function_id, status, container_id, token_hash, cause, message,
                                inputs_served, gpu_devices, gpu_type, created_at, started_at, stopped_at)
    SELECT 'ta-bench' || g, f.workspace_id, f.id, 'stopped', '', '', '', '', 0, '{}', '',
           now() - interval '61 minutes' + g * interval '3 minutes',
           now() - interval '61 minutes' + g * interval '3 minutes' + interval '1.2 seconds',
           now() - interval '55 minutes' + g * interval '3 minutes'
      FROM f, generate_series(0, 19) AS g
    RETURNING id
),
c AS (
    INSERT INTO functions_functioncall (id, workspace_id, function_id, kind, status, input_count, closed,
                                        created_at, finished_at)
    SELECT 'fc-bench' || g, f.workspace_id, f.id, 'remote',
           CASE WHEN g %% 50 = 0 THEN 'failed' ELSE 'succeeded' END, 1, true,
           now() - interval '1 hour' + g * (interval '1 hour' / %(n)s),
           now() - interval '1 hour' + g * (interval '1 hour' / %(n)s) + interval '80 ms'
      FROM f, generate_series(0, %(n)s - 1) AS g
    RETURNING id, workspace_id, function_id, created_at, finished_at, status
)
INSERT INTO functions_input (id, workspace_id, call_id, function_id, idx, method, args, args_blob, status,
                             spawned, attempt, crashes, retries_used, preemptions, result, result_kind,
                             result_blob, cause, message, created_at, enqueued_at, started_at, finished_at,
                             finished_seq, task_id, codec)
SELECT 'in' || substr(c.id, 3), c.workspace_id, c.id, c.function_id, 0, '', '\\x00', '', c.status, false,
       1, 0, 0, 0, '\\x00', CASE WHEN c.status = 'failed' THEN 'exception' ELSE 'value' END, '', '', '',
       c.created_at, c.created_at, c.created_at + interval '10 ms', c.finished_at,
       nextval('skylift_output_seq'),
       'ta-bench' || (row_number() OVER (ORDER BY c.id) %% 20), ''
  FROM c
"""


def bundle_sizes() -> dict:
    if not (DIST / "index.html").exists():
        raise SystemExit(
            "Build the dashboard first: platform/scripts/frontend.sh (or npm run build in frontend/)."
        )
    files = {}
    for path in sorted((DIST / "assets").glob("*.js")):
        data = path.read_bytes()
        files[path.name] = {"bytes": len(data), "gzip_bytes": len(gzip.compress(data, compresslevel=9))}
    main = [name for name in files if name.startswith("index-")]
    return {"files": files, "main": main[0] if main else None}


def seed(plat: EmbeddedPlatform, client, apps: int, calls: int) -> dict:
    from bench_dashboard_functions import app

    say("Deploying bench-dashboard")
    app.deploy(client=client)
    headers = {"Authorization": f"Bearer {client.config.token_id}:{client.config.token_secret}"}
    api = f"{plat.url}/api/v1"
    found = httpx.get(f"{api}/apps/lookup/", params={"name": "bench-dashboard"}, headers=headers).json()
    functions = httpx.get(f"{api}/functions/", params={"app": found["id"]}, headers=headers).json()
    function_id = next(f["id"] for f in functions["results"] if f["name"] == "noop")
    say(f"Making {apps} apps through the API")
    with httpx.Client(headers=headers, timeout=30) as http:
        for i in range(apps - 1):
            r = http.post(f"{api}/apps/", json={"name": f"bench-app-{i:04d}", "description": f"app {i}"})
            r.raise_for_status()
    say(f"Writing {calls} calls of noop into PostgreSQL")
    t0 = time.perf_counter()
    plat.sql(CALLS_SQL, {"function": function_id, "n": calls})
    plat.sql("VACUUM ANALYZE functions_input")
    plat.sql("VACUUM ANALYZE functions_functioncall")
    say(f"  written in {time.perf_counter() - t0:.1f} s")
    return {"function_id": function_id, "app_id": found["id"], "headers": headers}


def api_times(plat: EmbeddedPlatform, seeded: dict, runs: int) -> dict[str, list[float]]:
    """Seconds each request the two pages make takes, from here (no browser)."""
    api = f"{plat.url}/api/v1"
    fid = seeded["function_id"]
    requests = {
        "GET /apps/ (a page of 50)": (f"{api}/apps/", {"limit": 50}),
        "GET /functions/{id}/metrics/?window=1h": (f"{api}/functions/{fid}/metrics/", {"window": "1h"}),
        "GET /functions/{id}/metrics/?window=7d": (f"{api}/functions/{fid}/metrics/", {"window": "7d"}),
        "GET /calls/ (the function's, a page of 50)": (
            f"{api}/calls/",
            {"app": seeded["app_id"], "function_name": "noop", "limit": 50},
        ),
    }
    out: dict[str, list[float]] = {}
    with httpx.Client(headers=seeded["headers"], timeout=60) as http:
        for name, (url, params) in requests.items():
            http.get(url, params=params).raise_for_status()  # warm
            times = []
            for _ in range(runs):
                t0 = time.perf_counter()
                http.get(url, params=params).raise_for_status()
                times.append(time.perf_counter() - t0)
            out[name] = times
    return out


def paint_times(plat: EmbeddedPlatform, function_id: str, runs: int) -> dict:
    from playwright.sync_api import sync_playwright

    password = (plat.data_dir / "initial-admin-password").read_text().strip()
    results: dict[str, list[float]] = {"apps_page": [], "function_page": []}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        context = browser.new_context(base_url=plat.url, viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto("/login")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Apps").wait_for()
        for _ in range(runs):
            fresh = context.new_page()
            fresh.goto("/", wait_until="commit")
            fresh.locator("[data-testid=app-row]").nth(49).wait_for()
            results["apps_page"].append(fresh.evaluate("performance.now()") / 1000)
            fresh.close()
            fresh = context.new_page()
            fresh.goto(f"/functions/{function_id}", wait_until="commit")
            fresh.locator("[data-testid=calls-table-row]").nth(49).wait_for()
            fresh.locator("[data-chart=rate] canvas").wait_for()
            results["function_page"].append(fresh.evaluate("performance.now()") / 1000)
            totals = fresh.get_by_test_id("metrics-totals").inner_text()
            # Where the time went: each request's start and end since navigation start.
            waterfall = fresh.evaluate(
                "performance.getEntriesByType('resource').map(e => "
                "[e.name.replace(location.origin, ''), Math.round(e.startTime), Math.round(e.responseEnd)])"
            )
            fresh.close()
        browser.close()
    return {**results, "function_totals": totals, "function_waterfall": waterfall}


def tail_figures(plat: EmbeddedPlatform, client, lines: int, rate: int) -> dict:
    """How many of `lines` printed at `rate`/s by a real function the Logs page's live tail shows, and how late."""
    from bench_dashboard_functions import app, chatty
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    password = (plat.data_dir / "initial-admin-password").read_text().strip()
    app.deploy(client=client)  # again after seed(): its functions are then callable from here
    say("Warming chatty's container (10 lines)")
    chatty.remote(10, 1000)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(base_url=plat.url, viewport={"width": 1280, "height": 800})
        page.goto("/login")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.get_by_role("heading", name="Apps").wait_for()
        page.goto(f"/logs?app={app.app_id}&q=tail")
        page.get_by_text("Live", exact=True).wait_for()
        before = int(page.get_by_test_id("log-count").inner_text().split()[0])
        page.evaluate(WATCH_COUNT_JS)
        say(f"Printing {lines} lines at {rate}/s in chatty, the Logs page tailing")
        printed_from, printed_to = chatty.remote(lines, rate)
        target = before + lines
        try:
            page.wait_for_function(
                f"window.__tail.length && window.__tail[window.__tail.length - 1][1] >= {target}",
                timeout=60_000,
                polling=100,
            )
        except PlaywrightTimeout:
            pass  # reported as lines missing
        page.wait_for_timeout(2_000)  # any line later than that is as good as dropped
        samples = page.evaluate("window.__tail")
        browser.close()
    shown = samples[-1][1] - before
    reached = next((t for t, n in samples if n >= target), None)
    # While streaming: the newest line shown (count n: line n-1) against when it was due.
    lags = [t - (printed_from + (n - before - 1) / rate) for t, n in samples if n > before]
    return {
        "lines": lines,
        "rate_asked": rate,
        "rate_printed": lines / (printed_to - printed_from) if printed_to > printed_from else None,
        "printed_seconds": printed_to - printed_from,
        "arrived": shown,
        "dropped": lines - shown,
        "last_line_lag_s": (reached - printed_to) if reached is not None else None,
        "max_lag_while_streaming_s": max(lags) if lags else None,
        "renders": len(samples),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--apps", type=int, default=200)
    parser.add_argument("--calls", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tail-lines", type=int, default=20_000)
    parser.add_argument("--tail-rate", type=int, default=5_000)
    parser.add_argument("--tail-only", action="store_true", help="only the live log tail's figure")
    parser.add_argument("--keep", action="store_true", help="keep the platform's data dir")
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    commit, dirty = commit_id()
    results: dict = {
        "benchmark": "dashboard",
        "commit": commit,
        "dirty": dirty,
        "when": datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "config": {
            "apps": args.apps,
            "calls": args.calls,
            "runs": args.runs,
            "tail_lines": args.tail_lines,
            "tail_rate": args.tail_rate,
        },
        "bundle": bundle_sizes(),
    }
    plat = EmbeddedPlatform(keep=args.keep)
    try:
        plat.start()
        client = plat.client()
        if not args.tail_only:
            seeded = seed(plat, client, args.apps, args.calls)
            results["api"] = api_times(plat, seeded, args.runs)
            results["paint"] = paint_times(plat, seeded["function_id"], args.runs)
        results["tail"] = tail_figures(plat, client, args.tail_lines, args.tail_rate)
    finally:
        plat.stop()

    bundle, tail = results["bundle"], results["tail"]
    main_kb = bundle["files"][bundle["main"]]["gzip_bytes"] / 1024
    print()
    print(f"Skylift dashboard benchmark — commit {commit}{' (dirty)' if dirty else ''}")
    row = "{:<62} {:>12} {:>10}"
    print(row.format("", "figure", "target"))
    print(row.format("main bundle, gzipped", f"{main_kb:.1f} KB", f"<= {BUNDLE_TARGET_KB} KB"))
    rate = f"{tail['rate_printed']:.0f}/s" if tail["rate_printed"] else "?"
    print(
        row.format(
            f"live tail: lines shown of {tail['lines']} printed at {rate}", str(tail["arrived"]), "all"
        )
    )
    last = tail["last_line_lag_s"]
    print(
        row.format(
            "  lag of the last line",
            f"{last:.3f} s" if last is not None else "never",
            f"< {TAIL_LAG_TARGET_S:.0f} s",
        )
    )
    worst = tail["max_lag_while_streaming_s"]
    print(row.format("  largest lag while streaming", f"{worst:.3f} s" if worst is not None else "-", ""))
    if args.tail_only:
        return _write(results, args, commit)
    paint = results["paint"]
    for name, sizes in bundle["files"].items():
        if name != bundle["main"]:
            print(row.format(f"  lazy chunk {name}, gzipped", f"{sizes['gzip_bytes'] / 1024:.1f} KB", ""))
    for key, label in (
        ("apps_page", f"Apps page painted ({args.apps} apps, first page of 50), median"),
        ("function_page", f"function page painted ({args.calls} calls), median"),
    ):
        values = paint[key]
        print(row.format(label, f"{statistics.median(values):.3f} s", f"< {PAINT_TARGET_S:.0f} s"))
        print(row.format("  first load (cold cache) / slowest", f"{values[0]:.3f} / {max(values):.3f} s", ""))
    for name, values in results["api"].items():
        print(row.format(f"  {name}, median", f"{statistics.median(values) * 1000:.0f} ms", ""))
    print(f"function page totals: {paint['function_totals']}")
    print("function page requests (ms since navigation start, last run):")
    for name, start, end in paint["function_waterfall"]:
        print(f"  {start:>5} - {end:>5}  {name}")
    return _write(results, args, commit)


def _write(results: dict, args, commit: str) -> int:
    out = args.output or HERE / "results" / f"dashboard-{commit}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2, default=str) + "\n")
    say(f"Wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
