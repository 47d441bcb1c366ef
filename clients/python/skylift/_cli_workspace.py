"""`skylift workspace proxy-tokens …` (also `skylift proxy-token …`), as Modal's
`modal workspace proxy-tokens`: the tokens web endpoints with `requires_proxy_auth=True` require."""

from __future__ import annotations

import json
from typing import Any

import click

from ._cli_apps import _JSON, _client, _print, _table
from ._cli_group import Group

__all__ = ["proxy_tokens", "workspace"]


@click.group(cls=Group)
def workspace() -> None:
    """The workspace: its proxy auth tokens."""


@workspace.group("proxy-tokens", cls=Group)
def proxy_tokens() -> None:
    """Proxy auth tokens: what requests to web endpoints with requires_proxy_auth=True must carry."""


def _when(value: Any) -> str:
    return str(value)[:19].replace("T", " ") if value else ""


@proxy_tokens.command("create")
@click.option("--name", default="", help="What the token is for")
@_JSON
def proxy_tokens_create(name: str, as_json: bool) -> None:
    """Create a token; its secret is printed this once (only its hash is kept)."""
    created = _client().proxy_token_create(name)
    if as_json:
        click.echo(json.dumps(created, indent=2, default=str))
        return
    click.echo(f"Created proxy token {created['id']}{f' ({name})' if name else ''}.")
    click.echo(f"Skylift-Key: {created['id']}")
    click.echo(f"Skylift-Secret: {created['secret']}")
    click.echo("Keep the secret now: it is not shown again.")


@proxy_tokens.command("list")
@_JSON
def proxy_tokens_list(as_json: bool) -> None:
    """The workspace's tokens (never their secrets), newest first."""
    found = _client().proxy_token_list()
    if as_json:
        click.echo(json.dumps(found, indent=2, default=str))
        return
    table = _table("Key", "Name", "Created", "By", "Last used", "Status")
    table.columns[0].min_width = 25  # a key is copied from here: never cut short
    table.columns[0].no_wrap = True
    for token in found:
        status = f"revoked {_when(token['revoked_at'])}" if token.get("revoked_at") else "active"
        table.add_row(
            token["id"],
            token["name"],
            _when(token["created_at"]),
            token.get("created_by") or "",
            _when(token.get("last_used_at")),
            status,
        )
    _print(table)


@proxy_tokens.command("revoke")
@click.argument("key")
def proxy_tokens_revoke(key: str) -> None:
    """Revoke a token (by its key, wk-…): requests carrying it are refused from now on."""
    _client().proxy_token_revoke(key)
    click.echo(f"Revoked proxy token {key}.")


@proxy_tokens.command("delete")
@click.argument("key")
@click.option("--yes", "-y", is_flag=True, help="Do not ask")
def proxy_tokens_delete(key: str, yes: bool) -> None:
    """Delete a token (by its key, wk-…), revoked or not."""
    if not yes:
        click.confirm(f"Delete the proxy token {key}?", abort=True)
    _client().proxy_token_delete(key)
    click.echo(f"Deleted proxy token {key}.")
