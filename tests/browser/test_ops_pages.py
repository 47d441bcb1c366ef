"""The Logs, Containers and Builds pages in real Chromium, against the real platform: a line a
function prints appears live; a container stopped from the browser disappears; a real build's
steps show with their cache hits and sizes, and a force rebuild builds them again."""

from __future__ import annotations

import importlib
import os
import re
import secrets

import pytest
from playwright.sync_api import expect

from tests.browser.test_dashboard import sign_in

pytestmark = pytest.mark.browser


def _sign_in(page, platform) -> None:
    sign_in(page, "alice", platform.users["alice"].password)
    expect(page.get_by_test_id("user")).to_contain_text("alice")  # signed in: the session is set


@pytest.fixture(scope="module")
def ops(platform):
    os.environ["OPS_BUILD_MARK"] = f"mark-{secrets.token_hex(6)}"
    from tests.browser import ops_app

    module = importlib.reload(ops_app)  # its image's step carries this session's mark
    with module.app.run(client=platform.client("alice")):
        yield module


def test_a_line_appears_live_while_a_function_prints(page, platform, ops):
    token = f"hello-{secrets.token_hex(4)}"
    app_id = ops.app.app_id
    # given the Logs page of the app, tailing
    _sign_in(page, platform)
    page.goto(f"/logs?app={app_id}")
    expect(page.get_by_text("Live", exact=True)).to_be_visible()
    view = page.get_by_role("log", name="Log lines")
    expect(view).not_to_contain_text(token)
    # when the function prints while the page is open
    call = ops.chatter.spawn(token, 25)
    # then its lines appear without a reload, with their function
    expect(view).to_contain_text(f"{token} line 0")
    expect(view).to_contain_text("[chatter]")
    expect(view).to_contain_text(f"{token} line 24")
    assert call.get() == 25
    # and a text search finds exactly the lines of this token
    page.get_by_label("Search").fill(f"{token} line 1")
    page.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"q="))
    expect(page.get_by_test_id("log-count")).to_have_text("11 lines shown")  # 1, 10-19


def test_a_dropped_live_tail_says_so_polls_and_reconnects_with_backoff(page, platform, ops):
    token = f"dropped-{secrets.token_hex(4)}"
    app_id = ops.app.app_id
    # given the Logs page tailing over its WebSocket, which the test stands between page and server
    sockets: list = []
    blocked = {"on": False, "refused": 0}

    def on_socket(ws) -> None:
        if blocked["on"]:
            blocked["refused"] += 1
            ws.close(code=4000, reason="refused by the test")  # the server is unreachable
            return
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/ws/logs/"), on_socket)
    polls: list[str] = []
    page.on(
        "request", lambda r: polls.append(r.url) if "/api/v1/logs/?" in r.url and "after=" in r.url else None
    )
    _sign_in(page, platform)
    page.goto(f"/logs?app={app_id}")
    expect(page.get_by_text("Live", exact=True)).to_be_visible()
    view = page.get_by_role("log", name="Log lines")
    # when the server side closes it, and refuses the page's reconnections
    blocked["on"] = True
    sockets[0].close(code=4001, reason="dropped by the test")
    polls.clear()
    # then the page says so, and that it polls meanwhile
    status = page.get_by_role("status").filter(has_text="Live connection lost")
    expect(status).to_contain_text("polling every 2 s")
    # and lines printed meanwhile still appear, read by polling the logs API
    call = ops.chatter.spawn(token, 10)
    expect(view).to_contain_text(f"{token} line 9")
    assert call.get() == 10
    assert polls, "the lines came by polling GET /api/v1/logs/?after="
    # and it keeps trying to reconnect, each attempt counted (the delays between them grow: backoff.ts)
    expect(status).to_have_text(re.compile(r"\(attempt ([3-9]|[1-9][0-9]+)\)"))
    assert blocked["refused"] >= 2
    attempt = int(re.search(r"attempt (\d+)", status.inner_text()).group(1))
    assert blocked["refused"] in (attempt - 1, attempt)  # one reconnection per attempt, no more
    # when the server is reachable again, then the next attempt makes it live again
    blocked["on"] = False
    expect(page.get_by_text("Live", exact=True)).to_be_visible(timeout=60_000)
    assert len(sockets) == 2
    # and new lines come over the socket again
    after = f"{token}-back"
    ops.chatter.spawn(after, 3).get()
    expect(view).to_contain_text(f"{after} line 2")


def test_a_container_stopped_from_the_browser_disappears(page, platform, ops):
    # given a warm container of the app
    ops.chatter.remote("warm", 1)
    client = platform.client("alice")
    task = [c for c in client.containers(app=ops.app.app_id) if c["function"] == "chatter"][0]
    _sign_in(page, platform)
    page.goto("/containers")
    table = page.get_by_role("table", name="Containers")
    row = table.get_by_test_id("container-row").filter(has_text=task["id"])
    expect(row).to_contain_text("chatter")
    expect(row).to_contain_text("MiB")
    # when alice stops it, confirming
    row.get_by_role("button", name="Stop").click()
    page.get_by_role("region", name="Stop container").get_by_role("button", name="Stop container").click()
    # then it is stopping, then gone from the live containers
    expect(page.get_by_role("status")).to_contain_text(f"Container {task['id']} is stopping.")
    expect(table.get_by_test_id("container-row").filter(has_text=task["id"])).to_have_count(0)
    assert task["id"] not in [c["id"] for c in client.containers(app=ops.app.app_id)]


def test_the_builds_page_shows_a_real_builds_steps_and_rebuilds(page, platform, ops):
    mark = os.environ["OPS_BUILD_MARK"]
    assert ops.marked.remote() == mark  # the image was built for this run
    _sign_in(page, platform)
    page.goto("/builds")
    builds = page.get_by_role("table", name="Builds")
    expect(builds.get_by_test_id("build-row").first).to_be_visible()
    # when the build of the marked step is opened
    ((build_id,),) = platform.sql("SELECT id FROM builds_build WHERE spec::text LIKE %s", [f"%{mark}%"])
    build = platform.client("alice").api.get_httpx_client().get(f"/api/v1/builds/{build_id}/").json()
    builds.get_by_role("link", name=build["id"]).click()
    detail = page.get_by_role("region", name=f"Build {build['id']}")
    steps = detail.get_by_test_id("build-step")
    # then its steps show: the base as a cache hit, the marked step built, with a size
    expect(steps).to_have_count(len(build["steps"]))
    expect(steps.first.get_by_test_id("step-status")).to_have_text("cache hit")
    marked_step = steps.filter(has_text=mark)
    expect(marked_step.get_by_test_id("step-status")).to_have_text("built")
    expect(marked_step).to_contain_text(re.compile(r"\d+(\.\d)? (B|KiB|MiB)"))
    expect(detail.get_by_role("log", name="Build log")).to_contain_text(mark)
    # when it is rebuilt from the browser
    detail.get_by_role("button", name="Force rebuild").click()
    page.get_by_role("region", name="Force rebuild").get_by_role("button", name="Rebuild every layer").click()
    # then a new build runs every step again, the marked one built anew
    expect(page).not_to_have_url(re.compile(build["id"]))
    new_detail = page.get_by_role("region", name=re.compile(r"^Build bu-"))
    expect(new_detail).to_contain_text("forced")
    expect(new_detail.get_by_text("succeeded", exact=True)).to_be_visible(timeout=120_000)
    expect(
        new_detail.get_by_test_id("build-step").filter(has_text=mark).get_by_test_id("step-status")
    ).to_have_text("built")
