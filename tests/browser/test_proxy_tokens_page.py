"""The dashboard's Proxy tokens page in real Chromium: create (the secret shown once, copied with a
button), list, revoke confirming; a member lists but does not manage."""

from __future__ import annotations

import hashlib
import uuid

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.test_dashboard import sign_in

pytestmark = pytest.mark.browser


def test_an_owner_creates_a_token_copies_its_secret_once_and_revokes_it(page, platform):
    alice = platform.users["alice"]
    name = f"partner-{uuid.uuid4().hex[:6]}"
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    # given alice's Proxy tokens page, from the header
    sign_in(page, "alice", alice.password)
    page.get_by_role("banner").get_by_role("link", name="Proxy tokens").click()
    expect(page.get_by_role("heading", name="Proxy tokens")).to_be_visible()
    # when she names a token and creates it
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_role("button", name="Create token").click()
    # then its key and secret are shown, and the secret is the one whose hash is stored
    created = page.get_by_role("region", name="New proxy token")
    key = created.get_by_test_id("token-key").inner_text()
    secret = created.get_by_test_id("token-secret").inner_text()
    assert key.startswith("wk-") and secret.startswith("ws-")
    [(stored,)] = platform.sql("SELECT secret_hash FROM web_proxytoken WHERE id = %s", [key])
    assert stored == hashlib.sha256(secret.encode()).hexdigest()
    # and the button copies both headers
    created.get_by_role("button", name="Copy headers").click()
    expect(created.get_by_role("status")).to_have_text("Copied both headers.")
    assert page.evaluate("navigator.clipboard.readText()") == f"Skylift-Key: {key}\nSkylift-Secret: {secret}"
    # and the list shows the token, active
    row = page.get_by_test_id("proxy-token").filter(has_text=key)
    expect(row).to_contain_text(name)
    expect(row).to_contain_text("active")
    # when she is done with it, or comes back, the secret is nowhere in the page
    created.get_by_role("button", name="Done").click()
    expect(page.get_by_role("region", name="New proxy token")).to_have_count(0)
    assert secret not in page.content()
    page.reload()
    expect(row).to_contain_text(name)
    assert secret not in page.content()

    # when she revokes it, first cancelling, then confirming
    row.get_by_role("button", name=f"Revoke {key}").click()
    page.get_by_role("region", name="Revoke proxy token").get_by_role("button", name="Cancel").click()
    expect(row).to_contain_text("active")
    row.get_by_role("button", name=f"Revoke {key}").click()
    page.get_by_role("region", name="Revoke proxy token").get_by_role("button", name=f"Revoke {key}").click()
    # then it is listed as revoked, with nothing left to revoke, and the API says so too
    expect(page.get_by_role("status")).to_contain_text(f"Revoked {key}.")
    expect(row).to_contain_text("revoked")
    expect(row.get_by_role("button")).to_have_count(0)
    answer = httpx.get(f"{platform.url}/api/v1/proxy-tokens/{key}/", headers=alice.headers).json()
    assert answer["revoked_at"] is not None


def test_a_member_sees_the_tokens_but_cannot_create_or_revoke(page, platform):
    alice, bob = platform.users["alice"], platform.users["bob"]
    made = httpx.post(
        f"{platform.url}/api/v1/proxy-tokens/", json={"name": "for bob to see"}, headers=alice.headers
    ).json()
    # when bob, a member, opens the page
    sign_in(page, "bob", bob.password)
    page.get_by_role("banner").get_by_role("link", name="Proxy tokens").click()
    # then he sees the token, and no way to make or revoke one
    row = page.get_by_test_id("proxy-token").filter(has_text=made["id"])
    expect(row).to_contain_text("for bob to see")
    expect(page.get_by_text("Owners and admins of the workspace create and revoke tokens.")).to_be_visible()
    expect(page.get_by_role("button", name="Create token")).to_have_count(0)
    expect(row.get_by_role("button")).to_have_count(0)
    assert made["secret"] not in page.content()
