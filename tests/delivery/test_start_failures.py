"""A function whose last containers all failed to come up fails its pending inputs (no crash
loop); containers the platform lost or stopped, or killed from outside, do not count. Against the
real PostgreSQL, with the autoscaler's own decision."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps import services as app_services
from config.ids import new_id
from functions import autoscaler
from functions import services as function_services
from functions.models import Function, Input, InputStatus, Task, TaskStatus
from hosts.models import Host
from tests.api.support import make_member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def function() -> Function:
    Host.objects.create(
        name="starts", cpu=64, memory=512 * 1024, lease_expires_at=timezone.now() + timedelta(minutes=5)
    )
    member = make_member("start-owner")
    app = app_services.app_create(workspace=member.workspace, user=member.user, name="starts-app")
    fn = function_services.function_create(
        app=app, spec={"name": "f", "module": "mod", "qualname": "f", "serialized": b"opaque"}
    )
    fn.member = member  # type: ignore[attr-defined]
    return fn


def _ended(function: Function, *, cause: str, exit_code: int | None, served: int = 0) -> None:
    Task.objects.create(
        id=new_id("ta"),
        workspace_id=function.workspace_id,
        function=function,
        status=TaskStatus.FAILED,
        cause=cause,
        exit_code=exit_code,
        inputs_served=served,
        stopped_at=timezone.now(),
    )


def _live(function: Function) -> int:
    return Task.objects.filter(function=function, status=TaskStatus.PENDING).count()


def _pending_input(function: Function) -> str:
    _, (input_id,) = function_services.call_create(function=function, user=function.member.user, args=[b"x"])
    return input_id


def test_three_containers_that_crashed_before_serving_fail_the_pending_inputs(function):
    # given three containers that exited with an error before serving anything
    for _ in range(3):
        _ended(function, cause="container_crash", exit_code=1)
    # when an input comes, and the autoscaler would start a container for it
    input_id = _pending_input(function)
    autoscaler.ensure_capacity(function_id=function.id)
    # then none starts, and the input fails with the containers' cause instead of waiting on a crash loop
    assert not _live(function)
    inp = Input.objects.get(pk=input_id)
    assert (inp.status, inp.cause) == (InputStatus.FAILED, "container_crash")


def test_containers_lost_with_their_host_or_killed_from_outside_do_not_count(function):
    # given containers lost with a partitioned host, killed (docker kill), stopped (SIGTERM),
    # none of which had its served inputs counted yet
    _ended(function, cause="host_lost", exit_code=None)
    _ended(function, cause="container_crash", exit_code=137)
    _ended(function, cause="container_crash", exit_code=143)
    _ended(function, cause="container_crash", exit_code=1)
    # when an input comes, and the autoscaler would start a container for it
    input_id = _pending_input(function)
    autoscaler.ensure_capacity(function_id=function.id)
    # then one is placed, and the input waits for it
    assert _live(function) == 1
    assert Input.objects.get(pk=input_id).status == InputStatus.PENDING


def test_containers_out_of_memory_at_start_count(function):
    for _ in range(3):
        _ended(function, cause="oom", exit_code=137)
    input_id = _pending_input(function)
    autoscaler.ensure_capacity(function_id=function.id)
    assert not _live(function)
    assert Input.objects.get(pk=input_id).cause == "oom"
