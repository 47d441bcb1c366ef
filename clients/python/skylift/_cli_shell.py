"""`skylift shell`: an interactive shell in a new sandbox (from a function's image, a registry
image, or debian_slim), or in a running sandbox (`sb-...`) or function container (`ta-...`), as
Modal's `modal shell`. The shell runs in a terminal of its own through the host agent (`exec`
with a pty); this terminal is raw meanwhile, and its size follows."""

from __future__ import annotations

import shlex
import sys
from typing import Any

import click

__all__ = ["shell"]

# bash where the image has it, else sh: what a person at a terminal expects first.
DEFAULT_SHELL = ["/bin/sh", "-c", "if command -v bash >/dev/null 2>&1; then exec bash; else exec sh; fi"]


@click.command("shell")
@click.argument("ref", required=False)
@click.option("-c", "--cmd", default=None, help="The command to run instead of a shell, e.g. 'python3'")
@click.option("--image", default=None, help="A new sandbox from this registry image, e.g. python:3.12-slim")
@click.option("--cpu", type=float, default=None, help="CPU cores of a new sandbox")
@click.option("--memory", type=int, default=None, help="MiB of memory of a new sandbox")
@click.option("--timeout", type=int, default=3600, show_default=True, help="Seconds a new sandbox may live")
@click.option(
    "--pty/--no-pty", default=None, help="Run it in a terminal (the default when this one is a terminal)"
)
def shell(
    ref: str | None,
    cmd: str | None,
    image: str | None,
    cpu: float | None,
    memory: int | None,
    timeout: int,
    pty: bool | None,
) -> None:
    """Open a shell in a new sandbox, or in a running one.

    REF is a sandbox (sb-...) or a function's container (ta-...) to enter, or FILE.py::FUNCTION
    whose image, secrets, volumes, GPU, CPU and memory a new sandbox takes; without REF, a new sandbox of --image
    or debian_slim. A new sandbox is terminated when the shell exits; the exit code is the shell's.
    """
    from ._cli_sandbox import run_in_terminal
    from ._client import Client
    from ._sandbox import Sandbox, exec_open

    command = shlex.split(cmd) if cmd else list(DEFAULT_SHELL)
    if not command:
        raise click.UsageError("--cmd is empty")
    tty = sys.stdin.isatty() if pty is None else pty
    client = Client.from_env()
    if ref and ref.startswith(("sb-", "ta-")):
        if image or cpu is not None or memory is not None:
            raise click.UsageError("--image, --cpu and --memory are for a new sandbox, not a running one")
        if ref.startswith("sb-"):
            process = Sandbox.from_id(ref, client=client).exec(*command, text=False, pty=tty)
        else:
            process = exec_open(client, f"tasks/{ref}", command, text=False, tty=tty)
        sys.exit(run_in_terminal(process, pty=tty))
    options = _function_options(ref) if ref else {}
    if image:
        from ._image import Image

        options["image"] = Image.from_registry(image)
    created = Sandbox.create(
        image=options.get("image"),
        cpu=cpu if cpu is not None else options.get("cpu"),
        memory=memory if memory is not None else options.get("memory"),
        gpu=options.get("gpu"),
        secrets=options.get("secrets", ()),
        volumes=options.get("volumes"),
        timeout=timeout,
        client=client,
    )
    click.echo(f"Sandbox {created.object_id} is ready.", err=True)
    try:
        process = created.exec(*command, text=False, pty=tty)
        code = run_in_terminal(process, pty=tty)
    finally:
        created.terminate()
    sys.exit(code)


def _function_options(ref: str) -> dict[str, Any]:
    """What a new sandbox takes from the function (or class) FILE.py::NAME names, as Modal's
    `modal shell` does: its image, secrets, volumes, GPU, CPU and memory."""
    from ._import_file import import_file

    path, _, name = ref.partition("::")
    if not path.endswith(".py"):
        raise click.UsageError(
            f"{ref!r} is neither a sandbox (sb-...), a container (ta-...) nor FILE.py::FUNCTION"
        )
    module = import_file(path)
    from ._cls import Cls
    from ._function import Function

    functions = {n: v for n, v in vars(module).items() if isinstance(v, (Function, Cls))}
    if not name:
        if len(functions) != 1:
            raise click.UsageError(
                f"{path} defines {len(functions)} functions: say which, e.g. {path}::{next(iter(functions), 'f')}"
            )
        name = next(iter(functions))
    function = functions.get(name)
    if function is None:
        raise click.UsageError(f"{path} has no function {name!r} (it has: {', '.join(functions) or 'none'})")
    options = function._options
    out: dict[str, Any] = {
        "image": options.get("image"),
        "secrets": list(options.get("secrets") or ()),
        "volumes": dict(options.get("volumes") or {}),
        "gpu": list(options.get("gpu") or ()) or None,
    }
    for key in ("cpu", "memory"):
        if options.get(key):
            request, limit = options[key]  # a sandbox takes the same (reservation, limit)
            out[key] = request if limit is None else (request, limit)
    return out
