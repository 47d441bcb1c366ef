"""A raw API client retries `POST /api/v1/calls/` safely: the same key, in the body or the
`Idempotency-Key` header, gives the same call on both the fast path and Django's."""

from __future__ import annotations

import base64
import secrets

import cloudpickle
import httpx
import pytest

from tests.integration import basic_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running(platform):
    with basic_app.app.run(client=platform.client("alice")):
        yield platform


def _post(platform, body: dict, **headers) -> httpx.Response:
    return httpx.post(
        f"{platform.url}/api/v1/calls/",
        json=body,
        headers={**platform.users["alice"].headers, **headers},
        timeout=60,
    )


def _input(*args) -> str:
    return base64.b64encode(cloudpickle.dumps((args, {}))).decode()


@pytest.mark.parametrize("kind", ["remote", "map"])  # the fast path serves one input; Django the rest
def test_a_retry_with_the_same_idempotency_key_header_gets_the_same_call(running, kind):
    # given a request that was accepted but whose answer the client never saw
    key = secrets.token_hex(16)
    body = {
        "function_id": basic_app.square.object_id,
        "kind": kind,
        "inputs": [_input(3)] * (1 if kind == "remote" else 2),
    }
    first = _post(running, body, **{"Idempotency-Key": key})
    # when the client sends it again
    again = _post(running, body, **{"Idempotency-Key": key})
    # then both answers name the same call and inputs, and the platform holds it once
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["call"]["id"] == first.json()["call"]["id"]
    assert again.json()["input_ids"] == first.json()["input_ids"]
    rows = running.sql("SELECT count(*) FROM functions_functioncall WHERE idempotency_key = %s", [key])
    assert rows == [(1,)]


def test_a_bad_idempotency_key_header_is_refused_with_the_field(running):
    body = {"function_id": basic_app.square.object_id, "inputs": [_input(3)]}
    response = _post(running, body, **{"Idempotency-Key": "k" * 65})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "idempotency_key"
