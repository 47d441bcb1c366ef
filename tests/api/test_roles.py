"""Roles inside a workspace: what an owner, an admin and a member may do (docs/permissions.md).

alice owns workspace A, dana is an admin of A, bob is a member of A; erin is a member of
workspace B, which charlie owns. A member reads everything and
creates and runs things; he changes or removes only what he created. A refused request answers
403 `permission_denied` and changes nothing.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
from pathlib import Path

import pytest
from django.conf import settings

from accounts import services as account_services
from accounts.api import matrix
from accounts.models import Role
from apps.models import AppState
from functions.models import CallStatus, FunctionCall, InputStatus

from .openapi import operations
from .support import (
    Member,
    WorkspaceObjects,
    db_snapshot,
    make_objects,
    url_for,
    volume_files,
)


@pytest.fixture
def owners(trio):
    """Fresh objects alice made (their files too), for requests that may change them."""
    return make_objects(trio.alice, tag=f"alice-{secrets.token_hex(4)}")


@pytest.fixture
def bobs(trio):
    """Objects bob made himself."""
    return make_objects(trio.bob, tag=f"bob-{secrets.token_hex(4)}")


def _assert_refused(response):
    assert response.status_code == 403, response.content[:300]
    error = response.json()["error"]
    assert error["code"] == "permission_denied"
    assert "owner or admin" in error["message"]
    assert "your role in workspace alice-ws is member" in error["message"]
    assert error["hint"]


# The four cases of the report (issue 19) -------------------------------------------------------


def test_it_refuses_a_member_deleting_the_owners_volume_and_keeps_its_files(trio, owners):
    # given alice's volume, with a file in it
    files = volume_files(owners.volume)
    assert files
    before = db_snapshot()
    # when bob deletes the volume, or its files
    deleted = trio.bob.api.delete(f"/api/v1/volumes/{owners.volume.id}/")
    removed = trio.bob.api.delete(f"/api/v1/volumes/{owners.volume.id}/files/?path=/&recursive=true")
    # then both are refused, and the volume and its files remain
    _assert_refused(deleted)
    _assert_refused(removed)
    assert db_snapshot() == before
    assert volume_files(owners.volume) == files


def test_it_refuses_a_member_stopping_the_owners_app(trio, owners):
    # given alice's app with an unfinished call
    before = db_snapshot()
    # when bob stops it
    response = trio.bob.api.post(f"/api/v1/apps/{owners.app.id}/stop/")
    # then it runs on, its call too
    _assert_refused(response)
    assert db_snapshot() == before
    owners.app.refresh_from_db()
    assert owners.app.state != AppState.STOPPED
    assert FunctionCall.objects.get(pk=owners.call.pk).finished_at is None


def test_it_refuses_a_member_cancelling_the_owners_call(trio, owners):
    # given alice's pending call
    before = db_snapshot()
    # when bob cancels it
    response = trio.bob.api.post(f"/api/v1/calls/{owners.call.id}/cancel/")
    # then it stays pending
    _assert_refused(response)
    assert db_snapshot() == before
    call = FunctionCall.objects.get(pk=owners.call.pk)
    assert call.status != CallStatus.CANCELLED
    assert {i.status for i in call.inputs.all()} == {InputStatus.PENDING}


def test_it_refuses_a_member_changing_the_autoscaler_of_the_owners_function(trio, owners):
    # given alice's function
    before = db_snapshot()
    # when bob changes its scaling
    response = trio.bob.api.post(
        f"/api/v1/functions/{owners.function.id}/autoscaler/", {"max_containers": 1}, format="json"
    )
    # then its scaling is what alice chose
    _assert_refused(response)
    assert db_snapshot() == before


def test_it_refuses_a_member_replacing_a_function_of_the_owners_app(trio, owners):
    # given alice's function `square`
    before = db_snapshot()
    body = {"app_id": owners.app.id, "name": "square", "module": "mod", "qualname": "square"}
    # when bob defines a function of the same name in alice's app (which would replace it)
    response = trio.bob.api.post(
        "/api/v1/functions/", {**body, "mount_sha256": owners.mount.sha256, "memory": 4096}, format="json"
    )
    # then alice's function is hers as it was
    _assert_refused(response)
    assert db_snapshot() == before


def test_it_lets_an_admin_do_what_a_member_may_not(dana, owners):
    # when dana, an admin, does the four things on alice's objects
    autoscaler = dana.api.post(
        f"/api/v1/functions/{owners.function.id}/autoscaler/", {"max_containers": 1}, format="json"
    )
    cancelled = dana.api.post(f"/api/v1/calls/{owners.call.id}/cancel/")
    stopped = dana.api.post(f"/api/v1/apps/{owners.app.id}/stop/")
    deleted = dana.api.delete(f"/api/v1/volumes/{owners.volume.id}/")
    # then each is done
    assert autoscaler.status_code == 200, autoscaler.content[:300]
    assert autoscaler.json()["max_containers"] == 1
    assert cancelled.json()["status"] == CallStatus.CANCELLED
    assert stopped.json()["state"] == AppState.STOPPED
    assert deleted.status_code == 204
    assert volume_files(owners.volume) == {}


def test_it_lets_a_member_do_them_on_what_he_created(trio, bobs):
    # when bob does the four things on his own objects
    autoscaler = trio.bob.api.post(
        f"/api/v1/functions/{bobs.function.id}/autoscaler/", {"max_containers": 1}, format="json"
    )
    cancelled = trio.bob.api.post(f"/api/v1/calls/{bobs.call.id}/cancel/")
    stopped = trio.bob.api.post(f"/api/v1/apps/{bobs.app.id}/stop/")
    deleted = trio.bob.api.delete(f"/api/v1/volumes/{bobs.volume.id}/")
    # then each is done: `skylift run` stops the app it made, whoever runs it
    assert autoscaler.status_code == 200, autoscaler.content[:300]
    assert cancelled.json()["status"] == CallStatus.CANCELLED
    assert stopped.json()["state"] == AppState.STOPPED
    assert deleted.status_code == 204


# The table: one per viewset, the same in docs/permissions.md ------------------------------------


def test_it_documents_the_table_the_code_enforces():
    # given the matrix the code's `roles` tables make, and the one docs/permissions.md shows
    doc = (Path(settings.BASE_DIR) / "docs" / "permissions.md").read_text()
    shown = doc[doc.index(matrix.BEGIN) : doc.index(matrix.END) + len(matrix.END)]
    # then they are the same
    assert shown == matrix.render(), "run `.venv/bin/python manage.py permissions_matrix --write`"


def test_it_has_a_row_for_every_operation_of_the_schema():
    documented = {row.operation_id for row in matrix.rows()}
    assert documented == {op.operation_id for op in operations()}


def test_it_keeps_creating_calls_open_to_every_role_as_the_fast_path_does():
    # The fast path (functions/fastpath.py) creates calls without DRF and asks no role: if the
    # table ever closed calls_create to a role, the fast path would have to learn it too.
    (row,) = [row for row in matrix.rows() if row.operation_id == "calls_create"]
    assert {row.cell(role) for role in Role.values} == {"yes"}


# The role walker: every operation of the schema, as each role -----------------------------------

ROLE_OF = {"owner": "alice", "admin": "dana", "member": "bob"}
CELLS = {row.operation_id: row for row in matrix.rows()}
ALLOWED = {"yes", "anyone"}


def _function_body(objects: WorkspaceObjects) -> dict:
    body = {"app_id": objects.app.id, "name": "cube", "module": "mod", "qualname": "cube"}
    return {**body, "mount_sha256": objects.mount.sha256}


# Bodies for operations whose rule is decided on an object the body names: without a valid one,
# the request is refused as invalid before its object is looked up.
def _deploy_body(objects: WorkspaceObjects) -> dict:
    square = {"name": "square", "module": "mod", "qualname": "square", "mount_sha256": objects.mount.sha256}
    return {"name": objects.deployed.name, "functions": [{**square, "memory": 256}]}


BODIES = {"functions_create": _function_body, "apps_deploy_create": _deploy_body}


def _request(member: Member, op, objects: WorkspaceObjects, *, own_token: bool = True):
    """The request of `op` on `objects` as `member` would send it, ready to send."""
    if own_token:
        # Tokens are each user's own: the walk uses a token of the one who sends the request.
        spare, _ = account_services.token_issue(workspace=member.workspace, user=member.user, name="spare")
        objects = dataclasses.replace(objects, token=spare)
    url = url_for(op, objects)
    if not op.has_body:
        return lambda: member.api.generic(op.method.upper(), url)
    body = json.dumps(BODIES[op.operation_id](objects) if op.operation_id in BODIES else {})
    return lambda: member.api.generic(op.method.upper(), url, body, content_type="application/json")


def _assert_allowed(response, what):
    assert response.status_code != 403, (what, response.content[:300])
    assert response.status_code < 500, (what, response.content[:300])


@pytest.mark.parametrize("role", list(ROLE_OF))
@pytest.mark.parametrize("op", operations(), ids=lambda op: op.id)
def test_it_answers_each_role_as_the_matrix_says(trio, dana, op, role):
    # given objects of every type that alice created (fresh: an allowed request may change them)
    objects = make_objects(trio.alice, tag=f"walk-{secrets.token_hex(4)}")
    actor = {"alice": trio.alice, "dana": dana, "bob": trio.bob}[ROLE_OF[role]]
    cell = CELLS[op.operation_id].cell(role)
    send = _request(actor, op, objects)
    before, files = db_snapshot(), volume_files(objects.volume)
    # when the role calls the operation on them
    response = send()
    # then it is done where the matrix says yes; elsewhere (alice's objects are not the member's
    # own) it is refused, and nothing changed
    if cell in ALLOWED:
        _assert_allowed(response, (op.id, role))
    else:
        assert response.status_code == 403, (op.id, role, response.content[:300])
        error = response.json()["error"]
        assert error["code"] == "permission_denied"
        assert f"your role in workspace alice-ws is {role}" in error["message"]
        assert db_snapshot() == before
        assert volume_files(objects.volume) == files


@pytest.mark.parametrize(
    "op", [op for op in operations() if CELLS[op.operation_id].cell("member") == "own"], ids=lambda op: op.id
)
def test_it_lets_a_member_use_each_own_only_operation_on_what_he_created(trio, op):
    # given objects of every type that bob created
    objects = make_objects(trio.bob, tag=f"own-{secrets.token_hex(4)}")
    # when he calls the operation on them, then it is not refused
    _assert_allowed(_request(trio.bob, op, objects)(), op.id)


@pytest.mark.parametrize("op", [op for op in operations() if op.path_params], ids=lambda op: op.id)
def test_it_answers_404_not_403_to_a_member_of_another_workspace(erin, objects_a, op):
    # given a member of workspace B, whose role may not change what it did not create
    send = _request(erin, op, objects_a, own_token=False)
    before = db_snapshot()
    # when he calls the operation on A's objects
    response = send()
    # then tenancy answers first: A's object does not exist for him
    assert response.status_code == 404, (op.id, response.content[:300])
    assert response.json()["error"]["code"] == "not_found"
    assert db_snapshot() == before
