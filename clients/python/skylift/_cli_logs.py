"""Printing log lines from the API (GET /logs/), for `skylift app logs` and `skylift container logs`:
the newest lines first, then, with --follow, the lines printed from then on."""

from __future__ import annotations

import time
from typing import Any

import click

__all__ = ["print_logs"]

FOLLOW_EVERY_SECONDS = 1.0


def _echo(entry: dict[str, Any], timestamps: bool) -> None:
    text = entry["text"]
    if timestamps:
        text = f"{str(entry['created_at'])[:23]} {text}"
    click.echo(text, err=entry["stream"] == "stderr")


def print_logs(client: Any, *, lines: int, follow: bool, timestamps: bool, **filters: str) -> None:
    """The newest `lines` lines matching `filters` (0: all of them, paging back), then, with
    `follow`, new ones until interrupted."""
    if lines > 0:
        page = client.logs(**filters, limit=min(lines, 5000))
        entries = page["results"]
    else:
        page = client.logs(**filters, limit=5000)
        entries = page["results"]
        before = page["next_before"]
        while before:
            older = client.logs(**filters, limit=5000, before=before)
            entries = older["results"] + entries
            before = older["next_before"]
    for entry in entries:
        _echo(entry, timestamps)
    if not follow:
        return
    # The API's cursor never passes a line that may still be committing: the next page can repeat
    # the youngest lines, which are dropped by id.
    cursor, shown = page["cursor"], {e["id"] for e in entries}
    try:
        while True:
            page = client.logs(**filters, after=cursor)
            for entry in page["results"]:
                if entry["id"] not in shown:
                    _echo(entry, timestamps)
            cursor = page["cursor"]
            shown = {e["id"] for e in page["results"] if int(e["id"]) > int(cursor)}
            if len(page["results"]) < 5000:
                time.sleep(FOLLOW_EVERY_SECONDS)
    except KeyboardInterrupt:
        return
