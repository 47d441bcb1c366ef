"""Schedules (`Period`, `Cron`): what they mean, shared by the SDK and the server.

The SDK checks a schedule when the function is decorated; the server checks it again when the
function is defined, and asks here when it fires next. A schedule travels as JSON in a function's
definition, in one of two forms:

    {"period": {"years": 0, "months": 0, "weeks": 0, "days": 1, "hours": 0, "minutes": 0, "seconds": 0.0}}
    {"cron": "0 8 * * 1", "timezone": "America/New_York"}

The policy of missed ticks lives here too (`next_run`): a tick that could not fire on time (the
platform was down) fires once, late, and the ticks missed after it are skipped.

Imported on demand only (not by `skylift.contract`): cron expressions need croniter, which the
SDK and the server have and containers need not. It is imported where it is used, so that a
container that runs a module defining a schedule does not need it.
"""

from __future__ import annotations

import calendar
import math
from datetime import datetime, timedelta, timezone
from typing import Any

from .._exceptions import InvalidError

__all__ = ["PERIOD_UNITS", "first_run", "next_run", "validate_cron", "validate_period", "validate_schedule"]

# datetime.UTC is Python 3.11's; the SDK runs on 3.10 too.
UTC = timezone.utc  # noqa: UP017

PERIOD_UNITS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")
# Schedules fire on a one-second clock: a shorter period could not be kept.
MIN_PERIOD_SECONDS = 1.0
MAX_PERIOD = timedelta(days=365 * 1000)
# A cron expression is checked by finding its next time after this instant: one that never comes
# ("0 0 30 2 *": the 30th of February) is refused with the rest.
_PROBE = datetime(2000, 1, 1, tzinfo=UTC)


def validate_period(units: dict[str, Any]) -> dict[str, Any]:
    """The units of a Period, checked: whole non-negative counts (seconds may be fractional), at least 1 s."""
    unknown = set(units) - set(PERIOD_UNITS)
    if unknown:
        raise InvalidError(f"Period() takes {', '.join(PERIOD_UNITS)}; not {sorted(unknown)[0]!r}")
    checked: dict[str, Any] = {}
    for unit in PERIOD_UNITS:
        value = units.get(unit, 0)
        whole = unit != "seconds"
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (whole and isinstance(value, float))
        ):
            kind = "a whole number" if whole else "a number"
            raise InvalidError(f"Period({unit}=...) must be {kind}, got {value!r}")
        if value < 0 or (isinstance(value, float) and not math.isfinite(value)):
            raise InvalidError(f"Period({unit}=...) must be a finite number of at least 0, got {value!r}")
        checked[unit] = value if whole else float(value)
    try:
        fixed = _fixed(checked)
    except OverflowError:
        fixed = timedelta.max
    if fixed > MAX_PERIOD or checked["years"] * 12 + checked["months"] > MAX_PERIOD.days // 28:
        raise InvalidError("This Period is too long: keep it under 1,000 years")
    if not (checked["years"] or checked["months"]) and fixed.total_seconds() < MIN_PERIOD_SECONDS:
        raise InvalidError(
            f"A Period must be at least {MIN_PERIOD_SECONDS:g} second long, for example Period(minutes=5)"
        )
    return checked


def _fixed(units: dict[str, Any]) -> timedelta:
    """The part of a period that has a fixed length (all but months and years)."""
    return timedelta(
        weeks=units["weeks"], days=units["days"], hours=units["hours"], minutes=units["minutes"],
        seconds=units["seconds"],
    )  # fmt: skip


def validate_cron(cron_string: Any, tz: Any = "UTC") -> tuple[str, str]:
    """A cron expression (minute hour day-of-month month day-of-week, or @daily and the like) and an
    IANA time zone, checked: InvalidError names what is wrong."""
    from croniter import croniter

    if not isinstance(cron_string, str) or not cron_string.strip():
        raise InvalidError(f'Cron() takes a cron expression such as "0 8 * * 1", got {cron_string!r}')
    expression = " ".join(cron_string.split())
    if not expression.startswith("@") and len(expression.split(" ")) != 5:
        raise InvalidError(
            f"The cron expression {cron_string!r} does not have 5 fields "
            '(minute hour day-of-month month day-of-week), as "0 8 * * 1" has'
        )
    zone = _zone(tz)
    try:
        croniter(expression, _PROBE.astimezone(zone)).get_next(datetime)
    except Exception as exc:  # noqa: BLE001 - croniter raises several kinds; each is a bad expression
        raise InvalidError(f"The cron expression {cron_string!r} is not valid: {exc}") from None
    return expression, str(tz)


def _zone(tz: Any) -> Any:
    from zoneinfo import ZoneInfo

    if not isinstance(tz, str) or not tz:
        raise InvalidError(
            f'Cron(timezone=...) takes an IANA time zone name such as "Europe/Paris", got {tz!r}'
        )
    try:
        return ZoneInfo(tz)
    except Exception:  # noqa: BLE001 - not found, or not a valid key
        raise InvalidError(
            f'There is no time zone {tz!r}: give an IANA name such as "UTC", "Europe/Paris" or "America/New_York"'
        ) from None


def validate_schedule(spec: Any) -> dict[str, Any] | None:
    """A schedule's JSON form, checked and in canonical form (None: no schedule)."""
    if spec is None:
        return None
    if isinstance(spec, dict) and set(spec) == {"period"} and isinstance(spec["period"], dict):
        return {"period": validate_period(spec["period"])}
    if isinstance(spec, dict) and set(spec) <= {"cron", "timezone"} and "cron" in spec:
        expression, tz = validate_cron(spec["cron"], spec.get("timezone", "UTC"))
        return {"cron": expression, "timezone": tz}
    raise InvalidError(
        'A schedule is {"period": {"days": 1, ...}} or {"cron": "0 8 * * 1", "timezone": "UTC"}, '
        f"got {str(spec)[:80]}"
    )


def _after_period(units: dict[str, Any], start: datetime, count: int) -> datetime:
    months = (units["years"] * 12 + units["months"]) * count
    return _add_months(start, months) + _fixed(units) * count


def _add_months(moment: datetime, months: int) -> datetime:
    """The same day and time `months` later; the 31st of a shorter month is its last day."""
    if not months:
        return moment
    years, month = divmod(moment.month - 1 + months, 12)
    year = moment.year + years
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def first_run(schedule: dict[str, Any], *, now: datetime) -> datetime:
    """When a schedule first fires for a function deployed at `now`.

    A Period counts from the deploy (each deploy starts it again); a Cron fires at its next time.
    """
    if "period" in schedule:
        return _after_period(schedule["period"], now, 1)
    return _next_cron(schedule, now)


def next_run(schedule: dict[str, Any], *, due: datetime, now: datetime) -> datetime:
    """When a schedule fires after its tick `due` fired at `now`: its first tick after `now`.

    A Period keeps its rhythm (due + k periods), so a late tick does not shift the ones after it.
    Ticks missed while nothing fired (due long before now) are skipped: only the first fires.
    """
    if "period" in schedule:
        units = schedule["period"]
        if not (units["years"] or units["months"]):
            step = _fixed(units)
            return due + step * (max(0, math.floor((now - due) / step)) + 1)
        count = 1
        while _after_period(units, due, count) <= now:
            count += 1
        return _after_period(units, due, count)
    return _next_cron(schedule, max(due, now))


def _next_cron(schedule: dict[str, Any], after: datetime) -> datetime:
    from croniter import croniter

    zone = _zone(schedule.get("timezone", "UTC"))
    found: datetime = croniter(schedule["cron"], after.astimezone(zone)).get_next(datetime)
    return found.astimezone(UTC)
