"""S6 in the model: an API token's secret is stored only as a hash and compared in constant time."""

from __future__ import annotations

import hmac
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts import models as account_models
from accounts.models import ApiToken, Workspace, hash_secret


@pytest.fixture
def owner(db):
    user = get_user_model().objects.create_user(username="alice", password="x" * 12)
    return user, Workspace.objects.create(name="alpha")


def test_it_stores_only_the_hash_and_a_display_suffix(owner):
    # when
    user, workspace = owner
    token, secret = ApiToken.issue(workspace=workspace, user=user, name="ci")
    # then the plaintext is in no column of the stored row
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert secret not in {str(value) for value in row.values()}
    assert row["secret_hash"] == hash_secret(secret) != secret
    assert row["secret_suffix"] == secret[-4:]
    # and the public parts are prefixed, so leaked tokens can be scanned for
    assert token.id.startswith("ak-") and secret.startswith("as-")


def test_it_issues_a_different_secret_every_time(owner):
    user, workspace = owner
    secrets = {ApiToken.issue(workspace=workspace, user=user)[1] for _ in range(20)}
    assert len(secrets) == 20
    assert min(len(s) for s in secrets) >= 40


def test_it_matches_the_right_secret_only(owner):
    # given
    user, workspace = owner
    token, secret = ApiToken.issue(workspace=workspace, user=user)
    # then
    assert token.matches(secret)
    for wrong in ["", secret[:-1], secret + "x", secret.upper(), token.secret_hash, "as-" + "A" * 43]:
        assert not token.matches(wrong), wrong


def test_it_compares_secrets_in_constant_time(owner, monkeypatch):
    # given a spy on the constant-time comparison
    user, workspace = owner
    token, secret = ApiToken.issue(workspace=workspace, user=user)
    calls = []
    compare_digest = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return compare_digest(a, b)

    monkeypatch.setattr(account_models.hmac, "compare_digest", spy)
    # when
    right, wrong = token.matches(secret), token.matches("as-wrong")
    # then every check went through it, comparing hashes (equal length) rather than secrets
    assert (right, wrong) == (True, False)
    assert len(calls) == 2
    assert all(len(a) == len(b) == 64 for a, b in calls)
    assert secret not in {a for pair in calls for a in pair}


def test_it_makes_a_revoked_or_expired_token_inactive(owner):
    # given
    user, workspace = owner
    live, _ = ApiToken.issue(workspace=workspace, user=user)
    revoked, _ = ApiToken.issue(workspace=workspace, user=user)
    expired, _ = ApiToken.issue(
        workspace=workspace, user=user, expires_at=timezone.now() - timedelta(seconds=1)
    )
    later, _ = ApiToken.issue(workspace=workspace, user=user, expires_at=timezone.now() + timedelta(hours=1))
    # when
    ApiToken.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    revoked.refresh_from_db()
    # then
    assert live.is_active and later.is_active
    assert not revoked.is_active and not expired.is_active
    assert set(ApiToken.objects.active().values_list("pk", flat=True)) == {live.pk, later.pk}
