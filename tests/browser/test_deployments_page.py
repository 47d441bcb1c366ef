"""Deployed apps in the dashboard, in real Chromium: versions, rollback preview and rollback,
schedules with run now, cold starts per version, and stop."""

from __future__ import annotations

import textwrap

import pytest
from playwright.sync_api import expect

from skylift._import_file import import_file
from tests.browser.test_dashboard import sign_in

pytestmark = pytest.mark.browser

APP = textwrap.dedent(
    """
    import skylift

    app = skylift.App("browser-deployed")
    RELEASE = {release!r}


    @app.function()
    def version() -> str:
        return RELEASE


    @app.function(schedule=skylift.Period(hours=6))
    def nightly() -> str:
        return "ran " + RELEASE
    """
)


def _deploy(client, source, release: str):
    source.write_text(APP.format(release=release))
    return import_file(str(source)).app.deploy(client=client)


def test_it_shows_versions_previews_a_rollback_runs_a_schedule_and_stops(page, platform, tmp_path):
    alice = platform.users["alice"]
    client = platform.client("alice")
    source = tmp_path / "browser_deployed.py"
    _deploy(client, source, "one")
    app = _deploy(client, source, "two")
    app_id = app.app_id
    assert app.registered_functions["version"].remote() == "two"  # a container of v2: a cold start

    # given the apps page: the app is among the deployed ones
    sign_in(page, "alice", alice.password)
    deployed = page.get_by_role("table", name="Apps")
    expect(deployed).to_contain_text("browser-deployed")
    expect(deployed).to_contain_text("v2")
    deployed.get_by_role("link", name="browser-deployed").click()
    expect(page).to_have_url(f"{platform.url}/apps/{app_id}")
    expect(page.get_by_test_id("live-version")).to_have_text("v2")

    # then its versions, the live one with its cold starts
    versions = page.get_by_role("table", name="Versions")
    expect(versions.get_by_test_id("version-row")).to_have_count(2)
    live_row = versions.locator("[data-version='2']")
    expect(live_row).to_contain_text("live")
    expect(live_row.get_by_test_id("cold-starts")).to_contain_text(" s")

    # when a rollback to v1 is previewed
    versions.get_by_role("button", name="Roll back to v1…").click()
    preview = page.get_by_role("region", name="Rollback preview")
    # then the diff and the restore contract show, and nothing changed yet
    expect(preview).to_contain_text("-RELEASE = 'two'")
    expect(preview).to_contain_text("+RELEASE = 'one'")
    expect(preview.get_by_test_id("restore-contract")).to_contain_text("secret values")
    assert client.app_get(app_id)["live_version"] == 2

    # when confirmed
    preview.get_by_role("button", name="Confirm rollback to v1").click()
    # then v3 is live and runs v1's code
    expect(page.get_by_test_id("live-version")).to_have_text("v3")
    expect(versions.get_by_test_id("version-row")).to_have_count(3)
    expect(versions.locator("[data-version='3']")).to_contain_text("rollback to v1")
    assert app.registered_functions["version"].remote() == "one"

    # and the function's page counts the calls of all its versions and marks the three deploys
    page.get_by_role("table", name="Functions").get_by_role("link", name="version", exact=True).click()
    expect(page.get_by_test_id("metrics-totals")).to_contain_text("2 inputs · 2 succeeded")
    deploys = page.get_by_test_id("deploys")
    for number in ("v1", "v2", "v3"):
        expect(deploys).to_contain_text(number)
    expect(deploys).to_contain_text("by alice")
    page.go_back()

    # when the scheduled function is run now
    schedules = page.get_by_role("table", name="Schedules")
    expect(schedules).to_contain_text("nightly")
    expect(schedules).to_contain_text("every 6 hours")
    schedules.get_by_role("button", name="Run now").click()
    # then a call starts, and its function returns v1's answer
    expect(schedules.get_by_test_id("run-now-call")).to_contain_text("fc-")
    call_id = schedules.get_by_test_id("run-now-call").inner_text().split()[-1]
    assert client.call_outputs(call_id, timeout=50)["outputs"][0]["status"] == "succeeded"

    # when stopped
    page.get_by_role("button", name="Stop app…").click()
    page.get_by_role("button", name="Stop browser-deployed").click()
    # then
    expect(page.get_by_role("heading", name="browser-deployed")).to_contain_text("stopped")
    assert client.app_get(app_id)["state"] == "stopped"


WARM = textwrap.dedent(
    """
    import skylift

    app = skylift.App("browser-capped")


    @app.function(cpu=0.25, memory=256, min_containers={warm})
    def version() -> int:
        return {warm}
    """
)


def test_the_rollback_panel_shows_a_refusal_over_the_cap_and_rolls_back_when_forced(page, platform, tmp_path):
    alice = platform.users["alice"]
    client = platform.client("alice")
    source = tmp_path / "browser_capped.py"
    # given v1 keeping a container of 0.25 cores warm (about $0.30 a day idle), v2 keeping none,
    # and then the app's daily cap of $0.05
    source.write_text(WARM.format(warm=1))
    import_file(str(source)).app.deploy(client=client)
    source.write_text(WARM.format(warm=0))
    app = import_file(str(source)).app.deploy(client=client)
    client.budget_set(app_id=app.app_id, limit_usd=0.05, period="day")

    # when alice confirms a rollback to v1 in the app's page
    sign_in(page, "alice", alice.password)
    page.get_by_role("table", name="Apps").get_by_role("link", name="browser-capped").click()
    versions = page.get_by_role("table", name="Versions")
    versions.get_by_role("button", name="Roll back to v1…").click()
    panel = page.get_by_role("region", name="Rollback preview")
    expect(panel.get_by_role("group", name="Standing cost of v1")).to_contain_text("cap of $0.05")
    panel.get_by_role("button", name="Confirm rollback to v1").click()
    # then the refusal names the cap and the idle cost, and nothing changed
    expect(panel.get_by_role("alert")).to_contain_text(
        "The app's daily cap of $0.05 would be exceeded by browser-capped's idle cost alone"
    )
    assert client.app_get(app.app_id)["live_version"] == 2

    # when she rolls back anyway
    panel.get_by_role("button", name="Roll back anyway, over the cap").click()
    # then v3 is live and runs v1's function again
    expect(page.get_by_test_id("live-version")).to_have_text("v3")
    expect(versions.locator("[data-version='3']")).to_contain_text("rollback to v1")
    assert app.registered_functions["version"].remote() == 1
    client.app_stop(app.app_id)
