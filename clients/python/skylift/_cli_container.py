"""`skylift container list | logs | stop | exec`: the workspace's running containers of functions."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click

from ._cli_group import Group

__all__ = ["container"]


@click.group(cls=Group)
def container() -> None:
    """Containers that run functions: list them, read their logs, stop one, run a command in one."""


def _client():
    from ._client import Client

    return Client.from_env()


def _age(started: str | None) -> str:
    if not started:
        return ""
    seconds = int((datetime.now(UTC) - datetime.fromisoformat(str(started))).total_seconds())
    return (
        f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
        if seconds >= 3600
        else f"{seconds // 60}m{seconds % 60:02d}s"
    )


@container.command("list")
@click.option("--app-id", default=None, help="Only the containers of this app")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table")
def container_list(app_id: str | None, as_json: bool) -> None:
    """The workspace's live containers, newest first."""
    import json

    from rich.console import Console
    from rich.table import Table

    found = _client().containers(app=app_id)
    if as_json:
        click.echo(json.dumps(found, indent=2, default=str))
        return
    table = Table("Id", "App", "Function", "Host", "Status", "CPU", "Memory", "Age", "Running", box=None)
    for c in found:
        running = ", ".join(i["call_id"] for i in c.get("current_inputs") or [])
        table.add_row(
            c["id"],
            c["app"],
            c["function"],
            c.get("host") or "",
            c["status"],
            f"{c['cpu']:g}",
            f"{c['memory']} MiB",
            _age(c.get("started_at") or c.get("created_at")),
            running,
        )
    Console().print(table)


@container.command("logs")
@click.argument("container_id")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until interrupted")
@click.option("--lines", "-n", default=200, show_default=True, help="Print the newest N lines (0: all kept)")
@click.option("--timestamps", "-t", is_flag=True, help="Start each line with its time (UTC)")
def container_logs(container_id: str, follow: bool, lines: int, timestamps: bool) -> None:
    """The log lines of one container (kept after it stops)."""
    from ._cli_logs import print_logs

    print_logs(_client(), lines=lines, follow=follow, timestamps=timestamps, container=container_id)


@container.command("stop")
@click.argument("container_id")
def container_stop(container_id: str) -> None:
    """Stop a container: the inputs it runs go back to the queue and run again elsewhere."""
    _client().container_stop(container_id)
    click.echo(f"Stopping container {container_id}.")


@container.command("exec", context_settings={"ignore_unknown_options": True})
@click.argument("container_id")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--workdir", default=None, help="Run it in this folder of the container")
@click.option("--pty", is_flag=True, help="Give it a terminal (for a shell: `--pty ID bash`)")
def container_exec(container_id: str, command: tuple[str, ...], workdir: str | None, pty: bool) -> None:
    """Run COMMAND in a running container, through its host agent (as `skylift sandbox exec`
    does): this terminal's stdin goes to it, its output comes here, and its exit code is this
    command's. With --pty it runs in a terminal (its output all on stdout), and this one is raw
    meanwhile: Ctrl-C, Ctrl-D and the window's size go to it."""
    from ._cli_sandbox import run_in_terminal
    from ._sandbox import exec_open

    process = exec_open(
        _client(), f"tasks/{container_id}", list(command), workdir=workdir, text=False, tty=pty
    )
    sys.exit(run_in_terminal(process, pty=pty))
