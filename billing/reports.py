"""Usage reports: a workspace's metered usage, priced at the version each record was metered at,
by app, function, environment or resource, per day or hour."""

from __future__ import annotations

from datetime import datetime

from django.db import connection

BY = ("app", "function", "environment", "resource")
GRANULARITY = ("day", "hour")
UNITS = {"cpu": "core-seconds", "memory": "GiB-seconds", "gpu": "GPU-seconds"}

# Each record's charged quantities, one row per resource, each with its price.
SQL = """
SELECT date_trunc(%(granularity)s, r.hour AT TIME ZONE 'UTC') AS period, {group_columns}
       res.resource, sum(res.quantity) AS quantity, sum(res.quantity * res.price) AS cost
  FROM billing_usagerecord r
  JOIN billing_pricetable p ON p.id = r.price_id
  {joins}
 CROSS JOIN LATERAL (VALUES
       ('cpu', r.cpu_seconds, (p.prices->>'cpu')::float8),
       ('memory', r.memory_gib_seconds, (p.prices->>'memory')::float8),
       ('gpu:' || r.gpu_type, r.gpu_seconds, coalesce((p.prices->'gpu'->>r.gpu_type)::float8, 0))
       ) AS res(resource, quantity, price)
 WHERE r.workspace_id = %(workspace)s AND r.hour >= %(start)s AND r.hour < %(end)s AND res.quantity > 0
 GROUP BY period, {group_by} res.resource
 ORDER BY period, {group_by} res.resource
"""

GROUPS = {
    "app": ("a.id AS app_id, a.name AS app,", "JOIN skylift_apps_app a ON a.id = r.app_id", "a.id, a.name,"),
    "function": (
        "a.name AS app, f.id AS function_id, f.name AS function,",
        "JOIN skylift_apps_app a ON a.id = r.app_id JOIN functions_function f ON f.id = r.function_id",
        "a.name, f.id, f.name,",
    ),
    "environment": (
        "coalesce(e.name, '') AS environment,",
        "LEFT JOIN skylift_apps_environment e ON e.id = r.environment_id",
        "e.name,",
    ),
    "resource": ("", "", ""),
}


def usage(
    workspace_id: str, *, start: datetime, end: datetime, by: str = "app", granularity: str = "day"
) -> list:
    """Rows of {period, <by> columns, resource, unit, quantity, cost} for hours in [start, end)."""
    if by not in BY or granularity not in GRANULARITY:
        raise ValueError(f"by is one of {BY}, granularity one of {GRANULARITY}")
    columns, joins, group_by = GROUPS[by]
    sql = SQL.format(group_columns=columns, joins=joins, group_by=group_by)
    params: dict[str, str | datetime] = {
        "granularity": granularity,
        "workspace": workspace_id,
        "start": start,
        "end": end,
    }
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        names = [c.name for c in cursor.description]
        rows = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    for row in rows:
        row["period"] = row["period"].strftime("%Y-%m-%dT%H:%M:%SZ")
        row["unit"] = UNITS[row["resource"].split(":", 1)[0]]
        row["quantity"] = round(row["quantity"], 6)
        row["cost"] = round(row["cost"], 8)
    return rows
