"""Placement is one decision per host at a time (DESIGN.md): two functions never both take a
host's last memory. Against the real PostgreSQL, with the placements in threads of their own."""

from __future__ import annotations

import threading
from datetime import timedelta

import psycopg
from django.db import connection
from django.utils import timezone

from config.database import conninfo
from functions import autoscaler
from functions import services as function_services
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
