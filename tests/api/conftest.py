"""Fixtures of the API layer: the tenancy trio (alice owns A, bob is a member of A, charlie owns B)
and one object of every type in workspace A; for the role tests, dana (an admin of A) and erin
(a member of B).

They are made once per module, inside a transaction that is rolled back when the module ends;
each test runs in a savepoint within it (pytest-django's `db`), so what a test changes is undone
before the next one, as with Django's `TestCase.setUpTestData`.
"""

from __future__ import annotations

import pytest
import redis
from django.conf import settings
from django.db import transaction

from accounts.models import Role
from accounts.signin import KEY_PREFIX

from .support import Member, Trio, WorkspaceObjects, make_member, make_objects, make_trio


@pytest.fixture(scope="module")
def _world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        trio = make_trio()
        yield trio, make_objects(trio.alice, tag="alpha")
        transaction.set_rollback(True)


@pytest.fixture
def trio(_world, db) -> Trio:
    return _world[0]


@pytest.fixture
def objects_a(_world, db) -> WorkspaceObjects:
    return _world[1]


@pytest.fixture(scope="module")
def _more_members(_world, django_db_blocker):
    trio, _ = _world
    with django_db_blocker.unblock(), transaction.atomic():
        dana = make_member("dana", workspace=trio.alice.workspace, role=Role.ADMIN)
        erin = make_member("erin", workspace=trio.charlie.workspace, role=Role.MEMBER)
    return dana, erin


@pytest.fixture
def dana(_more_members, db) -> Member:
    """An admin of workspace A."""
    return _more_members[0]


@pytest.fixture
def erin(_more_members, db) -> Member:
    """A member of workspace B."""
    return _more_members[1]


@pytest.fixture(autouse=True)
def _no_failed_sign_ins():
    """Failed sign-ins are counted in Redis, which outlives a test: each test starts with none."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    keys = list(client.scan_iter(f"{KEY_PREFIX}*"))
    if keys:
        client.delete(*keys)
    client.close()
