"""A revoked token stops at once, though checked tokens are cached (S6; accounts.revocation).

Every test first uses the token, so that the token cache holds it, and never clears the cache:
what refuses the token afterwards is the revocation itself.
"""

from __future__ import annotations

from django.utils import timezone

from accounts import revocation
from accounts.models import ApiToken, Membership

from .support import db_snapshot


def _assert_401(response):
    assert response.status_code == 401, response.content[:300]
    assert response.json()["error"]["code"] == "unauthenticated"


def test_a_token_revoked_through_the_api_can_mint_no_token_and_write_nothing_right_after(trio):
    # given alice's token was just checked (and so is cached)
    api = trio.alice.api
    assert api.get("/api/v1/apps/").status_code == 200
    # when she revokes it
    assert api.delete(f"/api/v1/tokens/{trio.alice.token.id}/").status_code == 204
    before = db_snapshot()
    # then at once it can mint no token, write nothing and read nothing
    _assert_401(api.post("/api/v1/tokens/", {"name": "outlives-it"}, format="json"))
    _assert_401(api.post("/api/v1/apps/", {"name": "after-revoke"}, format="json"))
    _assert_401(api.get("/api/v1/apps/"))
    assert db_snapshot() == before
    assert not ApiToken.objects.filter(name="outlives-it").exists()


def test_a_token_revoked_in_the_admin_stops_at_once(trio):
    # given
    assert trio.alice.api.get("/api/v1/apps/").status_code == 200
    # when it is revoked through the model, as the admin's form saves it
    token = ApiToken.objects.get(pk=trio.alice.token.pk)
    token.revoked_at = timezone.now()
    token.save()
    # then
    _assert_401(trio.alice.api.post("/api/v1/tokens/", {"name": "x"}, format="json"))


def test_a_member_removed_or_a_user_deactivated_stops_at_once(trio):
    # given bob's and charlie's tokens were just checked
    assert trio.bob.api.get("/api/v1/apps/").status_code == 200
    assert trio.charlie.api.get("/api/v1/apps/").status_code == 200
    # when bob leaves workspace A and charlie's account is deactivated
    Membership.objects.get(user=trio.bob.user).delete()
    trio.charlie.user.is_active = False
    trio.charlie.user.save()
    # then
    _assert_401(trio.bob.api.post("/api/v1/apps/", {"name": "bobs"}, format="json"))
    _assert_401(trio.charlie.api.post("/api/v1/apps/", {"name": "charlies"}, format="json"))


def test_a_sign_in_does_not_count_as_a_revocation(trio):
    # given alice's token was just checked
    assert trio.alice.api.get("/api/v1/apps/").status_code == 200
    epoch = revocation.current()
    # when a user signs in (which saves their last_login) and a token is issued
    trio.bob.user.last_login = timezone.now()
    trio.bob.user.save(update_fields=["last_login"])
    assert trio.alice.api.post("/api/v1/tokens/", {"name": "new"}, format="json").status_code == 201
    # then the cached tokens still hold
    assert revocation.current() == epoch
