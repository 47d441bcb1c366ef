"""Secrets over the API, against PostgreSQL: values go in and never come out (not in an answer,
not in the database's plain text), names and keys do; a member changes only his own; every change
leaves an audit record without values; a function names only its own workspace's secrets."""

from __future__ import annotations

import json

import pytest
from django.db import connection

from apps.deployments import environment_get
from functions import services as function_services
from vault import keys
from vault.models import Secret, SecretEvent

from .support import db_snapshot

CANARY = "canary-7f3a-never-shown"


def _create(member, name="db", values=None, **extra):
    body = {"name": name, "values": values or {"PGPASSWORD": CANARY, "PGHOST": "db.internal"}, **extra}
    return member.api.post("/api/v1/secrets/", body, format="json")


def test_it_stores_values_as_ciphertext_and_answers_only_their_names(trio):
    # when
    made = _create(trio.alice)
    # then the answer names the keys, never a value
    assert made.status_code == 201, made.content
    secret = made.json()
    assert secret["keys"] == ["PGHOST", "PGPASSWORD"]
    assert secret["environment"] == "main"
    assert secret["created_by"] == trio.alice.user.username
    answers = [
        made,
        trio.alice.api.get("/api/v1/secrets/"),
        trio.alice.api.get(f"/api/v1/secrets/{secret['id']}/"),
        trio.alice.api.get(f"/api/v1/secrets/{secret['id']}/history/"),
    ]
    assert all(a.status_code == 200 or a.status_code == 201 for a in answers)
    assert not [a for a in answers if CANARY in a.content.decode()]
    # and the database holds no plain value, while the key decrypts them
    with connection.cursor() as cursor:
        cursor.execute("SELECT ciphertext::text, keys::text FROM vault_secret WHERE id = %s", [secret["id"]])
        ciphertext, stored_keys = cursor.fetchone()
    assert CANARY not in ciphertext and CANARY.encode().hex() not in ciphertext
    row = Secret.objects.get(pk=secret["id"])
    assert keys.decrypt(bytes(row.ciphertext)) == {"PGPASSWORD": CANARY, "PGHOST": "db.internal"}


def test_it_refuses_a_name_taken_and_keeps_the_first_values(trio):
    _create(trio.alice)
    # when
    again = _create(trio.alice, values={"PGPASSWORD": "other"})
    # then
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_exists"
    assert "--force" in again.json()["error"]["hint"]
    row = Secret.objects.get(workspace=trio.alice.workspace, name="db")
    assert keys.decrypt(bytes(row.ciphertext))["PGPASSWORD"] == CANARY


def test_the_same_name_lives_apart_in_each_environment(trio):
    trio.alice.api.post("/api/v1/environments/", {"name": "staging"}, format="json")
    assert _create(trio.alice).status_code == 201
    assert _create(trio.alice, environment="staging").status_code == 201
    listed = trio.alice.api.get("/api/v1/secrets/", {"environment": "staging"}).json()["results"]
    assert [(s["name"], s["environment"]) for s in listed] == [("db", "staging")]
    missing = trio.alice.api.get("/api/v1/secrets/", {"environment": "nowhere"})
    assert missing.status_code == 404


def test_replacing_and_editing_keep_the_id_and_are_audited_without_values(trio):
    secret = _create(trio.alice).json()
    # when the values are replaced, then a key is set and another removed
    replaced = trio.alice.api.put(
        f"/api/v1/secrets/{secret['id']}/", {"values": {"A": "1", "B": "2"}}, format="json"
    )
    edited = trio.alice.api.patch(
        f"/api/v1/secrets/{secret['id']}/", {"set": {"C": "3"}, "remove": ["A"]}, format="json"
    )
    # then
    assert replaced.status_code == 200 and replaced.json()["keys"] == ["A", "B"]
    assert edited.status_code == 200 and edited.json()["keys"] == ["B", "C"]
    assert keys.decrypt(bytes(Secret.objects.get(pk=secret["id"]).ciphertext)) == {"B": "2", "C": "3"}
    history = trio.alice.api.get(f"/api/v1/secrets/{secret['id']}/history/").json()
    assert [(e["action"], e["keys"]) for e in history] == [
        ("updated", ["A", "C"]),
        ("updated", ["A", "B", "PGHOST", "PGPASSWORD"]),
        ("created", ["PGHOST", "PGPASSWORD"]),
    ]
    assert {e["actor"] for e in history} == {trio.alice.user.username}
    assert not [e for e in SecretEvent.objects.all() if CANARY in json.dumps(e.keys)]


def test_a_member_uses_anyones_secret_but_changes_only_his_own(trio):
    alices = _create(trio.alice).json()
    before = db_snapshot()
    # when bob (a member) replaces, edits or deletes alice's
    refused = [
        trio.bob.api.put(f"/api/v1/secrets/{alices['id']}/", {"values": {"X": "1"}}, format="json"),
        trio.bob.api.patch(f"/api/v1/secrets/{alices['id']}/", {"set": {"X": "1"}}, format="json"),
        trio.bob.api.delete(f"/api/v1/secrets/{alices['id']}/"),
    ]
    # then each is refused and nothing changed
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert db_snapshot() == before
    # and his own he may delete
    bobs = _create(trio.bob, name="bobs").json()
    assert trio.bob.api.delete(f"/api/v1/secrets/{bobs['id']}/").status_code == 204


def test_a_secret_given_to_a_running_app_cannot_be_deleted(trio, objects_a):
    secret = _create(trio.alice).json()
    function_services.function_create(
        app=objects_a.app,
        spec={
            "name": "uses_db",
            "module": "mod",
            "qualname": "uses_db",
            "mount_sha256": objects_a.mount.sha256,
            "secrets": [{"id": secret["id"]}],
        },
    )
    # when
    deleted = trio.alice.api.delete(f"/api/v1/secrets/{secret['id']}/")
    # then
    assert deleted.status_code == 409
    assert objects_a.app.name in deleted.json()["error"]["message"]
    assert Secret.objects.filter(pk=secret["id"]).exists()


@pytest.mark.parametrize(
    ("values", "field_text"),
    [
        ({"1BAD": "x"}, "is not an environment variable name"),
        ({"A-B": "x"}, "is not an environment variable name"),
        ({"BIG": "x" * (64 * 1024 + 1)}, "bytes of names and values"),
    ],
)
def test_it_refuses_bad_values_with_a_reason(trio, values, field_text):
    before = db_snapshot()
    answer = _create(trio.alice, values=values)
    assert answer.status_code in (400, 413)
    assert field_text in answer.json()["error"]["message"]
    assert db_snapshot() == before


def test_inline_values_are_stored_encrypted_once_per_app_and_go_when_it_stops(trio, objects_a):
    spec = {"module": "mod", "mount_sha256": objects_a.mount.sha256, "secrets": [{"values": {"K": CANARY}}]}
    # when two functions of the app send the same inline values
    one = function_services.function_create(
        app=objects_a.app, spec={**spec, "name": "one", "qualname": "one"}
    )
    two = function_services.function_create(
        app=objects_a.app, spec={**spec, "name": "two", "qualname": "two"}
    )
    # then they share one encrypted secret, which is not among the named ones
    assert one.secrets == two.secrets and len(one.secrets) == 1
    inline = Secret.objects.get(pk=one.secrets[0])
    assert inline.name == "" and inline.app_id == objects_a.app.id
    assert CANARY.encode() not in bytes(inline.ciphertext)
    listed = trio.alice.api.get("/api/v1/secrets/").content.decode()
    assert inline.id not in listed
    # and when the app stops, it is gone
    function_services.app_stop(app=objects_a.app)
    assert not Secret.objects.filter(pk=inline.id).exists()


def test_a_function_may_name_a_secret_by_name_in_its_apps_environment(trio, objects_a):
    secret = _create(trio.alice).json()
    base = {"module": "mod", "mount_sha256": objects_a.mount.sha256, "qualname": "f", "name": "f"}
    found = function_services.function_create(
        app=objects_a.app, spec={**base, "secrets": [{"name": "db", "required_keys": ["PGHOST"]}]}
    )
    assert found.secrets == [secret["id"]]
    answer = trio.alice.api.post(
        "/api/v1/functions/",
        {**base, "app_id": objects_a.app.id, "secrets": [{"name": "db", "required_keys": ["NOPE"]}]},
        format="json",
    )
    assert answer.status_code == 404
    assert "NOPE" in answer.json()["error"]["message"]
    assert environment_get(workspace=trio.alice.workspace, name=None).name == "main"


def test_rotation_encrypts_every_secret_again_and_a_removed_key_is_found(trio):
    from django.test import override_settings

    from vault import rotation

    old, new = keys.new_key(), keys.new_key()
    with override_settings(SKYLIFT_SECRETS_KEY=old):
        secret = _create(trio.alice).json()
        assert secret["id"] not in rotation.undecryptable()
    # (the module's other secrets were made with the test settings' key: out of the way)
    Secret.objects.exclude(pk=secret["id"]).delete()
    # when a new key goes first and everything is encrypted again
    with override_settings(SKYLIFT_SECRETS_KEY=f"{new},{old}"):
        assert rotation.rotate_all() >= 1
    # then the new key alone reads it, and the old one alone reads nothing
    with override_settings(SKYLIFT_SECRETS_KEY=new):
        assert rotation.undecryptable() == []
        assert keys.decrypt(bytes(Secret.objects.get(pk=secret["id"]).ciphertext))["PGPASSWORD"] == CANARY
    with override_settings(SKYLIFT_SECRETS_KEY=old):
        assert secret["id"] in rotation.undecryptable()
        with pytest.raises(keys.KeyMismatch):
            keys.decrypt(bytes(Secret.objects.get(pk=secret["id"]).ciphertext))
