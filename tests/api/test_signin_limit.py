"""Sign-in is limited per account and per client address (accounts/signin.py).

Past the limit of failed attempts every attempt is refused, the right password included: 429
with Retry-After from the API, a form error and 429 from the admin's login page.
"""

from __future__ import annotations

import secrets

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from rest_framework.test import APIClient

from accounts import services as account_services

from .support import PASSWORD

SESSION = "/api/v1/auth/session/"


def _address() -> str:
    """A client address of the test's own (an IPv6 /64 nobody else uses)."""
    return f"2001:db8:{secrets.randbelow(65536):x}:{secrets.randbelow(65536):x}::1"


@pytest.fixture
def dora(db):
    """A user of her own: the limit counts per account, and no other test signs in as her."""
    user = get_user_model().objects.create_user(
        username=f"dora-{secrets.token_hex(4)}", password=PASSWORD, is_staff=True, is_superuser=True
    )
    account_services.workspace_create(name=f"{user.username}-ws", owner=user)
    return user


def _sign_in(username: str, password: str, address: str):
    return APIClient(REMOTE_ADDR=address).post(
        SESSION, {"username": username, "password": password}, format="json"
    )


def test_it_refuses_the_right_password_after_thirty_wrong_ones_from_anywhere(dora):
    # when 30 wrong passwords come for her account, each from another address
    wrong = [_sign_in(dora.username, PASSWORD + "!", _address()).status_code for _ in range(30)]
    # then the first ones are told the credentials are wrong, the rest are refused unchecked
    limit = settings.SKYLIFT_SIGNIN_ACCOUNT_FAILURES
    assert wrong == [400] * limit + [429] * (30 - limit)
    # and so is the right password, from yet another address
    right = _sign_in(dora.username, PASSWORD, _address())
    assert right.status_code == 429
    error = right.json()["error"]
    assert error["code"] == "rate_limited"
    assert "Too many failed sign-in attempts" in error["message"]
    assert int(right["Retry-After"]) >= 1
    assert "sessionid" not in right.cookies


def test_it_refuses_an_address_that_failed_too_often_whatever_the_account(dora):
    # given one address that failed on as many accounts as its limit allows
    address = _address()
    limit = settings.SKYLIFT_SIGNIN_ADDRESS_FAILURES
    failures = [_sign_in(f"nobody-{i}", PASSWORD, address).status_code for i in range(limit)]
    assert failures == [400] * limit
    # when dora signs in from it, with the right password
    refused = _sign_in(dora.username, PASSWORD, address)
    # then it is refused, while from another address she signs in
    assert refused.status_code == 429
    assert refused.json()["error"]["code"] == "rate_limited"
    assert _sign_in(dora.username, PASSWORD, _address()).status_code == 200


def test_successful_sign_ins_spend_nothing(dora):
    # given one address
    address = _address()
    # when she signs in again and again, more often than the limits of failures
    statuses = {
        _sign_in(dora.username, PASSWORD, address).status_code
        for _ in range(settings.SKYLIFT_SIGNIN_ACCOUNT_FAILURES + 5)
    }
    # then
    assert statuses == {200}


def test_the_admin_login_is_limited_with_the_same_count(dora):
    # given a browser on the admin's login page, and failures on the dashboard's sign-in
    address = _address()
    browser = Client(REMOTE_ADDR=address)
    limit = settings.SKYLIFT_SIGNIN_ACCOUNT_FAILURES
    for _ in range(limit - 1):
        assert _sign_in(dora.username, "wrong", _address()).status_code == 400
    form = {"username": dora.username, "password": "wrong", "next": "/admin/"}
    last = browser.post("/admin/login/", form)
    assert last.status_code == 200 and "correct username and password" in last.content.decode()
    # when the right password comes through the admin's form
    response = browser.post("/admin/login/", {**form, "password": PASSWORD})
    # then the form refuses it, saying why, and nobody is signed in
    assert response.status_code == 429
    assert int(response["Retry-After"]) >= 1
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "sessionid" not in response.cookies
    assert browser.get("/admin/").status_code == 302  # to the login page


def test_the_admin_login_still_signs_in_under_the_limit(dora):
    # given
    browser = Client(REMOTE_ADDR=_address())
    # when
    response = browser.post(
        "/admin/login/", {"username": dora.username, "password": PASSWORD, "next": "/admin/"}
    )
    # then
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert browser.get("/admin/").status_code == 200
