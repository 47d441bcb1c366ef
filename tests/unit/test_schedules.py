"""Period and Cron: checked where they are written, and when they fire next (skylift.contract.schedules)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import skylift
from skylift.contract.schedules import first_run, next_run, validate_schedule
from skylift.exception import InvalidError

UTC = timezone.utc  # noqa: UP017 - as the SDK spells it


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: skylift.Cron("every monday"), "does not have 5 fields"),
        (lambda: skylift.Cron("61 * * * *"), "is not valid"),
        (lambda: skylift.Cron("0 0 30 2 *"), "is not valid"),
        (lambda: skylift.Cron("0 8 * * 1", timezone="Mars/Olympus"), "no time zone 'Mars/Olympus'"),
        (lambda: skylift.Period(), "at least 1 second"),
        (lambda: skylift.Period(seconds=0.5), "at least 1 second"),
        (lambda: skylift.Period(days=1.5), "whole number"),
        (lambda: skylift.Period(hours=-1), "at least 0"),
        (lambda: skylift.Period(years=5000), "too long"),
    ],
)
def test_it_refuses_a_bad_schedule_where_it_is_written(make, message):
    with pytest.raises(InvalidError, match=message):
        make()


def test_it_refuses_a_schedule_on_a_function_that_needs_arguments():
    app = skylift.App("scheduled")
    with pytest.raises(InvalidError, match="runs with no arguments"):

        @app.function(schedule=skylift.Period(hours=1))
        def needs(x): ...

    with pytest.raises(InvalidError, match="takes a skylift.Period or a skylift.Cron"):
        app.function(schedule="0 8 * * *")  # type: ignore[arg-type]

    @app.function(schedule=skylift.Cron("0 8 * * 1", timezone="Europe/Paris"))
    def weekly(x: int = 1) -> int: ...

    assert weekly._options["schedule"] == skylift.Cron("0 8 * * 1", timezone="Europe/Paris")


def test_a_period_counts_from_the_deploy_and_keeps_its_rhythm_after_missed_ticks():
    every = validate_schedule({"period": {"minutes": 10}})
    assert every is not None
    deployed = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)
    assert first_run(every, now=deployed) == deployed + timedelta(minutes=10)
    # fired late, or after three days down: the first tick of the same rhythm after now
    due = deployed + timedelta(minutes=10)
    assert next_run(every, due=due, now=due + timedelta(seconds=3)) == due + timedelta(minutes=10)
    assert next_run(every, due=due, now=due + timedelta(days=3, minutes=5)) == due + timedelta(
        days=3, minutes=10
    )


def test_a_period_of_months_ends_on_the_last_day_of_a_shorter_month():
    monthly = validate_schedule({"period": {"months": 1}})
    assert monthly is not None
    due = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)
    assert next_run(monthly, due=due, now=due) == datetime(2026, 2, 28, 9, 0, tzinfo=UTC)
    assert next_run(monthly, due=due, now=datetime(2026, 3, 15, tzinfo=UTC)) == datetime(
        2026, 3, 31, 9, 0, tzinfo=UTC
    )


def test_a_cron_fires_at_its_times_in_its_time_zone_across_daylight_saving():
    morning = validate_schedule({"cron": "0 6 * * *", "timezone": "America/New_York"})
    assert morning is not None
    # 6 am in New York is 11:00 UTC in winter, 10:00 UTC in summer (DST began on Sunday 8 March 2026)
    saturday = first_run(morning, now=datetime(2026, 3, 6, 12, 0, tzinfo=UTC))
    sunday = next_run(morning, due=saturday, now=saturday)
    assert saturday == datetime(2026, 3, 7, 11, 0, tzinfo=UTC)
    assert sunday == datetime(2026, 3, 8, 10, 0, tzinfo=UTC)
    # a tick missed long ago: the next time after now, once
    missed = next_run(morning, due=saturday, now=datetime(2026, 6, 1, 12, 0, tzinfo=UTC))
    assert missed == datetime(2026, 6, 2, 10, 0, tzinfo=UTC)
