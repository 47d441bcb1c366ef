"""A host's record as its agent registers it: inventory from the machine and the operator."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from django.db import DatabaseError, connection

from hosts import gpus
from hosts.models import Host
from hosts.services import host_heartbeat, host_register

pytestmark = pytest.mark.django_db


def test_it_records_the_gpus_the_operator_declares(settings):
    # given a host whose operator declares two A100s (in any case, with spaces) and an A10 by count
    settings.SKYLIFT_HOST_GPUS = ["a100", " A100 ", "A10:2"]
    # when its agent registers it
    host = host_register(name="gpu-host")
    # then its inventory holds them as simulated devices, indexed in order, "A100" the 40 GB one
    stored = Host.objects.get(pk=host.pk)
    assert [(d["index"], d["model"], d["healthy"]) for d in stored.gpus] == [
        (0, "A100-40GB", True),
        (1, "A100-40GB", True),
        (2, "A10G", True),
        (3, "A10G", True),
    ]
    assert len({d["uuid"] for d in stored.gpus}) == 4 and all(
        d["uuid"].startswith("GPU-") for d in stored.gpus
    )
    assert stored.gpu_source == "declared" and stored.simulated_gpus
    assert stored.gpu_usage == {"used": [], "free": [0, 1, 2, 3]}
    # its devices keep their UUIDs when it registers again
    assert host_register(name="gpu-host").gpus == stored.gpus
    # and GPU work fits it
    assert host.fits_gpu("A100:2") and host.fits_gpu("H100,A100") and host.fits_gpu("any:2")
    assert not host.fits_gpu("A100:3") and not host.fits_gpu("H100") and not host.fits_gpu("A100-80GB")
    # the devices of one spec are of one model: four of two models are not "any:4"
    assert not host.fits_gpu("any:4")
    # the spec that fits is the one used (its count goes to the engine)
    assert host.matched_gpu("H100:8,A10G:2") == "A10G:2"
    settings.SKYLIFT_HOST_GPUS = ["H100", "H100"]
    assert host_register(name="gpu-host").matched_gpu("H100!:2") == "H100!:2"
    # and a host without a declaration has none
    settings.SKYLIFT_HOST_GPUS = []
    again = host_register(name="gpu-host")
    assert again.gpus == [] and again.gpu_source == ""


def test_registering_again_returns_the_counts_of_the_new_devices(settings):
    settings.SKYLIFT_HOST_GPUS = ["T4:2"]
    host_register(name="counts")
    settings.SKYLIFT_HOST_GPUS = ["A10:1"]
    assert host_register(name="counts").gpu_models == {"A10G": 1}


def test_it_refuses_a_gpu_type_it_does_not_know(settings):
    from skylift.exception import InvalidError

    settings.SKYLIFT_HOST_GPUS = ["RTX9999"]
    with pytest.raises(InvalidError, match="unknown gpu type 'RTX9999'"):
        host_register(name="gpu-host")


def test_a_heartbeat_reports_the_devices_and_stops_containers_on_a_lost_one(settings, transactional_db):
    from apps import services as app_services
    from config.ids import new_id
    from functions import delivery
    from functions import services as function_services
    from functions.models import Task, TaskStatus
    from hosts.services import host_heartbeat
    from tests.api.support import make_member

    # given a host of two declared T4s, each held by a container
    settings.SKYLIFT_HOST_GPUS = ["T4:2"]
    host = host_register(name="beating-host")
    member = make_member("beater")
    app = app_services.app_create(workspace=member.workspace, user=member.user, name="beat")
    function = function_services.function_create(
        app=app, spec={"name": "f", "module": "m", "qualname": "f", "gpu": "T4", "serialized": b"x"}
    )
    placed = [
        delivery.run(delivery.place_container(task_id=new_id("ta"), function_id=function.id))
        for _ in range(2)
    ]
    assert sorted(p.devices for p in placed) == [(0,), (1,)]
    Task.objects.filter(pk__in=[p.task_id for p in placed]).update(status=TaskStatus.RUNNING)
    # when a heartbeat finds the same devices, nothing is stopped, and the usage is reported
    assert host_heartbeat(host=host) == []
    assert Host.objects.get(pk=host.pk).gpu_usage == {"used": [], "free": [0, 1]}  # no container runs yet
    # when the host has one device fewer
    settings.SKYLIFT_HOST_GPUS = ["T4"]
    stopped = host_heartbeat(host=host)
    # then the container on the lost device is stopping (preempted), the other runs on
    lost = next(p.task_id for p in placed if p.devices == (1,))
    assert stopped == [lost]
    assert (
        Task.objects.get(pk=lost).status == TaskStatus.STOPPING
        and Task.objects.get(pk=lost).cause == "gpu_lost"
    )
    assert [d["index"] for d in Host.objects.get(pk=host.pk).gpus] == [0]
    assert Host.objects.get(pk=host.pk).gpu_usage == {"used": [], "free": [0]}
    # and each beat has its container killed again until it has ended
    assert host_heartbeat(host=host) == [lost]
    delivery.run(delivery.task_exited(lost, exit_code=137, oom=False))
    assert host_heartbeat(host=host) == []


@pytest.mark.django_db(transaction=True)
def test_a_change_of_devices_the_database_did_not_take_is_reported_again_at_the_next_heartbeat(settings):
    # given a host registered with two T4s, and a database that refuses its next heartbeat
    settings.SKYLIFT_HOST_GPUS = ["T4:2"]
    host = host_register(name="beat-1")
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_beat() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
        )
        cursor.execute(
            "CREATE TRIGGER test_refuse_beat BEFORE UPDATE ON hosts_host FOR EACH ROW "
            "WHEN (NEW.name = 'beat-1') EXECUTE FUNCTION test_refuse_beat()"
        )
    try:
        # when one device goes, and that heartbeat is not written
        settings.SKYLIFT_HOST_GPUS = ["T4:1"]
        with pytest.raises(DatabaseError, match="refused"):
            host_heartbeat(host=host)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER test_refuse_beat ON hosts_host")
            cursor.execute("DROP FUNCTION test_refuse_beat()")
    # then the next heartbeat still sees the change, and the database gets it
    host_heartbeat(host=host)
    assert [d["index"] for d in Host.objects.get(pk=host.pk).gpus] == [0]


@pytest.mark.django_db(transaction=True)
def test_a_container_placed_on_a_device_while_the_heartbeat_losing_it_is_under_way_is_stopped_too(settings):
    import threading

    from apps import services as app_services
    from config.ids import new_id
    from functions import delivery
    from functions import services as function_services
    from tests.api.support import make_member

    # given a host of two T4s, one of them held by a container
    settings.SKYLIFT_HOST_GPUS = ["T4:2"]
    host = host_register(name="racing-host")
    member = make_member("racer")
    app = app_services.app_create(workspace=member.workspace, user=member.user, name="race")
    function = function_services.function_create(
        app=app, spec={"name": "f", "module": "m", "qualname": "f", "gpu": "T4", "serialized": b"x"}
    )

    def place() -> delivery.Placed:
        return delivery.run(delivery.place_container(task_id=new_id("ta"), function_id=function.id))

    first = place()
    # when the host loses its second device, and a placement elsewhere gives that device to a new
    # container just before the heartbeat writes the host's new devices (it read the old ones)
    settings.SKYLIFT_HOST_GPUS = ["T4:1"]
    late: list[delivery.Placed] = []

    def placement_meanwhile(execute, sql, params, many, context):
        if not late and sql.startswith('UPDATE "hosts_host"'):

            def other_scheduler() -> None:
                try:
                    late.append(place())
                finally:
                    connection.close()

            thread = threading.Thread(target=other_scheduler)
            thread.start()
            thread.join()
        return execute(sql, params, many, context)

    with connection.execute_wrapper(placement_meanwhile):
        stopped = host_heartbeat(host=host)
    # then that container is stopped with the device, and the first one runs on
    assert first.devices == (0,) and late[0].devices == (1,)
    assert stopped == []  # it had no container yet: it ended at once, its start will start nothing
    from functions.models import Task, TaskStatus

    late_task = Task.objects.get(pk=late[0].task_id)
    assert (late_task.status, late_task.cause) == (TaskStatus.STOPPED, "gpu_lost")
    # and a placement now finds no device for it
    assert place().task_id is None


@pytest.mark.django_db(transaction=True)
def test_a_host_registering_again_with_new_devices_does_not_deadlock_with_a_placement_on_it(settings):
    import threading

    import psycopg

    from hosts.models import HostUsage

    # given a registered host, and a placement on it that holds its placement lock (its usage row)
    # and is about to write its task row (whose foreign key locks the host's row FOR KEY SHARE)
    settings.SKYLIFT_HOST_GPUS = ["T4:2"]
    host = host_register(name="re-registering")
    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    placement = psycopg.connect(**params)
    placement.execute("SELECT 1 FROM hosts_hostusage WHERE host_id = %s FOR UPDATE", [host.pk])
    # when its agent restarts with other devices (its update waits for the placement's lock)
    settings.SKYLIFT_HOST_GPUS = ["T4:1"]
    errors: list[BaseException] = []

    def register() -> None:
        try:
            host_register(name="re-registering")
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    agent = threading.Thread(target=register)
    agent.start()
    with connection.cursor() as cursor:  # until it waits for the placement's lock
        while agent.is_alive():
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                ['UPDATE "hosts_host"%'],
            )
            if cursor.fetchone()[0]:
                break
    # then the placement's foreign key check still gets the host's row, and it commits
    placement.execute("SELECT 1 FROM hosts_host WHERE id = %s FOR KEY SHARE", [host.pk])
    placement.commit()
    placement.close()
    agent.join()
    assert not errors, errors
    # and the registration took: its one device counted in the host's free capacity
    assert [d["index"] for d in Host.objects.get(pk=host.pk).gpus] == [0]
    assert HostUsage.objects.get(host=host).gpu is True


def _refuse(table: str) -> None:
    """Make every write to the table fail (a database error on the way), until `_allow`."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_write() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'refused'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_refuse_write BEFORE UPDATE ON {table} FOR EACH STATEMENT "
            "EXECUTE FUNCTION test_refuse_write()"
        )


def _allow(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER test_refuse_write ON {table}")
        cursor.execute("DROP FUNCTION test_refuse_write()")


def _gpu_function(name: str, gpu: str):
    from apps import services as app_services
    from functions import services as function_services
    from tests.api.support import make_member

    member = make_member(name)
    app = app_services.app_create(workspace=member.workspace, user=member.user, name=name)
    return function_services.function_create(
        app=app, spec={"name": "f", "module": "m", "qualname": "f", "gpu": gpu, "serialized": b"x"}
    )


def _place(function):
    from config.ids import new_id
    from functions import delivery

    return delivery.run(delivery.place_container(task_id=new_id("ta"), function_id=function.id))


@contextmanager
def _running(task_id: str):
    """The task running, in a real container of its label (removed after)."""
    from functions.models import Task, TaskStatus
    from hosts import docker_client

    Task.objects.filter(pk=task_id).update(status=TaskStatus.RUNNING)
    container = docker_client.client().containers.run(
        "skylift/debian-slim:3.11", ["sleep", "300"], labels={"skylift.task": task_id}, detach=True
    )
    try:
        yield container
    finally:
        container.remove(force=True)


@pytest.mark.django_db(transaction=True)
def test_a_device_back_after_a_beat_that_failed_past_its_write_is_written_back(settings):
    # given a host of two T4s
    settings.SKYLIFT_HOST_GPUS = ["T4:2"]
    host = host_register(name="flapping")
    # when it loses one, and its beat fails after the host's row was written (it goes on: the
    # lease is renewed; what failed is done again at the next beat)
    settings.SKYLIFT_HOST_GPUS = ["T4:1"]
    _refuse("functions_task")
    try:
        assert host_heartbeat(host=host) == []
    finally:
        _allow("functions_task")
    assert [d["index"] for d in Host.objects.get(pk=host.pk).gpus] == [0]
    # and the device comes back before the next beat
    settings.SKYLIFT_HOST_GPUS = ["T4:2"]
    host_heartbeat(host=host)
    # then the database has both again
    assert [d["index"] for d in Host.objects.get(pk=host.pk).gpus] == [0, 1]


@pytest.mark.django_db(transaction=True)
def test_a_container_on_a_lost_device_is_killed_even_when_the_beat_that_stopped_it_failed(settings):
    from functions.models import Task, TaskStatus

    # given a host that had two T4s, a container holding each, the one on device 1 really running
    settings.SKYLIFT_HOST_GPUS = ["T4:2"]
    host = host_register(name="half-beat")
    function = _gpu_function("halfbeat", "T4")
    placed = [_place(function), _place(function)]
    on_lost = next(p.task_id for p in placed if p.devices == (1,))
    with _running(on_lost) as container:
        # when device 1 was lost, and the beat that wrote so and stopped its task failed before it
        # killed the container (as it leaves them)
        settings.SKYLIFT_HOST_GPUS = ["T4:1"]
        host.gpus = gpus.declared_devices(["T4:1"], host.name)
        Host.objects.filter(pk=host.pk).update(gpus=host.gpus)
        Task.objects.filter(pk=on_lost).update(status=TaskStatus.STOPPING, cause="gpu_lost")
        # then the next beat kills it
        assert host_heartbeat(host=host) == [on_lost]
        container.reload()
        assert container.status != "running"
        # and, once it has ended, no more
        from hosts.services import container_exited

        container_exited(task_id=on_lost, exit_code=137, oom=False)
        assert host_heartbeat(host=host) == []


@pytest.mark.django_db(transaction=True)
def test_a_container_on_a_lost_device_is_killed_also_when_the_host_lost_them_all(settings):
    # given a host with one T4, held by a running container, and a beat that wrote that the host
    # has none and failed before it killed the container
    settings.SKYLIFT_HOST_GPUS = ["T4:1"]
    host = host_register(name="all-lost")
    on_lost = _place(_gpu_function("alllost", "T4")).task_id
    with _running(on_lost) as container:
        settings.SKYLIFT_HOST_GPUS = []
        _refuse("functions_task")
        try:
            assert host_heartbeat(host=host) == []
        finally:
            _allow("functions_task")
        assert host.gpus == [] and container.status in ("created", "running")
        # then the next beat kills it all the same
        assert host_heartbeat(host=host) == [on_lost]
        container.reload()
        assert container.status != "running"


@pytest.mark.django_db(transaction=True)
def test_a_pending_container_or_sandbox_on_a_lost_device_ends_at_once(settings):
    from functions.models import Sandbox, SandboxStatus, Task, TaskStatus
    from hosts.models import HostUsage
    from hosts.services import container_start

    # given a host of two T4s, a container and a sandbox placed on device 1, not started yet
    settings.SKYLIFT_HOST_GPUS = ["T4:2"]
    host = host_register(name="pending-lost")
    function = _gpu_function("pendinglost", "T4")
    placed = [_place(function), _place(function)]
    on_lost = next(p.task_id for p in placed if p.devices == (1,))
    sandbox = Sandbox.objects.create(
        workspace=function.workspace,
        image=function.image,
        host=host,
        status=SandboxStatus.PENDING,
        gpu_devices=[1],
        gpu_type="T4",
    )
    # when the host loses device 1
    settings.SKYLIFT_HOST_GPUS = ["T4:1"]
    # then both end at once (no container will: their starts find them ended and start nothing)
    assert host_heartbeat(host=host) == []
    task, sandbox = Task.objects.get(pk=on_lost), Sandbox.objects.get(pk=sandbox.pk)
    assert (task.status, task.cause) == (TaskStatus.STOPPED, "gpu_lost")
    assert (sandbox.status, sandbox.cause) == (SandboxStatus.STOPPED, "gpu_lost")
    container_start(task_id=on_lost)
    assert Task.objects.get(pk=on_lost).status == TaskStatus.STOPPED
    # and they hold nothing on the host any more
    assert HostUsage.objects.get(host=host).devices == [0]


@pytest.mark.django_db(transaction=True)
def test_a_real_host_whose_nvml_does_not_answer_for_a_beat_keeps_its_devices_and_containers(settings):
    from functions.models import Task, TaskStatus

    # given a host whose two devices came from NVML (here: declared, then marked as NVML's), each held
    settings.SKYLIFT_HOST_GPUS = ["T4:2"]
    host = host_register(name="nvml-host")
    Host.objects.filter(pk=host.pk).update(gpu_source="nvml")
    host.gpu_source = "nvml"
    function = _gpu_function("nvmlhost", "T4")
    placed = [_place(function) for _ in range(2)]
    # when NVML does not answer at a beat (this machine has none: as when nvmlInit fails), and the
    # operator declares no devices, as on a real host
    settings.SKYLIFT_HOST_GPUS = []
    assert host_heartbeat(host=host) == []
    # then nothing is ended for it, and the host keeps its devices
    assert {Task.objects.get(pk=p.task_id).status for p in placed} == {TaskStatus.PENDING}
    assert len(Host.objects.get(pk=host.pk).gpus) == 2 and host.gpu_source == "nvml"


@pytest.mark.django_db(transaction=True)
def test_a_beat_whose_lease_was_written_counts_as_a_renewal_when_its_later_work_fails(settings):
    from hosts.lease import Lease

    # given a host's lease, and ending what is on lost devices failing (a database error)
    settings.SKYLIFT_HOST_GPUS = ["T4:2"]
    host = host_register(name="lease-beat")
    lease = Lease(host, renew_every=5.0, length=30.0)
    before, in_db = lease.renewed_at, Host.objects.get(pk=host.pk).lease_expires_at
    _refuse("functions_sandbox")
    try:
        lease.renew()
    finally:
        _allow("functions_sandbox")
    # then the lease is renewed, in the database and for the agent's watchdog alike
    assert Host.objects.get(pk=host.pk).lease_expires_at > in_db
    assert lease.renewed_at > before


@pytest.mark.django_db(transaction=True)
def test_a_sandbox_on_a_lost_device_ends(settings):
    from functions.models import Sandbox, SandboxStatus

    # given a host of two T4s, a sandbox holding device 1
    settings.SKYLIFT_HOST_GPUS = ["T4:2"]
    host = host_register(name="sandboxed")
    function = _gpu_function("sandboxes", "T4")
    sandbox = Sandbox.objects.create(
        workspace=function.workspace,
        image=function.image,
        host=host,
        status=SandboxStatus.RUNNING,
        gpu_devices=[1],
        gpu_type="T4",
    )
    # when the host loses device 1
    settings.SKYLIFT_HOST_GPUS = ["T4:1"]
    host_heartbeat(host=host)
    # then the sandbox is stopping, for that cause (its container's end settles it)
    sandbox.refresh_from_db()
    # (it has no container here: it is settled at once)
    assert (sandbox.status, sandbox.cause) == (SandboxStatus.STOPPED, "gpu_lost")


@pytest.mark.django_db(transaction=True)
def test_an_agent_whose_registration_another_agent_replaced_meanwhile_is_refused(settings):
    import threading

    import psycopg

    from hosts import tokens

    # given a host, and two agents for it with two tokens of its name
    settings.SKYLIFT_HOST_GPUS = []
    mine, _ = tokens.token_create(host_name="contested")
    theirs, _ = tokens.token_create(host_name="contested")
    host_register(name="contested", token=mine)
    done: list[str] = []

    def the_other_registers_right_after_my_write(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not done and sql.startswith('UPDATE "hosts_host"'):
            done.append(sql)

            def other() -> None:
                try:
                    host_register(name="contested", token=theirs)
                finally:
                    connection.close()

            thread = threading.Thread(target=other)
            thread.start()
            _others.append(thread)
            # it waits for my registration's lock, till that commits (seen from a connection of
            # its own: within a transaction, pg_stat_activity stays as first read)
            params = connection.get_connection_params()
            params.pop("cursor_factory", None)
            with psycopg.connect(**params, autocommit=True) as watcher:
                while thread.is_alive():
                    waiting = watcher.execute(
                        "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                        ['SELECT "hosts_host".%'],
                    ).fetchone()[0]
                    if waiting:
                        done.append("other waited")
                        break
        return result

    _others: list = []
    # when my agent registers, and the other's registration comes while mine is being written
    with connection.execute_wrapper(the_other_registers_right_after_my_write):
        host = host_register(name="contested", token=mine)
    for thread in _others:
        thread.join()
    assert done == [done[0], "other waited"]
    # then what my agent got is what it registered, and its heartbeat is refused: the other
    # agent's registration came after, whole
    assert host.token_id == mine.id
    assert Host.objects.get(name="contested").token_id == theirs.id
    with pytest.raises(tokens.HostTokenError):
        host_heartbeat(host=host)
