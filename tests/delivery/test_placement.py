"""Placement is one decision per host at a time (DESIGN.md): two functions never both take a
host's last memory. Against the real PostgreSQL, with the placements in threads of their own."""

from __future__ import annotations

import threading
from collections.abc import Generator
from datetime import timedelta

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from config.database import conninfo
from config.ids import new_id
from functions import autoscaler, delivery
from functions import services as function_services
from functions.delivery import placement
from functions.delivery.plans import transition
from functions.models import Task
from hosts.models import Host
from tests.api.support import make_objects, make_trio


def _waiting_on_locks(conn) -> int:
    return conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
    ).fetchone()[0]


def test_two_functions_racing_for_a_hosts_last_memory_get_one_container(transactional_db):
    # given a host with room for one more container of 128 MiB, and two functions that each want one
    trio = make_trio()
    objects = make_objects(trio.alice, tag="alpha")
    Task.objects.all().delete()  # make_objects' own row: neither function has a container
    first = objects.function
    second = function_services.function_create(
        app=objects.app,
        spec={"name": "cube", "module": "mod", "qualname": "cube", "mount_sha256": objects.mount.sha256},
    )
    host = Host.objects.create(
        name="small-host", cpu=8, memory=200, lease_expires_at=timezone.now() + timedelta(minutes=5)
    )
    results: list[str | None] = []

    def place(function_id: str) -> None:
        try:
            results.append(autoscaler.ensure_capacity(function_id=function_id))
        finally:
            connection.close()

    # when both are placed at once, while the host's placement lock is held elsewhere
    with psycopg.connect(conninfo(), autocommit=True) as holder:
        holder.execute("BEGIN")
        holder.execute("SELECT 1 FROM hosts_hostusage WHERE host_id = %s FOR UPDATE", [host.pk])
        threads = [threading.Thread(target=place, args=(f.id,)) for f in (first, second)]
        for thread in threads:
            thread.start()
        # both decisions wait for the host (a per-function lock would let both through at once)
        waiting = 0
        for _ in range(300):
            waiting = _waiting_on_locks(holder)
            if waiting == 2:
                break
            threading.Event().wait(0.05)
        holder.execute("COMMIT")
        for thread in threads:
            thread.join(timeout=60)

    # then exactly one container was placed on it: the other waits for room
    assert waiting == 2
    assert Task.objects.filter(host=host).count() == 1
    assert sorted(r is None for r in results) == [False, True]


def _host(name: str, cpu: float = 8, memory: int = 4096) -> Host:
    return Host.objects.create(
        name=name, cpu=cpu, memory=memory, lease_expires_at=timezone.now() + timedelta(minutes=5)
    )


def _locked_elsewhere(host: Host) -> bool:
    """Whether another transaction holds the host's placement lock (its usage row's)."""
    with psycopg.connect(conninfo(), autocommit=True) as other:
        row = other.execute(
            "SELECT host_id FROM hosts_hostusage WHERE host_id = %s FOR UPDATE SKIP LOCKED", [host.pk]
        ).fetchone()
    return row is None


@transition(atomic=True)
def _take(need: placement.Need, ranked: list) -> Generator:
    """A decision's tries of its ranked candidates, as a transition of its own."""
    return (yield from placement._take(need, ranked))


def test_a_decision_that_finds_no_room_gives_back_the_hosts_it_locked(transactional_db):
    # given a host that a decision's candidates (read a moment ago) say has room, and has none now
    host = _host("full-now", cpu=1)
    need = placement.Need("fu-probe", cpu=2, memory=128)
    stale = placement.HostState(host.pk, host.name, 4, 4096, [])
    ranked = placement.rank(need, [stale])
    assert ranked  # as the candidates read it
    # when the decision tries it, in its transaction
    with transaction.atomic():
        assert delivery.run(_take(need, ranked)) is None
        # then it gave back the host's lock before going on (to word why it waits, say)
        assert not _locked_elsewhere(host)
    # while one that takes a host keeps its lock until it commits
    roomy = _host("roomy")
    fits = placement.rank(need, [placement.HostState(roomy.pk, roomy.name, 8, 4096, [])])
    with transaction.atomic():
        taken = delivery.run(_take(need, fits))
        assert taken is not None and taken.host.id == roomy.pk
        assert _locked_elsewhere(roomy)
    assert not _locked_elsewhere(roomy)


def test_a_decisions_frequent_statements_are_prepared_once_per_session(transactional_db):
    # given two hosts and a function
    _host("prep-a")
    _host("prep-b")
    trio = make_trio()
    function = make_objects(trio.alice, tag="prep").function
    Task.objects.all().delete()

    def prepared() -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return {" ".join(row[0].split()) for row in cursor.fetchall()}

    # when containers of it are placed several times on this connection
    for _ in range(3):
        with transaction.atomic():
            assert delivery.run(
                delivery.place_container(task_id=new_id("ta"), function_id=function.id)
            ).task_id
    # then the candidates' statement and the host's lock were prepared once each, and plans run as before
    statements = prepared()
    assert sum(1 for s in statements if "ORDER BY u.gpu, u.cpu_free DESC" in s) == 1
    assert sum(1 for s in statements if "FOR UPDATE OF u SKIP LOCKED" in s) == 1
    assert Task.objects.filter(function=function).count() == 3


def test_a_decision_that_waited_for_a_host_reads_the_host_as_it_is_after_the_wait(transactional_db):
    # given the only host, whose placement lock another transaction holds while it drains the host
    trio = make_trio()
    function = make_objects(trio.alice, tag="drain").function
    Task.objects.all().delete()
    host = _host("drains")
    results: list[str | None] = []

    def place() -> None:
        try:
            results.append(autoscaler.ensure_capacity(function_id=function.id))
        finally:
            connection.close()

    with psycopg.connect(conninfo(), autocommit=True) as holder:
        holder.execute("BEGIN")
        holder.execute("SELECT 1 FROM hosts_hostusage WHERE host_id = %s FOR UPDATE", [host.pk])
        holder.execute("UPDATE hosts_host SET draining = true WHERE id = %s", [host.pk])
        # when a decision chose it (the drain not committed yet) and waits for its lock
        thread = threading.Thread(target=place)
        thread.start()
        for _ in range(300):
            if _waiting_on_locks(holder) == 1:
                break
            threading.Event().wait(0.05)
        assert _waiting_on_locks(holder) == 1
        # and the drain commits
        holder.execute("COMMIT")
        thread.join(timeout=60)
    # then the decision saw the host draining: no container went there
    assert results == [None]
    assert not Task.objects.filter(host=host).exists()
