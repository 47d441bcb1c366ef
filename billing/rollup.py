"""The usage rollups: the usage records summed per hour (billing_usagehour) and per UTC day
(billing_usageday), per workspace, kind of container, app, function, environment, GPU type and
price version; and per hour and per day without the function (billing_usageapphour,
billing_usageappday). Reports and budgets read them (billing/reports.py, billing/budgets.py): a
year of a thousand functions in fifty apps is 365,000 daily rows, or 18,250 without the functions,
where the records are millions (one per container, hour and sampling round).

They are kept by statement-level triggers on billing_usagerecord (migrations
0003_usage_kinds_and_rollup and 0004_usage_by_app), not by the code that writes records, because:

- every change of records changes the rollups in the same transaction, whoever makes it: metering,
  the reconcile job settling a lost host's containers, Django deleting an app's or a workspace's
  records (CASCADE) or clearing a deleted environment (SET NULL), an operator's SQL. No writer can
  forget, and a transaction that rolls back takes its sums back with it;
- a statement's rows arrive together (transition tables): one metering transaction's windows are
  summed in one upsert per table, its groups in the order of their unique key, so that two agents
  metering containers of the same function across an hour's turn never wait on each other in a
  circle.

A periodic job rolling up closed hours was the other design: reports would lag behind it or read
the records of the open hours anyway, and every delete would need its own correction.

`differences()` compares the rollups with the records summed afresh: the tests use it, and an
operator can (`manage.py shell -c "from billing import rollup; print(rollup.differences())"`).
"""

from __future__ import annotations

from django.db import connection

SUMS = ("seconds", "cpu_seconds", "cpu_used_seconds", "memory_gib_seconds", "gpu_seconds", "disk_gib_seconds")
GROUP = ("workspace_id", "period", "kind", "app_id", "function_id", "environment_id", "gpu_type", "price_id")
DAY = "date_trunc('day', r.hour, 'UTC')"
TABLES = {  # table: (its period, the records' period, the records' function)
    "billing_usagehour": ("hour", "r.hour", "coalesce(r.function_id, '')"),
    "billing_usageday": ("day", DAY, "coalesce(r.function_id, '')"),
    "billing_usageapphour": ("hour", "r.hour", "''"),
    "billing_usageappday": ("day", DAY, "''"),
}

CHECK_SQL = """
WITH fresh AS (
  SELECT r.workspace_id, {expr} AS period, r.kind, coalesce(r.app_id, '') AS app_id,
         {function} AS function_id, coalesce(r.environment_id, '') AS environment_id,
         r.gpu_type, r.price_id, count(*) AS records, {sums}
    FROM billing_usagerecord r GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
), kept AS (
  SELECT workspace_id, {period} AS period, kind, app_id, function_id, environment_id, gpu_type, price_id,
         records, {plain} FROM {table}
)
SELECT {group}, f.records, k.records
  FROM fresh f FULL JOIN kept k USING ({group})
 WHERE f.records IS DISTINCT FROM k.records OR {far}
"""


def differences() -> list[tuple]:
    """Groups whose rollup differs from the records' sums (in count, or beyond float rounding):
    (table, group..., records summed, records in the rollup). Empty when they are in step."""
    found = []
    for table, (period, expr, function) in TABLES.items():
        sql = CHECK_SQL.format(
            expr=expr,
            function=function,
            period=period,
            table=table,
            sums=", ".join(f"sum(r.{c}) AS {c}" for c in SUMS),
            plain=", ".join(SUMS),
            group=", ".join(GROUP),
            far=" OR ".join(
                f"abs(coalesce(f.{c}, 0) - coalesce(k.{c}, 0)) > 1e-9 * greatest(1, abs(f.{c}))" for c in SUMS
            ),
        )
        with connection.cursor() as cursor:
            cursor.execute(sql)
            found += [(table, *row) for row in cursor.fetchall()]
    return found
