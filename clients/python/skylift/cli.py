"""The `skylift` command line: run apps, manage tokens and volumes, run the embedded server."""

from __future__ import annotations

import asyncio
import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType

import click

from ._exceptions import Error

__all__ = ["main"]


@click.group()
@click.version_option(package_name="skylift")
def cli() -> None:
    """Skylift: run Python functions in containers."""


# skylift run ---------------------------------------------------------------------------------


def import_file(path: str) -> ModuleType:
    file = Path(path).resolve()
    if not file.exists():
        raise click.UsageError(f"{path} does not exist")
    name = file.stem
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise click.UsageError(f"{path} is not a Python file")
    sys.path.insert(0, str(file.parent))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def _find_app(module):
    from ._app import App

    apps = [v for v in vars(module).values() if isinstance(v, App)]
    if not apps:
        raise click.UsageError(f"{module.__file__} defines no skylift.App")
    if len(apps) > 1 and "app" in vars(module) and isinstance(module.app, App):
        return module.app
    return apps[0]


def _entrypoint_command(name: str, f) -> click.Command:
    """A click command whose options are the entrypoint's typed parameters."""
    params: list[click.Parameter] = []
    for p in inspect.signature(f).parameters.values():
        annotation = p.annotation if p.annotation is not inspect.Parameter.empty else str
        if isinstance(annotation, str):
            annotation = {"int": int, "float": float, "bool": bool, "str": str}.get(annotation, str)
        option = f"--{p.name.replace('_', '-')}"
        required = p.default is inspect.Parameter.empty
        if annotation is bool:
            params.append(
                click.Option(
                    [f"{option}/--no-{p.name.replace('_', '-')}"],
                    default=None if required else p.default,
                    required=required,
                )
            )
        else:
            params.append(
                click.Option(
                    [option],
                    type=annotation,
                    required=required,
                    default=None if required else p.default,
                    show_default=not required,
                )
            )
    return click.Command(name, params=params, callback=lambda **kw: kw)


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("target")
@click.option("--quiet", "-q", is_flag=True, help="Do not stream the containers' output")
@click.pass_context
def run(ctx: click.Context, target: str, quiet: bool) -> None:
    """Run an app: its local entrypoint, or its only function.

    TARGET is FILE.py or FILE.py::NAME; options after it go to the entrypoint.
    """
    path, _, name = target.partition("::")
    module = import_file(path)
    app = _find_app(module)
    if name:
        if name in app.registered_entrypoints:
            kind, obj = "entrypoint", app.registered_entrypoints[name]
        elif name in app.registered_functions:
            kind, obj = "function", app.registered_functions[name]
        else:
            choices = ", ".join([*app.registered_entrypoints, *app.registered_functions]) or "none"
            raise click.UsageError(
                f"{name!r} is not a local entrypoint or function of the app (choices: {choices})"
            )
    elif len(app.registered_entrypoints) == 1:
        kind, obj = "entrypoint", next(iter(app.registered_entrypoints.values()))
    elif not app.registered_entrypoints and len(app.registered_functions) == 1:
        kind, obj = "function", next(iter(app.registered_functions.values()))
    else:
        names = ", ".join([*app.registered_entrypoints, *app.registered_functions])
        raise click.UsageError(f"Say which to run: {path}::NAME, with NAME one of {names}")
    raw = obj.raw_f if kind == "entrypoint" else obj.get_raw_f()
    command = _entrypoint_command(name or getattr(raw, "__name__", "main"), raw)
    kwargs = command.main(ctx.args, prog_name=f"skylift run {target}", standalone_mode=False)
    if not isinstance(kwargs, dict):
        return
    with app.run(show_logs=not quiet):
        result = obj(**kwargs) if kind == "entrypoint" else obj.remote(**kwargs)
        if inspect.iscoroutine(result):  # an `async def` entrypoint
            result = asyncio.run(result)
    if kind == "function" and result is not None:
        click.echo(repr(result))


# skylift token ---------------------------------------------------------------------------------


@cli.group()
def token() -> None:
    """Manage API tokens and the profiles in ~/.skylift.toml."""


@token.command("set")
@click.option("--token-id", required=True)
@click.option("--token-secret", required=True)
@click.option("--server-url", default=None, help="Defaults to the current profile's server")
@click.option("--profile", default="default")
def token_set(token_id: str, token_secret: str, server_url: str | None, profile: str) -> None:
    """Save a token to a profile and make it active."""
    from ._config import load_config, write_profile

    url = server_url or load_config().server_url
    path = write_profile(profile, token_id=token_id, token_secret=token_secret, server_url=url)
    click.echo(f"Saved token {token_id} for {url} as profile '{profile}' in {path}.")


@token.command("new")
@click.option("--username", prompt=True)
@click.option("--password", prompt=True, hide_input=True)
@click.option("--server-url", default=None, help="Defaults to the current profile's server")
@click.option("--profile", default="default")
@click.option("--name", default="cli", help="A label for the token")
def token_new(username: str, password: str, server_url: str | None, profile: str, name: str) -> None:
    """Sign in with a username and password, create a token, and save it."""
    import httpx

    from ._client import START_HINT, raise_for_response
    from ._config import load_config, write_profile

    url = (server_url or load_config().server_url).rstrip("/")
    try:
        with httpx.Client(base_url=url, timeout=30) as http:
            http.get("/api/v1/auth/session/")
            csrf = {"X-CSRFToken": http.cookies.get("csrftoken") or "", "Referer": url + "/"}
            signed_in = http.post(
                "/api/v1/auth/session/", json={"username": username, "password": password}, headers=csrf
            )
            raise_for_response(signed_in, "Could not sign in")
            csrf["X-CSRFToken"] = http.cookies.get("csrftoken") or ""
            created = http.post("/api/v1/tokens/", json={"name": name}, headers=csrf)
            raise_for_response(created, "Could not create a token")
    except httpx.TransportError as err:
        raise click.ClickException(
            f"Could not reach a Skylift server at {url}: {err}. {START_HINT}"
        ) from None
    body = created.json()
    path = write_profile(profile, token_id=body["id"], token_secret=body["secret"], server_url=url)
    click.echo(f"Created token {body['id']} and saved it as profile '{profile}' in {path}.")


# skylift volume --------------------------------------------------------------------------------


@cli.group()
def volume() -> None:
    """Manage volumes: named folders that functions and build steps mount."""


def _client():
    from ._client import Client

    return Client.from_env()


@volume.command("create")
@click.argument("name")
def volume_create(name: str) -> None:
    """Create an empty volume."""
    created = _client().volume_create(name)
    click.echo(f"Created volume {name} ({created['id']}).")


@volume.command("list")
def volume_list() -> None:
    """The workspace's volumes."""
    from rich.console import Console
    from rich.table import Table

    table = Table("Name", "Id", "Created", box=None)
    for found in _client().volume_list():
        table.add_row(found["name"], found["id"], str(found["created_at"])[:19])
    Console().print(table)


@volume.command("ls")
@click.argument("name")
@click.argument("path", default="/")
@click.option("--recursive", "-r", is_flag=True, help="Everything below the folder")
def volume_ls(name: str, path: str, recursive: bool) -> None:
    """The entries of a folder of a volume."""
    from rich.console import Console
    from rich.table import Table

    from ._volume import Volume

    table = Table("Path", "Type", "Size", box=None)
    for entry in Volume.lookup(name, client=_client()).listdir(path, recursive=recursive):
        shown = entry.path + ("/" if entry.type.name == "DIRECTORY" else "")
        table.add_row(shown, entry.type.name.lower(), str(entry.size) if entry.type.name == "FILE" else "")
    Console().print(table)


@volume.command("put")
@click.argument("name")
@click.argument("local_path", type=click.Path(exists=True))
@click.argument("remote_path", default="/")
@click.option("--force", "-f", is_flag=True, help="Replace files that exist")
def volume_put(name: str, local_path: str, remote_path: str, force: bool) -> None:
    """Upload a file or a folder into a volume (to REMOTE_PATH; a path ending in / is a folder)."""
    from ._volume import Volume

    vol = Volume.lookup(name, client=_client())
    local = Path(local_path)
    with vol.batch_upload(force=force) as batch:
        if local.is_dir():
            batch.put_directory(local, remote_path)
        else:
            remote = remote_path + local.name if remote_path.endswith("/") else remote_path
            batch.put_file(local, remote)
    click.echo(f"Uploaded {local_path} to {name}:{remote_path}")


@volume.command("get")
@click.argument("name")
@click.argument("remote_path")
@click.argument("local_path", default=".")
@click.option("--force", "-f", is_flag=True, help="Replace a local file that exists")
def volume_get(name: str, remote_path: str, local_path: str, force: bool) -> None:
    """Download a file of a volume (LOCAL_PATH "-" writes it to standard output)."""
    from ._volume import Volume

    vol = Volume.lookup(name, client=_client())
    if local_path == "-":
        vol.read_file_into_fileobj(remote_path, sys.stdout.buffer)
        return
    target = Path(local_path)
    if target.is_dir():
        target = target / Path(remote_path).name
    if target.exists() and not force:
        raise click.ClickException(f"{target} exists; pass --force to replace it")
    partial = target.with_name(f".{target.name}.partial")
    try:
        with partial.open("wb") as out:
            vol.read_file_into_fileobj(remote_path, out)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"Downloaded {name}:{remote_path} to {target}")


@volume.command("rm")
@click.argument("name")
@click.argument("remote_path")
@click.option("--recursive", "-r", is_flag=True, help="Remove a folder and all below it")
def volume_rm(name: str, remote_path: str, recursive: bool) -> None:
    """Remove a file or folder of a volume."""
    from ._volume import Volume

    Volume.lookup(name, client=_client()).remove_file(remote_path, recursive=recursive)
    click.echo(f"Removed {name}:{remote_path}")


@volume.command("delete")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask")
def volume_delete(name: str, yes: bool) -> None:
    """Delete a volume and every file in it."""
    from ._volume import Volume

    if not yes:
        click.confirm(f"Delete volume {name} and all its files?", abort=True)
    Volume.delete(name, client=_client())
    click.echo(f"Deleted volume {name}.")


# skylift server --------------------------------------------------------------------------------


SERVER_ENTRY_POINTS = "skylift.server"  # the server's package names its supervisor there


def _supervisor():
    """The embedded platform's supervisor, from the server's package when it is installed."""
    from importlib.metadata import entry_points

    try:
        return next(iter(entry_points(group=SERVER_ENTRY_POINTS, name="supervisor"))).load()
    except (StopIteration, ImportError):
        raise click.ClickException(
            "The Skylift server is not installed in this environment: install it from the repository "
            "(`pip install -e .` at its root, or `make setup`)."
        ) from None


@cli.group()
def server() -> None:
    """Run the embedded platform on this machine (PostgreSQL, Redis, API, workers, host agent)."""


@server.command("start")
@click.option("--port", default=8000, show_default=True)
@click.option(
    "--background", is_flag=True, help="Return once the server answers; stop it with `skylift server stop`"
)
def server_start(port: int, background: bool) -> None:
    """Start the embedded platform."""
    sys.exit(_supervisor().server_start(port=port, background=background))


@server.command("status")
def server_status() -> None:
    """Say whether the embedded platform runs, and its parts."""
    sys.exit(_supervisor().server_status())


@server.command("stop")
def server_stop() -> None:
    """Stop the embedded platform and everything it started."""
    sys.exit(_supervisor().server_stop())


def main() -> None:
    try:
        cli(standalone_mode=True)
    except Error as exc:
        click.echo(f"skylift: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
