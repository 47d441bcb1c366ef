"""Helpers of the API layer: the tenancy trio and one object of every type in a workspace.

alice owns workspace A, bob is a member of A, charlie owns workspace B (the stranger). Each has
an API token issued through `accounts.services`; `trio.alice.api` is an `APIClient` that sends it.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import tarfile
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import service_tokens, team
from accounts import services as account_services
from accounts.models import ApiToken, AuditEvent, Invite, Membership, Role, Workspace
from apps import deployments
from apps import services as app_services
from apps.models import App, Environment
from billing import metering
from billing.models import Budget
from builds.models import Build, BuildStatus, Image
from functions import delivery, sandboxes
from functions import services as function_services
from functions.models import Function, FunctionCall, LogLine, Mount, Sandbox, Task, TaskStatus
from state import operations as state_operations
from state import services as state_services
from state.models import Dict, Queue
from vault import services as vault_services
from vault.models import Secret
from volumes import services as volume_services
from volumes import storage as volume_storage
from volumes.models import Volume
from web import proxy_tokens
from web.models import ProxyToken

__all__ = [
    "Member",
    "Trio",
    "WorkspaceObjects",
    "db_snapshot",
    "make_member",
    "make_objects",
    "make_trio",
    "row_counts",
    "url_for",
    "volume_files",
]

PASSWORD = "correct horse battery staple"


@dataclass
class Member:
    user: object
    workspace: Workspace
    token: ApiToken
    secret: str

    @property
    def authorization(self) -> str:
        return f"Bearer {self.token.id}:{self.secret}"

    @property
    def api(self) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=self.authorization)
        return client


@dataclass
class Trio:
    alice: Member
    bob: Member
    charlie: Member


def make_member(username: str, *, workspace: Workspace | None = None, role: str = Role.OWNER) -> Member:
    """A user with a token: the owner of a new workspace, or `role` in `workspace`."""
    user = get_user_model().objects.create_user(username=username, password=PASSWORD)
    if workspace is None:
        workspace = account_services.workspace_create(name=f"{username}-ws", owner=user)
    else:
        Membership.objects.create(workspace=workspace, user=user, role=role)
    token, secret = account_services.token_issue(workspace=workspace, user=user, name=f"{username}'s token")
    return Member(user=user, workspace=workspace, token=token, secret=secret)


def make_trio() -> Trio:
    alice = make_member("alice")
    bob = make_member("bob", workspace=alice.workspace, role=Role.MEMBER)
    charlie = make_member("charlie")
    return Trio(alice=alice, bob=bob, charlie=charlie)


def source_tar(text: str) -> bytes:
    """A mount: a tar holding one module, as the SDK uploads it."""
    data = text.encode()
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        info = tarfile.TarInfo("mod.py")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


@dataclass
class WorkspaceObjects:
    """One object of every type in a workspace, by the collection name that serves it."""

    app: App
    mount: Mount
    function: Function
    call: FunctionCall
    input_ids: list[str]
    task: Task
    token: ApiToken
    service_token: ApiToken
    image: Image
    build: Build
    volume: Volume
    deployed: App
    environment: Environment
    secret: Secret
    dict: Dict
    queue: Queue
    proxy_token: ProxyToken
    budget: Budget
    sandbox: Sandbox
    mate: Membership
    invite: Invite
    audit_event: AuditEvent

    def by_collection(self) -> dict[str, str]:
        """The value a path parameter takes for each API collection (`/apps/{id}/` -> app id)."""
        return {
            "apps": self.app.id,
            "mounts": self.mount.sha256,
            "functions": self.function.id,
            "calls": self.call.id,
            "tasks": self.task.id,
            "tokens": self.token.id,
            "service-tokens": self.service_token.id,
            "images": self.image.id,
            "builds": self.build.id,
            "volumes": self.volume.id,
            "environments": self.environment.name,
            "secrets": self.secret.id,
            "dicts": self.dict.id,
            "queues": self.queue.id,
            "proxy-tokens": self.proxy_token.id,
            "usage": self.app.id,  # its usage report names the app
            "budgets": self.budget.id,
            "statements": self.app.id,  # this month's statement names the app
            "sandboxes": self.sandbox.id,
            "members": self.mate.public_id,
            "invites": self.invite.id,
            "audit-events": self.audit_event.id,
            "logs": self.app.id,  # each line names its app
        }

    def all_ids(self) -> set[str]:
        return {*self.by_collection().values(), *self.input_ids, self.app.workspace_id}


def make_objects(member: Member, *, tag: str) -> WorkspaceObjects:
    """Create, through the services, one object of every type in `member`'s workspace."""
    app = app_services.app_create(workspace=member.workspace, user=member.user, name=f"{tag}-app")
    # Unique content per workspace: the same bytes would legitimately give both a mount of that hash.
    content = source_tar(f"def square(x):\n    return x * x  # {tag} {secrets.token_hex(8)}\n")
    mount = function_services.mount_store(
        workspace=member.workspace, sha256=hashlib.sha256(content).hexdigest(), content=content
    )
    function = function_services.function_create(
        app=app, spec={"name": "square", "module": "mod", "qualname": "square", "mount_sha256": mount.sha256}
    )
    call, input_ids = function_services.call_create(
        function=function, user=member.user, args=[b"opaque pickled args"]
    )
    # Tasks are made by the autoscaler, not by an API call; one row is all the walker needs.
    # It ran for a minute: its usage is metered (the usage report's object).
    task = Task.objects.create(
        workspace=member.workspace,
        function=function,
        status=TaskStatus.STOPPED,
        started_at=timezone.now() - timedelta(minutes=2),
        stopped_at=timezone.now() - timedelta(minutes=1),
    )
    metering.meter_task(task.id)
    # A line the container printed (the relay writes these; one row is all the walker needs).
    LogLine.objects.create(
        workspace=member.workspace, app=app, function=function, task=task, call=call, text=f"{tag} says hello"
    )
    # Builds are made by image_ensure when layers are missing; a finished one needs no builder.
    build = Build.objects.create(
        workspace=member.workspace,
        image=function.image,
        spec=function.image.spec,
        status=BuildStatus.SUCCEEDED,
        created_by=member.user,
    )
    volume = volume_services.volume_create(workspace=member.workspace, name=f"{tag}-volume", user=member.user)
    (volume_storage.root(volume.id) / SAMPLE_FILE).write_text(f"{tag}'s file")
    square = {"name": "square", "module": "mod", "qualname": "square", "mount_sha256": mount.sha256}
    deployed = deployments.app_deploy(
        workspace=member.workspace,
        user=member.user,
        name=f"{tag}-deployed",
        environment=None,
        functions=[square],
    ).app
    # v2, so that there is an earlier version to preview a rollback to
    deployments.app_deploy(
        workspace=member.workspace,
        user=member.user,
        name=f"{tag}-deployed",
        environment=None,
        functions=[{**square, "memory": 256}],
    )
    environment = deployments.environment_create(workspace=member.workspace, name=f"env-{tag}".lower())
    secret = vault_services.secret_create(
        workspace=member.workspace,
        environment=deployments.environment_get(workspace=member.workspace, name=None),
        name=f"{tag}-secret",
        values={"TOKEN": f"{tag}'s token"},
        user=member.user,
    )
    shared = state_services.object_create(
        Dict, workspace=member.workspace, name=f"{tag}-dict", user=member.user
    )
    jobs = state_services.object_create(
        Queue, workspace=member.workspace, name=f"{tag}-queue", user=member.user
    )
    delivery.run(
        state_operations.dict_put(member.workspace.id, shared.id, [(b"key", b"value", "key", "value")])
    )
    delivery.run(state_operations.queue_put(member.workspace.id, jobs.id, None, [b"job"], ["job"]))
    proxy_token, _ = proxy_tokens.create(workspace=member.workspace, user=member.user, name=f"{tag}-proxy")
    budget = Budget.objects.create(workspace=member.workspace, app=app, limit_usd=100)
    # No host takes it in these tests: it waits to be placed, as a sandbox does when hosts are full.
    sandbox = sandboxes.sandbox_create(
        workspace=member.workspace, user=member.user, image_id=function.image_id, app=app, command=[]
    )
    # A member of the workspace besides its owner (one that any admin may remove), and an invite.
    mate_user = get_user_model().objects.create_user(username=f"{tag}-mate", password=PASSWORD)
    mate = Membership.objects.create(workspace=member.workspace, user=mate_user, role=Role.MEMBER)
    invite, _, _ = team.invite_create(
        workspace=member.workspace, role=Role.MEMBER, by_user=member.user, by_role=Role.OWNER
    )
    audit_event = AuditEvent.objects.get(action="app.deploy", target_id=deployed.id, data__version=1)
    service_token, _ = service_tokens.issue(
        workspace=member.workspace, role=Role.MEMBER, by_user=member.user, name=f"{tag}-bot"
    )
    return WorkspaceObjects(
        mate=mate,
        invite=invite,
        audit_event=audit_event,
        budget=budget,
        sandbox=sandbox,
        proxy_token=proxy_token,
        secret=secret,
        dict=shared,
        queue=jobs,
        deployed=deployed,
        environment=environment,
        volume=volume,
        app=app,
        mount=mount,
        function=function,
        call=call,
        input_ids=input_ids,
        task=task,
        token=member.token,
        service_token=service_token,
        image=function.image,
        build=build,
    )


# A file every workspace's volume holds: the value of required `path` query parameters.
SAMPLE_FILE = "hello.txt"
REQUIRED_QUERY = {"path": SAMPLE_FILE, "name": "probe", "app": "probe"}


# Operations that only answer for a deployed app: walked with the deployed one.
ON_DEPLOYED_APP = {"apps_rollback_preview_retrieve"}


def url_for(op, objects: WorkspaceObjects) -> str:
    """The operation's URL with each path parameter set to the object of its collection, and each
    required query parameter to a value that names something of it."""
    ids = objects.by_collection()
    if op.operation_id in ON_DEPLOYED_APP:
        ids["apps"] = objects.deployed.id
    values = {}
    for param, collection in op.resources().items():
        if collection not in ids:
            pytest.fail(
                f"{op.id}: no object of collection {collection!r} to walk with; add one to "
                "tests/api/support.py (make_objects and WorkspaceObjects.by_collection)"
            )
        values[param] = ids[collection]
    url = op.url(**values)
    missing = [q for q in op.required_query if q not in REQUIRED_QUERY]
    if missing:
        pytest.fail(f"{op.id}: add a value for the required query parameters {missing} to REQUIRED_QUERY")
    if op.required_query:
        url += "?" + "&".join(f"{q}={REQUIRED_QUERY[q]}" for q in op.required_query)
    return url


_SNAPSHOT_APPS = {
    "auth",
    "sessions",
    "accounts",
    "skylift_apps",
    "functions",
    "hosts",
    "builds",
    "billing",
    "volumes",
    "state",
    "web",
}
# Written by authentication or lookups themselves (the token check, image resolution): not a change
# the request under test made.
_VOLATILE_FIELDS = ("last_used_at", "last_login")


def _snapshot_sql() -> str:
    parts = []
    volatile = "".join(f" - '{name}'" for name in _VOLATILE_FIELDS)
    for model in django_apps.get_models():
        if model._meta.app_label not in _SNAPSHOT_APPS:
            continue
        row = f"(to_jsonb(t){volatile})::text"
        parts.append(
            f"SELECT '{model._meta.label}', count(*), md5(coalesce(string_agg({row}, ',' ORDER BY {row}), '')) "
            f"FROM {connection.ops.quote_name(model._meta.db_table)} t"
        )
    return " UNION ALL ".join(parts)


def db_snapshot() -> dict[str, tuple[int, str]]:
    """Every Skylift table (and users, sessions) as (row count, digest of its rows), in one query.

    Two snapshots are equal when no row was added, removed or changed.
    """
    with connection.cursor() as cursor:
        cursor.execute(_snapshot_sql())
        return {label: (count, digest) for label, count, digest in cursor.fetchall()}


def row_counts() -> dict[str, int]:
    return {label: count for label, (count, _) in db_snapshot().items()}


def volume_files(volume: Volume) -> dict[str, bytes]:
    """Every file of the volume by its path from the root, with its bytes."""
    root = volume_storage.root(volume.id)
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
