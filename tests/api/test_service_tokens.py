"""Service tokens: the workspace's, not a person's (docs/team.md "Service tokens").

Owners and admins make and revoke them; each acts with its own role, outlives whoever made it,
is shown once, and is recorded in the audit log. A request made with one cannot make tokens.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import team
from accounts.authentication import token_cache
from accounts.models import ApiToken, AuditEvent, Membership

from .support import db_snapshot


def _client(body: dict) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['id']}:{body['secret']}")
    return client


def _make(member, **body) -> dict:
    response = member.api.post("/api/v1/service-tokens/", {"name": "ci", **body}, format="json")
    assert response.status_code == 201, response.content[:300]
    return response.json()


def test_an_admin_makes_one_shown_once_that_acts_with_its_own_role(trio, dana):
    # when dana, an admin, makes a member-role service token
    body = _make(dana, name="deploy bot", role="member")
    # then its secret is in the answer, once, and only its hash is stored
    assert body["role"] == "member" and body["created_by"] == "dana" and body["name"] == "deploy bot"
    listed = dana.api.get("/api/v1/service-tokens/").content.decode()
    shown = dana.api.get(f"/api/v1/service-tokens/{body['id']}/").content.decode()
    assert body["secret"] not in listed and body["secret"] not in shown and body["id"] in listed
    row = ApiToken.objects.filter(pk=body["id"]).values()[0]
    assert body["secret"] not in {str(v) for v in row.values()}
    # and it works as a member of the workspace: it reads, creates, and may not do an admin's work
    bot = _client(body)
    assert bot.get("/api/v1/apps/").status_code == 200
    made = bot.post("/api/v1/apps/", {"name": "made-by-bot"}, format="json")
    assert made.status_code == 201, made.content[:300]
    refused = bot.get("/api/v1/audit-events/")
    assert refused.status_code == 403
    assert "your role in workspace alice-ws is member" in refused.json()["error"]["message"]
    # and it may stop the app it created, as a member may stop his own
    assert bot.post(f"/api/v1/apps/{made.json()['id']}/stop/").status_code < 300
    # and its last use shows
    assert dana.api.get(f"/api/v1/service-tokens/{body['id']}/").json()["last_used_at"] is not None


def test_an_admin_role_token_does_an_admins_work(trio, dana):
    bot = _client(_make(trio.alice, role="admin"))
    assert bot.get("/api/v1/audit-events/").status_code == 200


def test_it_outlives_whoever_made_it(trio, dana):
    # given a service token dana made, and her personal token
    body = _make(dana, role="member")
    # when alice removes dana from the workspace, then deletes her account
    team.member_remove(membership=Membership.objects.get(user=dana.user), by_role="owner")
    token_cache.clear()
    # then dana's personal token stops, and the service token works on
    assert dana.api.get("/api/v1/apps/").status_code == 401
    assert _client(body).get("/api/v1/apps/").status_code == 200
    get_user_model().objects.filter(pk=dana.user.pk).delete()
    token_cache.clear()
    assert _client(body).get("/api/v1/apps/").status_code == 200
    # and the list says its maker is gone
    assert trio.alice.api.get(f"/api/v1/service-tokens/{body['id']}/").json()["created_by"] is None


def test_revoking_stops_it_at_once_and_both_are_audited(trio, dana):
    # given a service token that was used (so that it is cached)
    body = _make(dana, name="nightly")
    bot = _client(body)
    assert bot.get("/api/v1/apps/").status_code == 200
    # when alice revokes it
    response = trio.alice.api.delete(f"/api/v1/service-tokens/{body['id']}/")
    # then the answer says so, and its next request is refused
    assert response.status_code == 200 and response.json()["revoked_at"] is not None
    refused = bot.get("/api/v1/apps/")
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "Invalid or revoked API token."
    # and the log says who made it and who revoked it
    events = AuditEvent.objects.filter(target_id=body["id"]).order_by("created_at")
    assert [(e.action, e.actor_name, e.data.get("role")) for e in events] == [
        ("service_token.create", "dana", "member"),
        ("service_token.revoke", "alice", "member"),
    ]
    # and revoking again changes nothing more
    assert trio.alice.api.delete(f"/api/v1/service-tokens/{body['id']}/").status_code == 200
    assert AuditEvent.objects.filter(target_id=body["id"]).count() == 2


def test_a_member_may_neither_see_nor_make_them(trio, dana):
    body = _make(dana)
    before = db_snapshot()
    for response in (
        trio.bob.api.get("/api/v1/service-tokens/"),
        trio.bob.api.post("/api/v1/service-tokens/", {"name": "mine"}, format="json"),
        trio.bob.api.delete(f"/api/v1/service-tokens/{body['id']}/"),
    ):
        assert response.status_code == 403
        assert "needs the role owner or admin" in response.json()["error"]["message"]
    assert db_snapshot() == before


def test_a_service_token_makes_and_revokes_no_tokens(trio, dana):
    # given an admin-role service token, and another one
    bot = _client(_make(trio.alice, role="admin"))
    other = _make(trio.alice)
    before = db_snapshot()
    # when it tries to make a service token, revoke one, or make a personal token
    answers = [
        bot.post("/api/v1/service-tokens/", {"name": "spawn"}, format="json"),
        bot.delete(f"/api/v1/service-tokens/{other['id']}/"),
        bot.post("/api/v1/tokens/", {"name": "mine"}, format="json"),
    ]
    # then each is refused, saying a person must do it, and nothing changed
    for response in answers:
        assert response.status_code == 403, response.content[:300]
        assert (
            "needs a person: this request was made with the service token"
            in (response.json()["error"]["message"])
        )
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "owner"}, "role"),
        ({"role": "superuser"}, "role"),
        ({"expires_at": "yesterday"}, "expires_at"),
        ({"expires_at": (timezone.now() - timedelta(minutes=1)).isoformat()}, "expires_at"),
        ({"name": "x" * 101}, "name"),
    ],
)
def test_it_refuses_bad_input_beside_its_field(trio, body, field):
    count = ApiToken.objects.count()
    response = trio.alice.api.post("/api/v1/service-tokens/", body, format="json")
    assert response.status_code == 400, response.content[:300]
    assert response.json()["error"]["field"] == field
    assert ApiToken.objects.count() == count


def test_it_stops_at_its_expiry(trio):
    body = _make(trio.alice, expires_at=(timezone.now() + timedelta(hours=1)).isoformat())
    assert _client(body).get("/api/v1/apps/").status_code == 200
    ApiToken.objects.filter(pk=body["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    token_cache.clear()
    assert _client(body).get("/api/v1/apps/").status_code == 401


def test_service_tokens_are_not_among_anyones_personal_tokens_nor_members(trio, dana):
    body = _make(dana)
    assert body["id"] not in dana.api.get("/api/v1/tokens/").content.decode()
    assert body["id"] not in trio.alice.api.get("/api/v1/tokens/").content.decode()
    members = trio.alice.api.get("/api/v1/members/").json()["results"]
    assert not [m for m in members if m["username"].startswith("service.")]
    # and its account cannot sign in
    account = ApiToken.objects.get(pk=body["id"]).user
    assert not account.has_usable_password()
