"""Clusters' placement and lives against the real PostgreSQL, over simulated hosts: a cluster's
members are placed in one decision, all on one host or none; they get distinct devices; a
cluster no host could ever hold says so; once a member settles the others are stopped, and the
input their leader held runs again as preempted."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps import services as app_services
from config.ids import new_id
from functions import delivery
from functions import services as function_services
from functions.models import Function, Input, InputAttempt, Task
from hosts import gpus
from hosts.models import Host
from tests.api.support import make_member

pytestmark = pytest.mark.django_db(transaction=True)


def _host(name: str, *declared: str, cpu: float = 8) -> Host:
    return Host.objects.create(
        name=name,
        cpu=cpu,
        memory=64 * 1024,
        gpus=gpus.declared_devices(declared, name),
        gpu_source="declared",
        lease_expires_at=timezone.now() + timedelta(minutes=5),
    )


def _function(name: str, size: int, **spec) -> Function:
    member = make_member(f"{name}-owner")
    app = app_services.app_create(workspace=member.workspace, user=member.user, name=f"{name}-app")
    return function_services.function_create(
        app=app,
        spec={
            "name": name,
            "module": "mod",
            "qualname": name,
            "serialized": b"opaque",
            "definition": {"cluster": {"size": size}},
            **spec,
        },
    )


def _place(function: Function) -> delivery.Placed:
    with transaction.atomic():
        return delivery.run(
            delivery.place_cluster(
                cluster_id=new_id("cl"),
                task_ids=[new_id("ta") for _ in range(function.cluster_size)],
                function_id=function.id,
            )
        )


def test_members_go_to_one_host_with_distinct_devices_all_or_none():
    # given a host with 2 free T4s and one with 4
    small, big = _host("cl-small", "T4:2"), _host("cl-big", "T4:4")
    function = _function("quad", 4, gpu="T4", cpu=1)
    assert function.cluster_size == 4
    # when a cluster of 4 one-T4 containers is placed
    placed = _place(function)
    # then all four are on the host that holds them all, one device each, ranks 0 to 3
    members = list(Task.objects.filter(cluster_id=Task.objects.get(pk=placed.task_id).cluster_id))
    assert {t.host_id for t in members} == {big.pk} and placed.host_id == big.pk
    assert sorted(t.cluster_rank for t in members) == [0, 1, 2, 3]
    assert sorted(d for t in members for d in t.gpu_devices) == [0, 1, 2, 3]
    assert [m[0] for m in placed.members] == [t.id for t in sorted(members, key=lambda t: t.cluster_rank)]
    # and a second cluster fits nowhere now: none of it is placed (the small host's 2 T4s stay free)
    again = _place(function)
    assert again.task_id is None and not again.never
    assert again.reason == (
        "Waiting for a host with room for a cluster of 4 (4 CPU, 512 MiB and 4 T4 together): "
        "cl-small: only 2 T4 (needs 4); cl-big: 0 of 4 T4 free (needs 4)"
    ), again.reason
    assert Task.objects.count() == 4 and not Task.objects.filter(host=small).exists()


def test_a_cluster_no_host_could_hold_says_so():
    _host("cl-two", cpu=2)
    placed = _place(_function("wide", 8, cpu=1))
    assert placed.task_id is None and placed.never
    assert placed.reason == (
        "No live host could ever hold a cluster of 8 on one host (8 CPU, 1024 MiB and no GPU together): "
        "cl-two: 2 of 2 CPU free (needs 8)"
    )
    assert not Task.objects.exists()


def test_a_member_that_ends_stops_the_others_and_the_input_runs_again():
    # given a cluster of two whose leader claimed a call's input (the call made before any host)
    function = _function("pair", 2)
    member_user = function.app.created_by
    _call, (input_id,) = function_services.call_create(function=function, user=member_user, args=[b"x"])
    host = _host("cl-life")
    placed = _place(function)
    leader, member = (task_id for task_id, _ in placed.members)
    Task.objects.filter(pk__in=[leader, member]).update(status="running")
    claimed, live = delivery.run(delivery.claim(leader, [input_id]))
    assert live and [r["id"] for r in claimed] == [input_id]
    # the member is handed the input its leader holds, once
    handed, live = delivery.run(delivery.cluster_inputs(member, None, 10))
    assert live and [(r["id"], r["attempt"]) for r in handed] == [(input_id, 1)]
    after = (handed[0]["started_at"], handed[0]["id"])
    assert delivery.run(delivery.cluster_inputs(member, after, 10)) == ([], True)
    # a leader is handed nothing this way
    assert delivery.run(delivery.cluster_inputs(leader, None, 10)) == ([], False)
    # when the member's container is killed
    exited = delivery.run(delivery.task_exited(member, exit_code=137, oom=False))
    # then its leader is to stop, on its host, as its cluster ended
    assert exited is not None and exited.stops == [(leader, f"host.{host.name}")]
    assert Task.objects.filter(pk=leader, status="stopping", cause="cluster_ended").exists()
    # and once the leader has exited, the input it held runs again without spending a retry
    exited = delivery.run(delivery.task_exited(leader, exit_code=143, oom=False))
    assert exited is not None and exited.requeued == [input_id] and exited.stops == []
    inp = Input.objects.get(pk=input_id)
    assert (inp.status, inp.retries_used, inp.preemptions) == ("pending", 0, 1)
    assert list(InputAttempt.objects.filter(input_id=input_id).values_list("outcome", "cause")) == [
        ("preempted", "cluster_ended")
    ]
    # nothing is stopped twice
    assert delivery.run(delivery.clusters_broken()) == []


def test_a_member_that_crashes_counts_as_a_crash_of_the_input_its_leader_held():
    # given a cluster of two whose leader claimed a call's input (no retries)
    function = _function("crashy", 2)
    _call, (input_id,) = function_services.call_create(
        function=function, user=function.app.created_by, args=[b"x"]
    )
    _host("cl-crash")
    leader, member = (task_id for task_id, _ in _place(function).members)
    Task.objects.filter(pk__in=[leader, member]).update(status="running")
    delivery.run(delivery.claim(leader, [input_id]))
    # when the member's own code crashes it (exit 1: not a kill from outside)
    delivery.run(delivery.task_exited(member, exit_code=1, oom=False))
    # then the leader is to stop as its member crashed; its drain hands nothing back
    assert Task.objects.filter(pk=leader, status="stopping", cause="cluster_member_crashed").exists()
    assert delivery.run(delivery.requeue_preempted(leader, [{"id": input_id, "attempt": 1}])) == []
    # and once the leader has exited, the input fails as crashed (its retries spent), not run forever
    exited = delivery.run(delivery.task_exited(leader, exit_code=0, oom=False))
    assert exited is not None and exited.requeued == []
    inp = Input.objects.get(pk=input_id)
    assert (inp.status, inp.cause, inp.crashes, inp.preemptions) == ("failed", "cluster_member_crashed", 1, 0)
    assert "another container of its cluster crashed" in inp.message
