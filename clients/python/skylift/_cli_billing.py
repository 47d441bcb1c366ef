"""`skylift billing`: the workspace's usage and cost (a table or CSV), its budgets, the webhook its
budget alerts are posted to, and its monthly statements (HTML or PDF)."""

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
    """Usage and cost per day (or hour), by app, function, environment or resource; each row says
    what kind of container it came from (function, sandbox, build)."""
    from ._client import Client

    report = Client.from_env().usage_report(start=start, end=end, by=by, granularity=granularity)
    header = ["period", "kind", *COLUMNS[by], "resource", "quantity", "unit", "cost_usd"]
    rows: list[list[Any]] = [
        [
            r["period"],
            r.get("kind", "function"),
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


@billing.group("budget")
def budget() -> None:
    """Budgets: the workspace's or an app's dollar cap per day or month (owners and admins set them)."""


@budget.command("set")
@click.argument("limit_usd", type=float)
@click.option(
    "--app", "app_name", default=None, help="Cap this deployed app (name, or ap-… id); default: the workspace"
)
@click.option(
    "--env", "-e", "env", default=None, help="The app's environment (default: SKYLIFT_ENVIRONMENT, or main)"
)
@click.option("--period", type=click.Choice(["day", "month"]), default="month", show_default=True)
def budget_set(limit_usd: float, app_name: str | None, env: str | None, period: str) -> None:
    """Set a cap of LIMIT_USD dollars per period; at the cap no new container starts."""
    from ._cli_apps import _lookup
    from ._client import Client

    client = Client.from_env()
    app_id = _lookup(client, app_name, env)["id"] if app_name else None
    made = client.budget_set(app_id=app_id, limit_usd=limit_usd, period=period)
    what = f"app {made['app']}" if made.get("app") else "the workspace"
    click.echo(
        f"Budget {made['id']}: ${limit_usd:.2f} per {period} for {what}; ${made['spend_usd']:.4f} spent."
    )
    if made["reached"]:
        click.echo("The cap is already reached: no new container starts until it is raised.")


@budget.command("list")
def budget_list() -> None:
    """The workspace's budgets and what each has spent this period."""
    from rich.console import Console
    from rich.table import Table

    from ._client import Client

    table = Table("id", "app", "period", "limit_usd", "spend_usd", "reached", box=None)
    for b in Client.from_env().budget_list():
        table.add_row(
            b["id"],
            b.get("app") or "(workspace)",
            b["period"],
            f"{b['limit_usd']:.2f}",
            f"{b['spend_usd']:.4f}",
            "yes" if b["reached"] else "no",
        )
    Console().print(table)


@budget.command("remove")
@click.argument("budget_id")
def budget_remove(budget_id: str) -> None:
    """Remove a budget (its cap no longer stops containers)."""
    from ._client import Client

    Client.from_env().budget_delete(budget_id)
    click.echo(f"Removed budget {budget_id}.")


@billing.command("statement")
@click.option("--month", default=None, help="YYYY-MM, UTC (default: this month, to date)")
@click.option(
    "--pdf",
    "pdf_file",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the PDF here",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the HTML page here",
)
def billing_statement(month: str | None, pdf_file: str | None, html_file: str | None) -> None:
    """The monthly statement: each app's cost in the month."""
    from ._client import Client

    client = Client.from_env()
    found = client.statement(month)
    for path, document in ((pdf_file, "pdf"), (html_file, "html")):
        if path:
            with open(path, "wb") as out:
                out.write(client.statement(month, document=document))
            click.echo(f"Wrote the statement of {found['month']} to {path} ({document.upper()}).")
    if pdf_file or html_file:
        return
    from rich.console import Console
    from rich.table import Table

    to_date = "" if found["complete"] else " (to date)"
    table = Table("app", "cpu_usd", "memory_usd", "gpu_usd", "total_usd", box=None, title=None)
    for line in found["results"]:
        table.add_row(line["app"], *(f"{line[k]:.4f}" for k in ("cpu", "memory", "gpu", "total")))
    console = Console()
    console.print(f"Statement of {found['workspace']} for {found['month']}{to_date}")
    console.print(table)
    console.print(f"Total: ${found['total_cost']:.2f}")


@billing.group("webhook")
def webhook() -> None:
    """The URL budget alerts (50, 80, 100 %) are posted to, signed (owners and admins)."""


@webhook.command("set")
@click.argument("url")
@click.option("--rotate-secret", is_flag=True, help="Make a new signing secret")
def webhook_set(url: str, rotate_secret: bool) -> None:
    """Post each budget alert once to URL, signed with the webhook's secret (X-Skylift-Signature)."""
    from ._client import Client

    made = Client.from_env().budget_webhook_set(url, rotate_secret=rotate_secret)
    click.echo(f"Budget alerts are posted to {made['url']}.")
    click.echo(f"Signing secret (HMAC-SHA256 of '<X-Skylift-Timestamp>.<body>'): {made['secret']}")


@webhook.command("show")
def webhook_show() -> None:
    """The webhook's URL and signing secret."""
    from ._client import Client

    found = Client.from_env().budget_webhook_get()
    click.echo(f"{found['url']}\nSigning secret: {found['secret']}")


@webhook.command("remove")
def webhook_remove() -> None:
    """Post budget alerts nowhere (they are still recorded and shown in the dashboard)."""
    from ._client import Client

    Client.from_env().budget_webhook_remove()
    click.echo("Budget alerts are posted nowhere now.")
