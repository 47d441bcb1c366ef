"""Budget alerts on the real platform: a workspace's webhook (set with the CLI) gets each threshold
once, signed, through Celery (the first post fails and is retried), though the alert job runs twice;
the monthly statement over the CLI names the app and writes its PDF."""

from __future__ import annotations

import json
import re

import pytest
from celery import Celery
from pypdf import PdfReader

from tests.billing import billing_app
from tests.billing.receiver import Receiver, signed_by
from tests.billing.test_live_usage import METERED, _cli
from tests.fixtures.live_platform import wait_for

pytestmark = pytest.mark.integration

DELIVERIES = """
SELECT a.threshold, d.status, d.attempts FROM billing_alertdelivery d
  JOIN billing_budgetalert a ON a.id = d.alert_id JOIN billing_budget b ON b.id = a.budget_id
 WHERE b.workspace_id = %s ORDER BY a.threshold
"""


def test_each_threshold_reaches_the_webhook_once_though_the_job_runs_twice(platform, tmp_path):
    hooker = platform.create_user("hooker", "hook-ws")
    receiver = Receiver(fail_first=1)
    try:
        # given the workspace's webhook, set with the CLI, at a receiver whose first answer is a 500
        made = _cli(platform, tmp_path, hooker, "billing", "webhook", "set", receiver.url)
        assert made.returncode == 0, made.stderr
        secret = re.search(r"Signing secret .*: ([0-9a-f]{64})", made.stdout)[1]
        # and a function's run, metered whole
        with billing_app.app.run(client=platform.client("hooker")):
            task_id = billing_app.burn.remote(0.1)
        wait_for(
            lambda: platform.sql(METERED, [task_id]), lambda r: r and abs(r[0][1] - float(r[0][0])) < 0.01
        )
        client = platform.client("hooker")
        spent = client.usage_report()["total_cost"]
        # and a workspace budget just below what it spent: 50, 80 and 100 % are reached
        client.budget_set(app_id=None, limit_usd=spent * 0.999)
        # when the alert job runs twice
        celery = Celery(broker=platform.redis_url)
        jobs = [celery.send_task("billing.tasks.budget_alerts", queue="control").id for _ in range(2)]
        worker_log = platform.log_dir / "worker.log"
        wait_for(
            lambda: worker_log.read_text(),
            lambda text: all(f"budget_alerts[{job}] succeeded" in text for job in jobs),
        )
        # then each threshold is delivered, the failed one after a retry
        rows = wait_for(
            lambda: platform.sql(DELIVERIES, [hooker.workspace_id]),
            lambda r: len(r) == 3 and all(status == "delivered" for _, status, _ in r),
        )
        # (the three go out together: whichever was posted first met the failure and took two)
        assert [t for t, _, _ in rows] == [50, 80, 100]
        assert sorted(a for _, _, a in rows) == [1, 1, 2]
        # and the receiver got each threshold once (after the one failed post), each signed
        delivered = [json.loads(body) for _, body in receiver.posts[1:]]
        assert sorted(d["threshold"] for d in delivered) == [50, 80, 100]
        assert len(receiver.posts) == 4
        assert all(signed_by(secret, headers, body) for headers, body in receiver.posts)
        assert {d["workspace"]["id"] for d in delivered} == {hooker.workspace_id}
        # and each alert is in the audit log, once
        audited = platform.sql(
            "SELECT data->>'threshold' FROM accounts_auditevent WHERE workspace_id = %s AND action = 'budget.alert'",
            [hooker.workspace_id],
        )
        assert sorted(int(t) for (t,) in audited) == [50, 80, 100]
    finally:
        receiver.close()
    # and the month's statement over the CLI names the app; its PDF too
    month = platform.sql("SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM')")[0][0]
    table = _cli(platform, tmp_path, hooker, "billing", "statement", "--month", month)
    assert table.returncode == 0 and "it-billing" in table.stdout, table.stderr
    pdf = tmp_path / "statement.pdf"
    wrote = _cli(platform, tmp_path, hooker, "billing", "statement", "--month", month, "--pdf", str(pdf))
    assert wrote.returncode == 0, wrote.stderr
    assert "it-billing" in PdfReader(str(pdf)).pages[0].extract_text()
