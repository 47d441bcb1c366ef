"""The `skylift` command line: run apps, manage tokens and volumes, run the embedded server."""

from __future__ import annotations

import asyncio
import inspect
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import click

from ._cli_group import Group
from ._exceptions import Error
from ._import_file import import_file

__all__ = ["main"]


@click.group(cls=Group)
@click.version_option(package_name="skylift")
def cli() -> None:
    """Skylift: run Python functions in containers."""


# skylift run ---------------------------------------------------------------------------------


@dataclass
class _Runnable:
    """Something `skylift run` can run: a local entrypoint, a function, or a method of a class."""

    names: list[str]  # how FILE::REF may name it, the preferred name first
    kind: str  # "entrypoint", "function" or "method"
    obj: Any  # the LocalEntrypoint or Function, or the Cls whose `method` it is
    app: Any  # the App to run it in
    method: str = ""
    apps_by_name: dict[str, Any] = field(default_factory=dict)  # "other_app.f": other_app


def _runnables(module: ModuleType) -> list[_Runnable]:
    """What the module's apps can run, named as Modal's CLI names them: `app.f`, `app.Cls.method`,
    and first by the module-level name (`f`, `Cls.method`) when there is one."""
    from ._app import App, LocalEntrypoint
    from ._cls import Cls, _methods
    from ._function import Function

    found: dict[tuple[int, str], _Runnable] = {}

    def add(obj: Any, method: str, kind: str, name: str, app: Any, *, module_level: bool = False) -> None:
        runnable = found.setdefault((id(obj), method), _Runnable([], kind, obj, app, method))
        if name in runnable.names:
            return
        if module_level:  # the preferred name; runs in whichever app runs it by default
            runnable.names.insert(0, name)
            return
        runnable.names.append(name)
        runnable.apps_by_name[name] = app
        # An app that included it (App.include) runs it by default, with the rest of that app.
        if runnable.app is getattr(obj, "_app", None):
            runnable.app = app

    for var, app in vars(module).items():
        if not isinstance(app, App):
            continue
        for tag, entry in app.registered_entrypoints.items():
            add(entry, "", "entrypoint", f"{var}.{tag}", app)
        for tag, function in app.registered_functions.items():
            add(function, "", "function", f"{var}.{tag}", app)
        for tag, cls in app.registered_classes.items():
            for method in _methods(cls._user_cls):
                add(cls, method, "method", f"{var}.{tag}.{method}", app)
    for var, obj in vars(module).items():
        if isinstance(obj, LocalEntrypoint):
            add(obj, "", "entrypoint", var, obj.app, module_level=True)
        elif isinstance(obj, Function) and not obj._method and isinstance(obj._app, App):
            add(obj, "", "function", var, obj._app, module_level=True)
        elif isinstance(obj, Cls) and isinstance(obj._app, App):
            for method in _methods(obj._user_cls):
                add(obj, method, "method", f"{var}.{method}", obj._app, module_level=True)
    return list(found.values())


def _choose(module: ModuleType, path: str, ref: str) -> tuple[_Runnable, Any]:
    """What FILE::REF names, and the app to run it in. REF is a name (`f`, `app.f`, `Cls.method`)
    or a prefix of names (`app`); with several matches, their only local entrypoint."""
    runnables = _runnables(module)
    if not runnables:
        raise click.UsageError(f"{path} defines no skylift.App with anything to run")

    def matches(name: str) -> bool:
        return not ref or name == ref or name.startswith(ref + ".")

    chosen = [r for r in runnables if any(matches(n) for n in r.names)]
    if not chosen:
        choices = ", ".join(r.names[0] for r in runnables)
        raise click.UsageError(
            f"{ref!r} is not a local entrypoint or function of an app in {path} (choices: {choices})"
        )
    if len(chosen) > 1:
        entrypoints = [r for r in chosen if r.kind == "entrypoint"]
        if len(entrypoints) != 1:
            names = ", ".join(r.names[0] for r in chosen)
            raise click.UsageError(f"Say which to run: {path}::NAME, with NAME one of {names}")
        chosen = entrypoints
    runnable = chosen[0]
    # `other_app.f` or `other_app` runs other_app, though another app included f.
    named = [n for n in runnable.names if ref and matches(n) and n in runnable.apps_by_name]
    return runnable, runnable.apps_by_name[named[0]] if named else runnable.app


def _option(p: inspect.Parameter) -> click.Option:
    """A CLI option for a typed parameter: `x: int = 1` is `--x 1`; a bool is `--x/--no-x`."""
    annotation = p.annotation if p.annotation is not inspect.Parameter.empty else str
    if isinstance(annotation, str):
        annotation = {"int": int, "float": float, "bool": bool, "str": str}.get(annotation, str)
    option = f"--{p.name.replace('_', '-')}"
    required = p.default is inspect.Parameter.empty
    if annotation is bool:
        return click.Option(
            [f"{option}/--no-{p.name.replace('_', '-')}", p.name],
            default=None if required else p.default,
            required=required,
        )
    return click.Option(
        [option, p.name],
        type=annotation,
        required=required,
        default=None if required else p.default,
        show_default=not required,
    )


def _parameters_of(runnable: _Runnable) -> tuple[list[inspect.Parameter], list[inspect.Parameter]]:
    """(the class's parameters, the callable's own): both become options of the command."""
    from ._cls import _methods, _parameters

    if runnable.kind == "entrypoint":
        return [], list(inspect.signature(runnable.obj.raw_f).parameters.values())
    if runnable.kind == "function":
        return [], list(inspect.signature(runnable.obj.get_raw_f()).parameters.values())
    user_cls = runnable.obj._user_cls
    annotations = inspect.get_annotations(user_cls)
    fields = [
        inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=declared.default if declared.has_default else inspect.Parameter.empty,
            annotation=annotations.get(name, str),
        )
        for name, declared in _parameters(user_cls).items()
    ]
    own = list(inspect.signature(_methods(user_cls)[runnable.method]).parameters.values())[1:]  # self
    clash = {f.name for f in fields} & {p.name for p in own}
    if clash:
        raise click.UsageError(
            f"{runnable.names[0]}: {sorted(clash)[0]!r} names a parameter of the class and of the method"
        )
    return fields, own


def _is_generator(runnable: _Runnable) -> bool:
    from ._cls import _methods

    if runnable.kind == "entrypoint":
        return False
    if runnable.kind == "function":
        return bool(runnable.obj.is_generator)
    raw = _methods(runnable.obj._user_cls)[runnable.method]
    return inspect.isgeneratorfunction(raw) or inspect.isasyncgenfunction(raw)


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("target")
@click.option("--quiet", "-q", is_flag=True, help="Do not stream the containers' output")
@click.option(
    "--detach", "-d", is_flag=True, help="Keep the app running when this command exits or is killed"
)
@click.option(
    "--force",
    is_flag=True,
    help="Run even if the app's idle cost (min_containers) alone exceeds a cap of the workspace",
)
@click.pass_context
def run(ctx: click.Context, target: str, quiet: bool, detach: bool, force: bool) -> None:
    """Run an app: its local entrypoint, or one of its functions or methods.

    TARGET is FILE.py, or FILE.py::REF with REF a local entrypoint, function or method (`main`,
    `square`, `Model.predict`), one of a named app (`app.square`), or an app (`app`). Options after
    it go to what runs: its typed parameters (and a class's parameters, for a method).
    """
    path, _, ref = target.partition("::")
    module = import_file(path)
    runnable, app = _choose(module, path, ref)
    if _is_generator(runnable):
        raise click.UsageError(f"{runnable.names[0]} is a generator: `skylift run` cannot run it")
    fields, params = _parameters_of(runnable)
    command = click.Command(
        runnable.names[0].rsplit(".", 1)[-1],
        params=[_option(p) for p in [*fields, *params]],
        callback=lambda **kw: kw,
    )
    kwargs = command.main(ctx.args, prog_name=f"skylift run {target}", standalone_mode=False)
    if not isinstance(kwargs, dict):
        return  # --help
    field_values = {f.name: kwargs.pop(f.name) for f in fields}
    result = None
    with app.run(show_logs=not quiet, detach=detach, force=force):
        if not quiet:
            click.echo(f"Running {app.name or target}: {app.get_dashboard_url()}", err=True)
        if runnable.kind == "entrypoint":
            result = runnable.obj(**kwargs)
            if inspect.iscoroutine(result):  # an `async def` entrypoint
                asyncio.run(result)
        else:
            function = runnable.obj
            if runnable.kind == "method":
                function = getattr(function(**field_values), runnable.method)
            # Detached, the call goes on when this process goes away: spawn it, then wait for it.
            result = function.spawn(**kwargs).get() if detach else function.remote(**kwargs)
        if detach:
            click.echo(
                f"The app {app.app_id} keeps running (--detach): stop it in the dashboard, "
                f"{app.get_dashboard_url()}",
                err=True,
            )
    # After the app's output: leaving app.run() prints every line the call logged, and the
    # lines and the result reach this process by different long-polls.
    if runnable.kind != "entrypoint" and result is not None:
        click.echo(repr(result))


# skylift token ---------------------------------------------------------------------------------


@cli.group(cls=Group)
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


@cli.group(cls=Group)
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


@volume.command("dashboard")
@click.argument("name")
@click.option("--open", "open_browser", is_flag=True, help="Also open it in a web browser")
def volume_dashboard(name: str, open_browser: bool) -> None:
    """The URL of the volume's page in the dashboard."""
    from ._volume import Volume

    _show_url(Volume.lookup(name, client=_client()).get_dashboard_url(), open_browser)


# skylift dashboard -----------------------------------------------------------------------------

_DASHBOARD_KINDS = {"ap": "app", "fu": "function", "fc": "call", "vo": "volume"}


def _show_url(url: str, open_browser: bool) -> None:
    click.echo(url)
    if open_browser:
        import webbrowser

        webbrowser.open(url)


@cli.command()
@click.argument("object_id", required=False)
@click.option("--open", "open_browser", is_flag=True, help="Also open it in a web browser")
def dashboard(object_id: str | None, open_browser: bool) -> None:
    """The URL of the dashboard, or of an object's page in it: an app (ap-…), a function (fu-…),
    a call (fc-…) or a volume (vo-…)."""
    from ._dashboard import dashboard_url

    client = _client()
    if not object_id:
        _show_url(client.config.server_url.rstrip("/") + "/", open_browser)
        return
    kind = _DASHBOARD_KINDS.get(object_id.split("-", 1)[0])
    if kind is None:
        raise click.UsageError(
            f"{object_id!r} is not the id of an app (ap-…), a function (fu-…), a call (fc-…) or a volume (vo-…)."
        )
    _show_url(dashboard_url(client, kind, object_id), open_browser)


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


def _add_app_commands() -> None:
    from ._cli_apps import app, deploy, environment, serve
    from ._cli_billing import billing
    from ._cli_container import container
    from ._cli_sandbox import sandbox
    from ._cli_secrets import secret
    from ._cli_shell import shell
    from ._cli_state import dict_, queue_
    from ._cli_workspace import proxy_tokens, workspace

    for command in (
        deploy,
        serve,
        app,
        environment,
        secret,
        dict_,
        queue_,
        workspace,
        billing,
        sandbox,
        container,
        shell,
    ):
        cli.add_command(command)
    cli.add_command(proxy_tokens, "proxy-token")  # short for `skylift workspace proxy-tokens`


_add_app_commands()


def main() -> None:
    try:
        cli(standalone_mode=True)
    except Error as exc:
        click.echo(f"skylift: {type(exc).__name__}: {exc}", err=True)
        sys.exit(1)


if __name__ == "__main__":
    main()
