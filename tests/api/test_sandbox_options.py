"""Sandbox.create's options over the API: bad ones are 400s naming the field, another workspace's
volume or secret is 404, secret values never come back, and `wait` answers once started or in time."""

from __future__ import annotations

import pytest

from functions.models import Sandbox
from vault import keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def image_id(trio):
    from apps import services as app_services
    from functions import services as function_services

    app = app_services.app_create(workspace=trio.alice.workspace, user=trio.alice.user, name="sb-options")
    function = function_services.function_create(
        app=app, spec={"name": "f", "module": "m", "qualname": "f", "serialized": b"x"}
    )
    return function.image_id


def _create(member, image_id, **fields):
    return member.api.post("/api/v1/sandboxes/", {"image_id": image_id, **fields}, format="json")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"cidr_allowlist": ["not-a-range"]}, "cidr_allowlist"),
        ({"cidr_allowlist": ["fe80::/10"]}, "cidr_allowlist"),
        ({"cidr_allowlist": ["10.0.0.0/8"], "block_network": True}, "cidr_allowlist"),
        ({"memory": 512, "memory_limit": 256}, "memory"),
        ({"cpu": 2, "cpu_limit": 1}, "cpu"),
        ({"gpu": "NoSuchGPU"}, "gpu"),
        ({"gpu": 7}, "gpu"),
        ({"volumes": [{"path": "relative", "volume_id": "vo-x"}]}, "volumes"),
        ({"secrets": [{"values": {"1BAD": "x"}}]}, "secrets"),
        ({"secrets": "st-x"}, "secrets"),
    ],
)
def test_bad_options_are_refused_naming_the_field_and_make_nothing(trio, image_id, fields, field):
    before = Sandbox.objects.count()
    response = _create(trio.alice, image_id, **fields)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["field"] == field
    assert Sandbox.objects.count() == before


def test_another_workspaces_volume_and_secret_are_not_found(trio, image_id):
    volume = trio.charlie.api.post("/api/v1/volumes/", {"name": "theirs"}, format="json").json()
    secret = trio.charlie.api.post(
        "/api/v1/secrets/", {"name": "theirs", "values": {"K": "v"}}, format="json"
    ).json()
    response = _create(trio.alice, image_id, volumes=[{"path": "/data", "volume_id": volume["id"]}])
    assert response.status_code == 404 and response.json()["error"]["field"] == "volumes"
    response = _create(trio.alice, image_id, secrets=[{"id": secret["id"]}])
    assert response.status_code == 404 and response.json()["error"]["field"] == "secrets"
    response = _create(trio.alice, image_id, secrets=[{"name": "theirs"}])
    assert response.status_code == 404


def test_options_are_kept_and_secret_values_never_come_back(trio, image_id):
    named = trio.alice.api.post(
        "/api/v1/secrets/", {"name": "keys", "values": {"A": "named-value", "B": "b"}}, format="json"
    ).json()
    volume = trio.alice.api.post("/api/v1/volumes/", {"name": "mine"}, format="json").json()
    response = _create(
        trio.alice,
        image_id,
        cpu=0.5,
        cpu_limit=2,
        memory=256,
        memory_limit=512,
        gpu=["H100", "T4"],
        cidr_allowlist=["10.1.2.3/8"],
        volumes=[{"path": "/data/", "volume_id": volume["id"]}],
        secrets=[{"id": named["id"]}, {"values": {"B": "inline-value"}}],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["cpu"], body["cpu_limit"], body["memory"], body["memory_limit"]) == (0.5, 2.0, 256, 512)
    assert body["gpu"] == "H100,T4" and body["cidr_allowlist"] == ["10.0.0.0/8"]
    assert body["volumes"] == [{"path": "/data", "volume_id": volume["id"]}]
    assert body["secrets"] == [named["id"]]
    assert "value" not in str(body) and "secrets_token" not in body
    # the environment is kept as ciphertext, later secrets winning
    token = bytes(Sandbox.objects.get(pk=body["id"]).secrets_token)
    assert b"named-value" not in token
    assert keys.decrypt(token) == {"A": "named-value", "B": "inline-value"}


def test_wait_answers_as_it_is_after_that_long_and_bad_waits_are_refused(trio, image_id):
    # no host takes it here: it stays pending, and a wait answers with it pending
    response = trio.alice.api.post("/api/v1/sandboxes/?wait=0.2", {"image_id": image_id}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "pending"
    sandbox_id = response.json()["id"]
    got = trio.alice.api.get(f"/api/v1/sandboxes/{sandbox_id}/?wait=0.2")
    assert got.status_code == 200 and got.json()["status"] == "pending"
    # once it has left pending, a wait answers at once with it
    Sandbox.objects.filter(pk=sandbox_id).update(status="failed", cause="start_failed")
    got = trio.alice.api.get(f"/api/v1/sandboxes/{sandbox_id}/?wait=30")
    assert got.json()["status"] == "failed"
    for bad in ("abc", "-1", "51", "nan"):
        response = trio.alice.api.get(f"/api/v1/sandboxes/{sandbox_id}/?wait={bad}")
        assert response.status_code == 400 and response.json()["error"]["field"] == "wait"
    # and another workspace's sandbox is 404, waiting or not
    assert trio.charlie.api.get(f"/api/v1/sandboxes/{sandbox_id}/?wait=1").status_code == 404


def test_no_sandbox_starts_while_the_workspace_cap_is_reached(trio, image_id):
    from billing.models import Budget

    # given a workspace budget of $0 a month: reached at once
    Budget.objects.create(workspace=trio.alice.workspace, limit_usd=0)
    before = Sandbox.objects.filter(workspace=trio.alice.workspace).count()
    # when alice creates a sandbox
    refused = _create(trio.alice, image_id)
    # then it is refused, naming the cap and who can raise it, and nothing is made
    assert refused.status_code == 409, refused.content
    error = refused.json()["error"]
    assert error["code"] == "budget_reached"
    assert error["message"].startswith(
        "No new sandbox can start: The workspace's monthly cap of $0.00 is reached ($0.00 spent); "
        "an owner or admin of the workspace can raise it"
    )
    assert Sandbox.objects.filter(workspace=trio.alice.workspace).count() == before
