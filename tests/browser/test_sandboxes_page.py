"""The Sandboxes pages in real Chromium, against the real platform: a running sandbox listed with
its state, image and tags; its page showing its processes and what its command printed; a member
who did not create it offered no Terminate, and its creator terminating it, confirming."""

from __future__ import annotations

import secrets

import pytest
from playwright.sync_api import expect

import skylift
from tests.browser.test_dashboard import sign_in

pytestmark = pytest.mark.browser


def test_a_sandbox_is_listed_shown_with_its_processes_and_logs_and_terminated(page, platform, chromium):
    suffix = secrets.token_hex(3)
    owner = platform.create_user(f"sara-{suffix}", f"sandbox-team-{suffix}", role="member")
    other = platform.create_user(f"omar-{suffix}", owner.workspace, role="member")
    token = f"hello-{suffix}"
    # given a sandbox a member created, printing a line and then idling, tagged
    sb = skylift.Sandbox.create(
        "sh",
        "-c",
        f"echo {token}; echo oops-{suffix} >&2; exec sleep 600",
        client=platform.client(owner.username),
    )
    try:
        sb.set_tags({"team": "ml"})
        # when its creator opens the Sandboxes page
        sign_in(page, owner.username, owner.password)
        expect(page.get_by_test_id("user")).to_contain_text(owner.username)
        page.get_by_role("navigation").get_by_role("link", name="Sandboxes").click()
        table = page.get_by_role("table", name="Sandboxes")
        row = table.get_by_test_id("sandbox-row").filter(has_text=sb.object_id)
        # then it is listed, running, with its image and tags
        expect(row).to_contain_text("running")
        expect(row).to_contain_text("im-")
        expect(row).to_contain_text("team=ml")
        # when she opens it
        row.get_by_role("link", name=sb.object_id).click()
        # then its processes and what its command printed show
        expect(page.get_by_test_id("sandbox-status")).to_contain_text("running")
        expect(page.get_by_role("table", name="Processes")).to_contain_text("sleep 600")
        logs = page.get_by_role("log", name="Sandbox logs")
        expect(logs).to_contain_text(token)
        expect(logs).to_contain_text(f"! oops-{suffix}")  # stderr, marked
        expect(page.get_by_role("button", name="Terminate")).to_be_visible()
        # and another member, who did not create it, sees it but is offered no Terminate
        other_context = chromium.new_context(base_url=platform.url)
        other_page = other_context.new_page()
        try:
            sign_in(other_page, other.username, other.password)
            expect(other_page.get_by_test_id("user")).to_contain_text(other.username)
            other_page.goto(f"/sandboxes/{sb.object_id}")
            expect(other_page.get_by_role("log", name="Sandbox logs")).to_contain_text(token)
            expect(other_page.get_by_role("button", name="Terminate")).to_have_count(0)
        finally:
            other_context.close()
        # when its creator terminates it, confirming
        page.get_by_role("button", name="Terminate").click()
        page.get_by_role("region", name="Terminate sandbox").get_by_role(
            "button", name="Terminate sandbox"
        ).click()
        # then it ends, runs nothing, and its logs are still shown
        expect(page.get_by_role("status")).to_contain_text(f"Sandbox {sb.object_id} is terminating.")
        expect(page.get_by_test_id("sandbox-status")).to_contain_text("stopped", timeout=30_000)
        page.reload()
        expect(page.get_by_text("No process runs in it.")).to_be_visible()
        expect(page.get_by_role("log", name="Sandbox logs")).to_contain_text(token)
        assert sb.poll() is not None
    finally:
        sb.terminate()
