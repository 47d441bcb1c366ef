"""`skylift sandbox list | logs | exec | terminate`: the workspace's sandboxes from the command line."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, BinaryIO

import click

from ._cli_group import Group

if TYPE_CHECKING:
    from ._sandbox import ContainerProcess, StreamReader

__all__ = ["run_in_terminal", "sandbox"]


@click.group(cls=Group)
def sandbox() -> None:
    """Sandboxes: containers that programs create, run commands in and throw away."""


@sandbox.command("list")
@click.option("--app-id", default=None, help="Only the sandboxes of this app")
@click.option("--tag", "tags", multiple=True, help="NAME=VALUE: only those with this tag (repeatable)")
def sandbox_list(app_id: str | None, tags: tuple[str, ...]) -> None:
    """The workspace's running sandboxes, newest first."""
    from rich.console import Console
    from rich.table import Table

    from ._sandbox import Sandbox

    wanted = dict(t.split("=", 1) for t in tags if "=" in t)
    table = Table("Id", "Name", "Status", "Created", "Tags", box=None)
    for found in Sandbox.list(app_id=app_id, tags=wanted):
        record = found._record
        shown_tags = ", ".join(f"{k}={v}" for k, v in (record.get("tags") or {}).items())
        table.add_row(
            record["id"],
            record.get("name") or "",
            record["status"],
            str(record["created_at"])[:19],
            shown_tags,
        )
    Console().print(table)


@sandbox.command("exec", context_settings={"ignore_unknown_options": True})
@click.argument("sandbox_id")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
@click.option("--workdir", default=None, help="Run it in this folder of the sandbox")
def sandbox_exec(sandbox_id: str, command: tuple[str, ...], workdir: str | None) -> None:
    """Run COMMAND in a sandbox: this terminal's stdin goes to it, its output comes here, and
    its exit code is this command's."""
    from ._sandbox import Sandbox

    process = Sandbox.from_id(sandbox_id).exec(*command, workdir=workdir, text=False)
    sys.exit(run_in_terminal(process))


def run_in_terminal(process: ContainerProcess, *, pty: bool = False) -> int:
    """Carry this terminal's stdin to a process started with exec and its output back here, as
    they come; its exit code. (`skylift sandbox exec` and `skylift container exec`.) With `pty`
    (the process has a terminal) and a terminal here, this one is put in raw mode meanwhile: keys
    go to the remote terminal as typed, and its size follows this one's."""
    if pty and sys.stdin.isatty():
        return _run_in_raw_terminal(process)

    def pump(stream: StreamReader, out: BinaryIO) -> None:
        for chunk in stream.chunks():
            out.write(chunk)
            out.flush()

    readers = [
        threading.Thread(target=pump, args=(process.stdout, sys.stdout.buffer), daemon=True),
        threading.Thread(target=pump, args=(process.stderr, sys.stderr.buffer), daemon=True),
    ]
    for reader in readers:
        reader.start()
    if not sys.stdin.isatty():
        source = sys.stdin.buffer
        for data in iter(
            lambda: source.read(65536) if not hasattr(source, "read1") else source.read1(65536), b""
        ):
            process.stdin.write(data)
            process.stdin.drain()
    process.stdin.write_eof()
    process.stdin.drain()
    code = process.wait()
    for reader in readers:
        reader.join()
    return code


def _run_in_raw_terminal(process: ContainerProcess) -> int:
    import os
    import shutil
    import signal
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)

    def resize(*_: object) -> None:
        size = shutil.get_terminal_size()
        process.resize(size.lines, size.columns)

    def keys() -> None:
        while data := os.read(fd, 65536):
            process.stdin.write(data)
            process.stdin.drain()

    def out() -> None:
        for chunk in process.stdout.chunks():
            sys.stdout.buffer.write(chunk)
            sys.stdout.buffer.flush()

    previous = signal.signal(signal.SIGWINCH, resize)
    try:
        tty.setraw(fd)
        resize()
        threading.Thread(target=keys, daemon=True).start()
        printer = threading.Thread(target=out, daemon=True)
        printer.start()
        code = process.wait()
        printer.join()
        return code
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)
        signal.signal(signal.SIGWINCH, previous)


@sandbox.command("logs")
@click.argument("sandbox_id")
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until the sandbox ends")
@click.option("--tail", "-n", type=int, default=1000, show_default=True, help="The last N lines")
@click.option("--timestamps", is_flag=True, help="Start each line with when it was printed")
def sandbox_logs(sandbox_id: str, follow: bool, tail: int, timestamps: bool) -> None:
    """Print what a sandbox's own command printed (its stderr to stderr); with --follow, new lines
    as they come, until the sandbox ends."""
    import time

    from ._client import Client, raise_for_response

    http = Client.from_env().api.get_httpx_client()
    since: str | None = None
    seen_at = ""
    while True:
        params: dict[str, str | int] = {"tail": tail}
        if since:
            params["since"] = since
        response = http.get(f"/api/v1/sandboxes/{sandbox_id}/logs/", params=params)
        raise_for_response(response, f"Could not read the logs of sandbox {sandbox_id}")
        page = response.json()
        for line in page["lines"]:
            if _instant(line["at"]) <= seen_at:
                continue  # shown already (`since` is to the microsecond, lines to the nanosecond)
            seen_at = _instant(line["at"])
            text = f"{line['at']} {line['text']}" if timestamps else line["text"]
            click.echo(text, err=line["stream"] == "stderr")
        if not follow or not page["live"]:
            return
        if seen_at:
            since = seen_at[:26] + "Z"
        time.sleep(1.0)


def _instant(at: str) -> str:
    """An RFC 3339 time with its fraction padded to nanoseconds (Docker trims trailing zeros): such
    strings sort as their times."""
    whole, _, fraction = at.rstrip("Z").partition(".")
    return f"{whole}.{fraction.ljust(9, '0')}"


@sandbox.command("terminate")
@click.argument("sandbox_id")
def sandbox_terminate(sandbox_id: str) -> None:
    """Stop a sandbox and what runs in it."""
    from ._sandbox import Sandbox

    Sandbox.from_id(sandbox_id).terminate()
    click.echo(f"Terminated sandbox {sandbox_id}.")
