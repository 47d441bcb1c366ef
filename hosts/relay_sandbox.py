"""Processes `exec`'d into sandboxes, through the host agent: the relay's side.

A sandbox's container has no route to the platform, and the platform none into it. The control
plane reaches a sandbox's host agent through the same TCP listener as the web gateway's tunnels
(hosts/relay_web.py, SKYLIFT_AGENT_WEB_BIND): its first line is a JSON request naming the sandbox
and the command, signed with a key derived from SECRET_KEY. The agent starts the process with
`docker exec` (the container's namespaces, cgroup, dropped capabilities and no-new-privileges:
the same isolation as the sandbox's own command) and from then on the tunnel carries frames:

    1 byte kind | 4 bytes big-endian length | payload
    kind 0 (to the agent): stdin bytes; an empty payload closes stdin
    kind 1, 2 (from the agent): stdout, stderr bytes
    kind 4 (from the agent): the process ran past its timeout and was killed (before kind 3)
    kind 3 (from the agent): the exit code, as ASCII digits; the last frame
    kind 5 (to the agent): a terminal's new size, "ROWS COLS" in ASCII (with a TTY only)

With `"tty": true` the process gets a terminal (`docker exec -t`, for `skylift container exec
--pty`): its output is one stream, sent as kind 1, and the caller's terminal size follows it.

A process that outlives its `timeout`, or whose caller goes away (the tunnel closes before the
process ends), is killed: its PID on the host comes from `docker exec`'s inspection.

Back-pressure, both ways: the agent reads the process's output only once the previous chunk has
drained into the tunnel, so a process printing 1 GB waits on its pipe instead of filling the
agent's memory (at most one CHUNK per exec is held here).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
import json
import logging
import struct

from django.conf import settings

from . import sandbox_env
from .relay_launch import LAUNCHERS, Launcher, Started

__all__ = [
    "CHUNK",
    "KIND_EXIT",
    "KIND_STDERR",
    "KIND_STDIN",
    "KIND_STDOUT",
    "KIND_RESIZE",
    "KIND_TIMED_OUT",
    "agent_key",
    "exec_signature",
    "frame",
    "read_frame",
    "port_signature",
    "query_signature",
    "serve_exec",
    "snapshot_signature",
]

log = logging.getLogger(__name__)

KIND_STDIN, KIND_STDOUT, KIND_STDERR, KIND_EXIT, KIND_TIMED_OUT, KIND_RESIZE = 0, 1, 2, 3, 4, 5
CHUNK = 64 * 1024
HEADER = struct.Struct(">BI")
# A stdin frame larger than this is refused (the SDK sends at most CHUNK at a time).
MAX_FRAME = 1024 * 1024


def agent_key(host_name: str) -> str:
    """Redis: the address the host's agent listens on for tunnels (refreshed while it runs)."""
    return f"skylift:agent:tunnels:{host_name}"


def _key() -> bytes:
    return hashlib.sha256(b"skylift-sandbox-exec\0" + settings.SECRET_KEY.encode()).digest()


def exec_signature(
    sandbox_id: str,
    container_id: str,
    command: list[str],
    workdir: str,
    timeout: int | None = None,
    tty: bool = False,
    env: list[str] | None = None,
    variables: dict[str, str] | None = None,
) -> str:
    message = json.dumps(
        [
            sandbox_id,
            container_id,
            command,
            workdir,
            timeout,
            *(["tty"] if tty else []),
            *(["env", env] if env else []),
            *(["vars", variables] if variables else []),
        ],
        sort_keys=True,
    ).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def snapshot_signature(sandbox_id: str, container_id: str, ref: str) -> str:
    message = json.dumps(["snapshot", sandbox_id, container_id, ref]).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def port_signature(sandbox_id: str, container_id: str, port: int) -> str:
    message = json.dumps(["port", sandbox_id, container_id, port]).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def query_signature(op: str, sandbox_id: str, container_id: str) -> str:
    message = json.dumps([op, sandbox_id, container_id]).encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def frame(kind: int, payload: bytes = b"") -> bytes:
    return HEADER.pack(kind, len(payload)) + payload


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes] | None:
    """The next frame, or None at the end of the stream."""
    try:
        head = await reader.readexactly(HEADER.size)
    except asyncio.IncompleteReadError:
        return None
    kind, size = HEADER.unpack(head)
    if size > MAX_FRAME:
        raise ValueError(f"a frame of {size} bytes")
    return kind, (await reader.readexactly(size)) if size else b""


async def serve_exec(request: dict, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """Run the request's command in its sandbox's container and carry its streams over the tunnel
    (or, for `"op": "snapshot"`, commit its filesystem as an image; for `"op": "port"`, connect
    the tunnel to one of its ports)."""
    from . import docker_client

    if request.get("op") == "snapshot":
        await _serve_snapshot(request, writer)
        return
    if request.get("op") == "port":
        await _serve_port(request, reader, writer)
        return
    if request.get("op") in ("logs", "processes"):
        await _serve_query(request, writer)
        return

    sandbox_id = str(request.get("sandbox", ""))
    container_id = str(request.get("container", ""))
    command = request.get("command")
    workdir = str(request.get("workdir", ""))
    timeout = request.get("timeout")
    tty = request.get("tty") is True
    if not isinstance(command, list) or not command or not all(isinstance(a, str) for a in command):
        await _refuse(writer, "bad command")
        return
    if timeout is not None and (not isinstance(timeout, int) or isinstance(timeout, bool) or timeout <= 0):
        await _refuse(writer, "bad timeout")
        return
    env_tokens = request.get("env") or []
    if not isinstance(env_tokens, list) or not all(isinstance(t, str) for t in env_tokens):
        await _refuse(writer, "bad env")
        return
    variables = request.get("vars") or {}
    if not isinstance(variables, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in variables.items()
    ):
        await _refuse(writer, "bad vars")
        return
    expected = exec_signature(sandbox_id, container_id, command, workdir, timeout, tty, env_tokens, variables)
    if not hmac.compare_digest(str(request.get("sig", "")), expected):
        await _refuse(writer, "bad signature")
        return
    secret_env: dict[str, str] = {}
    if env_tokens:
        # The sandbox's secrets and the exec's own, as ciphertext until here (hosts/sandbox_env.py).
        try:
            secret_env = sandbox_env.decrypt([t.encode() for t in env_tokens])
        except Exception as exc:  # noqa: BLE001 - a key that no longer reads them: said to the caller
            await _refuse(writer, f"could not read the secrets: {type(exc).__name__}")
            return
        if secret_env:
            command = sandbox_env.wrap(command, tty=tty)
    launcher = None if tty else LAUNCHERS.get(sandbox_id)
    if launcher is not None and launcher.sandbox_id == sandbox_id:
        try:
            started = await launcher.start(command, cwd=workdir, env=variables)
        except ConnectionError:
            log.info("the launcher of %s went away: this exec goes through docker exec", sandbox_id)
        else:
            await _serve_launched(launcher, started, sandbox_id, timeout, secret_env, reader, writer)
            return
    try:
        exec_id, sock = await asyncio.to_thread(
            docker_client.exec_open, container_id, command, workdir=workdir, tty=tty, environment=variables
        )
    except Exception as exc:  # noqa: BLE001 - the container is gone or Docker refused: said to the caller
        await _refuse(writer, f"could not start the process: {exc}")
        return
    proc_reader, proc_writer = await asyncio.open_connection(sock=sock, limit=CHUNK)
    if secret_env:
        try:
            if tty:  # written once the loader has turned the terminal's echo off
                await asyncio.wait_for(proc_reader.readuntil(sandbox_env.READY), 10.0)
            proc_writer.write(sandbox_env.block(secret_env))
            await proc_writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError) as exc:
            await asyncio.to_thread(docker_client.exec_kill, exec_id)
            proc_writer.close()
            await _refuse(writer, f"could not hand the process its secrets: {type(exc).__name__}")
            return
    writer.write(b'{"ok":true}\n')
    loop = asyncio.get_running_loop()
    feeding = loop.create_task(_feed_stdin(reader, proc_writer, exec_id if tty else None))
    copying = loop.create_task((_copy_raw if tty else _copy_output)(proc_reader, writer))
    try:
        await writer.drain()
        outcome = await _watch(loop, copying, feeding, timeout)
        if outcome != "ended":
            # Past its timeout, or its caller went away: the process is killed.
            await asyncio.to_thread(docker_client.exec_kill, exec_id)
            if outcome == "gone":
                log.info("the caller of an exec in %s went away: its process was killed", sandbox_id)
                return
            try:
                await asyncio.wait_for(asyncio.shield(copying), 5.0)
            except TimeoutError:
                copying.cancel()
            writer.write(frame(KIND_TIMED_OUT))
        else:
            copying.result()  # a tunnel that broke while output went out raises here
        code = await _exit_code(exec_id)
        writer.write(frame(KIND_EXIT, str(code).encode()))
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        log.info("the tunnel of an exec in %s closed before its process ended", sandbox_id)
        await asyncio.to_thread(docker_client.exec_kill, exec_id)
    finally:
        feeding.cancel()
        copying.cancel()
        proc_writer.close()
        writer.close()


async def _serve_launched(
    launcher: Launcher,
    started: Started,
    sandbox_id: str,
    timeout: int | None,
    secret_env: dict[str, str],
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
) -> None:
    """An exec whose process the sandbox's launcher started (hosts/relay_launch.py): its pipes
    carried over the tunnel as `docker exec`'s stream is, with the same frames and back-pressure."""
    loop = asyncio.get_running_loop()
    outputs: list[asyncio.StreamReader] = []
    pipes: list[asyncio.BaseTransport] = []
    for fd in (started.stdout, started.stderr):
        stream = asyncio.StreamReader(limit=CHUNK)
        pipe, _ = await loop.connect_read_pipe(
            functools.partial(asyncio.StreamReaderProtocol, stream), open(fd, "rb", buffering=0)
        )
        outputs.append(stream)
        pipes.append(pipe)
    transport, protocol = await loop.connect_write_pipe(
        asyncio.streams.FlowControlMixin, open(started.stdin, "wb", buffering=0)
    )
    proc_writer = asyncio.StreamWriter(transport, protocol, None, loop)
    if secret_env:
        try:
            proc_writer.write(sandbox_env.block(secret_env))
            await proc_writer.drain()
        except ConnectionError as exc:
            launcher.kill(started.n)
            proc_writer.close()
            await _refuse(writer, f"could not hand the process its secrets: {type(exc).__name__}")
            return
    writer.write(b'{"ok":true}\n')
    sending = asyncio.Lock()

    async def copy(stream: asyncio.StreamReader, kind: int) -> None:
        while data := await stream.read(CHUNK):
            async with sending:  # one frame at a time into the tunnel; the pipe waits meanwhile
                writer.write(frame(kind, data))
                await writer.drain()

    async def copy_both() -> None:
        await asyncio.gather(copy(outputs[0], KIND_STDOUT), copy(outputs[1], KIND_STDERR))

    feeding = loop.create_task(_feed_stdin(reader, proc_writer))
    copying = loop.create_task(copy_both())
    try:
        await writer.drain()
        outcome = await _watch(loop, copying, feeding, timeout)
        if outcome != "ended":
            launcher.kill(started.n)
            if outcome == "gone":
                log.info("the caller of an exec in %s went away: its process was killed", sandbox_id)
                return
            try:
                await asyncio.wait_for(asyncio.shield(copying), 5.0)
            except TimeoutError:
                copying.cancel()
            writer.write(frame(KIND_TIMED_OUT))
        else:
            copying.result()
        try:
            code = await asyncio.wait_for(started.exit, 10.0)
        except (TimeoutError, ConnectionError):
            code = -1
        writer.write(frame(KIND_EXIT, str(code).encode()))
        await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        log.info("the tunnel of an exec in %s closed before its process ended", sandbox_id)
        launcher.kill(started.n)
    finally:
        feeding.cancel()
        copying.cancel()
        proc_writer.close()
        for reading in pipes:
            reading.close()
        writer.close()


async def _watch(loop, copying: asyncio.Task, feeding: asyncio.Task, timeout: int | None) -> str:
    """How the process's streams end: "ended" (its output closed), "timed_out" or "gone" (the
    tunnel closed before the process ended)."""
    deadline = None if timeout is None else loop.time() + timeout
    waiting: set[asyncio.Task] = {copying, feeding}
    while not copying.done():
        remaining = None if deadline is None else max(0.0, deadline - loop.time())
        done, _ = await asyncio.wait(waiting, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
        if not done:
            return "timed_out"
        if feeding in done and not copying.done():
            waiting = {copying}
            if feeding.result() == "closed":
                return "gone"
    return "ended"


async def _copy_output(proc: asyncio.StreamReader, tunnel: asyncio.StreamWriter) -> None:
    """Docker's multiplexed stream (8-byte headers: stream, 0, 0, 0, size) to tunnel frames."""
    while True:
        try:
            head = await proc.readexactly(8)
        except asyncio.IncompleteReadError:
            return
        stream, size = head[0], struct.unpack(">I", head[4:])[0]
        kind = KIND_STDERR if stream == 2 else KIND_STDOUT
        while size:
            data = await proc.readexactly(min(size, CHUNK))
            size -= len(data)
            tunnel.write(frame(kind, data))
            await tunnel.drain()  # back-pressure: the process waits while the caller is slow


async def _copy_raw(proc: asyncio.StreamReader, tunnel: asyncio.StreamWriter) -> None:
    """A TTY's output (one stream, no headers) to stdout frames."""
    while data := await proc.read(CHUNK):
        tunnel.write(frame(KIND_STDOUT, data))
        await tunnel.drain()


async def _feed_stdin(
    tunnel: asyncio.StreamReader, proc: asyncio.StreamWriter, tty_exec: str | None = None
) -> str:
    """Stdin frames to the process: "eof" when the caller closed stdin, "closed" when the tunnel
    itself closed (the caller went away), "error" when the process's stdin broke. With a TTY
    (`tty_exec`, its exec id), resize frames set the terminal's size."""
    from . import docker_client

    try:
        while True:
            got = await read_frame(tunnel)
            if got is None or (got[0] == KIND_STDIN and not got[1]):
                if tty_exec is not None and got is not None:
                    # A terminal has no end of input (shutting the socket would end its output
                    # too): the caller's EOF is the terminal's end-of-file key, Ctrl-D.
                    proc.write(b"\x04")
                    await proc.drain()
                elif proc.can_write_eof():
                    proc.write_eof()
                return "closed" if got is None else "eof"
            if got[0] == KIND_STDIN:
                proc.write(got[1])
                await proc.drain()
            elif got[0] == KIND_RESIZE and tty_exec is not None:
                rows, _, cols = got[1].decode(errors="replace").partition(" ")
                if rows.isdigit() and cols.isdigit() and 0 < int(rows) < 10_000 and 0 < int(cols) < 10_000:
                    await asyncio.to_thread(docker_client.exec_resize, tty_exec, int(rows), int(cols))
    except (ConnectionError, ValueError, OSError, RuntimeError):
        # (RuntimeError: uvloop's, writing to a launched process's stdin pipe once it is closed)
        return "error"


async def _exit_code(exec_id: str) -> int:
    from . import docker_client

    for _ in range(50):
        code = await asyncio.to_thread(docker_client.exec_exit_code, exec_id)
        if code is not None:
            return int(code)
        await asyncio.sleep(0.02)
    return -1


async def _serve_snapshot(request: dict, writer: asyncio.StreamWriter) -> None:
    """`docker commit` of a sandbox's container as `ref` (pushed to the shared registry when there
    is one); answers {"ok": true, "docker_id": ...} or {"error": ...}."""
    from . import docker_client

    sandbox_id, container_id = str(request.get("sandbox", "")), str(request.get("container", ""))
    ref = str(request.get("ref", ""))
    expected = snapshot_signature(sandbox_id, container_id, ref)
    if not ref or not hmac.compare_digest(str(request.get("sig", "")), expected):
        await _refuse(writer, "bad signature")
        return
    try:
        docker_id = await asyncio.to_thread(docker_client.commit, container_id, ref)
    except Exception as exc:  # noqa: BLE001 - the container is gone or Docker refused: said to the caller
        log.warning("could not snapshot sandbox %s", sandbox_id, exc_info=True)
        await _refuse(writer, f"could not snapshot the sandbox: {exc}")
        return
    writer.write(json.dumps({"ok": True, "docker_id": docker_id}).encode() + b"\n")
    try:
        await writer.drain()
    finally:
        writer.close()


async def _serve_query(request: dict, writer: asyncio.StreamWriter) -> None:
    """A sandbox container's logs (`docker logs`, "tail" lines after "since") or processes
    (`docker top`), for the API; one JSON line."""
    from . import docker_client

    op = str(request.get("op"))
    sandbox_id, container_id = str(request.get("sandbox", "")), str(request.get("container", ""))
    if not hmac.compare_digest(str(request.get("sig", "")), query_signature(op, sandbox_id, container_id)):
        await _refuse(writer, "bad signature")
        return
    tail, since = request.get("tail", 1000), request.get("since")
    try:
        if op == "logs":
            if not isinstance(tail, int) or not 0 < tail <= 100_000:
                raise ValueError("bad tail")
            if since is not None and not isinstance(since, (int, float)):
                raise ValueError("bad since")
            answer = {
                "lines": await asyncio.to_thread(
                    docker_client.container_logs, container_id, tail=tail, since=since
                )
            }
        else:
            answer = await asyncio.to_thread(docker_client.container_processes, container_id)
    except Exception as exc:  # noqa: BLE001 - the container is gone, or Docker refused: said to the caller
        await _refuse(writer, f"could not read its {op}: {exc}")
        return
    writer.write(json.dumps({"ok": True, **answer}).encode() + b"\n")
    try:
        await writer.drain()
    finally:
        writer.close()


async def _serve_port(request: dict, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """A tunnel to a port of a sandbox (`encrypted_ports=`), for the web gateway: the agent connects
    to the port at the container's address on its isolated network (the host reaches it; nothing
    else does) and, after answering {"ok": true}, copies bytes both ways as for a web endpoint."""
    from . import docker_client

    sandbox_id, container_id = str(request.get("sandbox", "")), str(request.get("container", ""))
    port = request.get("port")
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        await _refuse(writer, "bad port")
        return
    if not hmac.compare_digest(str(request.get("sig", "")), port_signature(sandbox_id, container_id, port)):
        await _refuse(writer, "bad signature")
        return
    # Asked each time, not remembered: a stopped container's address may go to another one.
    address = await asyncio.to_thread(docker_client.container_address, container_id)
    if address is None:
        await _refuse(writer, "the sandbox has no network address (stopped, or no network)")
        return
    try:
        port_reader, port_writer = await asyncio.wait_for(asyncio.open_connection(address, port), 5.0)
    except (OSError, TimeoutError):
        await _refuse(writer, f"nothing listens on port {port} in sandbox {sandbox_id}")
        return
    writer.write(b'{"ok":true}\n')
    await writer.drain()
    try:
        await asyncio.gather(_copy(reader, port_writer), _copy(port_reader, writer))
    finally:
        writer.close()
        port_writer.close()


async def _copy(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """One direction of a port's tunnel, a chunk at a time (a slow reader slows the writer); its
    end is passed on as a half-close, so that the other direction goes on."""
    try:
        while data := await source.read(CHUNK):
            sink.write(data)
            await sink.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        if sink.can_write_eof() and not sink.is_closing():
            try:
                sink.write_eof()
            except (OSError, RuntimeError):
                sink.close()


async def _refuse(writer: asyncio.StreamWriter, why: str) -> None:
    writer.write(json.dumps({"error": why}).encode() + b"\n")
    try:
        await writer.drain()
    finally:
        writer.close()
