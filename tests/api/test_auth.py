"""Authentication of the API (issue 3 "Wrong or revoked token", RELIABILITY S6).

Every operation answers 401 with a JSON body saying how to get a token when the token is
missing, malformed, wrong, revoked or expired; a request that fails authentication changes
nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services as account_services
from accounts.authentication import token_cache
from accounts.models import ApiToken, Membership

from .openapi import operations
from .support import db_snapshot

# The session endpoints are how one signs in, so they answer without a token.
# Signing in and accepting an invite link are open to anyone (docs/permissions.md).
AUTHENTICATED_OPERATIONS = [
    op for op in operations() if "/auth/session/" not in op.path and "/auth/invitation/" not in op.path
]


def _assert_401_with_hint(response):
    assert response.status_code == 401, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "unauthenticated"
    assert "skylift token new" in error["hint"] and "Authorization: Bearer" in error["hint"]
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("op", AUTHENTICATED_OPERATIONS, ids=lambda op: op.id)
def test_it_answers_401_with_a_hint_when_no_token_is_sent(db, op):
    # given no credentials at all
    client = APIClient()
    url = op.url(**{p: "ap-doesnotexist" for p in op.path_params})
    # when
    response = client.generic(op.method.upper(), url, "{}", content_type="application/json")
    # then
    _assert_401_with_hint(response)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Bearer no-colon-here",
        "Basic YWxpY2U6c2VjcmV0",
        "Token ak-x:as-y",
        "Bearer :",
        "Bearer ak-doesnotexist:as-whatever",
        "Bearer " + "a" * 10_000 + ":secret",
        "Bearer ak-\x00:as-x",
        "Bearer ak-é:as-x",
    ],
    ids=[
        "scheme-only",
        "empty",
        "no-colon",
        "basic",
        "other-scheme",
        "empty-parts",
        "unknown-id",
        "10k-id",
        "nul-in-id",
        "non-ascii-id",
    ],
)
def test_it_answers_401_to_a_malformed_or_unknown_token(trio, header):
    # given
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    # when
    response = client.get("/api/v1/apps/")
    # then
    _assert_401_with_hint(response)


def test_it_answers_401_to_a_wrong_secret_even_once_the_token_is_cached(trio):
    # given alice's token was just used (and so is in the token cache)
    assert trio.alice.api.get("/api/v1/apps/").status_code == 200
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {trio.alice.token.id}:{trio.alice.secret}x")
    # when the same id comes with another secret
    response = client.get("/api/v1/apps/")
    # then
    _assert_401_with_hint(response)


def test_it_answers_401_to_a_wrong_secret_before_the_token_is_cached(trio):
    # given
    token_cache.clear()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {trio.alice.token.id}:as-{'0' * 43}")
    # when
    response = client.get("/api/v1/apps/")
    # then
    _assert_401_with_hint(response)


def test_it_answers_401_to_a_revoked_token_and_changes_nothing(trio):
    # given alice revokes her token through the API
    assert trio.alice.api.get("/api/v1/apps/").status_code == 200
    assert trio.alice.api.delete(f"/api/v1/tokens/{trio.alice.token.id}/").status_code == 204
    token_cache.clear()  # the cache trusts a checked token for a few seconds (S6: "within the cache TTL")
    before = db_snapshot()
    # when she uses it again, to read and to write
    reads = trio.alice.api.get("/api/v1/apps/")
    writes = trio.alice.api.post("/api/v1/apps/", {"name": "after-revoke"}, format="json")
    # then
    _assert_401_with_hint(reads)
    _assert_401_with_hint(writes)
    assert db_snapshot() == before
    assert ApiToken.objects.get(pk=trio.alice.token.pk).revoked_at is not None


def test_it_answers_401_to_an_expired_token(trio):
    # given
    ApiToken.objects.filter(pk=trio.bob.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    token_cache.clear()
    # when
    response = trio.bob.api.get("/api/v1/apps/")
    # then
    _assert_401_with_hint(response)


def test_it_answers_401_once_the_user_leaves_the_workspace_or_is_deactivated(trio):
    # given bob left workspace A, and charlie's account was deactivated
    Membership.objects.filter(user=trio.bob.user).delete()
    type(trio.charlie.user).objects.filter(pk=trio.charlie.user.pk).update(is_active=False)
    token_cache.clear()
    # when / then
    _assert_401_with_hint(trio.bob.api.get("/api/v1/apps/"))
    _assert_401_with_hint(trio.charlie.api.get("/api/v1/apps/"))


def test_it_shows_a_new_tokens_secret_once_and_stores_only_its_hash(trio):
    # when alice creates a token through the API
    response = trio.alice.api.post("/api/v1/tokens/", {"name": "ci"}, format="json")
    # then the secret is in the answer and works
    assert response.status_code == 201
    body = response.json()
    secret = body["secret"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['id']}:{secret}")
    assert client.get("/api/v1/apps/").status_code == 200
    # and it is never shown again nor stored
    listed = trio.alice.api.get("/api/v1/tokens/").content.decode()
    shown = trio.alice.api.get(f"/api/v1/tokens/{body['id']}/").content.decode()
    assert secret not in listed and secret not in shown
    row = ApiToken.objects.filter(pk=body["id"]).values()[0]
    assert secret not in {str(v) for v in row.values()}


def test_it_honours_the_expiry_asked_for_at_creation(trio):
    # given a token created through the API to expire in an hour
    expires = timezone.now() + timedelta(hours=1)
    response = trio.alice.api.post(
        "/api/v1/tokens/", {"name": "short", "expires_at": expires.isoformat()}, format="json"
    )
    assert response.status_code == 201
    # then it is stored with that expiry
    token = ApiToken.objects.get(pk=response.json()["id"])
    assert token.expires_at == expires
    assert response.json()["expires_at"] is not None


def test_it_refuses_a_token_that_would_be_born_expired(trio):
    # given
    count = ApiToken.objects.count()
    past = (timezone.now() - timedelta(minutes=1)).isoformat()
    # when
    response = trio.alice.api.post("/api/v1/tokens/", {"name": "stale", "expires_at": past}, format="json")
    # then
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "expires_at"
    assert ApiToken.objects.count() == count


def test_it_revokes_only_the_callers_own_tokens(trio):
    # given bob, alice's fellow member, knows the id of her token
    token_id = trio.alice.token.id
    # when he tries to revoke it
    response = trio.bob.api.delete(f"/api/v1/tokens/{token_id}/")
    # then it is not his to see
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token_id).revoked_at is None


def test_it_issues_tokens_through_the_service_as_hash_and_suffix_only(trio):
    # when
    token, secret = account_services.token_issue(workspace=trio.alice.workspace, user=trio.alice.user)
    # then
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.secret_hash != secret and secret not in stored.secret_hash
    assert stored.secret_suffix == secret[-4:]
    assert stored.matches(secret)
