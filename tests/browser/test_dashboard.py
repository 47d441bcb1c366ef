"""The dashboard in real Chromium against the real platform: sign-in, apps, live calls."""

from __future__ import annotations

import re

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser import browser_app

pytestmark = pytest.mark.browser

AT_LOGIN = re.compile(r"/login$")


def sign_in(page: Page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_it_sends_a_signed_out_visitor_to_the_sign_in_page(page):
    # when
    page.goto("/")
    # then
    expect(page).to_have_url(AT_LOGIN)
    expect(page.get_by_role("heading", name="Sign in to Skylift")).to_be_visible()


def test_it_says_why_a_sign_in_failed(page, platform):
    # when
    sign_in(page, "alice", "not-" + platform.users["alice"].password)
    # then
    expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    expect(page).to_have_url(AT_LOGIN)


def test_it_signs_in_shows_the_workspace_and_signs_out(page, platform):
    # when
    sign_in(page, "alice", platform.users["alice"].password)
    # then
    expect(page.get_by_role("heading", name="Apps")).to_be_visible()
    expect(page).to_have_url(f"{platform.url}/")
    header = page.get_by_role("banner")
    expect(header).to_contain_text(platform.users["alice"].workspace)
    expect(header.get_by_test_id("user")).to_contain_text("alice")
    expect(header.get_by_role("link", name="API docs")).to_have_attribute("href", "/api/docs/")
    # when
    header.get_by_role("button", name="Sign out").click()
    # then
    expect(page).to_have_url(AT_LOGIN)
    page.goto("/")
    expect(page).to_have_url(AT_LOGIN)


def test_it_shows_calls_appear_and_finish_live_on_the_app_page(page, platform):
    alice = platform.users["alice"]
    with browser_app.app.run(client=platform.client("alice"), show_logs=False):
        app_id = browser_app.app.app_id
        # given the app's page, open from the apps list
        sign_in(page, "alice", alice.password)
        page.get_by_role("link", name="browser-demo", exact=True).click()
        expect(page).to_have_url(f"{platform.url}/apps/{app_id}")
        expect(page.get_by_role("heading", name="browser-demo")).to_be_visible()
        functions = page.get_by_role("table", name="Functions")
        expect(functions).to_contain_text("double")
        expect(functions).to_contain_text("explode")
        expect(page.get_by_text("No calls yet")).to_be_visible()
        expect(page.get_by_test_id("live-state")).to_have_text("Live")
        page.evaluate("window.__sameDocument = true")  # gone if anything reloads the page
        rows = page.get_by_test_id("call-row")

        # when
        assert browser_app.double.remote(21) == 42

        # then a row appears and reaches succeeded
        calls = httpx.get(
            f"{platform.url}/api/v1/calls/", params={"app": app_id}, headers=alice.headers
        ).json()
        call_id = calls["results"][0]["id"]
        expect(rows).to_have_count(1)
        row = page.locator(f'[data-call-id="{call_id}"]')
        expect(row.get_by_test_id("call-status")).to_have_text("succeeded")
        expect(row).to_contain_text("double")

        # when a call fails
        with pytest.raises(ValueError, match="boom"):
            browser_app.explode.remote("boom")

        # then it goes on top, marked failed
        expect(rows).to_have_count(2)
        expect(rows.first).to_contain_text("explode")
        expect(rows.first.get_by_test_id("call-status")).to_have_text("failed")
        assert page.evaluate("window.__sameDocument") is True


def test_it_reconnects_the_live_updates_after_the_socket_drops(page, platform):
    # given the app page, its socket going through a route the test can cut
    sockets = []

    def through_route(ws):
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r"/ws/apps/"), through_route)
    with browser_app.app.run(client=platform.client("alice"), show_logs=False):
        sign_in(page, "alice", platform.users["alice"].password)
        expect(page.get_by_role("heading", name="Apps")).to_be_visible()
        page.goto(f"/apps/{browser_app.app.app_id}")
        live = page.get_by_test_id("live-state")
        expect(live).to_have_text("Live")
        # when the connection drops
        sockets[0].close(code=1011, reason="test drops the connection")
        assert browser_app.double.remote(5) == 10
        # then the page reconnects and the call still shows up, finished
        expect(live).to_have_text("Live")
        expect(page.get_by_test_id("call-row")).to_have_count(1)
        expect(page.get_by_test_id("call-status")).to_have_text("succeeded")
        assert len(sockets) == 2


def test_it_renders_user_text_as_text(page, platform):
    # given an app whose description looks like HTML
    alice = platform.users["alice"]
    description = '<img src=x onerror="window.__injected = 1"><b>bold</b>'
    created = httpx.post(
        f"{platform.url}/api/v1/apps/",
        headers=alice.headers,
        json={"name": "html-description", "description": description},
    )
    assert created.status_code == 201, created.text
    # when
    sign_in(page, "alice", alice.password)
    expect(page.get_by_text(description).first).to_be_visible()
    page.goto(f"/apps/{created.json()['id']}")
    # then
    expect(page.get_by_role("heading", name="html-description")).to_be_visible()
    expect(page.get_by_text(description)).to_be_visible()
    expect(page.locator("main img")).to_have_count(0)
    assert page.evaluate("window.__injected") is None


def test_it_shows_no_app_of_another_workspace(page, platform):
    # given an app of alice's workspace
    alice = platform.users["alice"]
    created = httpx.post(f"{platform.url}/api/v1/apps/", headers=alice.headers, json={"name": "alpha-only"})
    assert created.status_code == 201, created.text
    # when charlie, of another workspace, opens its page
    sign_in(page, "charlie", platform.users["charlie"].password)
    expect(page.get_by_role("heading", name="Apps")).to_be_visible()
    expect(page.get_by_role("link", name="alpha-only")).to_have_count(0)
    page.goto(f"/apps/{created.json()['id']}")
    # then
    expect(page.get_by_role("heading", name="No such app")).to_be_visible()
