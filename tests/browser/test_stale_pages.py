"""A stale page acting on an object changed or deleted since it was loaded says so, in words: here
the change is made through the API (as another person, another tab or the platform would) between
the page's load and the click."""

from __future__ import annotations

import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.test_dashboard import sign_in

pytestmark = pytest.mark.browser


def _api(platform, method: str, path: str, **kwargs) -> httpx.Response:
    response = httpx.request(
        method, f"{platform.url}{path}", headers=platform.users["alice"].headers, timeout=30, **kwargs
    )
    assert response.is_success, response.text
    return response


def test_stale_pages_say_the_object_was_deleted_or_changed_meanwhile(page, platform):
    alice = platform.users["alice"]
    tag = uuid.uuid4().hex[:6]
    sign_in(page, "alice", alice.password)
    expect(page.get_by_test_id("user")).to_contain_text("alice")

    # A secret deleted since its page was loaded
    secret = _api(
        platform, "POST", "/api/v1/secrets/", json={"name": f"stale-{tag}", "values": {"A": "1"}}
    ).json()
    page.goto(f"/secrets/{secret['id']}")
    page.get_by_role("button", name="Delete secret…").click()
    _api(platform, "DELETE", f"/api/v1/secrets/{secret['id']}/")
    panel = page.get_by_role("region", name="Delete secret")
    panel.get_by_role("button", name=f"Delete stale-{tag}").click()
    expect(panel.get_by_role("alert")).to_contain_text(
        f"There is no secret {secret['id']} in workspace {alice.workspace}: it was deleted, or never existed."
    )
    expect(panel.get_by_role("alert")).to_contain_text("deleted since the page was loaded: reload the page")

    # A volume deleted since its page was loaded
    volume = _api(platform, "POST", "/api/v1/volumes/", json={"name": f"stale-{tag}"}).json()
    page.goto(f"/volumes/{volume['id']}")
    page.get_by_role("button", name="Delete volume…").click()
    _api(platform, "DELETE", f"/api/v1/volumes/{volume['id']}/")
    panel = page.get_by_role("region", name="Delete volume")
    panel.get_by_role("button", name=f"Delete stale-{tag}").click()
    expect(panel.get_by_role("alert")).to_contain_text(
        f"There is no volume {volume['id']} in workspace {alice.workspace}: it was deleted, or never existed."
    )

    # A member removed since the Members page was loaded
    mate = platform.create_user(f"mate-{tag}", alice.workspace, "member")
    page.goto("/members")
    row = page.get_by_test_id("member").filter(has_text=mate.username)
    row.get_by_role("button", name=f"Remove {mate.username}").click()
    member_id = next(
        m["id"]
        for m in _api(platform, "GET", "/api/v1/members/").json()["results"]
        if m["username"] == mate.username
    )
    _api(platform, "DELETE", f"/api/v1/members/{member_id}/")
    panel = page.get_by_role("region", name="Remove member")
    panel.get_by_role("button", name=f"Remove {mate.username}").click()
    expect(panel.get_by_role("alert")).to_contain_text(
        f"There is no member {member_id} in workspace {alice.workspace}"
    )

    # An app stopped since its page was loaded
    app = _api(platform, "POST", "/api/v1/apps/", json={"name": f"stale-{tag}"}).json()
    page.goto(f"/apps/{app['id']}")
    page.get_by_role("button", name="Stop app…").click()
    _api(platform, "POST", f"/api/v1/apps/{app['id']}/stop/")
    page.get_by_role("button", name=f"Stop stale-{tag}").click()
    expect(page.get_by_role("status")).to_contain_text(f"stale-{tag} was already stopped at")
    expect(page.get_by_role("status")).to_contain_text("since this page was loaded")
    # and it was stopped once: the log has one stop
    stops = _api(platform, "GET", "/api/v1/audit-events/", params={"action": "app.stop", "target": app["id"]})
    assert len(stops.json()["results"]) == 1

    # A token revoked since the tokens page was loaded
    token = _api(platform, "POST", "/api/v1/tokens/", json={"name": f"stale-{tag}"}).json()
    page.goto("/tokens")
    row = page.get_by_test_id("api-token-row").filter(has_text=token["id"])
    row.get_by_role("button", name=f"Revoke {token['id']}").click()
    httpx.delete(  # the token revokes itself, as a script might
        f"{platform.url}/api/v1/tokens/{token['id']}/",
        headers={"Authorization": f"Bearer {token['id']}:{token['secret']}"},
    ).raise_for_status()
    page.get_by_role("region", name="Revoke API token").get_by_role(
        "button", name=f"Revoke {token['id']}"
    ).click()
    expect(page.get_by_role("status")).to_contain_text(f"{token['id']} was already revoked, at")
    expect(row).to_contain_text("revoked")
