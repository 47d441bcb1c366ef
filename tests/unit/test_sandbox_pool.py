"""The sandbox pool's rules (functions/sandbox_pool.py) on the real database: what a refill starts,
what a create claims and how, what is never pooled, and a pool turned off. The containers
themselves are the integration tests' (tests/integration/test_sandbox_pool.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from functions import delivery, sandbox_pool
from functions.models import Sandbox
from functions.sandboxes import sandbox_create
from hosts.models import Host

pytestmark = pytest.mark.django_db


@pytest.fixture
def member():
    from tests.api.support import make_member

    return make_member("pooler")


@pytest.fixture
def image(member):
    from apps import services as app_services
    from builds.models import ImageStatus
    from functions import services as function_services

    app = app_services.app_create(workspace=member.workspace, user=member.user, name="pooled")
    function = function_services.function_create(
        app=app, spec={"name": "f", "module": "m", "qualname": "f", "serialized": b"x"}
    )
    function.image.status = ImageStatus.READY
    function.image.save()
    return function.image


@pytest.fixture
def host():
    now = timezone.now()
    return Host.objects.create(
        name="pool-host",
        cpu=2.0,
        memory=4096,
        last_heartbeat=now,
        lease_seconds=30,
        lease_expires_at=now + timedelta(seconds=30),
    )


def _run_pool(member, image) -> list[Sandbox]:
    """The pool's rows as their agent would make them run (a container each)."""
    pooled = list(Sandbox.objects.filter(pool=True, workspace=member.workspace, image=image))
    for sandbox in pooled:
        assert delivery.run(delivery.sandbox_starting(sandbox.id))
        assert delivery.run(delivery.sandbox_container(sandbox.id, f"c-{sandbox.id}"))
    return [Sandbox.objects.get(pk=s.pk) for s in pooled]


def _create(member, image, **options) -> Sandbox:
    return sandbox_create(
        workspace=member.workspace, user=member.user, image_id=image.id, command=[], **options
    )


def test_a_refill_starts_the_pools_size_placed_and_unmetered_and_a_create_claims_the_oldest(
    member, image, host
):
    # when the pool of an image is refilled to 2
    assert sandbox_pool.pool_refill(member.workspace.id, image.id, 2) == 2
    assert sandbox_pool.pool_refill(member.workspace.id, image.id, 2) == 0  # (already full)
    pooled = _run_pool(member, image)
    # then both are placed, hold their host, run, and are not started for anyone (not metered)
    assert len(pooled) == 2 and all(s.host_id == host.id and s.status == "running" for s in pooled)
    assert all(s.started_at is None and s.pooled_at is not None and not s.command for s in pooled)
    oldest = min(pooled, key=lambda s: s.pooled_at)
    # when a create of the common shape comes, with its own name, tags, timeouts and app
    before = timezone.now()
    sb = _create(member, image, name="agent-1", tags={"k": "v"}, timeout=60, idle_timeout=10)
    # then it is the oldest pooled one, now the caller's, its clocks starting at the claim
    assert sb.id == oldest.id and not sb.pool and sb.container_id == f"c-{oldest.id}"
    assert sb.status == "running" and sb.name == "agent-1" and sb.tags == {"k": "v"}
    assert sb.timeout == 60 and sb.idle_timeout == 10 and sb.created_by_id == member.user.id
    assert sb.created_at >= before and sb.started_at >= before and sb.pooled_at < before
    # and the API shows the claimed one only
    listed = member.api.get("/api/v1/sandboxes/").json()["results"]
    assert [s["id"] for s in listed] == [sb.id]
    other = next(s for s in pooled if s.id != sb.id)
    assert member.api.get(f"/api/v1/sandboxes/{other.id}/").status_code == 404


def test_a_pool_starting_or_empty_is_not_claimed_and_the_create_starts_its_own(member, image, host):
    sandbox_pool.pool_refill(member.workspace.id, image.id, 1)  # placed, its container not yet running
    sb = _create(member, image)
    assert sb.pooled_at is None and sb.status == "pending" and sb.host_id == host.id
    assert Sandbox.objects.filter(pool=True).count() == 1


@pytest.mark.parametrize(
    "options",
    [
        {"cpu": 0.5},
        {"memory": 256},
        {"cpu": 0.125, "cpu_limit": 1.0},
        {"workdir": "/tmp"},
        {"block_network": True},
        {"cidr_allowlist": ["10.0.0.0/8"]},
    ],
)
def test_a_create_of_another_shape_never_takes_a_pooled_container(member, image, host, options):
    sandbox_pool.pool_refill(member.workspace.id, image.id, 1)
    _run_pool(member, image)
    sb = _create(member, image, **options)
    assert sb.pooled_at is None
    assert Sandbox.objects.filter(pool=True, status="running").count() == 1


def test_a_command_is_not_pooled_either(member, image, host):
    sandbox_pool.pool_refill(member.workspace.id, image.id, 1)
    _run_pool(member, image)
    sb = sandbox_create(
        workspace=member.workspace, user=member.user, image_id=image.id, command=["sleep", "9"]
    )
    assert sb.pooled_at is None and sb.command == ["sleep", "9"]


def test_a_pool_of_size_0_is_off_and_the_tick_stops_what_it_held(member, image, host):
    sandbox_pool.pool_refill(member.workspace.id, image.id, 2)
    _run_pool(member, image)
    # when the workspace turns its pool off
    member.workspace.sandbox_pool_size = 0
    member.workspace.save()
    # then a create starts its own container, and the tick stops the pooled ones
    sb = _create(member, image)
    assert sb.pooled_at is None
    sandbox_pool.pools_tick()
    assert set(Sandbox.objects.filter(pool=True).values_list("status", "cause")) == {
        ("stopping", "pool_retired")
    }
    # and once their containers have exited they are forgotten
    for sandbox_id in Sandbox.objects.filter(pool=True).values_list("pk", flat=True):
        delivery.run(delivery.sandbox_exited(sandbox_id, exit_code=137, oom=False))
    Sandbox.objects.filter(pool=True).update(stopped_at=timezone.now() - timedelta(seconds=10))
    sandbox_pool.pools_tick()
    assert not Sandbox.objects.filter(pool=True).exists()


def test_the_tick_keeps_the_pools_of_images_in_use_full_and_retires_the_others(member, image, host):
    # given no sandbox of this image yet: no pool
    sandbox_pool.pools_tick()
    assert not Sandbox.objects.filter(pool=True).exists()
    # when one of the common shape is created, then the tick keeps a pool of the default size
    _create(member, image)
    sandbox_pool.pools_tick()
    assert Sandbox.objects.filter(pool=True).count() == 2
    # when the last create is older than the pool is kept, then its pooled containers are stopped
    Sandbox.objects.filter(pool=False).update(
        created_at=timezone.now() - timedelta(seconds=sandbox_pool.POOL_KEEP_SECONDS + 5)
    )
    sandbox_pool.pools_tick()
    assert set(Sandbox.objects.filter(pool=True).values_list("status", flat=True)) == {"stopping"}


def test_an_exec_in_a_claimed_sandbox_is_given_its_apps_variables(member, image, host):
    from apps import services as app_services

    app = app_services.app_create(workspace=member.workspace, user=member.user, name="claimer")
    sandbox_pool.pool_refill(member.workspace.id, image.id, 1)
    _run_pool(member, image)
    sb = _create(member, image, app=app)
    assert sb.pooled_at is not None
    variables = sandbox_pool.exec_vars(Sandbox.objects.select_related("app__environment").get(pk=sb.id))
    assert variables["SKYLIFT_APP_ID"] == app.id
    assert variables["SKYLIFT_ENVIRONMENT"] == variables["MODAL_ENVIRONMENT"] == app.environment.name
    # a sandbox that started its own container has them from its container
    own = _create(member, image, cpu=0.25)
    assert sandbox_pool.exec_vars(own) == {}
