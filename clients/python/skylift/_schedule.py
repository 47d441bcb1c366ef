"""Schedules of deployed functions: `Period` (every so long) and `Cron` (at the times of a cron expression).

    @app.function(schedule=skylift.Period(hours=5))
    @app.function(schedule=skylift.Cron("0 6 * * *", timezone="America/New_York"))

Each is checked when it is made: a bad cron expression or an unknown time zone raises
InvalidError where the program writes it. The rules are the contract's (`contract.schedules`),
which the server applies too.
"""

from __future__ import annotations

import os
from typing import Any

from ._exceptions import InvalidError
from .contract.schedules import validate_cron, validate_period

__all__ = ["Cron", "Period", "Schedule"]


class Schedule:
    """When a function of a deployed app runs by itself, with no arguments: a Period or a Cron."""

    def _spec(self) -> dict[str, Any]:
        raise NotImplementedError

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schedule) and self._spec() == other._spec()

    def __hash__(self) -> int:
        return hash(repr(self))


class Period(Schedule):
    """Every so long, counted from the deploy: each deploy starts the period again.

    Args:
        years, months, weeks, days, hours, minutes: whole numbers of each unit.
        seconds: a number of seconds. The whole period must be at least a second.
    """

    def __init__(
        self,
        *,
        years: int = 0,
        months: int = 0,
        weeks: int = 0,
        days: int = 0,
        hours: int = 0,
        minutes: int = 0,
        seconds: float = 0,
    ) -> None:
        self._units = validate_period(
            {
                "years": years,
                "months": months,
                "weeks": weeks,
                "days": days,
                "hours": hours,
                "minutes": minutes,
                "seconds": seconds,
            }
        )

    def _spec(self) -> dict[str, Any]:
        return {"period": dict(self._units)}

    def __repr__(self) -> str:
        given = ", ".join(f"{unit}={value!r}" for unit, value in self._units.items() if value)
        return f"Period({given})"


class Cron(Schedule):
    """At the times of a cron expression (minute hour day-of-month month day-of-week), in a time zone.

    `Cron("0 8 * * 1")` runs at 8 am (UTC) every Monday. The times do not move when the app is
    deployed again. `timezone` is an IANA name ("America/New_York"); daylight saving time is
    followed as that zone's clocks follow it.
    """

    def __init__(self, cron_string: str, timezone: str = "UTC") -> None:
        try:
            self._expression, self._timezone = validate_cron(cron_string, timezone)
        except ModuleNotFoundError:
            # Inside a container, where the module is imported again to run it: the server has
            # checked this schedule, and the image need not have croniter.
            if os.environ.get("SKYLIFT_IS_REMOTE") != "1":
                raise InvalidError(
                    "Checking a cron expression needs croniter: reinstall the skylift package"
                ) from None
            self._expression, self._timezone = str(cron_string), str(timezone)

    def _spec(self) -> dict[str, Any]:
        return {"cron": self._expression, "timezone": self._timezone}

    def __repr__(self) -> str:
        if self._timezone == "UTC":
            return f"Cron({self._expression!r})"
        return f"Cron({self._expression!r}, timezone={self._timezone!r})"
