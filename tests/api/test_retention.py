"""Retention: outputs older than 7 days expire with their generator values and the blobs only they
used; newer ones, and blobs another row still refers to, stay. Against real PostgreSQL."""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from functions import blobs
from functions.models import Input, InputStatus, OutputItem
from functions.retention import blobs_sweep, outputs_expire

from .support import make_objects, make_trio


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.SKYLIFT_BLOB_DIR = tmp_path / "blobs"
    return make_objects(make_trio().alice, tag="alpha")


def _finished(world, *, days_ago: float, count: int = 1, **fields) -> list[str]:
    """`count` succeeded inputs of the world's call, finished `days_ago` days ago."""
    start = world.call.inputs.count()
    finished_at = timezone.now() - timedelta(days=days_ago)
    rows = Input.objects.bulk_create(
        Input(
            workspace_id=world.call.workspace_id,
            call=world.call,
            function=world.function,
            idx=start + n,
            args=b"args",
            status=InputStatus.SUCCEEDED,
            result=b"result",
            result_kind="value",
            finished_at=finished_at,
            **fields,
        )
        for n in range(count)
    )
    return [row.id for row in rows]


def _old_blob(data: bytes) -> str:
    """A blob stored two hours ago (past the grace of a store that has not committed its row yet)."""
    key = blobs.store(data)
    then = time.time() - 2 * 3600
    os.utime(blobs._path(key), (then, then))
    return key


def _kinds(ids: list[str]) -> list[str]:
    return list(Input.objects.filter(pk__in=ids).order_by("idx").values_list("result_kind", flat=True))


def test_it_expires_outputs_older_than_seven_days_and_keeps_newer_ones(world):
    # given outputs of 8 days, of 6 days, and an input still pending
    old = _finished(world, days_ago=8, count=2)
    recent = _finished(world, days_ago=6)
    OutputItem.objects.create(input_id=old[0], n=0, data=b"yielded")
    OutputItem.objects.create(input_id=recent[0], n=0, data=b"yielded")
    # when the job runs
    run = outputs_expire()
    # then the old ones are marked expired, their payloads and generator values gone
    assert (run.rows, run.done) == (2, True)
    assert _kinds(old) == ["expired", "expired"]
    assert set(Input.objects.filter(pk__in=old).values_list("result", "args")) == {(None, b"")}
    assert list(OutputItem.objects.filter(input_id__in=old)) == []
    # and the newer output and the pending input are untouched
    assert _kinds(recent) == ["value"]
    assert bytes(Input.objects.get(pk=recent[0]).result) == b"result"
    assert OutputItem.objects.filter(input_id=recent[0]).count() == 1
    assert Input.objects.get(pk=world.input_ids[0]).status == InputStatus.PENDING
    # and a second run finds nothing left
    assert outputs_expire().rows == 0


def test_it_clears_a_backlog_larger_than_a_batch_in_one_run(world):
    # given 25 expired outputs and batches of 10
    old = _finished(world, days_ago=9, count=25)
    # when the job runs once
    run = outputs_expire(batch=10)
    # then all are expired
    assert (run.rows, run.done) == (25, True)
    assert _kinds(old) == ["expired"] * 25


def test_it_stops_after_its_time_budget_and_says_a_backlog_remains(world):
    _finished(world, days_ago=9, count=25)
    first = outputs_expire(batch=10, budget=0)
    assert (first.rows, first.done) == (10, False)
    rest = outputs_expire(batch=10)
    assert (rest.rows, rest.done) == (15, True)


def test_it_removes_the_blobs_of_expired_rows_and_keeps_those_still_referred_to(world):
    # given blobs of expired rows: one only they used, one a newer row uses too, and one stored
    # again a moment ago (a request about to commit a row with the same bytes)
    only_expired = _old_blob(b"a" * 300_000)
    shared = _old_blob(b"b" * 300_000)
    stored_again = _old_blob(b"c" * 300_000)
    old = _finished(world, days_ago=8, args_blob=only_expired, result_blob=shared)
    old += _finished(world, days_ago=8, result_blob=stored_again)
    live = _finished(world, days_ago=1, args_blob=shared)
    assert blobs.store(b"c" * 300_000) == stored_again
    # when the job runs
    run = outputs_expire()
    # then only the blob no row refers to any more is gone
    assert (run.rows, run.blobs) == (2, 1)
    assert not blobs._path(only_expired).exists()
    assert blobs.load(shared) == b"b" * 300_000
    assert blobs.load(stored_again) == b"c" * 300_000
    assert set(Input.objects.filter(pk__in=old).values_list("args_blob", "result_blob")) == {("", "")}
    assert Input.objects.get(pk=live[0]).args_blob == shared
    # and once the last row that used it expires, the shared blob goes too
    Input.objects.filter(pk=live[0]).update(finished_at=timezone.now() - timedelta(days=8))
    assert outputs_expire().blobs == 1
    assert not blobs._path(shared).exists()


def test_it_sweeps_blob_files_no_row_refers_to_once_they_are_a_day_old(world):
    # given blob files: two days old and referred to by a pending input, two days old and no row's
    # (its request failed after storing it), just stored and no row's yet, and an old partial write
    referred = blobs.store(b"r" * 300_000)
    orphan = blobs.store(b"o" * 300_000)
    fresh = blobs.store(b"f" * 300_000)
    partial = blobs._path(orphan).with_name(".tmp-interrupted")
    partial.write_bytes(b"half")
    two_days_ago = time.time() - 2 * 86400
    for path in (blobs._path(referred), blobs._path(orphan), partial):
        os.utime(path, (two_days_ago, two_days_ago))
    Input.objects.filter(pk=world.input_ids[0]).update(args_blob=referred)
    # when the daily sweep runs
    removed = blobs_sweep()
    # then the orphan and the partial write are gone, the others stay
    assert removed == 2
    assert not blobs._path(orphan).exists()
    assert not partial.exists()
    assert blobs.load(referred) == b"r" * 300_000
    assert blobs.load(fresh) == b"f" * 300_000
