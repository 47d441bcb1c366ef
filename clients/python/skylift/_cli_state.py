"""`skylift dict …` and `skylift queue …`: Dicts and Queues from the command line.

Values are shown by the preview the SDK stored with them (plain text or JSON); anything else is
unpickled here, on your machine, when it can be (`--no-unpickle` to never), else shown by size.
The platform itself never unpickles them.
"""

from __future__ import annotations

import json
from typing import Any

import click

from ._cli_apps import _ENV, _JSON, _client, _env, _print, _table

__all__ = ["dict_", "queue_"]


def _find(client: Any, kind: str, name: str, env: str | None) -> dict[str, Any]:
    if name.startswith(("di-", "qu-")):
        found: dict[str, Any] = client.state_get(kind, name)
        return found
    looked_up = client.state_lookup(kind, name, environment=_env(env))
    if looked_up is None:
        where = f" in the environment {_env(env)!r}" if _env(env) else ""
        raise click.ClickException(f"No {kind} named {name!r}{where}.")
    return dict(looked_up)


def _shown(data: bytes | None, stored_preview: str, unpickle: bool) -> str:
    if stored_preview:
        return stored_preview
    if data is None:
        return ""
    if unpickle:
        from ._state import loads, preview

        try:
            value = loads(data, "value")
            return preview(value) or repr(value)[:200]
        except Exception:  # noqa: BLE001 - a value of a class this machine lacks
            pass
    return f"<{len(data):,} bytes pickled>"


def _list(kind: str, env: str | None, as_json: bool) -> None:
    found = _client().state_list(kind, environment=_env(env))
    if as_json:
        click.echo(json.dumps(found, indent=2, default=str))
        return
    table = _table("Name", "Id", "Environment", "Created", "Last used")
    for o in found:
        table.add_row(
            o.get("name") or "(ephemeral)",
            o["id"],
            o["environment"],
            str(o["created_at"])[:19],
            str(o["last_used_at"])[:19],
        )
    _print(table)


def _delete(kind: str, name: str, env: str | None, yes: bool) -> None:
    client = _client()
    found = _find(client, kind, name, env)
    if not yes:
        click.confirm(f"Delete the {kind} {name} ({found['id']}) and everything in it?", abort=True)
    client.state_delete(kind, found["id"])
    click.echo(f"Deleted the {kind} {name}.")


_YES = click.option("--yes", "-y", is_flag=True, help="Do not ask")
_UNPICKLE = click.option(
    "--unpickle/--no-unpickle", default=True, help="Unpickle values without a text preview (on this machine)"
)


@click.group("dict")
def dict_() -> None:
    """Dicts: key-value stores shared by functions and their callers."""


@dict_.command("list")
@_ENV
@_JSON
def dict_list(env: str | None, as_json: bool) -> None:
    """The environment's Dicts."""
    _list("dict", env, as_json)


@dict_.command("get")
@click.argument("name")
@click.argument("key")
@_ENV
@_UNPICKLE
def dict_get(name: str, key: str, env: str | None, unpickle: bool) -> None:
    """The value of KEY (a string key, as `d["KEY"]`)."""
    from ._state import dumps

    client = _client()
    found = _find(client, "dict", name, env)
    value = client.dict_get(found["id"], dumps(key, "key"))
    if value is None:
        raise click.ClickException(f"{name} has no key {key!r}.")
    click.echo(_shown(value, "", unpickle))


@dict_.command("items")
@click.argument("name")
@_ENV
@_JSON
@_UNPICKLE
@click.option("-n", "limit", default=20, show_default=True, help="At most this many entries")
def dict_items(name: str, env: str | None, as_json: bool, unpickle: bool, limit: int) -> None:
    """The first entries of a Dict, with their keys and values as text."""
    client = _client()
    found = _find(client, "dict", name, env)
    entries = client.dict_entries(found["id"], after=0, limit=limit, values=True)
    rows = [
        {
            "key": _shown(e["key"], e["key_preview"], unpickle),
            "value": _shown(e["value"], e["value_preview"], unpickle),
        }
        for e in entries
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    table = _table("Key", "Value")
    for row in rows:
        table.add_row(row["key"], row["value"])
    _print(table)


@dict_.command("clear")
@click.argument("name")
@_ENV
@_YES
def dict_clear(name: str, env: str | None, yes: bool) -> None:
    """Remove every entry of a Dict."""
    client = _client()
    found = _find(client, "dict", name, env)
    if not yes:
        click.confirm(f"Remove every entry of {name}?", abort=True)
    click.echo(f"Removed {client.dict_clear(found['id'])} entries.")


@dict_.command("delete")
@click.argument("name")
@_ENV
@_YES
def dict_delete(name: str, env: str | None, yes: bool) -> None:
    """Delete a Dict and its entries."""
    _delete("dict", name, env, yes)


@click.group("queue")
def queue_() -> None:
    """Queues: FIFO partitions of values shared by functions and their callers."""


@queue_.command("list")
@_ENV
@_JSON
def queue_list(env: str | None, as_json: bool) -> None:
    """The environment's Queues."""
    _list("queue", env, as_json)


_PARTITION = click.option("--partition", "-p", default=None, help="A partition (default: the default one)")


@queue_.command("peek")
@click.argument("name")
@click.option("-n", "n", default=10, show_default=True, help="How many")
@_PARTITION
@_ENV
@_JSON
@_UNPICKLE
def queue_peek(
    name: str, n: int, partition: str | None, env: str | None, as_json: bool, unpickle: bool
) -> None:
    """The next N items of a partition, left in the queue."""
    client = _client()
    found = _find(client, "queue", name, env)
    items = client.queue_peek(found["id"], partition, n)
    shown = [_shown(i["value"], i["preview"], unpickle) for i in items]
    if as_json:
        click.echo(json.dumps(shown, indent=2))
        return
    for text in shown:
        click.echo(text)


@queue_.command("len")
@click.argument("name")
@_PARTITION
@click.option("--total", is_flag=True, help="Every partition")
@_ENV
@_JSON
def queue_len(name: str, partition: str | None, total: bool, env: str | None, as_json: bool) -> None:
    """How many items a partition holds (or all of them, with --total)."""
    client = _client()
    found = _find(client, "queue", name, env)
    n = client.queue_len(found["id"], partition, total=total)
    click.echo(json.dumps({"len": n}) if as_json else str(n))


@queue_.command("clear")
@click.argument("name")
@_PARTITION
@click.option("--all", "everything", is_flag=True, help="Every partition")
@_ENV
@_YES
def queue_clear(name: str, partition: str | None, everything: bool, env: str | None, yes: bool) -> None:
    """Remove the items of a partition (or of all, with --all)."""
    client = _client()
    found = _find(client, "queue", name, env)
    if not yes:
        click.confirm(f"Remove the items of {name}?", abort=True)
    click.echo(f"Removed {client.queue_clear(found['id'], partition, everything=everything)} items.")


@queue_.command("delete")
@click.argument("name")
@_ENV
@_YES
def queue_delete(name: str, env: str | None, yes: bool) -> None:
    """Delete a Queue and its items."""
    _delete("queue", name, env, yes)
