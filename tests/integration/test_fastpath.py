"""`POST /api/v1/calls/` on the lean async path answers as Django would, and hands Django the rest."""

from __future__ import annotations

import base64

import cloudpickle
import httpx
import pytest

from tests.integration import basic_app

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def running(platform):
    with basic_app.app.run(client=platform.client("alice")):
        yield platform


def _body(function_id: str, *args, wait: float = 30, **extra) -> dict:
    blob = base64.b64encode(cloudpickle.dumps((args, {}))).decode()
    return {"function_id": function_id, "inputs": [blob], "wait": wait, **extra}


def test_it_answers_a_remote_call_with_the_documented_shape(running):
    # when
    response = httpx.post(
        f"{running.url}/api/v1/calls/",
        json=_body(basic_app.square.object_id, 6),
        headers=running.users["alice"].headers,
        timeout=60,
    )
    # then it was served by the fast path, with the documented shape
    assert response.status_code == 201
    assert response.headers.get("x-skylift-path") == "fast"
    body = response.json()
    assert set(body) == {"call", "input_ids", "outputs"}
    assert set(body["call"]) == {
        "id",
        "function_id",
        "function_name",
        "app_id",
        "kind",
        "status",
        "input_count",
        "created_at",
        "finished_at",
    }
    assert body["call"]["function_name"] == "square"
    (output,) = body["outputs"]
    assert output["input_id"] == body["input_ids"][0]
    assert output["status"] == "succeeded"
    assert cloudpickle.loads(base64.b64decode(output["result"])) == 36
    # and the call is the same one the rest of the API sees
    seen = httpx.get(
        f"{running.url}/api/v1/calls/{body['call']['id']}/", headers=running.users["alice"].headers
    )
    assert seen.json()["status"] == "succeeded"


def test_it_hides_another_workspace_s_function(running):
    response = httpx.post(
        f"{running.url}/api/v1/calls/",
        json=_body(basic_app.square.object_id, 1),
        headers=running.users["charlie"].headers,
        timeout=60,
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_it_refuses_a_wrong_token_with_the_usual_401(running):
    headers = {"Authorization": f"Bearer {running.users['alice'].token_id}:as-wrong"}
    response = httpx.post(
        f"{running.url}/api/v1/calls/", json=_body(basic_app.square.object_id, 1), headers=headers
    )
    assert response.status_code == 401
    assert "skylift token new" in response.json()["error"]["hint"]


def test_it_returns_the_first_call_for_a_repeated_idempotency_key(running):
    body = _body(basic_app.square.object_id, 3, idempotency_key="k-fast-1")
    first = httpx.post(
        f"{running.url}/api/v1/calls/", json=body, headers=running.users["alice"].headers, timeout=60
    )
    again = httpx.post(
        f"{running.url}/api/v1/calls/", json=body, headers=running.users["alice"].headers, timeout=60
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["call"]["id"] == again.json()["call"]["id"]
    count = running.sql("SELECT count(*) FROM functions_functioncall WHERE idempotency_key = 'k-fast-1'")[0][
        0
    ]
    assert count == 1


def test_it_refuses_malformed_json_as_django_does(running):
    response = httpx.post(
        f"{running.url}/api/v1/calls/",
        content=b'{"function_id": ',
        headers={**running.users["alice"].headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"


@pytest.mark.parametrize(("function", "arg"), [("square", 7), ("inc", -1)], ids=["value", "exception"])
def test_the_output_it_answers_with_is_the_one_the_database_keeps(running, function, arg):
    # given a warm container (the output then rides in the relay's wake-up, not a database read)
    fn = getattr(basic_app, function)
    headers = running.users["alice"].headers
    httpx.post(f"{running.url}/api/v1/calls/", json=_body(fn.object_id, 1), headers=headers, timeout=60)
    # when
    response = httpx.post(
        f"{running.url}/api/v1/calls/", json=_body(fn.object_id, arg), headers=headers, timeout=60
    )
    assert response.headers["x-skylift-output"] == "wake-up"
    body = response.json()
    # then Django's outputs endpoint reads the very same output from PostgreSQL
    stored = httpx.get(
        f"{running.url}/api/v1/calls/{body['call']['id']}/outputs/", params={"timeout": 0}, headers=headers
    ).json()
    assert body["outputs"] == stored["outputs"]
    assert stored["outputs"][0]["status"] == ("succeeded" if function == "square" else "failed")


def test_a_service_token_calls_through_it_until_revoked(running):
    # given a service token of alice's workspace (it has no membership: its role is its own)
    alice = running.users["alice"].headers
    made = httpx.post(
        f"{running.url}/api/v1/service-tokens/", json={"name": "fast-bot", "role": "member"}, headers=alice
    )
    assert made.status_code == 201, made.text
    bot = {"Authorization": f"Bearer {made.json()['id']}:{made.json()['secret']}"}
    # when it calls a function, then the fast path serves it
    response = httpx.post(
        f"{running.url}/api/v1/calls/", json=_body(basic_app.square.object_id, 7), headers=bot, timeout=60
    )
    assert response.status_code == 201, response.text
    assert response.headers.get("x-skylift-path") == "fast"
    assert cloudpickle.loads(base64.b64decode(response.json()["outputs"][0]["result"])) == 49
    # when alice revokes it, then its next call is refused at the door
    assert httpx.delete(f"{running.url}/api/v1/service-tokens/{made.json()['id']}/", headers=alice).is_success
    refused = httpx.post(
        f"{running.url}/api/v1/calls/", json=_body(basic_app.square.object_id, 7), headers=bot, timeout=60
    )
    assert refused.status_code == 401
    assert refused.json()["error"]["message"] == "Invalid or revoked API token."
