"""B8, B10 and B14 through the API: invalid resources, GPU specs, names and ids.

Each answers 400 naming the field (or 404 for an id), never 5xx, and creates nothing.
"""

from __future__ import annotations

import json

import pytest

from functions.models import Function

from .openapi import operations
from .support import WorkspaceObjects, db_snapshot, row_counts

ID_OPERATIONS = [op for op in operations() if op.path_params]


def _function_body(objects: WorkspaceObjects, **overrides) -> dict:
    return {
        "app_id": objects.app.id,
        "name": "cube",
        "module": "mod",
        "qualname": "cube",
        "mount_sha256": objects.mount.sha256,
        **overrides,
    }


# JSON can carry a number no float holds; the test client cannot render one, so it goes in as text.
HUGE_FLOAT = "<1e400>"


def _post_json(client, url: str, body: dict):
    text = json.dumps(body).replace(f'"{HUGE_FLOAT}"', "1e400")
    return client.generic("POST", url, text, content_type="application/json")


def _assert_refused(response, field: str):
    assert response.status_code == 400, response.content[:300]
    error = response.json()["error"]
    assert error["field"] == field, error
    assert field.split(".")[0] in error["message"], error
    return error


INVALID_RESOURCES = [
    ("memory", 0),
    ("memory", -1),
    ("memory", 15),
    ("memory", 10**9),
    ("memory", 1.5),
    ("memory", "1024"),
    ("memory", [256, 128]),
    ("memory", [1, 2, 3]),
    ("memory", 10**400),
    ("memory", HUGE_FLOAT),
    ("cpu", -1),
    ("cpu", 0),
    ("cpu", 65),
    ("cpu", "1"),
    ("cpu", True),
    ("cpu", [2, 1]),
    ("cpu", 10**400),
    ("cpu", HUGE_FLOAT),
    ("timeout", 0),
    ("timeout", 86401),
    ("timeout", -5),
    ("timeout", 1.5),
    ("timeout", "60"),
    ("timeout", 10**400),
    ("timeout", HUGE_FLOAT),
    ("timeout", None),
    ("gpu", "X999"),
    ("gpu", "H100:0"),
    ("gpu", "H100:99"),
    ("gpu", "any:-1"),
    ("gpu", ""),
    ("gpu", "T4!"),
    ("gpu", ["H100", "X999"]),
    ("gpu", []),
    ("gpu", 7),
    ("gpu", {"type": "H100"}),
    ("scaledown_window", 0),
    ("scaledown_window", 86401),
]


@pytest.mark.parametrize(
    ("field", "value"), INVALID_RESOURCES, ids=[f"{f}={v!r:.20}" for f, v in INVALID_RESOURCES]
)
def test_it_refuses_invalid_resources_naming_the_field_and_creates_nothing(trio, objects_a, field, value):
    # given
    before = row_counts()
    # when
    response = _post_json(trio.alice.api, "/api/v1/functions/", _function_body(objects_a, **{field: value}))
    # then
    _assert_refused(response, field)
    assert row_counts() == before


def test_it_lists_the_accepted_gpu_forms_when_refusing_one(trio, objects_a):
    # when
    response = trio.alice.api.post("/api/v1/functions/", _function_body(objects_a, gpu="X999"), format="json")
    # then
    message = _assert_refused(response, "gpu")["message"]
    for form in ('"H100:8"', '"H100!"', '"any"', "list"):
        assert form in message


VALID_RESOURCES = [
    ({"cpu": 0.5, "memory": 256, "timeout": 1}, {"cpu": 0.5, "memory": 256, "timeout": 1, "gpu": ""}),
    ({"cpu": [1, 2], "memory": [128, 256], "timeout": 86400}, {"cpu": 1.0, "memory": 128, "timeout": 86400}),
    ({"gpu": "h100"}, {"gpu": "H100"}),
    ({"gpu": "A100:2"}, {"gpu": "A100:2"}),
    ({"gpu": "H100!"}, {"gpu": "H100!"}),
    ({"gpu": "any"}, {"gpu": "any"}),
    ({"gpu": ["h100", "a100-80gb:2", "any"]}, {"gpu": "H100,A100-80GB:2,any"}),
    ({"gpu": None}, {"gpu": ""}),
]


@pytest.mark.parametrize(("spec", "expected"), VALID_RESOURCES, ids=[str(s) for s, _ in VALID_RESOURCES])
def test_it_accepts_and_normalises_valid_resources(trio, objects_a, spec, expected):
    # when
    response = trio.alice.api.post("/api/v1/functions/", _function_body(objects_a, **spec), format="json")
    # then
    assert response.status_code == 201, response.content[:300]
    body = response.json()
    assert {k: body[k] for k in expected} == expected


def test_i6pn_is_kept_and_refused_with_block_network(trio, objects_a):
    # an i6pn function is defined and says so
    made = trio.alice.api.post("/api/v1/functions/", _function_body(objects_a, i6pn=True), format="json")
    assert made.status_code == 201, made.content[:300]
    assert made.json()["i6pn"] is True
    # with block_network too it is refused, naming the field, and nothing else is defined
    body = _function_body(objects_a, name="cut", i6pn=True, block_network=True)
    error = _assert_refused(trio.alice.api.post("/api/v1/functions/", body, format="json"), "i6pn")
    assert "block_network" in error["message"] and error["message"].endswith("drop one of the two")
    assert not Function.objects.filter(app=objects_a.app, name="cut").exists()


BAD_APP_NAMES = {
    "slash": "a/b",
    "dotdot": "..",
    "leading-dot": ".hidden",
    "dotdot-path": "../etc",
    "newline": "app\nx",
    "trailing-newline": "app\n",
    "nul": "app\x00",
    "control": "app\x07",
    "tab": "a\tb",
    "10k": "a" * 10_000,
    "64-chars": "a" * 64,
    "double-dash": "a--b",
    "empty": "",
    "space": "my app",
    "unicode": "äpp",
}


@pytest.mark.parametrize("name", list(BAD_APP_NAMES.values()), ids=list(BAD_APP_NAMES))
def test_it_refuses_bad_app_names_and_creates_nothing(trio, name):
    # given
    before = row_counts()
    # when
    response = trio.alice.api.post("/api/v1/apps/", {"name": name}, format="json")
    # then
    _assert_refused(response, "name")
    assert row_counts() == before


@pytest.mark.parametrize("name", ["a", "my-app", "My_App.v2", "a" * 63, "0x"])
def test_it_accepts_good_app_names(trio, name):
    response = trio.alice.api.post("/api/v1/apps/", {"name": name}, format="json")
    assert response.status_code == 201, response.content[:300]
    assert response.json()["name"] == name


WRONG_IDS = {
    "secret-prefix": "st-{rest}",
    "volume-prefix": "vo-{rest}",
    "input-prefix": "in-{rest}",
    "no-prefix": "{rest}",
    "10k": "ap-" + "x" * 10_000,
    "nul": "ap-%00",
    "percent-encoded-slash": "ap-%2F..%2F",
    "unicode": "ap-%C3%A4",
    "sql": "ap-'%20OR%201=1--",
}


@pytest.mark.parametrize("wrong", list(WRONG_IDS.values()), ids=list(WRONG_IDS))
@pytest.mark.parametrize("op", ID_OPERATIONS, ids=lambda op: op.id)
def test_it_answers_404_to_an_id_of_the_wrong_kind(trio, objects_a, op, wrong):
    # given a well-formed id of another kind of object (the tail of a real one), or a malformed id
    rest = objects_a.app.id.split("-", 1)[1]
    url = op.url(**{p: wrong.format(rest=rest) for p in op.path_params})
    before = db_snapshot()
    # when
    response = trio.alice.api.generic(op.method.upper(), url)
    # then it is not found, and never a server error
    assert response.status_code in (400, 404), (url[:80], response.status_code, response.content[:300])
    assert response.json()["error"]["code"] in ("not_found", "invalid")
    assert db_snapshot() == before
