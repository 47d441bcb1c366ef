"""Proxy auth tokens (web.proxy_tokens): made, revoked, and checked as the gateway checks them,
against the real PostgreSQL and Redis.

The rows are committed (a transactional test), since `check` reads them on threads of its own,
and a second process must see them.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import override_settings

from accounts import revocation
from accounts.models import Workspace, hash_secret
from web import proxy_tokens
from web.models import ProxyToken

pytestmark = pytest.mark.django_db(transaction=True)

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def world():
    user = get_user_model().objects.create_user(username="alice", password="x" * 12)
    a = Workspace.objects.create(name="alpha")
    b = Workspace.objects.create(name="beta")
    token, secret = proxy_tokens.create(workspace=a, user=user, name="ci")
    return a, b, user, token, secret


def _headers(key: str, secret: str, names=(b"skylift-key", b"skylift-secret")) -> list[tuple[bytes, bytes]]:
    return [(b"host", b"example.test"), (names[0], key.encode()), (names[1], secret.encode())]


def _check(workspace_id: str, headers) -> str | None:
    async def go():
        try:
            return await proxy_tokens.check(workspace_id, headers)
        finally:
            await proxy_tokens.settled()

    return asyncio.run(go())


def test_it_stores_only_the_hash_and_has_modal_shapes(world):
    a, _, user, token, secret = world
    row = ProxyToken.objects.filter(pk=token.pk).values().get()
    assert secret not in {str(value) for value in row.values()}
    assert row["secret_hash"] == hash_secret(secret)
    assert token.id.startswith("wk-") and secret.startswith("ws-") and len(secret) > 40
    assert row["workspace_id"] == a.id and row["created_by_id"] == user.id
    assert list(proxy_tokens.tokens(a)) == [token]


def test_a_valid_token_passes_and_its_use_is_recorded_once_a_minute(world):
    a, _, _, token, secret = world
    # when
    assert _check(a.id, _headers(token.id, secret)) is None
    # then its use is recorded
    first = ProxyToken.objects.get(pk=token.pk).last_used_at
    assert first is not None
    # and not again within the minute
    assert _check(a.id, _headers(token.id, secret)) is None
    assert ProxyToken.objects.get(pk=token.pk).last_used_at == first


def test_modal_header_names_and_any_case_are_read(world):
    a, _, _, token, secret = world
    assert _check(a.id, _headers(token.id, secret, (b"Modal-Key", b"Modal-Secret"))) is None
    assert _check(a.id, _headers(token.id, secret, (b"SKYLIFT-KEY", b"Skylift-Secret"))) is None


def test_a_wrong_secret_an_unknown_key_and_another_workspaces_token_are_refused(world):
    a, b, user, token, secret = world
    other, other_secret = proxy_tokens.create(workspace=b, user=user)
    # given the right token was just checked (so it is cached)
    assert _check(a.id, _headers(token.id, secret)) is None
    # then
    assert _check(a.id, _headers(token.id, secret[:-1] + "x")) == proxy_tokens.INVALID
    assert _check(a.id, _headers(token.id, other_secret)) == proxy_tokens.INVALID
    assert _check(a.id, _headers("wk-" + "A" * 22, secret)) == proxy_tokens.INVALID
    assert _check(a.id, _headers(other.id, other_secret)) == proxy_tokens.INVALID
    assert _check(b.id, _headers(token.id, secret)) == proxy_tokens.INVALID
    assert _check(b.id, _headers(other.id, other_secret)) is None


def test_missing_incomplete_malformed_and_oversized_headers_get_a_clear_message(world):
    a, _, _, token, secret = world
    assert _check(a.id, [(b"host", b"x")]) == proxy_tokens.MISSING
    assert "secret is missing" in _check(a.id, [(b"skylift-key", token.id.encode())])
    assert "key is missing" in _check(a.id, [(b"modal-secret", secret.encode())])
    too_long = _check(a.id, _headers(token.id, secret + "x" * 10_000))
    assert "Skylift-Secret header is too long" in too_long
    assert "Modal-Key header is too long" in _check(
        a.id, _headers("wk-" + "a" * 300, secret, (b"modal-key", b"modal-secret"))
    )
    for key in ["ak-" + "a" * 22, "wk-a\x00b", "wk-", "' OR 1=1 --", ""]:
        assert _check(a.id, _headers(key, secret)) == proxy_tokens.INVALID, key


def test_a_warm_check_asks_the_database_nothing_and_a_revocation_ends_it(world):
    a, _, _, token, secret = world
    # given the token was just checked
    assert _check(a.id, _headers(token.id, secret)) is None
    # when its row disappears behind the platform's back (no revocation said)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM web_proxytoken WHERE id = %s", [token.id])
    # then this process still takes it from its cache, without asking the database
    assert _check(a.id, _headers(token.id, secret)) is None
    # until a revocation is said, which ends every cached check
    revocation.revoked()
    assert _check(a.id, _headers(token.id, secret)) == proxy_tokens.INVALID


def test_a_token_revoked_in_another_process_is_refused_at_once(world):
    a, _, _, token, secret = world
    keep, keep_secret = proxy_tokens.create(workspace=a, user=None, name="kept")
    # given both tokens were just checked here
    assert _check(a.id, _headers(token.id, secret)) is None
    assert _check(a.id, _headers(keep.id, keep_secret)) is None
    # when another process revokes one
    _in_another_process(
        f"from web import proxy_tokens; from web.models import ProxyToken; "
        f"proxy_tokens.revoke(token=ProxyToken.objects.get(pk={token.id!r}))"
    )
    # then this process refuses it at its next check, and keeps accepting the other
    assert ProxyToken.objects.get(pk=token.pk).revoked_at is not None
    assert _check(a.id, _headers(token.id, secret)) == proxy_tokens.INVALID
    assert _check(a.id, _headers(keep.id, keep_secret)) is None


def test_a_token_deleted_or_revoked_through_the_model_is_refused_at_once(world):
    a, _, user, token, secret = world
    other, other_secret = proxy_tokens.create(workspace=a, user=user)
    assert _check(a.id, _headers(token.id, secret)) is None
    assert _check(a.id, _headers(other.id, other_secret)) is None
    # when one is deleted through the service and the other revoked as the admin's form saves it
    proxy_tokens.delete(token=token)
    row = ProxyToken.objects.get(pk=other.pk)
    row.revoked_at = row.created_at
    row.save()
    # then
    assert _check(a.id, _headers(token.id, secret)) == proxy_tokens.INVALID
    assert _check(a.id, _headers(other.id, other_secret)) == proxy_tokens.INVALID


def test_without_redis_every_check_asks_the_database(world):
    a, _, _, token, secret = world
    assert _check(a.id, _headers(token.id, secret)) is None
    with override_settings(REDIS_URL="redis://127.0.0.1:1/0"):  # nothing listens there
        # a valid token still passes, checked against the database
        assert _check(a.id, _headers(token.id, secret)) is None
        # and a revocation Redis never heard of is seen at once all the same
        ProxyToken.objects.filter(pk=token.pk).update(revoked_at=token.created_at)
        assert _check(a.id, _headers(token.id, secret)) == proxy_tokens.INVALID


def _in_another_process(code: str) -> None:
    settings = connection.settings_dict
    url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    done = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
