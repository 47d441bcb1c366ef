"""Dicts and Queues over the API, against PostgreSQL: create and find them, their operations, and
bad input (too large, malformed, a full partition, a deleted object), each a clear 4xx that
writes nothing."""

from __future__ import annotations

import base64

import pytest
from django.test import override_settings

from .support import db_snapshot


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _post(member, url: str, body: dict):
    return member.api.post(url, body, format="json")


@pytest.fixture
def dict_id(trio):
    made = _post(trio.alice, "/api/v1/dicts/", {"name": "cache"})
    assert made.status_code == 201, made.content
    return made.json()["id"]


@pytest.fixture
def queue_id(trio):
    made = _post(trio.alice, "/api/v1/queues/", {"name": "jobs"})
    assert made.status_code == 201, made.content
    return made.json()["id"]


def test_a_dict_over_the_api(trio, dict_id):
    url = f"/api/v1/dicts/{dict_id}/"
    assert dict_id.startswith("di-")
    # found by name, in the default environment
    found = trio.alice.api.get("/api/v1/dicts/", {"name": "cache", "environment": "main"}).json()["results"]
    assert [d["id"] for d in found] == [dict_id] and found[0]["environment"] == "main"
    assert found[0]["created_by"] == trio.alice.user.username
    # put, get, pop
    put = _post(
        trio.bob, url + "put/", {"entries": [{"key": b64(b"k"), "value": b64(b"v"), "value_preview": "v"}]}
    )
    assert put.json() == {"written": 1}
    assert _post(trio.alice, url + "get/", {"key": b64(b"k")}).json() == {"found": True, "value": b64(b"v")}
    assert _post(trio.alice, url + "get/", {"key": b64(b"nope")}).json() == {"found": False, "value": None}
    skipped = _post(
        trio.alice,
        url + "put/",
        {"entries": [{"key": b64(b"k"), "value": b64(b"w")}], "skip_if_exists": True},
    )
    assert skipped.json() == {"written": 0}
    assert trio.alice.api.get(url).json()["len"] == 1
    entries = trio.alice.api.get(url + "entries/").json()["entries"]
    assert [(e["key"], e["value_preview"]) for e in entries] == [(b64(b"k"), "v")]
    assert _post(trio.alice, url + "pop/", {"key": b64(b"k")}).json() == {"found": True, "value": b64(b"v")}
    assert _post(trio.alice, url + "clear/", {}).json() == {"removed": 0}


def test_a_queue_over_the_api(trio, queue_id):
    url = f"/api/v1/queues/{queue_id}/"
    assert _post(
        trio.alice, url + "put/", {"values": [b64(b"1"), b64(b"2")], "previews": ["1", "2"]}
    ).json() == {"added": 2}
    assert _post(trio.alice, url + "put/", {"values": [b64(b"x")], "partition": "p"}).json() == {"added": 1}
    assert trio.alice.api.get(url + "len/").json() == {"len": 2}
    assert trio.alice.api.get(url + "len/", {"total": "true"}).json() == {"len": 3}
    peeked = trio.alice.api.get(url + "peek/").json()["items"]
    assert [i["preview"] for i in peeked] == ["1", "2"]
    # the next page starts after the last item seen
    after = trio.alice.api.get(url + "peek/", {"after": peeked[0]["id"]}).json()["items"]
    assert [i["preview"] for i in after] == ["2"]
    assert trio.alice.api.get(url + "peek/", {"after": "x"}).status_code == 400
    assert _post(trio.bob, url + "get/", {"n": 5}).json() == {"values": [b64(b"1"), b64(b"2")]}
    # nothing there: an empty answer once the timeout passes
    assert _post(trio.bob, url + "get/", {"n": 5, "timeout": 0.1}).json() == {"values": []}
    assert _post(trio.alice, url + "clear/", {"all": True}).json() == {"removed": 1}


def test_names_are_taken_once_per_environment(trio, dict_id):
    before = db_snapshot()
    again = _post(trio.alice, "/api/v1/dicts/", {"name": "cache"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_exists"
    missing_env = _post(trio.alice, "/api/v1/dicts/", {"name": "x", "environment": "nope"})
    assert missing_env.status_code == 404
    bad = _post(trio.alice, "/api/v1/queues/", {"name": "a/b"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "name"
    assert db_snapshot() == before
    # ephemeral: no name
    assert _post(trio.alice, "/api/v1/dicts/", {}).json()["name"] is None


def test_bad_input_is_refused_and_writes_nothing(trio, dict_id, queue_id):
    durl, qurl = f"/api/v1/dicts/{dict_id}/", f"/api/v1/queues/{queue_id}/"
    _post(trio.alice, qurl + "put/", {"values": [b64(b"kept")]})
    before = db_snapshot()
    with override_settings(SKYLIFT_STATE_MAX_VALUE_BYTES=100, SKYLIFT_QUEUE_MAX_PARTITION_ITEMS=2):
        big = _post(trio.alice, durl + "put/", {"entries": [{"key": b64(b"k"), "value": b64(b"x" * 101)}]})
        assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"
        assert "101 bytes" in big.json()["error"]["message"]
        big_item = _post(trio.alice, qurl + "put/", {"values": [b64(b"x" * 101)]})
        assert big_item.status_code == 413
        full = _post(trio.alice, qurl + "put/", {"values": [b64(b"a"), b64(b"b")]})
        assert full.status_code == 409 and full.json()["error"]["code"] == "queue_full"
        assert "Nothing was added" in full.json()["error"]["message"]
    not_b64 = _post(trio.alice, durl + "get/", {"key": "%%%"})
    assert not_b64.status_code == 400
    bad_partition = _post(trio.alice, qurl + "get/", {"partition": "p" * 65})
    assert bad_partition.status_code == 400 and bad_partition.json()["error"]["field"] == "partition"
    assert db_snapshot() == before
    # the acknowledged item is still there
    assert _post(trio.alice, qurl + "get/", {}).json() == {"values": [b64(b"kept")]}


def test_a_deleted_object_answers_404(trio, dict_id, queue_id):
    assert trio.alice.api.delete(f"/api/v1/dicts/{dict_id}/").status_code == 204
    assert trio.alice.api.delete(f"/api/v1/queues/{queue_id}/").status_code == 204
    gone = _post(trio.alice, f"/api/v1/dicts/{dict_id}/get/", {"key": b64(b"k")})
    assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"
    assert _post(trio.alice, f"/api/v1/queues/{queue_id}/put/", {"values": [b64(b"x")]}).status_code == 404
