"""Usage reports: a workspace's metered usage, priced at the version each record was metered at,
by app, function, environment or resource, per day or hour, each row saying what kind of container
(function, sandbox, build) it came from.

Reports read the rollups (billing_usageday for the whole UTC days of the range, billing_usagehour
for its hours before and after them), which the database keeps equal to the sums of the usage
records (billing/rollup.py); `source="records"` reads the records themselves, to check that.
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
HOURS = f"""SELECT hour AS period, {COLUMNS} FROM billing_usagehour
 WHERE workspace_id = %(workspace)s AND hour >= %(start)s AND hour < %(end)s"""
# Whole days from the daily rollup, the hours before the first and after the last from the hourly one.
DAYS_AND_HOURS = f"""SELECT day AS period, {COLUMNS} FROM billing_usageday
 WHERE workspace_id = %(workspace)s AND day >= %(first_day)s AND day < %(end_day)s
UNION ALL
SELECT hour AS period, {COLUMNS} FROM billing_usagehour
 WHERE workspace_id = %(workspace)s
   AND ((hour >= %(start)s AND hour < %(first_day)s) OR (hour >= %(end_day)s AND hour < %(end)s))"""

# Summed per period and group first (thousands of rows), then priced one row per resource.
SQL = """
WITH g AS (
  SELECT date_trunc(%(granularity)s, s.period AT TIME ZONE 'UTC') AS period, s.kind, {group_ids}
         s.gpu_type, s.price_id, sum(s.cpu_seconds) AS cpu, sum(s.memory_gib_seconds) AS memory,
         sum(s.gpu_seconds) AS gpu, sum(s.disk_gib_seconds) AS disk
    FROM ({source}) s
   GROUP BY 1, 2, {group_by} s.gpu_type, s.price_id
)
SELECT to_char(g.period, 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS period, g.kind, {group_columns} res.resource,
       CASE split_part(res.resource, ':', 1) WHEN 'cpu' THEN 'core-seconds' WHEN 'gpu' THEN 'GPU-seconds'
            ELSE 'GiB-seconds' END AS unit,
       round(sum(res.quantity)::numeric, 6)::float8 AS quantity,
       round(sum(res.quantity * res.price)::numeric, 8)::float8 AS cost
  FROM g JOIN billing_pricetable p ON p.id = g.price_id
  {joins}
 CROSS JOIN LATERAL (VALUES
       ('cpu', g.cpu, (p.prices->>'cpu')::float8),
       ('memory', g.memory, (p.prices->>'memory')::float8),
       ('gpu:' || g.gpu_type, g.gpu, coalesce((p.prices->'gpu'->>g.gpu_type)::float8, 0)),
       ('disk', g.disk, 0::float8)
       ) AS res(resource, quantity, price)
 GROUP BY g.period, g.kind, {names_group_by} res.resource
HAVING sum(res.quantity) >= 5e-7
 ORDER BY g.period, g.kind, {names_group_by} res.resource
"""

# by: (ids summed over, their columns in the answer, the joins that name them)
GROUPS = {
    "app": (
        ("app_id",),
        "coalesce(a.id, '') AS app_id, coalesce(a.name, '') AS app,",
        "LEFT JOIN skylift_apps_app a ON a.id = g.app_id",
        "a.id, a.name,",
    ),
    "function": (
        ("app_id", "function_id"),
        "coalesce(a.name, '') AS app, coalesce(f.id, '') AS function_id, coalesce(f.name, '') AS function,",
        "LEFT JOIN skylift_apps_app a ON a.id = g.app_id LEFT JOIN functions_function f ON f.id = g.function_id",
        "a.name, f.id, f.name,",
    ),
    "environment": (
        ("environment_id",),
        "coalesce(e.name, '') AS environment,",
        "LEFT JOIN skylift_apps_environment e ON e.id = g.environment_id",
        "e.name,",
    ),
    "resource": ((), "", "", ""),
}


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
    ids, columns, joins, names = GROUPS[by]
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
        rows_from = DAYS_AND_HOURS
    else:
        rows_from = HOURS
    sql = SQL.format(
        source=rows_from,
        group_ids="".join(f"s.{i}, " for i in ids),
        group_by="".join(f"s.{i}, " for i in ids),
        group_columns=columns,
        joins=joins,
        names_group_by=names,
    )
    # Rows come out of PostgreSQL as the API answers them: a year by app is tens of thousands.
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names_out = [c.name for c in cursor.description]
        return [dict(zip(names_out, row, strict=True)) for row in cursor.fetchall()]
