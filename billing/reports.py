"""Usage reports: a workspace's metered usage, priced at the version each record was metered at,
by app, function, environment or resource, per day or hour, each row saying what kind of container
(function, sandbox, build) it came from.

Reports read the rollups (a daily one for the whole UTC days of the range, an hourly one for its
hours before and after them; by function, those that keep the function, else those summed by app),
which the database keeps equal to the sums of the usage records (billing/rollup.py);
`source="records"` reads the records themselves, to check that.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.db import connection

BY = ("app", "function", "environment", "resource")
GRANULARITY = ("day", "hour")
SOURCES = ("rollup", "records")
UNITS = {"cpu": "core-seconds", "memory": "GiB-seconds", "gpu": "GPU-seconds", "disk": "GiB-seconds"}
# An hourly report spans at most this long (a year of hours by app would be a million rows).
MAX_HOURLY = timedelta(days=31)


class ReportRefused(ValueError):
    """A report that cannot be made; `field` names the parameter that is wrong."""

    def __init__(self, message: str, field: str):
        super().__init__(message)
        self.field = field


def check(start: datetime, end: datetime, granularity: str) -> None:
    """Refuse a range a report cannot cover: backwards, or too long for its granularity."""
    if start >= end:
        raise ReportRefused("start must be before end", "start")
    if granularity == "hour" and end - start > MAX_HOURLY:
        raise ReportRefused(
            f"granularity=hour covers at most {MAX_HOURLY.days} days; ask for granularity=day or a shorter range",
            "granularity",
        )


COLUMNS = """kind, nullif(app_id, '') AS app_id, nullif(function_id, '') AS function_id,
       nullif(environment_id, '') AS environment_id, gpu_type, price_id,
       cpu_seconds, memory_gib_seconds, gpu_seconds, disk_gib_seconds"""
RECORDS = f"""SELECT hour AS period, {COLUMNS} FROM billing_usagerecord
 WHERE workspace_id = %(workspace)s AND hour >= %(start)s AND hour < %(end)s"""
HOURS = """SELECT hour AS period, {columns} FROM {hours}
 WHERE workspace_id = %(workspace)s AND hour >= %(start)s AND hour < %(end)s"""
# Whole days from a daily rollup, the hours before the first and after the last from the hourly one.
DAYS_AND_HOURS = """SELECT day AS period, {columns} FROM {days}
 WHERE workspace_id = %(workspace)s AND day >= %(first_day)s AND day < %(end_day)s
UNION ALL
SELECT hour AS period, {columns} FROM {hours}
 WHERE workspace_id = %(workspace)s
   AND ((hour >= %(start)s AND hour < %(first_day)s) OR (hour >= %(end_day)s AND hour < %(end)s))"""

# Summed per period, group and GPU type, each price version at its prices; then per period and
# group, one row each with the GPU types as arrays: PostgreSQL sums, and usage() spreads each row
# into one per resource.
SQL = """
WITH g AS (
  SELECT date_trunc(%(granularity)s, s.period AT TIME ZONE 'UTC') AS period, s.kind, {ids} s.gpu_type,
         sum(s.cpu_seconds) AS cpu, sum(s.cpu_seconds * (p.prices->>'cpu')::float8) AS cpu_cost,
         sum(s.memory_gib_seconds) AS memory,
         sum(s.memory_gib_seconds * (p.prices->>'memory')::float8) AS memory_cost,
         sum(s.gpu_seconds) AS gpu,
         sum(s.gpu_seconds * coalesce((p.prices->'gpu'->>s.gpu_type)::float8, 0)) AS gpu_cost,
         sum(s.disk_gib_seconds) AS disk
    FROM ({source}) s JOIN billing_pricetable p ON p.id = s.price_id
   GROUP BY 1, 2, {ids} s.gpu_type
)
SELECT to_char(g.period, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS period, g.kind, {columns}
       sum(g.cpu), sum(g.cpu_cost), sum(g.memory), sum(g.memory_cost), sum(g.disk),
       array_agg(g.gpu_type ORDER BY g.gpu_type) FILTER (WHERE g.gpu > 0),
       array_agg(g.gpu ORDER BY g.gpu_type) FILTER (WHERE g.gpu > 0),
       array_agg(g.gpu_cost ORDER BY g.gpu_type) FILTER (WHERE g.gpu > 0)
  FROM g {joins}
 GROUP BY g.period, g.kind {keys}
 ORDER BY g.period, g.kind {names}
"""

# by: (the ids summed over, the columns that name them, the joins that find them, the keys of
# those joins (the names depend on them), the order of the rows, the hourly and daily rollups that have them)
GROUPS = {
    "app": (
        "s.app_id,",
        ("app_id", "app"),
        "coalesce(a.id, ''), coalesce(a.name, ''),",
        "LEFT JOIN skylift_apps_app a ON a.id = g.app_id",
        ", a.id",
        ", a.name, a.id",
        "billing_usageapphour",
        "billing_usageappday",
    ),
    "function": (
        "s.app_id, s.function_id,",
        ("app", "function_id", "function"),
        "coalesce(a.name, ''), coalesce(f.id, ''), coalesce(f.name, ''),",
        "LEFT JOIN skylift_apps_app a ON a.id = g.app_id LEFT JOIN functions_function f ON f.id = g.function_id",
        ", a.id, f.id",
        ", a.name, f.name, f.id",
        "billing_usagehour",
        "billing_usageday",
    ),
    "environment": (
        "s.environment_id,",
        ("environment",),
        "coalesce(e.name, ''),",
        "LEFT JOIN skylift_apps_environment e ON e.id = g.environment_id",
        ", e.id",
        ", e.name, e.id",
        "billing_usageapphour",
        "billing_usageappday",
    ),
    "resource": ("", (), "", "", "", "", "billing_usageapphour", "billing_usageappday"),
}
MEANINGFUL = 5e-7  # a quantity that rounds to 0.000000 is left out


def _day(moment: datetime, up: bool) -> datetime:
    moment = moment.astimezone(UTC)
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day + timedelta(days=1) if up and day < moment else day


def usage(
    workspace_id: str,
    *,
    start: datetime,
    end: datetime,
    by: str = "app",
    granularity: str = "day",
    source: str = "rollup",
) -> list:
    """Rows of {period, kind, <by> columns, resource, unit, quantity, cost} for hours in [start, end)."""
    if by not in BY or granularity not in GRANULARITY or source not in SOURCES:
        raise ValueError(f"by is one of {BY}, granularity one of {GRANULARITY}, source one of {SOURCES}")
    ids, names, columns, joins, keys, order, hours, days = GROUPS[by]
    # Hours are whole: a range from 10:30 holds the hour from 11:00 on, as the records' `hour >= start`.
    first_day, end_day = _day(start, up=True), _day(end, up=False)
    params: dict[str, str | datetime] = {
        "granularity": granularity,
        "workspace": workspace_id,
        "start": start,
        "end": end,
        "first_day": first_day,
        "end_day": end_day,
    }
    if source == "records":
        rows_from = RECORDS
    elif granularity == "day" and first_day < end_day:
        rows_from = DAYS_AND_HOURS.format(columns=COLUMNS, hours=hours, days=days)
    else:
        rows_from = HOURS.format(columns=COLUMNS, hours=hours)
    sql = SQL.format(source=rows_from, ids=ids, columns=columns, joins=joins, keys=keys, names=order)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    # Rows as the API answers them, in the order of period, kind, group and resource: a year by app
    # is tens of thousands.
    rows = []
    width = len(names)
    for period, kind, *rest in found:
        group = dict(zip(names, rest[:width], strict=True))
        cpu, cpu_cost, memory, memory_cost, disk, gpu_types, gpus, gpu_costs = rest[width:]
        for resource, quantity, cost in (
            ("cpu", cpu, cpu_cost),
            ("disk", disk, 0.0),
            *zip([f"gpu:{t}" for t in gpu_types or ()], gpus or (), gpu_costs or (), strict=True),
            ("memory", memory, memory_cost),
        ):
            if quantity >= MEANINGFUL:
                rows.append(
                    {
                        "period": period,
                        "kind": kind,
                        **group,
                        "resource": resource,
                        "unit": UNITS[resource.split(":", 1)[0]],
                        "quantity": round(quantity, 6),
                        "cost": round(cost, 8),
                    }
                )
    return rows
