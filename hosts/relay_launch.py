"""The agent's side of sandbox launchers (hosts/sandbox_launcher.py): processes exec'd into an idle
sandbox without `docker exec`.

When an idle sandbox's container is made (hosts/services.py), the relay opens a directory for it
holding the launcher's script and a SOCK_SEQPACKET socket it listens on; the directory is mounted
read-only at /skylift/launch (the container can connect, not replace the socket), and the
container's command is LAUNCH_COMMAND: the launcher if the image has python3, else the idle
command. The launcher connects once; from then on an exec (hosts/relay_sandbox.py) makes three
pipes here, hands their far ends to the launcher with the command, and reads the process's
output from its own ends — the same frames, the same back-pressure (a pipe is read only once the
last chunk drained into the tunnel; a full pipe stops the process), no copy in between.

Nothing the launcher says is trusted beyond its own sandbox: messages are bounded, their ids
must be of execs it was handed, and a second connection while one is live is refused.
"""

from __future__ import annotations

import array
import asyncio
import contextlib
import json
import logging
import os
import shutil
import socket
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["LAUNCHERS", "LAUNCH_COMMAND", "LAUNCH_MOUNT", "Launcher", "Launchers", "Started"]

log = logging.getLogger(__name__)

LAUNCH_MOUNT = "/skylift/launch"
LAUNCH_COMMAND = [
    "sh",
    "-c",
    f"command -v python3 >/dev/null 2>&1 && python3 -I -S {LAUNCH_MOUNT}/launcher.py; exec sleep infinity",
]
SCRIPT = Path(__file__).with_name("sandbox_launcher.py")
MAX_MESSAGE = 64 * 1024


@dataclass
class Started:
    """A process the launcher runs: our ends of its pipes, and its exit code to come."""

    n: int
    stdin: int
    stdout: int
    stderr: int
    exit: asyncio.Future = field(repr=False)


class Launcher:
    """One launcher's connection."""

    def __init__(self, sandbox_id: str, sock: socket.socket) -> None:
        self.sandbox_id = sandbox_id
        self.sock = sock
        self.next_id = 0
        self.started: dict[int, asyncio.Future] = {}
        self.exits: dict[int, asyncio.Future] = {}
        self.closed = False
        self.reading: asyncio.Task | None = None

    async def read(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                data = await loop.sock_recv(self.sock, MAX_MESSAGE)
                if not data:
                    return
                message = json.loads(data)
                n = message.get("id") if isinstance(message, dict) else None
                if not isinstance(n, int):
                    continue
                if "pid" in message or "error" in message:
                    waiting = self.started.pop(n, None)
                    if waiting is not None and not waiting.done():
                        waiting.set_result(message)
                if "exit" in message and isinstance(message["exit"], int):
                    ending = self.exits.pop(n, None)
                    if ending is not None and not ending.done():
                        ending.set_result(message["exit"])
        except (OSError, ValueError):
            return
        finally:
            self.close()

    def close(self) -> None:
        self.closed = True
        for waiting in [*self.started.values(), *self.exits.values()]:
            if not waiting.done():
                waiting.set_exception(ConnectionError("the sandbox's launcher went away"))
        self.started.clear()
        self.exits.clear()
        with contextlib.suppress(OSError):
            self.sock.close()

    async def start(self, argv: list[str], *, cwd: str, env: dict[str, str]) -> Started:
        """Start `argv` in the sandbox; ConnectionError when the launcher is gone, OSError (its
        message) when the process could not start, with its exit code in `.exit` already."""
        if self.closed:
            raise ConnectionError("the sandbox's launcher went away")
        loop = asyncio.get_running_loop()
        self.next_id += 1
        n = self.next_id
        stdin_r, stdin_w = os.pipe2(os.O_CLOEXEC)
        stdout_r, stdout_w = os.pipe2(os.O_CLOEXEC)
        stderr_r, stderr_w = os.pipe2(os.O_CLOEXEC)
        started, ending = loop.create_future(), loop.create_future()
        self.started[n], self.exits[n] = started, ending
        message = json.dumps({"id": n, "argv": argv, "cwd": cwd, "env": env}).encode()
        try:
            await self._send(message, [stdin_r, stdout_w, stderr_w])
        except OSError:
            for fd in (stdin_r, stdin_w, stdout_r, stdout_w, stderr_r, stderr_w):
                os.close(fd)
            self.close()
            raise ConnectionError("the sandbox's launcher went away") from None
        finally:
            for fd in (stdin_r, stdout_w, stderr_w):
                with contextlib.suppress(OSError):
                    os.close(fd)
        try:
            await asyncio.wait_for(started, 10.0)
        except (TimeoutError, ConnectionError):
            for fd in (stdin_w, stdout_r, stderr_r):
                os.close(fd)
            raise ConnectionError("the sandbox's launcher did not answer") from None
        return Started(n, stdin_w, stdout_r, stderr_r, ending)

    async def _send(self, message: bytes, fds: list[int]) -> None:
        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds).tobytes())]
        for _ in range(1000):
            try:
                self.sock.sendmsg([message], ancillary)
                return
            except BlockingIOError:
                await asyncio.sleep(0.005)
        raise OSError("the sandbox's launcher does not read")

    def kill(self, n: int) -> None:
        """Kill process n and its group (its timeout ran out, or its caller went away)."""
        with contextlib.suppress(OSError):
            self.sock.send(json.dumps({"kill": n}).encode())


class Launchers:
    """The relay's launcher sockets, one per idle sandbox of this host."""

    def __init__(self) -> None:
        self.listeners: dict[str, asyncio.Task] = {}
        self.launchers: dict[str, Launcher] = {}
        self.directories: dict[str, Path] = {}

    def get(self, sandbox_id: str) -> Launcher | None:
        launcher = self.launchers.get(sandbox_id)
        return None if launcher is None or launcher.closed else launcher

    async def open(self, sandbox_id: str, directory: Path) -> Path:
        """Listen for the sandbox's launcher in `directory` (the relay's, beside its sockets)."""
        if sandbox_id in self.listeners:
            return self.directories[sandbox_id]
        self.directories[sandbox_id] = directory
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o755)
        shutil.copyfile(SCRIPT, directory / "launcher.py")
        os.chmod(directory / "launcher.py", 0o644)
        path = directory / "sock"
        path.unlink(missing_ok=True)
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        listener.bind(str(path))
        os.chmod(path, 0o666)  # the container's user may be any: the mount is its only way in
        listener.listen(4)
        listener.setblocking(False)
        self.listeners[sandbox_id] = asyncio.get_running_loop().create_task(
            self._accept(sandbox_id, listener)
        )
        return directory

    async def _accept(self, sandbox_id: str, listener: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        try:
            while True:
                sock, _ = await loop.sock_accept(listener)
                sock.setblocking(False)
                if self.get(sandbox_id) is not None:
                    sock.close()  # one launcher at a time
                    continue
                launcher = Launcher(sandbox_id, sock)
                try:
                    hello = json.loads(await asyncio.wait_for(loop.sock_recv(sock, MAX_MESSAGE), 10.0))
                except (TimeoutError, OSError, ValueError):
                    sock.close()
                    continue
                if not isinstance(hello, dict) or hello.get("hello") != sandbox_id:
                    sock.close()
                    continue
                self.launchers[sandbox_id] = launcher
                launcher.reading = loop.create_task(launcher.read())
        finally:
            listener.close()

    async def close(self, sandbox_id: str, directory: Path | None = None) -> None:
        """Stop listening for the sandbox's launcher and remove its folder (`directory`: where it
        is, for one opened before the relay restarted)."""
        listening = self.listeners.pop(sandbox_id, None)
        if listening is not None:
            listening.cancel()
        launcher = self.launchers.pop(sandbox_id, None)
        if launcher is not None:
            launcher.close()
        directory = self.directories.pop(sandbox_id, None) or directory
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)


LAUNCHERS = Launchers()
