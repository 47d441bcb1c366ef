"""Dicts and Queues' domain rules against the real PostgreSQL: `state.operations` and `state.services`.

Each plan runs through Django (`run`); those the relay and the fast path use also run on an async
psycopg connection (`arun`). What matters: another workspace's object, or a deleted one, is not
found; a refused write writes nothing; two getters never get the same item.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import psycopg
import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from apps.models import App, AppState
from config.database import conninfo
from config.errors import ApiError
from functions.delivery import run
from state import operations as ops
from state import retention, services
from state.models import Dict, DictEntry, Queue, QueueItem
from tests.api.support import make_trio


@pytest.fixture
def trio(transactional_db):
    """Committed: `arun` plans use connections of their own, which see only what is committed."""
    return make_trio()


@pytest.fixture
def d(trio):
    return services.object_create(Dict, workspace=trio.alice.workspace, name="cache", user=trio.alice.user)


@pytest.fixture
def q(trio):
    return services.object_create(Queue, workspace=trio.alice.workspace, name="jobs", user=trio.alice.user)


def arun(plan):
    async def go():
        async with await psycopg.AsyncConnection.connect(conninfo(), autocommit=True) as conn:
            from functions.delivery import arun as arun_plan

            return await arun_plan(conn, plan)

    return asyncio.run(go())


def test_a_dict_keeps_entries_by_their_pickled_key(trio, d):
    ws = trio.alice.workspace.id
    # when two entries are put, one twice
    assert run(ops.dict_put(ws, d.id, [(b"k1", b"v1", "k1", "v1"), (b"k2", b"v2", "", "")])) == (True, 2)
    assert run(ops.dict_put(ws, d.id, [(b"k1", b"v1b", "", "new")])) == (True, 1)
    # then get answers the latest value, and a missing key none
    assert run(ops.dict_get(ws, d.id, b"k1")) == ops.Found(True, b"v1b")
    assert arun(ops.dict_get(ws, d.id, b"k3")) == ops.Found(True, None)
    assert run(ops.dict_len(ws, d.id)) == 2
    # and entries come in the order their keys were first written, with previews
    entries = run(ops.dict_entries(ws, d.id))
    assert [(e["key"], e["value"], e["value_preview"]) for e in entries] == [
        (b"k1", b"v1b", "new"),
        (b"k2", b"v2", ""),
    ]
    assert run(ops.dict_entries(ws, d.id, after=entries[0]["id"]))[0]["key"] == b"k2"
    # skip_if_exists writes nothing over an existing key
    assert run(ops.dict_put(ws, d.id, [(b"k1", b"other", "", "")], skip_if_exists=True)) == (True, 0)
    assert run(ops.dict_get(ws, d.id, b"k1")).value == b"v1b"
    # pop takes it out
    assert arun(ops.dict_pop(ws, d.id, b"k1")) == ops.Found(True, b"v1b")
    assert run(ops.dict_pop(ws, d.id, b"k1")) == ops.Found(True, None)
    assert run(ops.dict_clear(ws, d.id)) == 1
    assert run(ops.dict_len(ws, d.id)) == 0


def test_a_batch_with_one_key_twice_keeps_the_last(trio, d):
    ws = trio.alice.workspace.id
    assert run(ops.dict_put(ws, d.id, [(b"k", b"1", "", ""), (b"k", b"2", "", "")])) == (True, 1)
    assert run(ops.dict_get(ws, d.id, b"k")).value == b"2"


def test_another_workspace_finds_nothing_and_changes_nothing(trio, d, q):
    ws, other = trio.alice.workspace.id, trio.charlie.workspace.id
    run(ops.dict_put(ws, d.id, [(b"k", b"v", "", "")]))
    run(ops.queue_put(ws, q.id, None, [b"job"]))
    # when charlie's workspace uses alice's ids
    assert run(ops.dict_get(other, d.id, b"k")) == ops.Found(False, None)
    assert arun(ops.dict_put(other, d.id, [(b"k", b"evil", "", "")])) == (False, 0)
    assert run(ops.dict_pop(other, d.id, b"k")).found is False
    assert run(ops.dict_clear(other, d.id)) is None
    assert run(ops.dict_len(other, d.id)) is None
    assert run(ops.dict_entries(other, d.id)) is None
    assert arun(ops.queue_put(other, q.id, None, [b"evil"])) is False
    assert run(ops.queue_get(other, q.id, None, 10)) == ops.Got(False, [])
    assert run(ops.queue_len(other, q.id, total=True)) is None
    assert run(ops.queue_clear(other, q.id, everything=True)) is None
    assert run(ops.queue_peek(other, q.id)) is None
    # then alice's data is as it was
    assert run(ops.dict_get(ws, d.id, b"k")).value == b"v"
    assert run(ops.queue_peek(ws, q.id))[0]["value"] == b"job"


def test_a_deleted_object_is_not_found(trio, d, q):
    ws = trio.alice.workspace.id
    run(ops.dict_put(ws, d.id, [(b"k", b"v", "", "")]))
    run(ops.queue_put(ws, q.id, None, [b"a", b"b"]))
    services.object_delete(d)
    services.object_delete(q)
    assert run(ops.dict_get(ws, d.id, b"k")).found is False
    assert run(ops.queue_get(ws, q.id, None, 1)).found is False
    assert DictEntry.objects.count() == 0 and QueueItem.objects.count() == 0


def test_limits_refuse_and_write_nothing(trio, d, q):
    ws = trio.alice.workspace.id
    with override_settings(SKYLIFT_STATE_MAX_VALUE_BYTES=10, SKYLIFT_STATE_MAX_KEY_BYTES=4):
        with pytest.raises(ApiError) as big:
            run(ops.dict_put(ws, d.id, [(b"k", b"ok", "", ""), (b"k2", b"x" * 11, "", "")]))
        assert big.value.status_code == 413 and "11 bytes" in str(big.value.detail)
        with pytest.raises(ApiError, match="key is 5 bytes"):
            run(ops.dict_get(ws, d.id, b"12345"))
        with pytest.raises(ApiError) as too_big_item:
            run(ops.queue_put(ws, q.id, None, [b"ok", b"x" * 11]))
        assert too_big_item.value.error_code == "too_large"
    assert DictEntry.objects.count() == 0 and QueueItem.objects.count() == 0
    with pytest.raises(ApiError, match="partition key"):
        run(ops.queue_put(ws, q.id, "p" * 65, [b"x"]))


def test_a_full_partition_takes_nothing_more_and_loses_nothing(trio, q):
    ws = trio.alice.workspace.id
    with override_settings(SKYLIFT_QUEUE_MAX_PARTITION_ITEMS=3):
        assert run(ops.queue_put(ws, q.id, None, [b"1", b"2"])) is True
        # when three more are put: none fit, and none is added
        with pytest.raises(ops.PartitionFull) as full:
            arun(ops.queue_put(ws, q.id, None, [b"3", b"4"]))
        assert full.value.error_code == "queue_full" and "holds 2 of at most 3" in str(full.value.detail)
        # other partitions have room of their own
        assert run(ops.queue_put(ws, q.id, "other", [b"a", b"b", b"c"])) is True
        assert run(ops.queue_put(ws, q.id, None, [b"3"])) is True
    assert run(ops.queue_get(ws, q.id, None, 10)).values == [b"1", b"2", b"3"]
    assert run(ops.queue_len(ws, q.id, total=True)) == 3


def test_a_queue_hands_out_items_oldest_first_per_partition(trio, q):
    ws = trio.alice.workspace.id
    run(ops.queue_put(ws, q.id, None, [b"1", b"2", b"3"], ["one", "two", "three"]))
    run(ops.queue_put(ws, q.id, "p", [b"x"]))
    assert [i["preview"] for i in run(ops.queue_peek(ws, q.id, None, 2))] == ["one", "two"]
    assert run(ops.queue_len(ws, q.id)) == 3
    assert arun(ops.queue_get(ws, q.id, None, 2)) == ops.Got(True, [b"1", b"2"])
    assert run(ops.queue_get(ws, q.id, "p", 5)).values == [b"x"]
    assert run(ops.queue_get(ws, q.id, "p", 5)) == ops.Got(True, [])
    assert run(ops.queue_clear(ws, q.id, everything=True)) == 1


def test_two_getters_never_get_the_same_item(trio, q):
    ws = trio.alice.workspace.id
    run(ops.queue_put(ws, q.id, None, [str(i).encode() for i in range(2000)]))

    async def getter(conn):
        from functions.delivery import arun as arun_plan

        got = []
        while True:
            batch = (await arun_plan(conn, ops.queue_get(ws, q.id, None, 37))).values
            if not batch:
                return got
            got += batch

    async def both():
        conns = [await psycopg.AsyncConnection.connect(conninfo(), autocommit=True) for _ in range(4)]
        try:
            return await asyncio.gather(*(getter(c) for c in conns))
        finally:
            for c in conns:
                await c.close()

    results = asyncio.run(both())
    everything = [v for got in results for v in got]
    assert len(everything) == 2000 and len(set(everything)) == 2000
    for got in results:  # each getter saw its items in the order they were put
        assert [int(v) for v in got] == sorted(int(v) for v in got)


def test_a_blocked_get_answers_what_is_there_or_nothing_in_time(trio, q):
    ws = trio.alice.workspace.id
    assert services.queue_get_blocking(workspace_id=ws, queue_id=q.id, partition=None, n=5, timeout=0.2) == []
    run(ops.queue_put(ws, q.id, None, [b"a"]))
    assert services.queue_get_blocking(workspace_id=ws, queue_id=q.id, partition=None, n=5, timeout=5) == [
        b"a"
    ]
    with pytest.raises(ApiError) as missing:
        services.queue_get_blocking(
            workspace_id=trio.charlie.workspace.id, queue_id=q.id, partition=None, n=1, timeout=0.1
        )
    assert missing.value.status_code == 404


def test_names_are_per_environment_and_checked(trio):
    ws = trio.alice.workspace
    services.object_create(Dict, workspace=ws, name="shared")
    services.object_create(Queue, workspace=ws, name="shared")  # another kind: its own names
    with pytest.raises(ApiError) as taken:
        services.object_create(Dict, workspace=ws, name="shared")
    assert taken.value.status_code == 409
    from apps.deployments import environment_create

    environment_create(workspace=ws, name="dev")
    assert (
        services.object_create(Dict, workspace=ws, name="shared", environment="dev").environment.name == "dev"
    )
    with pytest.raises(ApiError, match="not a valid dict name"):
        services.object_create(Dict, workspace=ws, name="has space")
    with pytest.raises(ApiError) as unknown_env:
        services.object_create(Dict, workspace=ws, name="x", environment="nope")
    assert unknown_env.value.status_code == 404
    # ephemeral ones have no name, as many as wanted
    services.object_create(Dict, workspace=ws, name=None)
    services.object_create(Dict, workspace=ws, name=None)
    assert Dict.objects.filter(workspace=ws, name__isnull=True).count() == 2


def test_retention_deletes_what_nobody_uses_any_more(trio, d, q):
    ws = trio.alice.workspace
    run(ops.dict_put(ws.id, d.id, [(b"k", b"v", "", "")]))
    app = App.objects.create(workspace=ws, name="run")
    made_by_app = services.object_create(Queue, workspace=ws, name=None, app_id=app.id)
    orphan = services.object_create(Dict, workspace=ws, name=None)
    fresh_ephemeral = services.object_create(Dict, workspace=ws, name=None)
    old = timezone.now() - timedelta(days=365)
    Dict.objects.filter(pk__in=[d.pk, orphan.pk]).update(last_used_at=old)
    # when the sweep runs while the app is running: the old named dict and the orphan go
    assert retention.sweep() == {"dict": 2, "queue": 0}
    assert set(Dict.objects.values_list("pk", flat=True)) == {fresh_ephemeral.pk}
    assert Queue.objects.filter(pk__in=[q.pk, made_by_app.pk]).count() == 2
    assert DictEntry.objects.count() == 0
    # when the app stops, its ephemeral queue goes with the next sweep
    App.objects.filter(pk=app.pk).update(state=AppState.STOPPED, stopped_at=timezone.now())
    assert retention.sweep() == {"dict": 0, "queue": 1}
    assert list(Queue.objects.values_list("pk", flat=True)) == [q.pk]


def test_use_moves_last_used_forward(trio, d):
    ws = trio.alice.workspace.id
    Dict.objects.filter(pk=d.pk).update(last_used_at=timezone.now() - timedelta(days=3))
    run(ops.dict_get(ws, d.id, b"k"))
    assert Dict.objects.get(pk=d.pk).last_used_at > timezone.now() - timedelta(minutes=1)


def test_a_get_takes_at_most_what_it_asks_for_whatever_plan_the_database_chooses(trio, q):
    # given a partition of 50 items
    ws = trio.alice.workspace.id
    assert run(ops.queue_put(ws, q.id, None, [str(i).encode() for i in range(50)])) is True
    # when 3 are taken, by a plan that would run the choice of items again for each row it deletes
    # (a nested loop semi-join, as the planner chose once in the suite)
    with transaction.atomic():
        with connection.cursor() as cursor:
            for setting in (
                "enable_hashjoin",
                "enable_mergejoin",
                "enable_material",
                "enable_hashagg",
                "enable_sort",
            ):
                cursor.execute(f"SET LOCAL {setting} = off")
        got = run(ops.queue_get(ws, q.id, None, 3))
    # then it has the oldest 3, and the other 47 stay
    assert got.values == [b"0", b"1", b"2"]
    assert run(ops.queue_len(ws, q.id)) == 47
