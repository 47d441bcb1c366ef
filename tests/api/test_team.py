"""The team of a workspace (docs/team.md): members and roles, invites by link, the audit log,
the workspace's settings, and the workspace switcher of the dashboard's session.

alice owns workspace A, dana is an admin of A, bob a member of A; charlie owns B.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import team
from accounts.models import AuditEvent, Invite, Membership, Role, Workspace

from .support import PASSWORD, db_snapshot, make_member

SESSION = "/api/v1/auth/session/"
ACCEPT = "/api/v1/auth/invitation/"
PREVIEW = "/api/v1/auth/invitation/preview/"


def _membership(member) -> Membership:
    return Membership.objects.get(workspace=member.workspace, user=member.user)


def _error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:400]
    error = response.json()["error"]
    assert error["code"] == code, error
    return error


# Members and roles ------------------------------------------------------------------------------


def test_it_lists_members_with_their_role_and_joined_date(trio, dana):
    # when bob, a member, lists the members
    response = trio.bob.api.get("/api/v1/members/")
    # then he sees everyone of A with their role, and no one of B
    assert response.status_code == 200
    listed = {m["username"]: m for m in response.json()["results"]}
    roles = {name: m["role"] for name, m in listed.items()}
    assert roles.items() >= {"alice": "owner", "dana": "admin", "bob": "member"}.items()
    assert "charlie" not in listed
    assert listed["bob"]["id"] == _membership(trio.bob).public_id
    assert listed["bob"]["joined_at"]


def test_it_refuses_to_demote_or_remove_the_last_owner(trio):
    # given alice, the only owner of A
    alice = _membership(trio.alice)
    before = db_snapshot()
    # when she demotes herself, or removes herself
    demoted = trio.alice.api.patch(f"/api/v1/members/{alice.public_id}/", {"role": "admin"}, format="json")
    removed = trio.alice.api.delete(f"/api/v1/members/{alice.public_id}/")
    # then both are refused, saying why, and she owns A still
    for response in (demoted, removed):
        error = _error(response, 409, "last_owner")
        assert "alice is the last owner of workspace alice-ws" in error["message"]
        assert error["hint"] == "Make another member an owner first."
    assert db_snapshot() == before


def test_it_lets_an_owner_step_down_once_another_owns_the_workspace(trio):
    # given bob made an owner by alice
    bob = _membership(trio.bob)
    made = trio.alice.api.patch(f"/api/v1/members/{bob.public_id}/", {"role": "owner"}, format="json")
    assert made.status_code == 200 and made.json()["role"] == "owner"
    # when alice makes herself a member
    alice = _membership(trio.alice)
    response = trio.alice.api.patch(f"/api/v1/members/{alice.public_id}/", {"role": "member"}, format="json")
    # then she is one, and her token acts as a member from its next request (no stale cached role)
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "member"
    refused = trio.alice.api.patch(f"/api/v1/members/{bob.public_id}/", {"role": "member"}, format="json")
    _error(refused, 403, "permission_denied")
    # and bob, now the last owner, cannot leave the workspace ownerless
    _error(trio.bob.api.delete(f"/api/v1/members/{bob.public_id}/"), 409, "last_owner")


@pytest.mark.parametrize(
    ("what", "request_of"),
    [
        ("Making someone an owner", lambda api, ids: api.patch(ids["bob"], {"role": "owner"}, format="json")),
        (
            "Changing an owner's role",
            lambda api, ids: api.patch(ids["alice"], {"role": "member"}, format="json"),
        ),
        ("Removing an owner", lambda api, ids: api.delete(ids["alice"])),
        (
            "Inviting an owner",
            lambda api, ids: api.post("/api/v1/invites/", {"role": "owner"}, format="json"),
        ),
    ],
)
def test_it_refuses_an_admin_what_only_an_owner_may_do(trio, dana, what, request_of):
    # given dana, an admin
    ids = {m: f"/api/v1/members/{_membership(getattr(trio, m)).public_id}/" for m in ("alice", "bob")}
    before = db_snapshot()
    # when she does what concerns the owner role
    response = request_of(dana.api, ids)
    # then it is refused in words that say who may, and nothing changed
    error = _error(response, 403, "permission_denied")
    assert error["message"] == f"{what} needs the role owner; your role in workspace alice-ws is admin."
    assert "only an owner" in error["hint"]
    assert db_snapshot() == before


def test_it_lets_an_admin_manage_members_and_admins(trio, dana):
    bob = _membership(trio.bob)
    # when dana makes bob an admin, then removes him
    promoted = dana.api.patch(f"/api/v1/members/{bob.public_id}/", {"role": "admin"}, format="json")
    removed = dana.api.delete(f"/api/v1/members/{bob.public_id}/")
    # then both are done, and bob's token no longer opens the workspace
    assert promoted.json()["role"] == "admin"
    assert removed.status_code == 204
    assert not Membership.objects.filter(pk=bob.pk).exists()
    assert trio.bob.api.get("/api/v1/apps/").status_code == 401
    trio.bob.token.refresh_from_db()
    assert trio.bob.token.revoked_at is not None
    # and the log says who did what
    actions = list(
        AuditEvent.objects.filter(workspace=trio.alice.workspace, target_name="bob")
        .order_by("created_at")
        .values_list("action", "actor_name", "data")
    )
    assert actions[-2:] == [
        ("member.role_change", "dana", {"from": "member", "to": "admin"}),
        ("member.remove", "dana", {"role": "admin", "tokens_revoked": 1}),
    ]


def test_it_refuses_a_member_managing_members_in_the_apis_words(trio, dana):
    dana_id = _membership(dana).public_id
    response = trio.bob.api.delete(f"/api/v1/members/{dana_id}/")
    error = _error(response, 403, "permission_denied")
    assert error["message"] == (
        f"DELETE /api/v1/members/{dana_id}/ needs the role owner or admin; your role in workspace alice-ws is member."
    )


def test_it_refuses_an_unknown_role(trio):
    bob = _membership(trio.bob)
    response = trio.alice.api.patch(f"/api/v1/members/{bob.public_id}/", {"role": "emperor"}, format="json")
    error = _error(response, 400, "invalid")
    assert error["field"] == "role"


# Invites ----------------------------------------------------------------------------------------


def _invite(member, **body) -> dict:
    response = member.api.post("/api/v1/invites/", body, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_it_makes_an_invite_whose_secret_is_shown_once_and_stored_hashed(trio):
    # when alice invites someone as an admin
    made = _invite(trio.alice, role="admin", expires_in_days=2)
    # then the link holds the secret, which only its hash stores
    invite_id, secret = made["token"].split(".", 1)
    assert made["id"] == invite_id and made["link"].endswith(f"/invite#{made['token']}")
    stored = Invite.objects.get(pk=invite_id)
    assert stored.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert stored.role == Role.ADMIN
    assert timedelta(days=2) - (stored.expires_at - timezone.now()) < timedelta(minutes=1)
    # and no later answer shows it again
    assert secret not in trio.alice.api.get("/api/v1/invites/").content.decode()
    assert secret not in trio.alice.api.get(f"/api/v1/invites/{invite_id}/").content.decode()
    assert made["state"] == "pending" and made["emailed"] is False


def test_it_signs_up_whoever_holds_the_link_once(trio):
    made = _invite(trio.alice, role="member")
    browser = APIClient()
    # when someone new previews, then accepts with a new account
    preview = browser.post(PREVIEW, {"token": made["token"]}, format="json")
    assert preview.json() == {
        "workspace": "alice-ws",
        "role": "member",
        "invited_by": "alice",
        "expires_at": made["expires_at"],
    }
    joined = browser.post(
        ACCEPT,
        {"token": made["token"], "new_account": True, "username": "frank", "password": PASSWORD},
        format="json",
    )
    # then frank exists, is a member of A, and is signed in there
    assert joined.status_code == 200, joined.content
    assert joined.json()["workspace"]["name"] == "alice-ws" and joined.json()["role"] == "member"
    frank = get_user_model().objects.get(username="frank")
    assert Membership.objects.get(user=frank).role == Role.MEMBER
    assert browser.get(SESSION).json()["user"]["username"] == "frank"
    assert browser.get("/api/v1/apps/").status_code == 200
    # and the link works no more, for anyone
    again = APIClient().post(
        ACCEPT,
        {"token": made["token"], "new_account": True, "username": "gina", "password": PASSWORD},
        format="json",
    )
    error = _error(again, 409, "invite_used")
    assert error["message"] == "This invite was used already: an invite makes one person a member, once."
    assert not get_user_model().objects.filter(username="gina").exists()
    assert Invite.objects.get(pk=made["id"]).accepted_by == frank


def test_it_signs_in_an_existing_user_and_makes_him_a_member(trio):
    made = _invite(trio.alice, role="admin")
    browser = APIClient()
    # when charlie (owner of B) accepts with a wrong password, then the right one
    wrong = browser.post(
        ACCEPT, {"token": made["token"], "username": "charlie", "password": "nope"}, format="json"
    )
    _error(wrong, 400, "invalid_credentials")
    assert Invite.objects.get(pk=made["id"]).accepted_at is None
    joined = browser.post(
        ACCEPT, {"token": made["token"], "username": "charlie", "password": PASSWORD}, format="json"
    )
    # then he is an admin of A as well, acting in A now, with both workspaces in his session
    assert joined.status_code == 200, joined.content
    body = joined.json()
    assert body["workspace"]["name"] == "alice-ws" and body["role"] == "admin"
    assert {(w["name"], w["role"]) for w in body["workspaces"]} == {
        ("alice-ws", "admin"),
        ("charlie-ws", "owner"),
    }
    event = AuditEvent.objects.get(action="member.join", data__invite=made["id"])
    assert (event.actor_name, event.ip) == ("charlie", "127.0.0.1")


def test_it_refuses_an_expired_a_revoked_and_a_forged_invite(trio):
    expired = _invite(trio.alice)
    Invite.objects.filter(pk=expired["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    revoked = _invite(trio.alice)
    assert trio.alice.api.delete(f"/api/v1/invites/{revoked['id']}/").json()["state"] == "revoked"
    forged = f"{revoked['id']}.it-{'x' * 43}"
    before = db_snapshot()
    for token, status, code in [
        (expired["token"], 410, "invite_expired"),
        (revoked["token"], 410, "invite_revoked"),
        (forged, 404, "invalid_invite"),
        ("not a link", 404, "invalid_invite"),
    ]:
        body = {"token": token, "new_account": True, "username": "hank", "password": PASSWORD}
        error = _error(APIClient().post(ACCEPT, body, format="json"), status, code)
        assert error["field"] == "token"
        _error(APIClient().post(PREVIEW, {"token": token}, format="json"), status, code)
    assert db_snapshot() == before


def test_it_refuses_an_invite_to_someone_already_a_member(trio):
    made = _invite(trio.alice)
    browser = APIClient()
    browser.force_login(trio.bob.user)
    error = _error(browser.post(ACCEPT, {"token": made["token"]}, format="json"), 409, "already_member")
    assert "bob is a member of workspace alice-ws already (role member)" in error["message"]
    assert Invite.objects.get(pk=made["id"]).accepted_at is None


def test_it_checks_a_new_accounts_password_and_name(trio):
    made = _invite(trio.alice)
    short = {"token": made["token"], "new_account": True, "username": "ivy", "password": "abc"}
    error = _error(APIClient().post(ACCEPT, short, format="json"), 400, "invalid")
    assert error["field"] == "password"
    taken = {"token": made["token"], "new_account": True, "username": "bob", "password": PASSWORD}
    assert (
        _error(APIClient().post(ACCEPT, taken, format="json"), 409, "already_exists")["field"] == "username"
    )
    assert Invite.objects.get(pk=made["id"]).accepted_at is None


def test_it_emails_the_link_when_the_platform_sends_mail(trio, settings):
    settings.SKYLIFT_INVITE_EMAILS = True
    made = _invite(trio.alice, email="jo@example.com")
    assert made["emailed"] is True
    (sent,) = mail.outbox
    assert sent.to == ["jo@example.com"]
    assert made["link"] in sent.body and "alice invites you to the workspace alice-ws" in sent.body


def test_it_does_not_email_unless_the_platform_is_told_to(trio):
    assert _invite(trio.alice, email="jo@example.com")["emailed"] is False
    assert mail.outbox == []


def test_invite_links_last_what_was_asked_within_bounds(trio):
    for days in (0, 31):
        response = trio.alice.api.post("/api/v1/invites/", {"expires_in_days": days}, format="json")
        assert _error(response, 400, "invalid")["field"] == "expires_in_days"


# The workspace switcher -------------------------------------------------------------------------


def test_the_session_switches_between_the_users_workspaces(trio):
    # given charlie, also a member of A
    Membership.objects.create(workspace=trio.alice.workspace, user=trio.charlie.user, role=Role.MEMBER)
    browser = APIClient()
    browser.force_login(trio.charlie.user)
    assert browser.get(SESSION).json()["workspace"]["name"] == "charlie-ws"  # the one he owns first
    # when he switches to A
    switched = browser.put(SESSION, {"workspace": trio.alice.workspace.id}, format="json")
    # then the session acts in A as a member, request after request
    assert switched.json()["workspace"]["name"] == "alice-ws" and switched.json()["role"] == "member"
    assert browser.get(SESSION).json()["role"] == "member"
    listed = browser.get("/api/v1/members/").json()["results"]
    assert "alice" in {m["username"] for m in listed}
    # and a workspace he is not in is refused
    other = Workspace.objects.create(name="elsewhere")
    error = _error(browser.put(SESSION, {"workspace": other.id}, format="json"), 404, "not_found")
    assert error["field"] == "workspace"
    assert browser.get(SESSION).json()["workspace"]["name"] == "alice-ws"


def test_a_removed_member_falls_back_to_a_workspace_he_is_in(trio):
    Membership.objects.create(workspace=trio.alice.workspace, user=trio.charlie.user, role=Role.MEMBER)
    browser = APIClient()
    browser.force_login(trio.charlie.user)
    browser.put(SESSION, {"workspace": trio.alice.workspace.id}, format="json")
    team.member_remove(
        membership=Membership.objects.get(workspace=trio.alice.workspace, user=trio.charlie.user),
        by_role=Role.OWNER,
    )
    assert browser.get(SESSION).json()["workspace"]["name"] == "charlie-ws"


# The audit log ----------------------------------------------------------------------------------


def test_it_records_who_did_what_from_where(trio):
    # when alice creates and revokes a token through the API
    made = trio.alice.api.post("/api/v1/tokens/", {"name": "ci"}, format="json").json()
    trio.alice.api.delete(f"/api/v1/tokens/{made['id']}/")
    # then the log lists both, newest first, with her name, her token and her address
    response = trio.alice.api.get("/api/v1/audit-events/", {"target": made["id"]})
    events = response.json()["results"]
    assert [e["action"] for e in events] == ["token.revoke", "token.create"]
    for event in events:
        assert (event["actor"], event["token_id"], event["ip"]) == ("alice", trio.alice.token.id, "127.0.0.1")
        assert (event["target_type"], event["target_name"]) == ("apitoken", "ci")


def test_it_filters_and_exports_the_log_as_json_lines(trio, objects_a):
    # given A's log (the deploys of make_objects among it)
    deploys = trio.alice.api.get("/api/v1/audit-events/", {"action": "app.deploy"}).json()
    apps = trio.alice.api.get("/api/v1/audit-events/", {"action": "app."}).json()
    assert deploys["count"] >= 2 and {e["action"] for e in deploys["results"]} == {"app.deploy"}
    assert apps["count"] >= deploys["count"]
    # when alice exports the deploys
    response = trio.alice.api.get("/api/v1/audit-events/export/", {"action": "app.deploy"})
    # then it is a download of one JSON object a line, the same events
    assert response["Content-Type"] == "application/x-ndjson"
    assert 'filename="audit-alice-ws.jsonl"' in response["Content-Disposition"]
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [e["id"] for e in deploys["results"]]
    assert json.loads(lines[-1])["data"]["version"] == 1


def test_it_refuses_a_bad_time_filter_clearly(trio):
    error = _error(trio.alice.api.get("/api/v1/audit-events/", {"since": "yesterday"}), 400, "invalid")
    assert error["field"] == "since"


def test_it_shows_the_log_to_owners_and_admins_only(trio, dana):
    assert dana.api.get("/api/v1/audit-events/").status_code == 200
    for url in ("/api/v1/audit-events/", "/api/v1/audit-events/export/"):
        error = _error(trio.bob.api.get(url), 403, "permission_denied")
        assert "needs the role owner or admin; your role in workspace alice-ws is member" in error["message"]


def test_it_records_an_app_stopped_by_the_platform_as_nobodys(trio, objects_a):
    from functions import services as function_services

    function_services.app_stop(app=objects_a.app, message="The client that ran the app went away.")
    event = AuditEvent.objects.get(action="app.stop", target_id=objects_a.app.id)
    assert (event.actor, event.ip, event.data["message"]) == (
        None,
        None,
        "The client that ran the app went away.",
    )


# Settings ---------------------------------------------------------------------------------------


def test_it_changes_the_settings_an_admin_may_change(trio, dana):
    response = dana.api.patch(
        "/api/v1/workspace/", {"log_retention_days": 14, "gpu_limit": 2, "input_rate": 50}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["log_retention_days"], body["effective_log_retention_days"], body["gpu_limit"]) == (
        14,
        14,
        2,
    )
    workspace = Workspace.objects.get(pk=trio.alice.workspace.pk)
    assert (workspace.log_retention_days, workspace.gpu_limit, workspace.input_rate) == (14, 2, 50)
    event = AuditEvent.objects.get(action="workspace.settings_change", workspace=workspace)
    assert event.actor_name == "dana"
    assert event.data == {"log_retention_days": [None, 14], "gpu_limit": [None, 2], "input_rate": [None, 50]}
    # and back to the defaults
    cleared = dana.api.patch(
        "/api/v1/workspace/", {"gpu_limit": None, "log_retention_days": None}, format="json"
    )
    assert cleared.json()["gpu_limit"] is None
    assert cleared.json()["effective_log_retention_days"] == settings.SKYLIFT_LOG_RETENTION_DAYS


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Not a slug!"}, "name"),
        ({"name": ""}, "name"),
        ({"name": "charlie-ws"}, "name"),
        ({"gpu_limit": -1}, "gpu_limit"),
        ({"gpu_limit": "lots"}, "gpu_limit"),
        ({"log_retention_days": 0}, "log_retention_days"),
        ({"log_retention_days": 100_000}, "log_retention_days"),
        ({"input_rate": 10**9}, "input_rate"),
        ({"input_rate": 100, "input_burst": 10}, "input_burst"),
    ],
)
def test_it_refuses_bad_settings_beside_their_field(trio, body, field):
    before = db_snapshot()
    response = trio.alice.api.patch("/api/v1/workspace/", body, format="json")
    assert response.status_code in (400, 409), response.content
    assert response.json()["error"]["field"] == field
    assert db_snapshot() == before


def test_it_refuses_a_member_changing_settings(trio):
    error = _error(
        trio.bob.api.patch("/api/v1/workspace/", {"gpu_limit": 1}, format="json"), 403, "permission_denied"
    )
    assert (
        error["message"]
        == "PATCH /api/v1/workspace/ needs the role owner or admin; your role in workspace alice-ws is member."
    )
    assert trio.bob.api.get("/api/v1/workspace/").json()["name"] == "alice-ws"


def test_make_member_is_still_one_membership(trio):
    # The fixtures' helper makes memberships with public ids as the API names them.
    member = make_member("kate", workspace=trio.alice.workspace, role=Role.MEMBER)
    assert _membership(member).public_id.startswith("mb-")
