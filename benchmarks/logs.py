"""The logs benchmark: does log retention keep up with the fastest rate log lines are written? (issue 15)

    source .cache/test-services/env   # or any PostgreSQL the platform's settings point at
    .venv/bin/python benchmarks/logs.py [--lines 200000] [--writers 4] [--batch 200]

1. Insert: `--writers` concurrent writers, as host agents' relays, each sending batches of
   `--batch` lines (a container's shipper sends what was printed within a few ms) through the
   relay's own statement (`hosts.relay_store.RelayStore.record_logs`, the async psycopg pool),
   until `--lines` lines are in. Lines per second, from the first batch to the last commit, is the
   platform's maximum log rate on this machine and database.
2. Purge: those lines are aged past SKYLIFT_LOG_RETENTION_DAYS, then `functions.logs.purge` (what
   the purge-logs job of Celery beat runs) deletes them; lines per second deleted.

The purge must be faster than the insert: at the maximum rate for the retention's N days, a day's
worth of lines comes due each day, and the job (which runs until the backlog is gone) must delete
it in less than a day; the ratio says by how much. Prints both and writes
benchmarks/results/logs-<commit>.json. It writes into the database it is pointed at (a workspace and app of
its own, deleted at the end). Not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Workspace  # noqa: E402
from apps import services as app_services  # noqa: E402
from functions import logs  # noqa: E402
from functions.models import LogLine  # noqa: E402
from hosts.relay_store import RelayStore  # noqa: E402


def _world():
    user = get_user_model().objects.create(username=f"bench-logs-{time.time_ns()}")
    workspace = Workspace.objects.create(name=f"bench-logs-{time.time_ns()}")
    app = app_services.app_create(workspace=workspace, user=user, name="bench-logs")
    return user, workspace, app


async def _insert(task: dict, lines: int, writers: int, batch: int) -> float:
    store = RelayStore()
    await store.open()
    share = [lines // writers + (1 if k < lines % writers else 0) for k in range(writers)]
    text = "x" * 80  # a typical line

    async def writer(count: int, k: int) -> None:
        sent = 0
        while sent < count:
            n = min(batch, count - sent)
            await store.record_logs(
                task,
                [{"stream": "stdout", "text": f"{k} {sent + i} {text}", "call_id": None} for i in range(n)],
            )
            sent += n

    started = time.perf_counter()
    await asyncio.gather(*(writer(count, k) for k, count in enumerate(share)))
    elapsed = time.perf_counter() - started
    await store.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=200_000)
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()

    user, workspace, app = _world()
    task = {"workspace_id": workspace.id, "app_id": app.id, "function_id": None, "id": None}
    try:
        before = LogLine.objects.filter(app=app).count()
        insert_s = asyncio.run(_insert(task, args.lines, args.writers, args.batch))
        inserted = LogLine.objects.filter(app=app).count() - before
        assert inserted == args.lines, (inserted, args.lines)
        insert_rate = inserted / insert_s
        print(
            f"insert: {inserted} lines in {insert_s:.2f} s = {insert_rate:,.0f} lines/s "
            f"({args.writers} writers, {args.batch} per batch)"
        )

        aged = timezone.now() - logs.retention() - timedelta(days=1)
        with connection.cursor() as cur:
            cur.execute(
                f"UPDATE {LogLine._meta.db_table} SET created_at = %s WHERE app_id = %s", [aged, app.id]
            )
            cur.execute(f"VACUUM ANALYZE {LogLine._meta.db_table}")
        started = time.perf_counter()
        purged = logs.purge()
        while not purged.done:  # the task sends itself again at once
            more = logs.purge()
            purged.rows += more.rows
            purged.done = more.done
        purge_s = time.perf_counter() - started
        left = LogLine.objects.filter(app=app).count()
        assert left == 0, left
        purge_rate = purged.rows / purge_s
        print(
            f"purge:  {purged.rows} lines in {purge_s:.2f} s = {purge_rate:,.0f} lines/s (batches of {logs.BATCH})"
        )
        print(f"purge / insert: {purge_rate / insert_rate:.1f}x")
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        out = REPO / "benchmarks" / "results" / f"logs-{commit}.json"
        out.parent.mkdir(exist_ok=True)
        out.write_text(
            json.dumps(
                {
                    "lines": args.lines,
                    "writers": args.writers,
                    "batch": args.batch,
                    "insert_lines_per_s": round(insert_rate),
                    "purge_lines_per_s": round(purge_rate),
                    "ratio": round(purge_rate / insert_rate, 2),
                    "cpus": os.cpu_count(),
                },
                indent=2,
            )
        )
        print(f"wrote {out.relative_to(REPO)}")
    finally:
        from apps.models import Environment

        app.delete()
        Environment.objects.filter(workspace=workspace).delete()
        workspace.delete()
        user.delete()


if __name__ == "__main__":
    main()
