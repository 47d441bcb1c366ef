"""`skylift deploy`, `skylift app …` and `skylift environment …`: deployed apps from the command line."""

from __future__ import annotations

import json
from typing import Any

import click

__all__ = ["app", "deploy", "environment", "serve"]

_ENV = click.option(
    "--env", "-e", "env", default=None, help="The environment (default: SKYLIFT_ENVIRONMENT, or main)"
)
_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table")


def _client():
    from ._client import Client

    return Client.from_env()


def _env(env: str | None) -> str | None:
    from ._config import environment_name

    return env or environment_name()


def _table(*columns: str):
    from rich.table import Table

    return Table(*columns, box=None)


def _print(renderable: Any) -> None:
    from rich.console import Console

    Console().print(renderable)


def _deployed_app(module: Any, path: str, ref: str) -> Any:
    """The App FILE[::app] names: the variable `ref`, or the file's only App."""
    from ._app import App

    apps = {var: obj for var, obj in vars(module).items() if isinstance(obj, App)}
    if ref:
        if ref not in apps:
            raise click.UsageError(f"{path} has no App named {ref!r}; it has: {', '.join(apps) or 'none'}")
        return apps[ref]
    if not apps:
        raise click.UsageError(f"{path} defines no skylift.App to deploy")
    distinct = {id(a): a for a in apps.values()}
    if len(distinct) > 1:
        raise click.UsageError(
            f"{path} defines {len(distinct)} apps ({', '.join(apps)}): name the one to deploy, "
            f"`skylift deploy {path}::{next(iter(apps))}`"
        )
    return next(iter(apps.values()))


@click.command()
@click.argument("target")
@click.option("--name", default=None, help="Deploy under this name (default: the App's name)")
@_ENV
@click.option("--tag", default="", help="A label for this version (a release number, a ticket)")
@click.option(
    "--force",
    is_flag=True,
    help="Deploy even if the app's idle cost alone exceeds its cap (or the workspace's)",
)
def deploy(target: str, name: str | None, env: str | None, tag: str, force: bool) -> None:
    """Deploy an app: it runs until stopped, and its functions can be called by name.

    TARGET is FILE.py, or FILE.py::APP with APP the variable holding the App. Deploying an app
    that runs this already changes nothing; otherwise the deploy is a new version (v1, v2, …).
    """
    import time

    from ._client import Client
    from ._dashboard import dashboard_url
    from ._import_file import import_file

    started = time.monotonic()
    path, _, ref = target.partition("::")
    try:
        module = import_file(path)
    except SyntaxError as exc:
        raise click.UsageError(
            f"{path} does not parse: {exc.msg} (line {exc.lineno}); nothing was deployed"
        ) from None
    app_obj = _deployed_app(module, path, ref)
    app_name = name or app_obj.name or path.rsplit("/", 1)[-1].removesuffix(".py")
    answer = app_obj._deploy_to(
        Client.from_env(), name=app_name, environment_name=_env(env), tag=tag, force=force
    )
    version, app_row = answer["version"], answer["app"]
    took = time.monotonic() - started
    if answer["changed"]:
        click.echo(f"Deployed {app_name} v{version['number']} ({version['id']}) in {took:.1f}s.")
    else:
        click.echo(f"{app_name} is unchanged: v{version['number']} runs this already ({took:.1f}s).")
    click.echo(f"  Dashboard: {app_obj.get_dashboard_url()}")
    for function in answer["functions"]:
        click.echo(
            f"  {function['name']}  {function['id']}  {dashboard_url(app_obj._client, 'function', function['id'])}"
        )
        echo_web_urls(function)
    echo_standing_cost(answer["standing_cost"])
    click.echo(f"Call it from anywhere: skylift.Function.from_name({app_name!r}, NAME)", err=True)
    del app_row


def echo_standing_cost(cost: dict[str, Any], *, exceeded: str = "deployed with --force") -> None:
    """What the deployed app costs while idle, and what its caps allow (docs/billing.md)."""
    warm = sum(f["idle_containers"] for f in cost["functions"])
    click.echo(
        f"  Idle cost: ${cost['per_hour']:.4f} an hour, ${cost['per_month']:.2f} a month "
        f"({warm} container{'s' if warm != 1 else ''} kept warm by min_containers)"
    )
    if cost["buffer_per_hour"]:
        click.echo(f"  While serving: ${cost['buffer_per_hour']:.4f} an hour more (buffer_containers)")
    for cap in cost["caps"]:
        whose = "The app's" if cap["scope"] == "app" else "The workspace's"
        period = "daily" if cap["period"] == "day" else "monthly"
        over = f" (exceeded by the idle cost alone: {exceeded})" if cap["exceeded"] else ""
        click.echo(
            f"  {whose} {period} cap of ${cap['limit_usd']:.2f} allows ${cap['allows_per_hour']:.4f} an hour{over}"
        )


def _load_app(path: str, ref: str) -> Any:
    """Import FILE (afresh) and return the App FILE[::app] names, as `skylift deploy` finds it."""
    from ._import_file import import_file

    try:
        module = import_file(path)
    except SyntaxError as exc:
        raise click.UsageError(f"{path} does not parse: {exc.msg} (line {exc.lineno})") from None
    return _deployed_app(module, path, ref)


@click.command()
@click.argument("target")
@click.option("--name", default=None, help="Serve under this name (default: the App's name)")
@_ENV
@click.option(
    "--force",
    is_flag=True,
    help="Serve (and redeploy) even if the app's idle cost alone exceeds a cap of the workspace",
)
def serve(target: str, name: str | None, env: str | None, force: bool) -> None:
    """Run an app that redeploys itself whenever its source changes, until Ctrl-C.

    TARGET is FILE.py or FILE.py::APP. The app is ephemeral: Ctrl-C stops it, and so does the
    server when this command goes away. Its functions are printed with their JSON call URLs.
    """
    import sys

    from ._serve import serve as serve_app

    try:
        serve_app(
            target,
            name=name,
            environment_name=_env(env),
            load_app=_load_app,
            client=_client(),
            force=force,
        )
    except KeyboardInterrupt:
        sys.exit(0)


@click.group()
def app() -> None:
    """Deployed and running apps: list, stop, logs, history, rollback, schedules and run-now."""


def _lookup(client: Any, name: str, env: str | None) -> dict[str, Any]:
    """A deployed app by name, or a running (ephemeral) app by id."""
    if name.startswith("ap-"):
        found: dict[str, Any] = client.app_get(name)
        return found
    looked_up: dict[str, Any] = client.app_lookup(name, environment=_env(env))
    return looked_up


@app.command("list")
@_ENV
@_JSON
@click.option("--all", "show_all", is_flag=True, help="Stopped apps too")
def app_list(env: str | None, as_json: bool, show_all: bool) -> None:
    """The apps of the environment: deployed ones first, then running ephemeral ones."""
    apps = _client().app_list(environment=_env(env) or "main")
    if not show_all:
        apps = [a for a in apps if a["state"] != "stopped"]
    apps.sort(key=lambda a: (a["state"] != "deployed", a["state"] != "ephemeral"))
    if as_json:
        click.echo(json.dumps(apps, indent=2, default=str))
        return
    table = _table("Name", "Id", "State", "Version", "Functions", "Created")
    for a in apps:
        version = f"v{a['live_version']}" if a.get("live_version") else ""
        table.add_row(
            a["name"], a["id"], a["state"], version, str(a["function_count"]), str(a["created_at"])[:19]
        )
    _print(table)


@app.command("stop")
@click.argument("name")
@_ENV
def app_stop(name: str, env: str | None) -> None:
    """Stop an app (by name, or a running app by id): its calls are cancelled and containers stop."""
    client = _client()
    found = _lookup(client, name, env)
    client.app_stop(found["id"])
    click.echo(f"Stopped {found['name']} ({found['id']}).")


@app.command("history")
@click.argument("name")
@_ENV
@_JSON
def app_history(name: str, env: str | None, as_json: bool) -> None:
    """The versions of a deployed app, newest first."""
    client = _client()
    found = _lookup(client, name, env)
    versions = client.app_versions(found["id"])
    if as_json:
        click.echo(json.dumps(versions, indent=2, default=str))
        return
    table = _table("Version", "Id", "Deployed", "By", "Tag", "Commit", "Note", "Cold start", "Vs previous")
    for v in versions:
        live = " (live)" if v["number"] == found.get("live_version") else ""
        commit = (v.get("git_commit") or "")[:10] + ("-dirty" if v.get("git_dirty") else "")
        note = f"rollback to v{v['rollback_of']}" if v.get("rollback_of") else ""
        table.add_row(
            f"v{v['number']}{live}",
            v["id"],
            str(v["created_at"])[:19],
            v.get("created_by") or "",
            v.get("tag") or "",
            commit,
            note,
            *_cold_starts(v.get("cold_starts") or {}, v["number"]),
        )
    _print(table)
    flagged = [v["number"] for v in versions if (v.get("cold_starts") or {}).get("flagged")]
    if flagged:
        shown = ", ".join(f"v{n}" for n in flagged)
        click.secho(
            f"Cold starts of {shown} are more than 1.5x slower than the version before (median).",
            fg="red",
            err=True,
        )


def _cold_starts(record: dict[str, Any], number: int) -> tuple[str, str]:
    """A version's cold starts (median and p90 of its latest containers) and the change from the
    previous version's median, as table cells."""
    if not record.get("count"):
        return "", ""
    figures = f"{record['median']:.2f}s, p90 {record['p90']:.2f}s (n={record['count']})"
    if record.get("previous_median") is None:
        return figures, ""
    ratio = record.get("ratio")
    versus = f"{ratio:.1f}x v{number - 1} ({record['previous_median']:.2f}s)" if ratio is not None else ""
    return figures, ("[bold red]! [/]" + versus if record.get("flagged") else versus)


@app.command("rollback")
@click.argument("name")
@click.argument("version", required=False)
@_ENV
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show what the rollback would change (code, image, settings); change nothing",
)
@click.option(
    "--force",
    is_flag=True,
    help="Roll back even if the restored version's idle cost alone exceeds the app's cap (or the workspace's)",
)
@_JSON
def app_rollback(
    name: str, version: str | None, env: str | None, dry_run: bool, force: bool, as_json: bool
) -> None:
    """Make a new version that runs what VERSION ran (v3 or 3; the previous version by default).

    With --dry-run, show the difference between the live version and VERSION (source files, image
    steps, resources, autoscaler and other settings, functions added or removed) and what a rollback
    restores and what it does not; nothing is changed. A rollback whose restored version's idle
    cost alone exceeds a cap is refused, as a deploy is, unless --force.
    """
    client = _client()
    found = _lookup(client, name, env)
    number = None
    if version is not None:
        try:
            number = int(version.removeprefix("v"))
        except ValueError:
            raise click.UsageError(f"{version!r} is not a version: give its number, as v3 or 3") from None
    if dry_run:
        preview = client.app_rollback_preview(found["id"], number)
        if as_json:
            click.echo(json.dumps(preview, indent=2, default=str))
        else:
            _print_preview(preview, env)
        return
    made = client.app_rollback(found["id"], number, force=force)
    if as_json:
        click.echo(json.dumps(made, indent=2, default=str))
        return
    click.echo(
        f"Rolled {found['name']} back to v{made['rollback_of']}: it is now v{made['number']} ({made['id']})."
    )


def _print_diff(text: str) -> None:
    colours = {"+": "green", "-": "red", "@": "cyan"}
    for line in text.splitlines():
        bold = line.startswith(("+++", "---"))
        click.secho(line, fg=None if bold else colours.get(line[:1]), bold=bold)


def _print_preview(preview: dict[str, Any], env: str | None) -> None:
    live, target = preview["live"]["number"], preview["target"]["number"]
    click.secho(
        f"Rollback preview of {preview['app']}: v{live} (live) -> v{target}. Nothing was changed.", bold=True
    )
    click.echo(f"A rollback would make v{preview['new_number']}, running what v{target} ran.")
    if preview["identical"]:
        click.echo(f"v{target} runs exactly what v{live} runs: only the version number would change.")
    if preview["added"] or preview["removed"] or preview["changed"]:
        click.secho("\nFunctions and classes", bold=True)
        for function in preview["added"]:
            click.secho(f"  + {function}  (brought back)", fg="green")
        for function in preview["removed"]:
            click.secho(f"  - {function}  (stops)", fg="red")
        for change in preview["changed"]:
            categories = sorted({c["category"] for c in change["changes"]})
            click.echo(f"  ~ {change['name']}  ({', '.join(categories)})")
    if preview["files"]:
        click.secho("\nSource files", bold=True)
        for file in preview["files"]:
            click.echo(
                f"  {file['change']:<8} {file['path']}" + (f"  ({file['note']})" if file["note"] else "")
            )
        for file in preview["files"]:
            if file["diff"]:
                _print_diff(file["diff"])
    if preview["changed"]:
        click.secho("\nImage and settings", bold=True)
        for change in preview["changed"]:
            _print_diff(change["diff"])
    click.secho("\nA rollback restores:", bold=True)
    for item in preview["restores"]:
        click.echo(f"  - {item}")
    click.secho("It does not restore:", bold=True)
    for item in preview["does_not_restore"]:
        click.echo(f"  - {item}")
    cost = preview["standing_cost"]
    click.secho(f"\nStanding cost of v{target}", bold=True)
    echo_standing_cost(cost, exceeded="a rollback is refused unless --force")
    over = any(cap["exceeded"] for cap in cost["caps"])
    again = (
        f"skylift app rollback {preview['app']} v{target}"
        + (f" --env {env}" if env else "")
        + (" --force" if over else "")
    )
    click.echo(f"\nTo roll back: {again}")


@app.command("logs")
@click.argument("name")
@_ENV
@click.option("--follow", "-f", is_flag=True, help="Keep printing new lines until interrupted")
@click.option("--lines", "-n", default=200, show_default=True, help="Print the newest N lines (0: all kept)")
@click.option("--timestamps", "-t", is_flag=True, help="Start each line with its time (UTC)")
@click.option("--function", "function_id", default=None, help="Only this function's lines (its id)")
@click.option("--stream", type=click.Choice(["stdout", "stderr"]), default=None, help="Only this stream")
@click.option("--grep", "q", default=None, help="Only lines containing this text (any case)")
def app_logs(
    name: str,
    env: str | None,
    follow: bool,
    lines: int,
    timestamps: bool,
    function_id: str | None,
    stream: str | None,
    q: str | None,
) -> None:
    """The log lines of an app's containers (kept SKYLIFT_LOG_RETENTION_DAYS days), as the
    dashboard's Logs page shows them."""
    from ._cli_logs import print_logs

    client = _client()
    found = _lookup(client, name, env)
    print_logs(
        client,
        lines=lines,
        follow=follow,
        timestamps=timestamps,
        app=found["id"],
        function=function_id or "",
        stream=stream or "",
        q=q or "",
    )


@app.command("schedules")
@click.argument("name")
@_ENV
@_JSON
def app_schedules(name: str, env: str | None, as_json: bool) -> None:
    """The schedules of a deployed app's functions, with their last and next runs (UTC)."""
    client = _client()
    found = _lookup(client, name, env)
    functions = client.app_schedules(found["id"])
    if as_json:
        click.echo(json.dumps(functions, indent=2, default=str))
        return
    if not functions:
        click.echo(f"{found['name']} has no scheduled functions.")
        return
    table = _table("Function", "Schedule", "Last run", "Last call", "Next run")
    for f in functions:
        table.add_row(
            f["name"],
            _schedule_text(f["schedule"]),
            str(f.get("last_run_at") or "")[:19],
            f.get("last_run_call_id") or "",
            str(f.get("next_run_at") or "")[:19],
        )
    _print(table)


def _schedule_text(schedule: dict[str, Any]) -> str:
    if "cron" in schedule:
        zone = schedule.get("timezone") or "UTC"
        return f"cron {schedule['cron']}" + ("" if zone == "UTC" else f" ({zone})")
    units = schedule.get("period") or {}
    return "every " + " ".join(f"{v:g} {k}" for k, v in units.items() if v)


@app.command("run-now")
@click.argument("name")
@click.argument("function")
@_ENV
def app_run_now(name: str, function: str, env: str | None) -> None:
    """Run a scheduled FUNCTION of the deployed app NAME once, now (its schedule goes on as before)."""
    client = _client()
    found = client.function_lookup(name, function, environment=_env(env))
    call = client.function_run_now(found["id"])
    click.echo(f"Running {function} of {name} now: call {call['id']}.")


@click.group()
def environment() -> None:
    """Environments: namespaces of apps (main, dev, staging, …)."""


@environment.command("list")
@_JSON
def environment_list(as_json: bool) -> None:
    """The workspace's environments."""
    found = _client().environment_list()
    if as_json:
        click.echo(json.dumps(found, indent=2, default=str))
        return
    table = _table("Name", "Id", "Created")
    for e in found:
        table.add_row(e["name"], e["id"], str(e["created_at"])[:19])
    _print(table)


@environment.command("create")
@click.argument("name")
def environment_create(name: str) -> None:
    """Create an environment."""
    made = _client().environment_create(name)
    click.echo(f"Created the environment {name} ({made['id']}).")


@environment.command("delete")
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask")
def environment_delete(name: str, yes: bool) -> None:
    """Delete an environment that has no deployed apps."""
    if not yes:
        click.confirm(f"Delete the environment {name}?", abort=True)
    _client().environment_delete(name)
    click.echo(f"Deleted the environment {name}.")


def echo_web_urls(function: dict[str, Any]) -> None:
    """The URL of each of a function's web endpoints (a class's, one per web method)."""
    custom = function.get("web_custom_urls") or {}
    for method, url in sorted((function.get("web_urls") or {}).items()):
        click.echo(f"    {function['name'] + '.' + method if method else 'web'}  {url}")
        for custom_url in custom.get(method, []):
            click.echo(f"    {'':{len(function['name'] + '.' + method) if method else 3}}  {custom_url}")
