"""`/api/v1/proxy-tokens/`: the workspace's proxy auth tokens (web.proxy_tokens).

Owners and admins create, revoke and delete them; every member lists them. The secret is in the
creation's answer only. That a revoked token is refused by the gateway's check, in every process,
is tests/web/test_proxy_tokens.py's; here, that revoking says so (the revocation epoch changes).
"""

from __future__ import annotations

from accounts import revocation
from accounts.models import hash_secret
from web.models import ProxyToken

from .support import db_snapshot

URL = "/api/v1/proxy-tokens/"


def test_an_owner_creates_a_token_whose_secret_is_shown_once(trio):
    # when alice creates a token
    response = trio.alice.api.post(URL, {"name": "partner site"}, format="json")
    # then the answer carries its key and its secret, and only the secret's hash is stored
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    assert body["id"].startswith("wk-") and body["secret"].startswith("ws-")
    assert body["name"] == "partner site" and body["created_by"] == "alice"
    assert body["revoked_at"] is None and body["last_used_at"] is None
    token = ProxyToken.objects.get(pk=body["id"])
    assert token.workspace_id == trio.alice.workspace.id
    assert token.secret_hash == hash_secret(body["secret"])
    # and no later answer carries the secret
    listed = trio.bob.api.get(URL)
    shown = trio.bob.api.get(f"{URL}{body['id']}/")
    for answer in (listed, shown):
        assert answer.status_code == 200
        assert body["secret"] not in answer.content.decode()
    assert listed.json()["results"][0]["id"] == body["id"]  # newest first
    assert "secret" not in shown.json()


def test_an_admin_may_create_one_and_a_member_may_not(trio, dana):
    assert dana.api.post(URL, {}, format="json").status_code == 201
    before = db_snapshot()
    refused = trio.bob.api.post(URL, {"name": "mine"}, format="json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "permission_denied"
    assert db_snapshot() == before


def test_revoking_marks_the_token_and_ends_every_cached_check(trio):
    # given a token
    key = trio.alice.api.post(URL, {"name": "ci"}, format="json").json()["id"]
    epoch = revocation.current()
    # when alice revokes it
    response = trio.alice.api.post(f"{URL}{key}/revoke/")
    # then it is marked revoked, and every process's cached checks end (a new epoch)
    assert response.status_code == 200, response.content[:300]
    revoked_at = response.json()["revoked_at"]
    assert revoked_at is not None
    assert revocation.current() != epoch
    # and revoking again changes nothing
    again = trio.alice.api.post(f"{URL}{key}/revoke/")
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked_at
    # and the list shows it, revoked
    listed = trio.alice.api.get(URL).json()["results"]
    assert [t["revoked_at"] for t in listed if t["id"] == key] == [revoked_at]


def test_deleting_removes_the_token(trio, dana):
    key = trio.alice.api.post(URL, {}, format="json").json()["id"]
    epoch = revocation.current()
    assert dana.api.delete(f"{URL}{key}/").status_code == 204
    assert not ProxyToken.objects.filter(pk=key).exists()
    assert revocation.current() != epoch
    assert trio.alice.api.get(f"{URL}{key}/").status_code == 404


def test_a_member_may_neither_revoke_nor_delete(trio):
    key = trio.alice.api.post(URL, {}, format="json").json()["id"]
    before = db_snapshot()
    for response in (trio.bob.api.post(f"{URL}{key}/revoke/"), trio.bob.api.delete(f"{URL}{key}/")):
        assert response.status_code == 403, response.content[:300]
        assert "owner or admin" in response.json()["error"]["message"]
    assert db_snapshot() == before


def test_bad_input_is_a_clear_400(trio):
    before = db_snapshot()
    too_long = trio.alice.api.post(URL, {"name": "x" * 101}, format="json")
    assert too_long.status_code == 400
    assert too_long.json()["error"]["field"] == "name"
    not_json = trio.alice.api.generic("POST", URL, "{nope", content_type="application/json")
    assert not_json.status_code == 400
    assert trio.alice.api.post(f"{URL}wk-doesnotexist/revoke/").status_code == 404
    assert db_snapshot() == before
