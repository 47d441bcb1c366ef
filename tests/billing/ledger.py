"""The metering ledger of a container, for the fault tests (RELIABILITY F2, F7, F9 in tests/delivery):
its usage records must tile its life, each second in exactly one record, whatever happened to it.

Asserted as counts of seconds between the platform's own timestamps (the task's `started_at` and
`stopped_at`, the records' windows), never against a clock of the test.
"""

from __future__ import annotations

from datetime import timedelta

from tests.fixtures.live_platform import wait_for

# A window ends by the database's clock when it is written; a container's end is stamped by the
# transaction that records it, which may have begun a little before. Within one sampling round.
END_SLACK = timedelta(seconds=1)
EXACT = timedelta(microseconds=2)


def _ledger(platform, task_id: str):
    # One statement, one snapshot: a metering round between two reads would move the mark or
    # add a window that the other read does not see.
    ((started, stopped, mark, starts, seconds),) = platform.sql(
        "SELECT t.started_at, t.stopped_at,"
        " (SELECT metered_until FROM billing_containermeter WHERE subject = t.id),"
        " (SELECT coalesce(array_agg(start ORDER BY start), '{}') FROM billing_usagerecord WHERE task_id = t.id),"
        " (SELECT coalesce(array_agg(seconds ORDER BY start), '{}') FROM billing_usagerecord WHERE task_id = t.id)"
        " FROM functions_task t WHERE t.id = %s",
        [task_id],
    )
    return started, stopped, mark, list(zip(starts, seconds, strict=True))


def metered_once(platform, task_id: str, *, stopped: bool = True) -> float:
    """Assert that the task's records tile its life from its start to its stop (or, while it runs,
    to its meter's mark): no second missing, none counted twice. Returns its seconds metered."""

    def settled(ledger) -> bool:
        _, end, mark, _ = ledger
        return mark is not None and (not stopped or (end is not None and mark >= end - EXACT))

    started, end, mark, windows = wait_for(lambda: _ledger(platform, task_id), settled)
    assert mark is not None, f"{task_id} was never metered"
    edge = started
    for start, seconds in windows:
        assert abs(start - edge) <= EXACT, f"{task_id}: a window from {start}, the last ended {edge}"
        edge = start + timedelta(seconds=seconds)
    assert abs(edge - mark) <= EXACT  # the mark is where the records end
    if stopped:
        assert end is not None, f"{task_id} has not stopped"
        assert abs(edge - end) <= END_SLACK, f"{task_id}: metered to {edge}, stopped at {end}"
    return sum(seconds for _, seconds in windows)
