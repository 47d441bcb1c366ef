"""`skylift billing report`: the workspace's usage and cost, as a table or CSV."""

from __future__ import annotations

import csv
import sys
from typing import Any

import click

__all__ = ["billing"]

COLUMNS = {
    "app": ("app",),
    "function": ("app", "function"),
    "environment": ("environment",),
    "resource": (),
}


@click.group()
def billing() -> None:
    """Usage and cost of the workspace."""


@billing.command("report")
@click.option("--start", default=None, help="From this day or time, UTC (default: 30 days before --end)")
@click.option("--end", default=None, help="Before this day or time, UTC (default: now)")
@click.option("--by", type=click.Choice(list(COLUMNS)), default="app", show_default=True)
@click.option("--granularity", type=click.Choice(["day", "hour"]), default="day", show_default=True)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV (one row per period, group and resource)")
def billing_report(start: str | None, end: str | None, by: str, granularity: str, as_csv: bool) -> None:
    """Usage and cost per day (or hour), by app, function, environment or resource."""
    from ._client import Client

    report = Client.from_env().usage_report(start=start, end=end, by=by, granularity=granularity)
    header = ["period", *COLUMNS[by], "resource", "quantity", "unit", "cost_usd"]
    rows: list[list[Any]] = [
        [
            r["period"],
            *(r.get(c, "") for c in COLUMNS[by]),
            r["resource"],
            r["quantity"],
            r["unit"],
            r["cost"],
        ]
        for r in report["results"]
    ]
    if as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(*header, box=None)
    for row in rows:
        table.add_row(*(f"{v:.6f}" if isinstance(v, float) else str(v) for v in row))
    console = Console()
    console.print(table)
    console.print(f"Total {report['start']} to {report['end']}: ${report['total_cost']:.4f}")
