"""`skylift secret …`: named secrets from the command line. Values go in, never come back out."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ._cli_apps import _ENV, _JSON, _client, _env, _print, _table

__all__ = ["secret"]


@click.group()
def secret() -> None:
    """Secrets: environment variables functions are given (values are write-only)."""


def _values(pairs: tuple[str, ...], dotenv: str | None) -> dict[str, str]:
    from ._secret import read_dotenv

    values: dict[str, str] = read_dotenv(Path(dotenv)) if dotenv else {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{pair!r} is not KEY=VALUE", param_hint="KEY=VALUE")
        values[key] = value
    if not values:
        raise click.UsageError("Give the secret's variables as KEY=VALUE, or --from-dotenv FILE.")
    return values


@secret.command("create")
@click.argument("name")
@click.argument("pairs", metavar="[KEY=VALUE]...", nargs=-1)
@click.option(
    "--from-dotenv", "dotenv", type=click.Path(exists=True, dir_okay=False), help="Read a .env file"
)
@click.option("--force", is_flag=True, help="Replace the values of a secret of that name")
@_ENV
def secret_create(
    name: str, pairs: tuple[str, ...], dotenv: str | None, force: bool, env: str | None
) -> None:
    """Create a secret: `skylift secret create db PGHOST=... PGPASSWORD="$PGPASSWORD"`."""
    from ._secret import Secret

    values = _values(pairs, dotenv)
    Secret.objects.create(name, values, environment_name=_env(env), allow_existing=force)
    keys = ", ".join(sorted(values))
    click.echo(f"{'Saved' if force else 'Created'} the secret {name} ({keys}) in {_env(env) or 'main'}.")
    click.echo(f"Use it with: @app.function(secrets=[skylift.Secret.from_name({name!r})])")


@secret.command("list")
@_ENV
@_JSON
def secret_list(env: str | None, as_json: bool) -> None:
    """The environment's secrets: names of their variables, and when they changed."""
    found = _client().secret_list(environment=_env(env))
    if as_json:
        click.echo(json.dumps(found, indent=2, default=str))
        return
    table = _table("Name", "Variables", "Created", "Updated", "By")
    for s in found:
        table.add_row(
            s["name"],
            ", ".join(s["keys"]),
            str(s["created_at"])[:19],
            str(s["updated_at"])[:19],
            s.get("updated_by") or s.get("created_by") or "",
        )
    _print(table)


@secret.command("delete")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask")
@_ENV
def secret_delete(name: str, yes: bool, env: str | None) -> None:
    """Delete a secret (refused while a running app's functions are given it)."""
    from ._secret import Secret

    if not yes:
        click.confirm(f"Delete the secret {name}?", abort=True)
    Secret.objects.delete(name, environment_name=_env(env))
    click.echo(f"Deleted the secret {name}.")
