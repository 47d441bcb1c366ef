"""S1, cross-workspace IDOR: the schema walker.

Every operation of the OpenAPI schema that takes an object id is called by charlie (workspace B)
on workspace A's objects: each answers 404 (never 403, which would reveal the object) and the
database is unchanged. List endpoints never show A's ids to charlie, and request bodies that
reference objects (`app_id`, `function_id`, `mount_sha256`) cannot reach into A either.

The walk is parametrized from the schema, so it grows with the API. An operation whose path
parameter has no object below fails the walk: add the object type to `make_objects`.
"""

from __future__ import annotations

import json

import pytest

from accounts.api import matrix

from .openapi import METHODS, operations, paths
from .support import Member, WorkspaceObjects, db_snapshot, make_objects, url_for

ID_OPERATIONS = [op for op in operations() if op.path_params]
# Reports (usage) are walked as lists: they name the objects they sum up.
REPORTS = {"/api/v1/usage/"}
LIST_OPERATIONS = [
    op
    for op in operations()
    if op.method == "get" and not op.path_params and (op.path.endswith("s/") or op.path in REPORTS)
]
# Collections whose objects belong to one user, not to the whole workspace (bob cannot see alice's).
USER_SCOPED = {"tokens"}
# What a member may do with each operation (invites are for owners and admins to read).
MEMBER_CELLS = {row.operation_id: row.cell("member") for row in matrix.rows()}
# Query parameters that filter by an object: their value is an id of that collection.
FILTERS = {
    "app": "apps",
    "app_id": "apps",
    "function": "functions",
    "image": "images",
    "call": "calls",
    "container": "tasks",
}
# Query parameters that filter by a name: the name of A's object of that collection.
NAME_FILTERS = {"volumes": "name", "secrets": "name", "dicts": "name", "queues": "name"}


def _send(member: Member, method: str, url: str, *, body: dict | None = None):
    if body is None:
        return member.api.generic(method.upper(), url)
    return member.api.generic(method.upper(), url, json.dumps(body), content_type="application/json")


def test_it_walks_every_operation_that_takes_an_id():
    # The parametrization below is only as good as the schema it came from.
    assert {op.operation_id for op in ID_OPERATIONS} >= {
        "apps_retrieve",
        "apps_stop_create",
        "apps_logs_retrieve",
        "functions_retrieve",
        "calls_retrieve",
        "calls_cancel_create",
        "calls_outputs_retrieve",
        "tasks_retrieve",
        "mounts_retrieve",
        "tokens_retrieve",
        "tokens_destroy",
        "service_tokens_retrieve",
        "service_tokens_destroy",
        "volumes_retrieve",
        "volumes_destroy",
        "volumes_files_retrieve",
        "volumes_files_destroy",
        "volumes_content_retrieve",
        "secrets_retrieve",
        "secrets_update",
        "secrets_partial_update",
        "secrets_destroy",
        "secrets_history_list",
        "dicts_retrieve",
        "dicts_destroy",
        "dicts_get_create",
        "dicts_put_create",
        "dicts_pop_create",
        "dicts_clear_create",
        "dicts_entries_retrieve",
        "queues_retrieve",
        "queues_destroy",
        "queues_put_create",
        "queues_get_create",
        "queues_len_retrieve",
        "queues_clear_create",
        "queues_peek_retrieve",
        "proxy_tokens_retrieve",
        "proxy_tokens_revoke_create",
        "proxy_tokens_destroy",
        "budgets_retrieve",
        "budgets_destroy",
        "sandboxes_retrieve",
        "sandboxes_terminate_create",
        "sandboxes_tags_update",
        "sandboxes_snapshot_create",
        "sandboxes_tunnels_retrieve",
        "sandboxes_logs_retrieve",
        "sandboxes_processes_retrieve",
        "members_retrieve",
        "members_partial_update",
        "members_destroy",
        "invites_retrieve",
        "invites_destroy",
    }


@pytest.mark.parametrize("op", ID_OPERATIONS, ids=lambda op: op.id)
def test_it_answers_404_to_a_stranger_and_changes_nothing(trio, objects_a, op):
    # given A's objects and a snapshot of the whole database
    url = url_for(op, objects_a)
    before = db_snapshot()
    # when charlie calls the operation on A's object
    response = _send(trio.charlie, op.method, url, body={} if op.has_body else None)
    # then it does not exist for him, and nothing changed
    assert response.status_code == 404, (op.id, response.status_code, response.content[:300])
    assert response.json()["error"]["code"] == "not_found"
    assert db_snapshot() == before


@pytest.mark.parametrize("path", sorted(p for p in paths() if "{" in p))
def test_it_answers_other_methods_on_a_strangers_id_as_on_a_missing_id(trio, objects_a, path):
    # given the methods the schema does not document on this path
    op = next(op for op in ID_OPERATIONS if op.path == path)
    url = url_for(op, objects_a)
    missing_url = op.url(**{p: "xx-doesnotexist" for p in op.path_params})
    before = db_snapshot()
    for method in sorted(set(METHODS) - paths()[path]):
        # when charlie uses them on A's id and on an id that does not exist
        on_a = _send(trio.charlie, method, url, body={})
        on_missing = _send(trio.charlie, method, missing_url, body={})
        # then the answers are the same (405 or 404): nothing tells him that A's object exists
        assert on_a.status_code == on_missing.status_code, (method, path)
        assert on_a.status_code in (404, 405), (method, path, on_a.status_code)
    assert db_snapshot() == before


@pytest.mark.parametrize("op", [op for op in ID_OPERATIONS if op.method == "get"], ids=lambda op: op.id)
def test_it_serves_the_same_objects_to_their_workspace(trio, objects_a, op):
    # given A's objects (the positive control of the 404s above)
    url = url_for(op, objects_a)
    collection = next(iter(op.resources().values()))
    # when alice, and bob where the object is the workspace's and his role may read it, read them
    member_reads = MEMBER_CELLS[op.operation_id] == "yes"
    members = [trio.alice] if collection in USER_SCOPED or not member_reads else [trio.alice, trio.bob]
    for member in members:
        response = member.api.get(url)
        # then they see them
        assert response.status_code == 200, (member.user.username, op.id, response.content[:300])


@pytest.mark.parametrize("op", LIST_OPERATIONS, ids=lambda op: op.id)
def test_it_never_lists_another_workspaces_objects(trio, objects_a, op):
    # given A's objects, and charlie's own of every type
    make_objects(trio.charlie, tag="bravo")
    a_ids = objects_a.all_ids() | {trio.bob.token.id}
    collection = op.path.rstrip("/").rsplit("/", 1)[1]
    # when alice lists, then she sees A's object of this collection (the positive control)
    own = trio.alice.api.get(op.path)
    assert own.status_code == 200
    assert objects_a.by_collection()[collection] in own.content.decode()
    # when charlie lists, unfiltered and filtered by each of A's objects
    queries = [{}] + [
        {param: objects_a.by_collection()[FILTERS[param]]} for param in op.query_params if param in FILTERS
    ]
    if collection in NAME_FILTERS:
        named = {
            "volumes": objects_a.volume,
            "secrets": objects_a.secret,
            "dicts": objects_a.dict,
            "queues": objects_a.queue,
        }[collection]
        queries.append({NAME_FILTERS[collection]: named.name})
    for query in queries:
        response = trio.charlie.api.get(op.path, query)
        # then none of A's ids appears
        assert response.status_code == 200, (query, response.content[:300])
        body = response.content.decode()
        assert not [i for i in a_ids if i in body], query
        # and unfiltered he sees his own: the endpoint does answer him
        if not query:
            assert response.json()["results"]


def _function_body(objects: WorkspaceObjects, **refs) -> dict:
    body = {"app_id": objects.app.id, "name": "cube", "module": "mod", "qualname": "cube"}
    return {**body, "mount_sha256": objects.mount.sha256, **refs}


# Every place a request body names an object: (operation, field) -> (collection, a valid body of
# the operation built from the caller's own objects with that field set to `ref`).
BODY_REFERENCES = {
    ("apps_deploy_create", "app_id"): (
        "apps",
        lambda own, ref: {
            "name": "served",
            "app_id": ref,
            "functions": [
                {"name": "square", "module": "mod", "qualname": "square", "mount_sha256": own.mount.sha256}
            ],
        },
    ),
    ("functions_create", "app_id"): ("apps", lambda own, ref: _function_body(own, app_id=ref)),
    ("budgets_create", "app_id"): ("apps", lambda own, ref: {"app_id": ref, "limit_usd": 10}),
    ("functions_create", "mount_sha256"): ("mounts", lambda own, ref: _function_body(own, mount_sha256=ref)),
    ("calls_create", "function_id"): (
        "functions",
        lambda own, ref: {"function_id": ref, "inputs": ["b3BhcXVl"]},
    ),
    ("images_create", "context_sha256"): (
        "mounts",
        lambda own, ref: {
            "base": "from_dockerfile",
            "dockerfile": "FROM scratch\nCOPY . /app\n",
            "context_sha256": ref,
        },
    ),
    ("functions_create", "volumes"): (
        "volumes",
        lambda own, ref: _function_body(own, volumes=[{"path": "/data", "volume_id": ref}]),
    ),
    ("functions_create", "secrets"): (
        "secrets",
        lambda own, ref: _function_body(own, secrets=[{"id": ref}]),
    ),
    ("images_create", "steps"): (
        "volumes",
        lambda own, ref: {
            "base": "debian_slim",
            "steps": [
                {
                    "kind": "run_function",
                    "module": "mod",
                    "qualname": "square",
                    "source_sha256": "0" * 64,
                    "mount_sha256": own.mount.sha256,
                    "volumes": [{"path": "/data", "volume_id": ref}],
                }
            ],
        },
    ),
    ("sandboxes_create", "image_id"): ("images", lambda own, ref: {"image_id": ref}),
    ("images_create", "image_id"): ("images", lambda own, ref: {"image_id": ref}),
    ("sandboxes_create", "app_id"): ("apps", lambda own, ref: {"image_id": own.image.id, "app_id": ref}),
    ("images_create", "registry_secret_ids"): (
        "secrets",
        lambda own, ref: {"base": "debian_slim", "registry_secret_ids": [ref]},
    ),
    ("images_create", "mounts"): (
        "mounts",
        lambda own, ref: {
            "base": "debian_slim",
            "mounts": [{"sha256": ref, "target": "/data", "type": "dir"}],
        },
    ),
}
# Body properties that name objects by these suffixes must be listed above.
REFERENCE_SUFFIXES = ("_id", "_ids", "_sha256", "_sha256s")


def test_it_knows_every_reference_in_request_bodies():
    # given the request bodies of the schema
    unknown = [
        (op.operation_id, prop)
        for op in operations()
        for prop in op.body_properties
        if prop.endswith(REFERENCE_SUFFIXES) and (op.operation_id, prop) not in BODY_REFERENCES
    ]
    # then each field that names an object is walked below
    assert unknown == [], "add these to BODY_REFERENCES in tests/api/test_tenancy.py"
    assert {op.operation_id for op in operations()} >= {op_id for op_id, _ in BODY_REFERENCES}


@pytest.mark.parametrize(("reference"), list(BODY_REFERENCES), ids=lambda r: f"{r[0]}.{r[1]}")
def test_it_refuses_references_to_another_workspaces_objects(trio, objects_a, reference):
    # given charlie's own objects, with which the request succeeds
    collection, body_for = BODY_REFERENCES[reference]
    op = next(op for op in operations() if op.operation_id == reference[0])
    objects_b = make_objects(trio.charlie, tag="bravo")
    own = _send(
        trio.charlie, op.method, op.path, body=body_for(objects_b, objects_b.by_collection()[collection])
    )
    assert 200 <= own.status_code < 300, own.content[:300]
    before = db_snapshot()
    # when the reference points into A instead
    body = body_for(objects_b, objects_a.by_collection()[collection])
    response = _send(trio.charlie, op.method, op.path, body=body)
    # then A's object does not exist for charlie, and nothing is created
    assert response.status_code == 404, response.content[:300]
    assert response.json()["error"]["code"] == "not_found"
    assert db_snapshot() == before
