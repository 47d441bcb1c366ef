"""The function page, the calls table and a call's page in real Chromium against the real platform:
a real map's calls, charts of real data, scaling changed from the browser, cancel and retry."""

from __future__ import annotations

import time

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser import function_page_app as fapp
from tests.browser.test_dashboard import sign_in

pytestmark = pytest.mark.browser


def _function_id(platform, app_id: str, name: str) -> str:
    alice = platform.users["alice"]
    found = httpx.get(
        f"{platform.url}/api/v1/functions/", params={"app": app_id}, headers=alice.headers
    ).json()
    return next(f["id"] for f in found["results"] if f["name"] == name)


def _api(platform, path: str, **params):
    response = httpx.get(
        f"{platform.url}/api/v1{path}", params=params, headers=platform.users["alice"].headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_the_function_page_charts_a_real_map_lists_its_call_and_applies_scaling(page, platform):
    alice = platform.users["alice"]
    with fapp.app.run(client=platform.client("alice"), show_logs=False):
        app_id = fapp.app.app_id
        # given a real map of 6 inputs, done
        assert list(fapp.square.map(range(6))) == [0, 1, 4, 9, 16, 25]
        function_id = _function_id(platform, app_id, "square")
        (call,) = _api(platform, "/calls/", function=function_id)["results"]

        # when its function page is opened from the app page
        sign_in(page, "alice", alice.password)
        expect(page.get_by_role("heading", name="Apps")).to_be_visible()
        page.goto(f"/apps/{app_id}")
        page.get_by_role("table", name="Functions").get_by_role("link", name="square").click()
        expect(page).to_have_url(f"{platform.url}/functions/{function_id}")

        # then the calls table has the map: succeeded, 6 inputs, its container, one attempt each
        row = page.get_by_role("table", name="Function calls").locator(f'[data-call-id="{call["id"]}"]')
        expect(row.get_by_test_id("call-status")).to_have_text("succeeded")
        expect(row).to_contain_text("square")
        expect(row.get_by_test_id("container")).to_have_text(call["task_id"])
        assert call["task_id"].startswith("ta-")
        expect(row.get_by_test_id("attempts")).to_have_text("1")
        expect(row.get_by_test_id("cold")).to_have_text("cold")  # the first container started for it
        # and the charts draw real data: 6 inputs, a success rate, a container
        expect(page.get_by_test_id("metrics-totals")).to_contain_text("6 inputs · 6 succeeded · 0 failed")
        for chart in ("rate", "success", "latency", "queue", "cold", "containers"):
            expect(page.locator(f'[data-chart="{chart}"] canvas')).to_have_count(1)
        expect(page.locator('[data-chart="rate"] .u-legend')).to_contain_text("inputs/s")
        # and another window is read again
        page.get_by_role("group", name="Window").get_by_role("button", name="24h").click()
        expect(page).to_have_url(f"{platform.url}/functions/{function_id}?window=24h")
        expect(page.get_by_test_id("metrics-totals")).to_contain_text("in the last 24h")

        # when the scaling is changed in the browser: one container kept warm
        page.get_by_label("Min containers").fill("1")
        page.get_by_label("Scale-down window (s)").fill("120")
        page.get_by_role("button", name="Apply").click()
        expect(page.get_by_role("status")).to_contain_text("Saved")
        # then the API has it, and the autoscaler keeps a container running without any call
        function = _api(platform, f"/functions/{function_id}/")
        assert (function["min_containers"], function["scaledown_window"]) == (1, 120)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            live = [
                t
                for t in _api(platform, "/tasks/", function=function_id)["results"]
                if t["status"] == "running"
            ]
            if live:
                break
            time.sleep(1)
        assert live, "no container was kept warm after min_containers was set to 1"

        # when a value the API refuses is sent, its error shows beside the field
        page.get_by_label("Max containers").fill("0")
        page.get_by_role("button", name="Apply").click()
        expect(page.get_by_role("alert")).to_contain_text("greater than or equal to 1")
        expect(page.get_by_label("Max containers")).to_have_attribute("aria-invalid", "true")
        page.get_by_label("Max containers").fill("")
        page.get_by_label("Min containers").fill("0")
        page.get_by_role("button", name="Apply").click()
        expect(page.get_by_role("status")).to_contain_text("Saved")


def test_a_call_is_cancelled_from_the_browser_and_a_failed_one_retried(page, platform):
    alice = platform.users["alice"]
    with fapp.app.run(client=platform.client("alice"), show_logs=False):
        app_id = fapp.app.app_id
        # given a call that sleeps a long time
        running = fapp.sleepy.spawn(300)
        function_id = _function_id(platform, app_id, "sleepy")
        sign_in(page, "alice", alice.password)
        expect(page.get_by_role("heading", name="Apps")).to_be_visible()
        page.goto(f"/functions/{function_id}")
        row = page.locator(f'[data-call-id="{running.object_id}"]')
        expect(row).to_be_visible()
        # when it is cancelled from the calls table
        row.get_by_role("button", name="Cancel").click()
        # then it is cancelled, in the page and in the platform
        expect(row.get_by_test_id("call-status")).to_have_text("cancelled")
        assert _api(platform, f"/calls/{running.object_id}/")["status"] == "cancelled"
        report = _api(platform, f"/calls/{running.object_id}/report/")
        assert report["counts"] == {"cancelled": 1}

        # given a call that printed and failed in its container
        with pytest.raises(RuntimeError, match="kaput"):
            fapp.loud_failure.remote("kaput")
        failed_id = _api(platform, "/calls/", function=_function_id(platform, app_id, "loud_failure"))[
            "results"
        ][0]["id"]
        # when its page is opened
        page.goto(f"/calls/{failed_id}")
        # then its input, the remote traceback, its log line and its cold start are shown
        inputs = page.get_by_role("table", name="Inputs")
        expect(inputs.get_by_test_id("input-status")).to_have_text("failed")
        traceback = page.get_by_test_id("traceback")
        expect(traceback).to_contain_text("Traceback (most recent call last):")
        expect(traceback).to_contain_text("RuntimeError: kaput")
        expect(page.get_by_test_id("call-logs")).to_contain_text("about to fail: kaput")
        expect(page.get_by_test_id("stage")).not_to_have_count(0)
        expect(page.locator('[data-stage="run"]')).to_be_visible()
        # when it is retried
        page.get_by_role("button", name="Retry with the same inputs").click()
        # then a new call of the same function runs the same input, and fails the same way
        expect(page).not_to_have_url(f"{platform.url}/calls/{failed_id}")
        retried_id = page.url.rsplit("/", 1)[1]
        assert retried_id.startswith("fc-") and retried_id != failed_id
        expect(page.get_by_test_id("traceback")).to_contain_text("RuntimeError: kaput")
        assert _api(platform, f"/calls/{retried_id}/")["function_name"] == "loud_failure"


def test_the_apps_list_shows_running_containers_and_the_hours_error_rate(page, platform):
    alice = platform.users["alice"]
    with fapp.app.run(client=platform.client("alice"), show_logs=False):
        app_id = fapp.app.app_id
        assert fapp.square.remote(3) == 9
        with pytest.raises(RuntimeError):
            fapp.loud_failure.remote("once")
        sign_in(page, "alice", alice.password)
        page.get_by_label("Search").fill("browser-functions")
        page.get_by_role("button", name="Search").click()
        expect(page).to_have_url(f"{platform.url}/?search=browser-functions")
        row = page.locator(f'[data-app-id="{app_id}"]')
        expect(row.get_by_test_id("error-rate")).to_have_text("50%")
        expect(row.get_by_test_id("running-containers")).not_to_have_text("0")
        page.get_by_label("State").select_option("stopped")
        expect(page.locator(f'[data-app-id="{app_id}"]')).to_have_count(0)


def test_a_call_that_waits_for_room_says_why_on_its_page_and_its_functions(page, platform):
    from tests.browser import waiting_app

    alice = platform.users["alice"]
    with waiting_app.app.run(client=platform.client("alice"), show_logs=False):
        # given a call of a function that asks for 64 CPU, more than the test host has free
        call = waiting_app.too_big.spawn()
        function_id = _function_id(platform, waiting_app.app.app_id, "too_big")
        deadline = time.monotonic() + 60
        while not (reason := _api(platform, f"/calls/{call.object_id}/")["waiting_reason"]):
            assert time.monotonic() < deadline, "the call never recorded why it waits"
            time.sleep(0.5)
        assert "Waiting for a host with 64 CPU" in reason and "(needs 64)" in reason
        try:
            # when its page is opened, then it says why no container is placed yet
            sign_in(page, "alice", alice.password)
            expect(page.get_by_role("heading", name="Apps")).to_be_visible()
            page.goto(f"/calls/{call.object_id}")
            notice = page.get_by_test_id("waiting-reason")
            expect(notice).to_contain_text("Waiting for a container")
            expect(notice).to_contain_text("Waiting for a host with 64 CPU")
            expect(notice).to_contain_text("(needs 64)")
            # and so does its function's page, with the hosts that lack what
            page.get_by_role("link", name="too_big").last.click()
            expect(page).to_have_url(f"{platform.url}/functions/{function_id}")
            expect(page.get_by_role("status").filter(has_text="Waiting for a container")).to_contain_text(
                "CPU free (needs 64)"
            )
        finally:
            call.cancel()
    # a function that has a container shows no such notice
    with fapp.app.run(client=platform.client("alice"), show_logs=False):
        assert fapp.square.remote(3) == 9
        page.goto(f"/functions/{_function_id(platform, fapp.app.app_id, 'square')}")
        expect(page.get_by_role("heading", name="square")).to_be_visible()
        expect(page.get_by_test_id("waiting-reason")).to_have_count(0)
