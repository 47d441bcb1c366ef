"""`skylift serve FILE`: an ephemeral app that redeploys itself whenever its source changes.

It is a deploy (`App._deploy_to`, the server's versions, retirements and successor pointers) into
an ephemeral app: the first deploy makes the app, each change of a Python file under the file's
folder deploys it again in place (calls in flight finish on the version they started on). The
client sends heartbeats as `skylift run` does, so the server stops the app if the client goes
away; Ctrl-C stops it at once.

Changes are watched with watchfiles (the file watcher uvicorn uses, a Rust notify binding: events
from the OS, no polling) and debounced: a burst of writes (an editor's save, a `git checkout`)
makes one redeploy, once no change came for DEBOUNCE_QUIET_MS.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._exceptions import Error

if TYPE_CHECKING:
    from ._app import App
    from ._client import Client

__all__ = ["serve", "served_urls"]

# A change is acted on once no other came for this long; a steady stream of changes waits at most
# DEBOUNCE_MAX_MS before the redeploy.
DEBOUNCE_QUIET_MS = 300
DEBOUNCE_MAX_MS = 1600


def served_urls(server_url: str, answer: dict[str, Any]) -> list[tuple[str, str]]:
    """What to print for each function of a served app: its name and how to call it.

    A web endpoint's URL (the `-dev` one of a served app); for the others, their JSON call URL
    (`POST`), by the app's id.
    """
    app_id = answer["app"]["id"]
    base = server_url.rstrip("/")
    found: list[tuple[str, str]] = []
    for function in answer["functions"]:
        name = function["name"]
        web = function.get("web_urls") or {}
        methods = sorted((function.get("definition") or {}).get("methods") or {})
        for method in methods or [""]:
            called = f"{name}.{method}" if method else name
            if method in web:
                found.append((called, web[method]))
            else:
                found.append((called, f"POST {base}/api/v1/apps/{app_id}/functions/{called}/call"))
    return found


def _forget_modules_under(folder: Path) -> None:
    """Drop the modules imported from `folder`, and every packed source, so that the next import
    and the next deploy read the files again."""
    from ._mount import forget_sources

    forget_sources()
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file and Path(file).resolve().is_relative_to(folder):
            del sys.modules[name]


def serve(
    target: str,
    *,
    name: str | None,
    environment_name: str | None,
    load_app: Callable[[str, str], App],
    client: Client,
    echo: Callable[[str], None] = click.echo,
    changes: Callable[[Path, threading.Event], Iterable[set[Any]]] | None = None,
    force: bool = False,
) -> None:
    """Deploy TARGET into an ephemeral app, redeploy it on every change, stop it on Ctrl-C.

    `load_app(path, ref)` imports the file and returns its App (as `skylift deploy` finds it).
    A redeploy that fails (the file does not parse, an image does not build) is reported and
    the app keeps running its last good version. `force`: deploy even if the app's idle cost alone
    exceeds a cap (docs/billing.md).
    """
    from ._app import App

    path, _, ref = target.partition("::")
    folder = Path(path).resolve().parent
    app_obj = load_app(path, ref)
    app_name = name or app_obj.name or Path(path).stem
    answer = app_obj._deploy_to(
        client, name=app_name, environment_name=environment_name, ephemeral=True, force=force
    )
    app_id: str = answer["app"]["id"]
    stop = threading.Event()
    threading.Thread(
        target=App._heartbeat, args=(client.clone(), app_id, stop), name="skylift-heartbeat", daemon=True
    ).start()
    try:
        echo(
            f"Serving {app_name} ({app_id}) v{answer['version']['number']}; edit {path} to redeploy, Ctrl-C to stop."
        )
        _print_urls(client, answer, echo)
        for changed in (changes or _watch)(folder, stop):
            echo(f"{len(changed)} change(s) in {folder}: redeploying {app_name}…")
            try:
                _forget_modules_under(folder)
                answer = load_app(path, ref)._deploy_to(
                    client, name=app_name, environment_name=environment_name, app_id=app_id, force=force
                )
            except (Error, click.UsageError, SyntaxError, ImportError) as exc:
                echo(f"Not redeployed, {app_name} runs its last version: {exc}")
                continue
            except Exception as exc:  # noqa: BLE001 - the user's module raised while importing
                echo(f"Not redeployed, {app_name} runs its last version: {type(exc).__name__}: {exc}")
                continue
            version = answer["version"]["number"]
            echo(
                f"Redeployed {app_name} v{version}."
                if answer["changed"]
                else f"{app_name} is unchanged (v{version})."
            )
            _print_urls(client, answer, echo)
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            client.app_stop(app_id)
        echo(f"Stopped {app_name} ({app_id}).")


def _print_urls(client: Client, answer: dict[str, Any], echo: Callable[[str], None]) -> None:
    for called, url in served_urls(client.config.server_url, answer):
        echo(f"  {called}  {url}")


def _watch(folder: Path, stop: threading.Event) -> Iterable[set[Any]]:
    from watchfiles import PythonFilter, watch

    return watch(
        folder,
        watch_filter=PythonFilter(),
        debounce=DEBOUNCE_MAX_MS,
        step=DEBOUNCE_QUIET_MS,
        stop_event=stop,
        raise_interrupt=True,
    )
