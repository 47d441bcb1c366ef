"""B1 and B2: malformed bodies, wrong content types and wrong methods, on every operation.

Each answers with the API's error shape (`{"error": {"code", "message"}}`) and a 4xx status,
never a 5xx, and changes nothing in the database, including on actions that read no body
(`stop`, `cancel`): a request that does not parse must not act.
"""

from __future__ import annotations

import pytest

from .openapi import METHODS, operations, paths
from .support import db_snapshot, url_for

WRITE_OPERATIONS = [op for op in operations() if op.method in ("post", "put", "patch")]

MALFORMED = {
    "truncated": b'{"name": "x", "inputs": ["AA=="',
    "trailing-comma": b'{"name": "x",}',
    "nan": b'{"name": "x", "cpu": NaN}',
    "infinity": b'{"name": "x", "timeout": Infinity}',
    "invalid-utf8": b'{"name": "\xff\xfe\xfd"}',
    "nested-arrays-10k": b"[" * 10_000 + b"]" * 10_000,
    "nested-objects-10k": b'{"a":' * 10_000 + b"1" + b"}" * 10_000,
    "not-json": b"name=x",
    "empty-document": b"   ",
}
# Valid JSON that is not an object: refused where a body is read.
NOT_AN_OBJECT = {"array": b"[]", "string": b'"x"', "null": b"null", "number": b"7"}


def _assert_error_shape(response, status: int | tuple[int, ...]):
    statuses = status if isinstance(status, tuple) else (status,)
    assert response.status_code in statuses, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    return error


@pytest.mark.parametrize("payload", list(MALFORMED.values()), ids=list(MALFORMED))
@pytest.mark.parametrize("op", WRITE_OPERATIONS, ids=lambda op: op.id)
def test_it_refuses_a_malformed_body_and_changes_nothing(trio, objects_a, op, payload):
    # given alice's own objects, so that only the body can be wrong
    url = url_for(op, objects_a)
    before = db_snapshot()
    # when
    response = trio.alice.api.generic(op.method.upper(), url, payload, content_type="application/json")
    # then
    error = _assert_error_shape(response, 400)
    assert error["code"] == "malformed"
    assert db_snapshot() == before


@pytest.mark.parametrize("payload", list(NOT_AN_OBJECT.values()), ids=list(NOT_AN_OBJECT))
@pytest.mark.parametrize("op", [op for op in WRITE_OPERATIONS if op.has_body], ids=lambda op: op.id)
def test_it_refuses_a_body_that_is_not_an_object(trio, objects_a, op, payload):
    # given
    before = db_snapshot()
    # when
    response = trio.alice.api.generic(
        op.method.upper(), url_for(op, objects_a), payload, content_type="application/json"
    )
    # then
    _assert_error_shape(response, 400)
    assert db_snapshot() == before


@pytest.mark.parametrize(
    ("content_type", "payload"),
    [
        ("text/plain", b'{"name": "x"}'),
        ("application/x-www-form-urlencoded", b"name=x"),
        (
            "multipart/form-data; boundary=xyz",
            b'--xyz\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--xyz--\r\n',
        ),
        ("application/xml", b"<name>x</name>"),
    ],
    ids=["text", "form", "multipart", "xml"],
)
@pytest.mark.parametrize("op", WRITE_OPERATIONS, ids=lambda op: op.id)
def test_it_answers_415_to_a_wrong_content_type(trio, objects_a, op, content_type, payload):
    # given
    before = db_snapshot()
    # when
    response = trio.alice.api.generic(
        op.method.upper(), url_for(op, objects_a), payload, content_type=content_type
    )
    # then
    error = _assert_error_shape(response, 415)
    assert error["code"] == "unsupported_media_type"
    assert "application/json" in error["hint"]
    assert db_snapshot() == before


def test_it_still_runs_an_action_sent_without_a_body(trio, objects_a):
    # given the SDK posts `stop` with no body at all
    # when
    response = trio.alice.api.post(f"/api/v1/apps/{objects_a.app.id}/stop/")
    # then the action runs
    assert response.status_code == 200
    assert response.json()["state"] == "stopped"


@pytest.mark.parametrize("path", sorted(paths()))
def test_it_answers_405_with_an_allow_header_to_a_wrong_method(trio, objects_a, path):
    # given the methods the schema documents on this path
    documented = paths()[path]
    op = next(op for op in operations() if op.path == path)
    url = url_for(op, objects_a)
    before = db_snapshot()
    for method in sorted(set(METHODS) - documented):
        # when alice uses another one
        response = trio.alice.api.generic(method.upper(), url, b"{}", content_type="application/json")
        # then
        error = _assert_error_shape(response, 405)
        assert error["code"] == "method_not_allowed"
        allowed = {m.strip().lower() for m in response["Allow"].split(",")}
        assert documented <= allowed, (method, response["Allow"])
        assert method not in allowed
    assert db_snapshot() == before


@pytest.mark.parametrize("path", ["/api/v1/nope/", "/api/v1/apps/x/y/z/", "/api/v1/"])
def test_it_answers_json_404_for_an_unknown_endpoint(trio, path):
    # when
    response = trio.alice.api.get(path)
    # then
    _assert_error_shape(response, 404)
