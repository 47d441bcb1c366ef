"""S13 and S20: the dashboard's session sign-in, CSRF, framing and account enumeration."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from .support import PASSWORD, db_snapshot

SESSION = "/api/v1/auth/session/"


def _csrf_client() -> tuple[APIClient, str]:
    """A browser-like client that enforces CSRF, holding the token the dashboard would read."""
    client = APIClient(enforce_csrf_checks=True)
    client.get(SESSION)  # sets the csrftoken cookie, as the dashboard's first request does
    return client, client.cookies["csrftoken"].value


def test_it_refuses_a_sign_in_without_a_csrf_token(trio):
    # given a browser that has no CSRF token (a cross-site form posting alice's credentials)
    client = APIClient(enforce_csrf_checks=True)
    before = db_snapshot()
    # when
    response = client.post(SESSION, {"username": "alice", "password": PASSWORD}, format="json")
    # then no session is created
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert "CSRF" in response.json()["error"]["message"]
    assert "sessionid" not in response.cookies
    assert db_snapshot() == before


def test_it_refuses_a_sign_in_whose_csrf_header_does_not_match_the_cookie(trio):
    # given
    client, _ = _csrf_client()
    # when
    response = client.post(
        SESSION, {"username": "alice", "password": PASSWORD}, format="json", HTTP_X_CSRFTOKEN="x" * 32
    )
    # then
    assert response.status_code == 403
    assert "sessionid" not in response.cookies


def test_it_signs_in_with_the_csrf_token_and_serves_the_session(trio):
    # given
    client, token = _csrf_client()
    # when
    response = client.post(
        SESSION, {"username": "alice", "password": PASSWORD}, format="json", HTTP_X_CSRFTOKEN=token
    )
    # then
    assert response.status_code == 200, response.content
    assert response.json()["workspace"]["id"] == trio.alice.workspace.id
    assert client.get(SESSION).json()["user"]["username"] == "alice"
    assert client.get("/api/v1/apps/").status_code == 200


def test_it_refuses_an_unsafe_request_with_the_session_cookie_but_no_csrf_token(trio):
    # given alice is signed in in her browser
    client, token = _csrf_client()
    assert (
        client.post(
            SESSION, {"username": "alice", "password": PASSWORD}, format="json", HTTP_X_CSRFTOKEN=token
        ).status_code
        == 200
    )
    before = db_snapshot()
    # when another site makes her browser post, with the cookie but without the token
    forged = client.post("/api/v1/apps/", {"name": "forged"}, format="json")
    forged_logout = client.delete(SESSION)
    # then nothing happens
    assert forged.status_code == 403
    assert forged.json()["error"]["code"] == "permission_denied"
    assert forged_logout.status_code == 403
    assert db_snapshot() == before
    # and with the token the same request works
    token = client.cookies["csrftoken"].value
    assert (
        client.post("/api/v1/apps/", {"name": "real"}, format="json", HTTP_X_CSRFTOKEN=token).status_code
        == 201
    )


def test_it_gives_the_same_answer_for_an_unknown_user_and_a_wrong_password(trio):
    # given
    client = APIClient()
    # when
    unknown = client.post(SESSION, {"username": "mallory", "password": PASSWORD}, format="json")
    wrong = client.post(SESSION, {"username": "alice", "password": PASSWORD + "!"}, format="json")
    inactive_user = type(trio.bob.user)
    inactive_user.objects.filter(pk=trio.bob.user.pk).update(is_active=False)
    inactive = client.post(SESSION, {"username": "bob", "password": PASSWORD}, format="json")
    # then nothing tells them apart
    assert unknown.status_code == wrong.status_code == inactive.status_code == 400
    assert unknown.json() == wrong.json() == inactive.json()
    assert unknown.json()["error"]["code"] == "invalid_credentials"
    assert "sessionid" not in wrong.cookies


@pytest.mark.parametrize("path", ["/api/v1/apps/", SESSION, "/api/schema/", "/", "/apps/ap-x"])
def test_it_forbids_framing(trio, path):
    # when
    response = trio.alice.api.get(path)
    # then
    assert response["X-Frame-Options"] == "DENY"


def test_it_keeps_the_session_cookie_away_from_scripts(trio):
    # given
    client, token = _csrf_client()
    # when
    response = client.post(
        SESSION, {"username": "alice", "password": PASSWORD}, format="json", HTTP_X_CSRFTOKEN=token
    )
    # then
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


def test_it_signs_out(trio):
    # given
    client = Client()
    client.login(username="alice", password=PASSWORD)
    # when
    response = client.delete(SESSION)
    # then
    assert response.status_code == 204
    assert client.get(SESSION).status_code == 401
