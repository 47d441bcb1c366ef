"""Secrets into a sandbox's processes without Docker seeing them (DESIGN.md: secrets as ciphertext).

A function's container gets its secrets from its relay socket, which its runtime reads. A
sandbox runs no runtime, so its host agent decrypts the sandbox's token (and an exec's own) and
hands the variables to the process through its stdin: the process starts as

    sh -c LOADER skylift-env COMMAND...

and LOADER reads `NAME=VALUE` lines up to an empty line, exports them, and `exec`s the command,
whose stdin is then what follows (an exec's caller's stdin; /dev/null for the sandbox's own
command, whose variables come over Docker's attach stream).
The values travel over Docker's attach or exec stream only: they are in no container or exec
config, so neither `docker inspect` nor the engine's logs ever hold them. The shell's `read`
takes one byte at a time from a pipe, so nothing after the empty line is consumed.

Values are written with every byte but letters and digits as a `\\0ooo` escape that `printf %b`
turns back, so a value may hold newlines, quotes or any other character but NUL (which no
environment holds). The image needs a POSIX shell, as the sandbox's file operations do.

A process with a terminal (`tty`) would see its input echoed: the loader turns echo off first
(`stty -echo`), prints READY, and the agent writes the variables only once READY came out.
"""

from __future__ import annotations

from vault import keys

__all__ = ["READY", "block", "decrypt", "wrap"]

READY = b"\x1b[0m\x1b[0m"  # the loader's sign that echo is off (an exec with a terminal); invisible

_READ = (
    'while IFS= read -r skylift_line; do [ -n "$skylift_line" ] || break; '
    "skylift_value=$(printf '%bx' \"${skylift_line#*=}\"); "
    'export "${skylift_line%%=*}=${skylift_value%x}"; done; '
    "unset skylift_line skylift_value; "
)
LOADER = _READ + 'exec "$@"'
# A sandbox's own command: its stdin stays open to the agent's attach, so it gets /dev/null
# instead, as a container started without an open stdin does.
MAIN_LOADER = _READ + 'exec "$@" </dev/null'
TTY_LOADER = (
    "stty -echo 2>/dev/null; printf '\\033[0m\\033[0m'; " + _READ + 'stty echo 2>/dev/null; exec "$@"'
)
_PLAIN = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def wrap(command: list[str], *, tty: bool = False, main: bool = False) -> list[str]:
    """The command, started by the loader (`main`: as the sandbox's own command)."""
    return ["sh", "-c", MAIN_LOADER if main else TTY_LOADER if tty else LOADER, "skylift-env", *command]


def _escaped(value: str) -> str:
    return "".join(chr(b) if b in _PLAIN else f"\\0{b:03o}" for b in value.encode())


def block(env: dict[str, str]) -> bytes:
    """What the loader reads: one line a variable, then an empty line."""
    return "".join(f"{name}={_escaped(value)}\n" for name, value in env.items()).encode() + b"\n"


def decrypt(tokens: list[bytes | memoryview | None]) -> dict[str, str]:
    """The environment of these tokens (a sandbox's, then an exec's: later ones win)."""
    env: dict[str, str] = {}
    for token in tokens:
        if token:
            env.update({str(k): str(v) for k, v in keys.decrypt(bytes(token)).items()})
    return env
