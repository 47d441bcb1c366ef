"""The team pages in real Chromium against the real platform: a member invited by link signs up,
switches workspaces and cannot delete (the API's reason in the page); a token revoked in the browser
gets 401 from the SDK; the audit log lists a deploy; settings show the server's errors by the field."""

from __future__ import annotations

import secrets
import textwrap
import uuid

import httpx
import pytest
from playwright.sync_api import expect

import skylift
from skylift import exception as exc
from skylift._client import Client
from skylift._config import Config
from skylift._import_file import import_file
from tests.browser.test_dashboard import sign_in

pytestmark = pytest.mark.browser


def _members_page(page, username: str, password: str) -> None:
    sign_in(page, username, password)
    expect(page.get_by_role("heading", name="Apps")).to_be_visible()
    page.get_by_role("banner").get_by_role("link", name="Members").click()
    expect(page.get_by_role("heading", name="Members")).to_be_visible()


def test_a_member_invited_by_link_signs_up_switches_and_cannot_delete(page, chromium, platform):
    alice = platform.users["alice"]
    newcomer, password = f"nina-{uuid.uuid4().hex[:6]}", secrets.token_urlsafe(12)
    queue = f"owned-{uuid.uuid4().hex[:6]}"
    skylift.Queue.from_name(queue, create_if_missing=True, client=platform.client("alice")).put("job")
    # given alice's invite link for a member, made on the Members page
    _members_page(page, "alice", alice.password)
    page.get_by_label("Role", exact=True).select_option("member")
    page.get_by_role("button", name="Create invite link").click()
    link = page.get_by_role("region", name="New invite").get_by_test_id("invite-link").inner_text()
    assert "/invite#iv-" in link
    # when someone new opens it in another browser and makes an account
    other = chromium.new_context(base_url=platform.url)
    try:
        visitor = other.new_page()
        visitor.goto("/invite#" + link.split("#", 1)[1])
        expect(visitor.get_by_test_id("invite-offer")).to_contain_text(
            f"alice invites you to {alice.workspace} as member"
        )
        visitor.get_by_label("Username").fill(newcomer)
        visitor.get_by_label("Password").fill(password)
        visitor.get_by_role("button", name="Create account and join").click()
        # then the newcomer is signed in, in alice's workspace, as a member
        expect(visitor.get_by_role("heading", name="Apps")).to_be_visible()
        expect(visitor.get_by_role("banner").get_by_test_id("user")).to_contain_text(f"{newcomer} · member")

        # when the newcomer tries to delete alice's queue
        visitor.get_by_role("banner").get_by_role("link", name="Queues").click()
        visitor.get_by_role("table", name="Queues").get_by_role("link", name=queue).click()
        visitor.get_by_role("button", name="Delete queue…").click()
        visitor.get_by_role("region", name="Delete queue").get_by_role(
            "button", name=f"Delete {queue}"
        ).click()
        # then the page says why not, in the API's words, and the queue is there still
        expect(visitor.get_by_role("region", name="Delete queue").get_by_role("alert")).to_contain_text(
            f"needs the role owner or admin, or to have created this queue; your role in workspace "
            f"{alice.workspace} is member."
        )
        assert platform.sql("SELECT count(*) FROM state_queue WHERE name = %s", [queue]) == [(1,)]

        # and the link works no more
        again = other.new_page()
        again.goto("/invite#" + link.split("#", 1)[1])
        expect(again.get_by_role("alert")).to_contain_text("This invite was used already")
    finally:
        other.close()
    # and alice sees the newcomer among the members, and the invite accepted
    page.reload()
    expect(page.get_by_test_id("member").filter(has_text=newcomer)).to_contain_text("member")
    expect(page.get_by_test_id("invite").filter(has_text="accepted by")).not_to_have_count(0)


def test_a_user_in_two_workspaces_switches_between_them(page, platform):
    charlie = platform.users["charlie"]
    # given charlie, owner of his workspace, also a member of alice's (by an invite he accepts)
    alice_api = platform.users["alice"].headers
    made = httpx.post(f"{platform.url}/api/v1/invites/", json={"role": "member"}, headers=alice_api).json()
    sign_in(page, "charlie", charlie.password)
    expect(page.get_by_role("heading", name="Apps")).to_be_visible()
    page.goto("/invite#" + made["token"])
    page.get_by_role("button", name="Join as charlie").click()
    try:
        # then he acts in alice's workspace, and the switcher offers both
        switcher = page.get_by_role("banner").get_by_label("Workspace")
        expect(switcher).to_have_value(platform.users["alice"].workspace_id)
        expect(page.get_by_role("banner").get_by_test_id("user")).to_contain_text("charlie · member")
        # when he switches back to his own
        switcher.select_option(charlie.workspace_id)
        # then the header and the session say so, after a reload too
        expect(page.get_by_role("banner").get_by_test_id("user")).to_contain_text("charlie · owner")
        page.reload()
        expect(page.get_by_role("banner").get_by_label("Workspace")).to_have_value(charlie.workspace_id)
    finally:
        members = httpx.get(f"{platform.url}/api/v1/members/", headers=alice_api).json()["results"]
        for member in members:
            if member["username"] == "charlie":
                httpx.delete(f"{platform.url}/api/v1/members/{member['id']}/", headers=alice_api)


def test_a_token_revoked_in_the_browser_gets_401_from_the_sdk(page, platform):
    alice = platform.users["alice"]
    name = f"laptop-{uuid.uuid4().hex[:6]}"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    # given a token alice creates on the API tokens page
    sign_in(page, "alice", alice.password)
    page.get_by_role("banner").get_by_role("link", name="API tokens").click()
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Create token").click()
    created = page.get_by_role("region", name="New API token")
    token_id, secret = created.get_by_test_id("api-token").inner_text().split(":", 1)
    created.get_by_role("button", name="Copy token").click()
    assert page.evaluate("navigator.clipboard.readText()") == f"{token_id}:{secret}"
    # and the SDK works with it (its last use then shows on the page)
    sdk = Client(
        Config(server_url=platform.url, token_id=token_id, token_secret=secret, profile=None, source="test")
    )
    assert isinstance(sdk.app_list(), list)
    created.get_by_role("button", name="Done").click()
    page.reload()
    row = page.get_by_test_id("api-token-row").filter(has_text=token_id)
    expect(row).to_contain_text("active")
    assert secret not in page.content()
    # when she revokes it in the browser
    row.get_by_role("button", name=f"Revoke {token_id}").click()
    page.get_by_role("region", name="Revoke API token").get_by_role(
        "button", name=f"Revoke {token_id}"
    ).click()
    expect(page.get_by_role("status")).to_contain_text(f"Revoked {token_id}.")
    expect(row).to_contain_text("revoked")
    # then the SDK's next request is refused with 401
    with pytest.raises(exc.AuthError, match="Invalid or revoked API token"):
        sdk.app_list()


def test_a_service_token_made_in_the_browser_works_from_the_sdk_until_revoked(page, platform):
    alice = platform.users["alice"]
    name = f"ci-{uuid.uuid4().hex[:6]}"
    queue = f"ci-queue-{uuid.uuid4().hex[:6]}"
    # given a member-role service token alice makes on the API tokens page
    sign_in(page, "alice", alice.password)
    page.get_by_role("banner").get_by_role("link", name="API tokens").click()
    section = page.get_by_role("region", name="Service tokens")
    section.get_by_label("Service token name").fill(name)
    section.get_by_label("Acts as").select_option("member")
    section.get_by_role("button", name="Create service token").click()
    created = page.get_by_role("region", name="New service token")
    token_id, secret = created.get_by_test_id("api-token").inner_text().split(":", 1)
    # when the SDK uses it, then it works as a member of her workspace: what it makes is there
    sdk = Client(
        Config(server_url=platform.url, token_id=token_id, token_secret=secret, profile=None, source="test")
    )
    skylift.Queue.from_name(queue, create_if_missing=True, client=sdk).put("job")
    assert platform.sql(
        "SELECT count(*) FROM state_queue WHERE name = %s AND workspace_id = %s", [queue, alice.workspace_id]
    ) == [(1,)]
    created.get_by_role("button", name="Done").click()
    # and the page lists it with its role, its maker and its last use, never its secret
    page.reload()
    row = page.get_by_test_id("service-token-row").filter(has_text=token_id)
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("member")
    expect(row).to_contain_text("alice")
    expect(row).to_contain_text("active")
    expect(row.get_by_role("cell").nth(6)).not_to_have_text("never")
    assert secret not in page.content()
    # when she revokes it in the browser
    row.get_by_role("button", name=f"Revoke {token_id}").click()
    page.get_by_role("region", name="Revoke service token").get_by_role(
        "button", name=f"Revoke {token_id}"
    ).click()
    expect(page.get_by_role("status")).to_contain_text(f"Revoked service token {token_id}.")
    expect(row).to_contain_text("revoked")
    # then the SDK's next request is refused with 401
    with pytest.raises(exc.AuthError, match="Invalid or revoked API token"):
        sdk.app_list()
    # and the audit log has both
    actions = platform.sql(
        "SELECT action, actor_name FROM accounts_auditevent WHERE target_id = %s ORDER BY created_at",
        [token_id],
    )
    assert actions == [("service_token.create", "alice"), ("service_token.revoke", "alice")]


APP = textwrap.dedent(
    """
    import skylift

    app = skylift.App({name!r})


    @app.function()
    def hello() -> str:
        return "hello"
    """
)


def test_the_audit_page_lists_a_deploy(page, platform, tmp_path):
    alice = platform.users["alice"]
    name = f"audited-{uuid.uuid4().hex[:6]}"
    source = tmp_path / "audited.py"
    source.write_text(APP.format(name=name))
    # given an app alice deploys with the SDK
    import_file(str(source)).app.deploy(client=platform.client("alice"))
    # when she opens the audit log and filters on deploys
    sign_in(page, "alice", alice.password)
    page.get_by_role("banner").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("heading", name="Audit log")).to_be_visible()
    page.get_by_label("Action").select_option("app.deploy")
    page.get_by_role("button", name="Filter").click()
    # then the deploy is listed: by her, of that app, from the SDK's address, version 1
    row = page.get_by_test_id("audit-event").filter(has_text=name)
    expect(row).to_contain_text("alice")
    expect(row).to_contain_text("deployed")
    expect(row).to_contain_text("127.0.0.1")
    expect(row).to_contain_text('"version":1')
    # and the export link carries the filter
    href = page.get_by_role("link", name="Export JSON lines").get_attribute("href")
    assert href == "/api/v1/audit-events/export/?action=app.deploy"


def test_a_member_sees_why_the_audit_log_and_settings_are_not_his(page, platform):
    bob = platform.users["bob"]
    sign_in(page, "bob", bob.password)
    page.get_by_role("banner").get_by_role("link", name="Audit log").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "GET /api/v1/audit-events/ needs the role owner or admin; your role in workspace"
    )
    page.get_by_role("banner").get_by_role("link", name="Settings").click()
    page.get_by_label("GPU limit").fill("1")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "PATCH /api/v1/workspace/ needs the role owner or admin"
    )


def test_settings_show_the_servers_error_beside_the_field(page, platform):
    alice = platform.users["alice"]
    sign_in(page, "alice", alice.password)
    page.get_by_role("banner").get_by_role("link", name="Settings").click()
    expect(page.get_by_label("Name")).to_have_value(alice.workspace)
    # when she enters a negative GPU limit (the browser does not check it: the server does)
    page.get_by_label("GPU limit").fill("-2")
    page.get_by_role("button", name="Save settings").click()
    # then the server's words show beside that field, and nothing is saved
    expect(page.get_by_test_id("error-gpu_limit")).to_contain_text("gpu_limit")
    expect(page.get_by_label("GPU limit")).to_have_attribute("aria-invalid", "true")
    assert platform.sql("SELECT gpu_limit FROM accounts_workspace WHERE name = %s", [alice.workspace]) == [
        (None,)
    ]
    # when she sets a retention the platform allows, then it is saved
    page.get_by_label("GPU limit").fill("")
    page.get_by_label("Log retention (days)").fill("3")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_have_text("Saved.")
    assert platform.sql(
        "SELECT log_retention_days FROM accounts_workspace WHERE name = %s", [alice.workspace]
    ) == [(3,)]
    httpx.patch(f"{platform.url}/api/v1/workspace/", json={"log_retention_days": None}, headers=alice.headers)
