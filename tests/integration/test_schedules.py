"""Schedules on the real platform: a deployed function fires by itself, run-now, and bad schedules."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import skylift
from skylift.exception import InvalidError
from tests.fixtures.live_platform import wait_for

pytestmark = pytest.mark.integration

SKYLIFT = str(Path(sys.executable).parent / "skylift")

APP = textwrap.dedent(
    """
    import skylift

    app = skylift.App("it-scheduled")


    @app.function(schedule=skylift.Period(seconds=1))
    def beat() -> str:
        return "beat"


    @app.function(schedule=skylift.Cron("0 0 1 1 *", timezone="Europe/Paris"))
    def new_year() -> str:
        return "happy new year"
    """
)

SCHEDULED_CALLS = """
SELECT c.id, c.status FROM functions_functioncall c JOIN functions_function f ON f.id = c.function_id
  JOIN skylift_apps_app a ON a.id = f.app_id
 WHERE a.name = 'it-scheduled' AND a.state = 'deployed' AND f.name = %s AND c.kind = 'schedule'
 ORDER BY c.created_at
"""


@pytest.fixture
def cli(platform, tmp_path):
    alice = platform.users["alice"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("SKYLIFT_")}
    env.update(
        SKYLIFT_CONFIG_PATH=str(tmp_path / "skylift.toml"),
        SKYLIFT_SERVER_URL=platform.url,
        SKYLIFT_TOKEN_ID=alice.token_id,
        SKYLIFT_TOKEN_SECRET=alice.token_secret,
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SKYLIFT, *args], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
        )

    return run


def test_a_deployed_schedule_fires_runs_now_and_stops_with_its_app(platform, cli, tmp_path):
    source = tmp_path / "scheduled_app.py"
    source.write_text(APP)
    # when deployed
    deployed = cli("deploy", str(source))
    assert deployed.returncode == 0, deployed.stderr
    # then the Period fires by itself, each tick once, and its calls succeed
    beats = wait_for(
        lambda: platform.sql(SCHEDULED_CALLS, ["beat"]),
        lambda rows: sum(status == "succeeded" for _, status in rows) >= 2,
        attempts=1200,
    )
    assert sum(status == "succeeded" for _, status in beats) >= 2
    (keys, ticks) = platform.sql(
        """SELECT count(*), count(DISTINCT c.idempotency_key) FROM functions_functioncall c
             JOIN functions_function f ON f.id = c.function_id
            WHERE f.name = 'beat' AND c.kind = 'schedule'"""
    )[0]
    assert keys == ticks

    # when the yearly Cron is run now
    ran = cli("app", "run-now", "it-scheduled", "new_year")
    # then it runs once, and the listing shows it as the last run, the next New Year as the next
    assert ran.returncode == 0, ran.stderr
    new_year = wait_for(
        lambda: platform.sql(SCHEDULED_CALLS, ["new_year"]), lambda rows: rows and rows[0][1] == "succeeded"
    )
    assert [status for _, status in new_year] == ["succeeded"]
    assert new_year[0][0] in ran.stdout
    listed = cli("app", "schedules", "it-scheduled", "--json")
    assert listed.returncode == 0, listed.stderr
    schedules = {f["name"]: f for f in json.loads(listed.stdout)}
    assert schedules["new_year"]["schedule"] == {"cron": "0 0 1 1 *", "timezone": "Europe/Paris"}
    assert schedules["new_year"]["last_run_call_id"] == new_year[0][0]
    assert schedules["new_year"]["next_run_at"][5:] in ("12-31T23:00:00Z", "12-31T23:00:00+00:00")
    assert schedules["beat"]["schedule"]["period"]["seconds"] == 1.0
    assert schedules["beat"]["last_run_call_id"] and schedules["beat"]["next_run_at"]

    # when the app is stopped, its schedules end
    assert cli("app", "stop", "it-scheduled").returncode == 0
    assert platform.sql(
        """SELECT count(*) FROM functions_function f JOIN skylift_apps_app a ON a.id = f.app_id
            WHERE a.name = 'it-scheduled' AND f.next_run_at IS NOT NULL"""
    ) == [(0,)]


def test_a_bad_schedule_is_refused_where_it_is_written(platform, cli, tmp_path):
    with pytest.raises(InvalidError, match="not valid"):
        skylift.Cron("0 25 * * *")
    with pytest.raises(InvalidError, match="no time zone 'Mars/Olympus'"):
        skylift.Cron("0 8 * * 1", timezone="Mars/Olympus")
    source = tmp_path / "bad_schedule.py"
    source.write_text(
        "import skylift\napp = skylift.App('it-bad-schedule')\n"
        "@app.function(schedule=skylift.Cron('every monday'))\ndef f(): pass\n"
    )
    refused = cli("deploy", str(source))
    assert refused.returncode != 0 and "does not have 5 fields" in refused.stderr
    assert platform.sql("SELECT count(*) FROM skylift_apps_app WHERE name = 'it-bad-schedule'") == [(0,)]
