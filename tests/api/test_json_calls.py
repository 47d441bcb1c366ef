"""POST /apps/{app}/functions/{name}/call/ and /spawn/, GET /calls/{id}/result/: calls from any language.

The answers that need a container (a result, a 406 for a result JSON cannot carry) are proven
against the real platform in tests/integration/test_json_calls.py; these are the bad inputs.
"""

from __future__ import annotations

import json

from functions.models import Input

from .support import row_counts


def _post(member, url: str, body) -> object:
    raw = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return member.api.generic("POST", url, raw, content_type="application/json")


def _error(response) -> dict:
    return response.json()["error"]


def test_it_names_an_unknown_app_and_an_unknown_function_in_its_404s(trio, objects_a):
    before = row_counts()
    # when
    no_app = _post(trio.alice, "/api/v1/apps/no-such-app/functions/square/call/", {"args": [2]})
    no_function = _post(
        trio.alice, f"/api/v1/apps/{objects_a.deployed.name}/functions/cube/call/", {"args": [2]}
    )
    no_app_id = _post(trio.alice, "/api/v1/apps/ap-doesnotexist/functions/square/spawn/", {})
    # then
    assert no_app.status_code == 404, no_app.content[:300]
    assert "'no-such-app'" in _error(no_app)["message"]
    assert _error(no_app)["code"] == "not_found"
    assert no_function.status_code == 404, no_function.content[:300]
    assert "'cube'" in _error(no_function)["message"]
    assert repr(objects_a.deployed.name) in _error(no_function)["message"]
    assert "square" in _error(no_function)["hint"]  # what it has
    assert no_app_id.status_code == 404
    assert "ap-doesnotexist" in _error(no_app_id)["message"]
    assert row_counts() == before


def test_it_refuses_a_body_that_is_not_json_or_not_a_call(trio, objects_a):
    url = f"/api/v1/apps/{objects_a.deployed.name}/functions/square/call/"
    before = row_counts()
    cases = {
        "not json": '{"args": [1,',
        "an array": [1, 2],
        "args not a list": {"args": {"x": 1}},
        "kwargs not an object": {"kwargs": [1]},
        "an unknown field": {"arg": [1]},
        "a wait past 50 s": {"args": [1], "wait": 3600},
    }
    for what, body in cases.items():
        # when
        response = _post(trio.alice, url, body)
        # then
        assert response.status_code == 400, (what, response.content[:300])
        assert _error(response)["message"], what
    assert row_counts() == before


def test_it_refuses_params_for_a_function(trio, objects_a):
    url = f"/api/v1/apps/{objects_a.deployed.name}/functions/square/call/"
    before = row_counts()
    response = _post(trio.alice, url, {"args": [3], "params": {"size": 2}})
    assert response.status_code == 400, response.content[:300]
    assert _error(response)["field"] == "params"
    assert row_counts() == before


def test_it_accepts_a_spawn_with_json_arguments_and_reads_it_back_pending(trio, objects_a):
    # when a deployed function is spawned by name, and an ephemeral app's function by its app's id
    spawned = _post(
        trio.bob,
        f"/api/v1/apps/{objects_a.deployed.name}/functions/square/spawn",  # no trailing slash
        {"args": [3], "kwargs": {"unit": "m"}},
    )
    by_id = _post(trio.alice, f"/api/v1/apps/{objects_a.app.id}/functions/square/call/", {"wait": 0})
    # then each is accepted, answered 202 with where to read the result
    assert spawned.status_code == 202, spawned.content[:300]
    assert by_id.status_code == 202, by_id.content[:300]
    call_id = spawned.json()["call_id"]
    assert spawned.json()["result_url"] == f"/api/v1/calls/{call_id}/result/"
    # and the input carries its arguments as JSON, marked for the container to decode
    spawned_input = Input.objects.get(call_id=call_id)
    assert spawned_input.codec == "json"
    assert json.loads(bytes(spawned_input.args)) == {"args": [3], "kwargs": {"unit": "m"}}
    assert spawned_input.spawned is True
    assert Input.objects.get(call_id=by_id.json()["call_id"]).function_id == objects_a.function.id
    # and its result reads as pending until a container runs it
    result = trio.alice.api.get(f"/api/v1/calls/{call_id}/result/")
    assert result.status_code == 200, result.content[:300]
    assert result.json() == {
        "call_id": call_id,
        "status": "pending",
        "result_url": f"/api/v1/calls/{call_id}/result/",
    }


def test_it_refuses_a_stopped_app_by_id(trio, objects_a):
    from functions.services import app_stop

    app_stop(app=objects_a.app)
    response = _post(trio.alice, f"/api/v1/apps/{objects_a.app.id}/functions/square/call/", {})
    assert response.status_code == 404, response.content[:300]
    assert "stopped" in _error(response)["message"]
