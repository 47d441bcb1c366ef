"""A date or date and time given in a query parameter (`?since=`, `?start=`): one rule for every API."""

from __future__ import annotations

from datetime import UTC, datetime, time

from django.utils.dateparse import parse_date, parse_datetime

from .errors import ApiError

__all__ = ["moment"]


def moment(params, name: str) -> datetime | None:
    """`params[name]` as an aware datetime (UTC when it names no zone; a date is its midnight);
    None when absent or empty; else a 400 naming the parameter and showing the forms it takes."""
    raw = params.get(name)
    if not raw:
        return None
    try:
        parsed = parse_datetime(raw)
        if parsed is None and (day := parse_date(raw)) is not None:
            parsed = datetime.combine(day, time())
    except ValueError:  # well formed, but no such date (2026-13-01)
        parsed = None
    if parsed is None:
        raise ApiError(
            f"{name}={raw!r} is not a date or a date and time: use e.g. 2026-12-01 or 2026-12-01T10:00:00Z.",
            field=name,
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
