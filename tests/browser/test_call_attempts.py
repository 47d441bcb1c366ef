"""A call's attempts with their causes, from real functions in real containers: the call API returns
them in order, and the call page shows them with their causes and tracebacks.

One function raises twice and then returns (retries=2); another's container is killed under its
first attempt (retries=1) and its second returns.
"""

from __future__ import annotations

import secrets

import docker
import httpx
import pytest
from playwright.sync_api import expect

import skylift
from tests.browser import attempts_app
from tests.browser.test_dashboard import sign_in
from tests.fixtures.live_platform import wait_for

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def running(platform):
    with attempts_app.app.run(client=platform.client("alice")):
        yield platform


def _history(platform, call_id: str) -> list[dict]:
    report = httpx.get(
        f"{platform.url}/api/v1/calls/{call_id}/report/", headers=platform.users["alice"].headers, timeout=30
    )
    assert report.status_code == 200, report.text
    (only,) = report.json()["inputs"]
    return only["attempt_history"]


def _call_page(page, platform, call_id: str) -> None:
    sign_in(page, "alice", platform.users["alice"].password)
    expect(page.get_by_test_id("user")).to_contain_text("alice")
    page.goto(f"/calls/{call_id}")


def test_a_function_that_fails_twice_then_succeeds_shows_three_attempts(page, running):
    key = secrets.token_hex(4)
    # when a function raises on its first two attempts and returns on its third
    call = attempts_app.flaky.spawn(key)
    assert call.get(timeout=120) == 3
    # then the call API returns its three attempts in order, with the exceptions of the first two
    history = _history(running, call.object_id)
    assert [(a["attempt"], a["outcome"]) for a in history] == [(1, "failed"), (2, "failed"), (3, "succeeded")]
    for n, attempt in enumerate(history[:2], start=1):
        assert f"attempt {n} of {key} fails" in attempt["message"]
        assert attempt["traceback"].startswith("Traceback (most recent call last):")
        assert f"ValueError: attempt {n} of {key} fails" in attempt["traceback"]
        assert attempt["task_id"].startswith("ta-") and attempt["ended_at"] >= attempt["started_at"]
    assert history[2]["traceback"] == "" and history[2]["cause"] == ""
    # and only the two failed attempts were written as history
    assert running.sql(
        "SELECT count(*) FROM functions_inputattempt a JOIN functions_input i ON i.id = a.input_id"
        " WHERE i.call_id = %s",
        [call.object_id],
    ) == [(2,)]
    # and the call page lists them in that order, each with how it ended and its traceback
    _call_page(page, running, call.object_id)
    attempts = page.get_by_role("list", name="Attempts of input 0").get_by_test_id("attempt")
    expect(attempts).to_have_count(3)
    expect(attempts.nth(0)).to_contain_text("Attempt 1")
    expect(attempts.nth(0)).to_contain_text(f"the function raised: ValueError: attempt 1 of {key} fails")
    expect(attempts.nth(1)).to_contain_text(f"attempt 2 of {key} fails")
    expect(attempts.nth(2)).to_contain_text("Attempt 3")
    expect(attempts.nth(2)).to_contain_text("it returned")
    attempts.nth(1).get_by_text("Traceback of attempt 2").click()
    expect(attempts.nth(1).get_by_test_id("attempt-traceback")).to_be_visible()
    expect(attempts.nth(1).get_by_test_id("attempt-traceback")).to_contain_text(
        f"ValueError: attempt 2 of {key} fails"
    )
    expect(attempts.nth(2).get_by_test_id("attempt-traceback")).to_have_count(0)


def test_an_attempt_whose_container_is_killed_shows_as_crashed(page, running):
    key = secrets.token_hex(4)
    # (an ephemeral Dict: a named one would show in other tests' lists of the workspace's Dicts)
    with skylift.Dict.ephemeral(client=running.client("alice")) as runs:
        _killed_attempt(page, running, runs, key)


def _killed_attempt(page, running, runs, key: str) -> None:
    # given a function waiting in its first attempt
    call = attempts_app.survivor.spawn(runs, key)
    wait_for(
        lambda: running.sql(
            "SELECT 1 FROM functions_logline WHERE call_id = %s AND text = %s",
            [call.object_id, f"first attempt of {key}"],
        ),
        lambda rows: rows,
    )
    (task_id,) = running.sql("SELECT task_id FROM functions_input WHERE call_id = %s", [call.object_id])[0]
    # when its container is killed
    docker.from_env().containers.get(f"skylift-{task_id}").kill()
    # then its second attempt returns, and the first is history: crashed, in that container
    assert call.get(timeout=120) == "attempt 2"
    history = _history(running, call.object_id)
    assert [(a["attempt"], a["outcome"], a["cause"]) for a in history] == [
        (1, "crashed", "container_crash"),
        (2, "succeeded", ""),
    ]
    assert history[0]["task_id"] == task_id and history[1]["task_id"] != task_id
    assert "killed by signal 9" in history[0]["message"]
    # and the call page says so
    _call_page(page, running, call.object_id)
    attempts = page.get_by_role("list", name="Attempts of input 0").get_by_test_id("attempt")
    expect(attempts).to_have_count(2)
    expect(attempts.nth(0)).to_contain_text("its container died under it (container_crash)")
    expect(attempts.nth(0)).to_contain_text("killed by signal 9")
    expect(attempts.nth(0)).to_contain_text(task_id)
    expect(attempts.nth(1)).to_contain_text("it returned")
