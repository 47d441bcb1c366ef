"""Sandboxes: containers a program creates at run time, runs commands in, and throws away.

    sb = skylift.Sandbox.create(app=app, image=image, timeout=600)
    p = sb.exec("python3", "-c", "print(input())")
    p.stdin.write("hi\\n"); p.stdin.write_eof(); p.stdin.drain()
    print(p.stdout.read()); p.wait()
    sb.terminate()

The sandbox lives on the platform whatever the client does: it stops at its `timeout` (or after
`idle_timeout` seconds without an exec or traffic through its tunnels), enforced by the server. An exec's streams go through a
WebSocket to the control plane and on through the sandbox's host agent; the reader thread holds at
most a few chunks per stream, so a process that prints faster than the program reads waits.
"""

from __future__ import annotations

import builtins
import functools
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._exceptions import (
    ExecTimeoutError,
    InvalidError,
    NotFoundError,
    RemoteError,
    SandboxFilesystemError,
    SandboxFilesystemFileTooLargeError,
    SandboxFilesystemIsADirectoryError,
    SandboxFilesystemNotADirectoryError,
    SandboxFilesystemNotFoundError,
    SandboxFilesystemPathAlreadyExistsError,
    SandboxFilesystemPermissionError,
    SandboxTerminatedError,
    SandboxTimeoutError,
)
from ._function import _Aio, _Blocking

if TYPE_CHECKING:
    from pathlib import PurePosixPath

    from ._app import App
    from ._client import Client
    from ._image import Image
    from ._secret import Secret
    from ._tunnel import Tunnel
    from ._volume import Volume

__all__ = ["ContainerProcess", "FileHandle", "MAX_FILE_BYTES", "Sandbox", "StreamReader", "StreamWriter"]

A = TypeVar("A")
T = TypeVar("T")

KIND_STDIN, KIND_STDOUT, KIND_STDERR, KIND_RESIZE = 0, 1, 2, 5
CHUNK = 64 * 1024
# Chunks a stream holds unread before the reader thread waits (and the process with it).
BUFFERED_CHUNKS = 16
POLL_SECONDS = 0.2
# How long one request waits on the server for a new sandbox to start (the HTTP client's
# timeout is 75 s; a sandbox waiting for a host is asked again).
START_WAIT_SECONDS = 30.0
ENDED = ("stopped", "failed")
# The largest file `open` reads or writes (a larger one: SandboxFilesystemFileTooLargeError).
MAX_FILE_BYTES = 64 * 1024 * 1024
MODES = {"r": "read", "rb": "read", "w": "write", "wb": "write", "a": "append", "ab": "append"}
# What the tools in the sandbox say, mapped to Modal's errors.
_FS_ERRORS = (
    ("No such file", SandboxFilesystemNotFoundError),  # "or directory" in coreutils, not in dash
    ("Is a directory", SandboxFilesystemIsADirectoryError),
    ("Not a directory", SandboxFilesystemNotADirectoryError),
    ("File exists", SandboxFilesystemPathAlreadyExistsError),
    ("Permission denied", SandboxFilesystemPermissionError),
    ("Read-only file system", SandboxFilesystemPermissionError),
)


class _Static(Generic[T]):
    """A static method with an `.aio` twin (`Sandbox.create.aio(...)`)."""

    def __init__(self, fn: Callable[..., T]) -> None:
        self.fn = fn
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]  # a descriptor, not a callable

    def __get__(self, obj: object, objtype: type | None = None) -> _Aio[..., T]:
        return _Aio(self.fn)


def _client(client: Client | None) -> Client:
    if client is not None:
        return client
    from ._client import Client

    return Client.from_env()


class StreamReader:
    """A process's stdout or stderr: iterate its lines, or `read()` it whole (text; bytes with
    `text=False` given to exec)."""

    def __init__(self, text: bool) -> None:
        self._chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=BUFFERED_CHUNKS)
        self._text = text
        self._eof = False

    def _put(self, data: bytes | None) -> None:
        self._chunks.put(data)

    def _decode(self, data: bytes) -> Any:
        return data.decode(errors="replace") if self._text else data

    def _next_chunk(self) -> bytes | None:
        if self._eof:
            return None
        data = self._chunks.get()
        if data is None:
            self._eof = True
        return data

    def chunks(self) -> Iterator[bytes]:
        """Its bytes as they come, in the pieces they came in."""
        while (data := self._next_chunk()) is not None:
            yield data

    def read(self) -> Any:
        """Everything it prints until it closes."""
        parts = []
        while (data := self._next_chunk()) is not None:
            parts.append(data)
        return self._decode(b"".join(parts))

    def __iter__(self) -> Iterator[Any]:
        """Its lines, each with its line ending, as they come."""
        pending = b""
        while (data := self._next_chunk()) is not None:
            pending += data
            while (cut := pending.find(b"\n")) >= 0:
                line, pending = pending[: cut + 1], pending[cut + 1 :]
                yield self._decode(line)
        if pending:
            yield self._decode(pending)


class StreamWriter:
    """A process's stdin: `write()` buffers, `drain()` sends, `write_eof()` closes it."""

    def __init__(self, process: ContainerProcess) -> None:
        self._process = process
        self._buffer = bytearray()
        self._eof = False

    def write(self, data: str | bytes | bytearray) -> None:
        if self._eof:
            raise InvalidError("stdin was closed (write_eof) already: nothing more can be written to it")
        if not isinstance(data, (str, bytes, bytearray)):
            raise InvalidError(f"stdin takes str or bytes, not {type(data).__name__}")
        self._buffer += data.encode() if isinstance(data, str) else data

    def write_eof(self) -> None:
        """Close stdin once what was written is sent (at the next drain)."""
        self._eof = True

    def drain(self) -> None:
        """Send what was written (and the end of stdin, after write_eof)."""
        while self._buffer:
            chunk, self._buffer = bytes(self._buffer[:CHUNK]), self._buffer[CHUNK:]
            self._process._send(bytes([KIND_STDIN]) + chunk)
        if self._eof and not self._process._stdin_closed:
            self._process._stdin_closed = True
            self._process._send(bytes([KIND_STDIN]))


class ContainerProcess:
    """A process `exec`'d into a sandbox."""

    def __init__(self, connection: Any, *, text: bool) -> None:
        self._ws = connection
        self.stdout = StreamReader(text)
        self.stderr = StreamReader(text)
        self.stdin = StreamWriter(self)
        self._stdin_closed = False
        self._returncode: int | None = None
        self._error: dict[str, Any] | None = None
        self._timed_out = False
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._reader = threading.Thread(target=self._read, daemon=True, name="skylift-sandbox-exec")
        self._reader.start()

    def _send(self, data: bytes) -> None:
        if self._done.is_set():
            return  # the process has ended: its stdin is gone
        with self._lock:
            try:
                self._ws.send(data)
            except Exception:  # noqa: BLE001 - the connection closed; the reader reports why
                pass

    def resize(self, rows: int, cols: int) -> None:
        """Its terminal's size (a process exec'd with `pty=True`, or `skylift container exec --pty`)."""
        if not (0 < rows < 10_000 and 0 < cols < 10_000):
            raise InvalidError(f"a terminal of {rows} rows and {cols} columns is not one")
        self._send(bytes([KIND_RESIZE]) + f"{rows} {cols}".encode())

    def _read(self) -> None:
        try:
            for message in self._ws:
                if isinstance(message, str):
                    final = json.loads(message)
                    if "returncode" in final:
                        self._returncode = int(final["returncode"])
                        self._timed_out = bool(final.get("timed_out"))
                    else:
                        self._error = final.get("error") or {"message": message}
                    break
                if message and message[0] == KIND_STDERR:
                    self.stderr._put(message[1:])
                elif message:
                    self.stdout._put(message[1:])
        except Exception as exc:  # noqa: BLE001 - said by wait()
            self._error = {"code": "lost", "message": f"the connection to the sandbox was lost: {exc}"}
        finally:
            self.stdout._put(None)
            self.stderr._put(None)
            self._done.set()
            try:
                self._ws.close()
            except Exception:  # noqa: BLE001
                pass

    def _check(self) -> None:
        if self._timed_out:
            raise ExecTimeoutError(
                f"the process ran past its timeout and was killed (exit code {self._returncode})"
            )
        if self._error is not None:
            code = self._error.get("code", "")
            message = str(self._error.get("message", "the exec failed"))
            if code == "not_found":
                raise NotFoundError(message)
            if code in ("invalid", "terminated", "not_ready", "permission_denied"):
                raise InvalidError(message)
            raise RemoteError(message)

    @_Blocking
    def wait(self) -> int:
        """Wait for the process to end; its exit code."""
        self._done.wait()
        self._check()
        assert self._returncode is not None
        return self._returncode

    def poll(self) -> int | None:
        """Its exit code if it has ended, else None."""
        if not self._done.is_set():
            return None
        self._check()
        return self._returncode

    @property
    def returncode(self) -> int | None:
        return self._returncode


def exec_open(
    client: Client,
    resource: str,
    command: builtins.list[str],
    *,
    workdir: str | None = None,
    timeout: int | None = None,
    text: bool = True,
    tty: bool = False,
    secrets: builtins.list[dict[str, Any]] | None = None,
) -> ContainerProcess:
    """A process started in a container through its host agent: `resource` is `sandboxes/<id>`
    or, for a function's container (`skylift container exec`), `tasks/<id>`. With `tty` it gets a
    terminal, whose output all comes on stdout."""
    from websockets.sync.client import connect

    config = client.config
    url = config.server_url.replace("http://", "ws://", 1).replace("https://", "wss://", 1)
    # Entered at once and closed by the process's reader thread when the process ends.
    connection = connect(
        f"{url}/api/v1/{resource}/exec/",
        additional_headers={"Authorization": f"Bearer {config.token_id}:{config.token_secret}"},
        max_size=2 * CHUNK,
        max_queue=4,
        open_timeout=30,
    ).__enter__()
    request: dict[str, Any] = {"command": command, "workdir": workdir or "", "timeout": timeout}
    if tty:
        request["tty"] = True
    if secrets:
        request["secrets"] = secrets
    connection.send(json.dumps(request))
    return ContainerProcess(connection, text=text)


class Sandbox:
    """A handle on a sandbox (`Sandbox.create`, `Sandbox.from_id`)."""

    def __init__(self, record: dict[str, Any], client: Client) -> None:
        self._record = record
        self._client = client

    @property
    def object_id(self) -> str:
        return str(self._record["id"])

    def __repr__(self) -> str:
        return f"Sandbox({self.object_id})"

    # Making and finding ------------------------------------------------------------------------

    @_Static
    def create(
        *entrypoint_args: str,
        app: App | None = None,
        image: Image | None = None,
        secrets: Sequence[Secret] = (),
        volumes: dict[str | PurePosixPath, Volume] | None = None,
        timeout: int = 300,
        idle_timeout: int | None = None,
        workdir: str | None = None,
        cpu: float | tuple[float, float] | None = None,
        memory: int | tuple[int, int] | None = None,
        gpu: str | builtins.list[str] | None = None,
        block_network: bool = False,
        cidr_allowlist: Sequence[str] | None = None,
        name: str | None = None,
        encrypted_ports: Sequence[int] = (),
        unencrypted_ports: Sequence[int] = (),
        client: Client | None = None,
    ) -> Sandbox:
        """Create a sandbox running `entrypoint_args` (or idling, when none), and wait until it runs.

        `cpu` and `memory` are reservations, or `(reservation, limit)` pairs; `gpu` a request as a
        function's; `secrets` reach its processes' environment (never Docker's); `volumes` mount
        as a function's; `cidr_allowlist` the only IPv4 ranges it may reach."""
        from ._api.api.sandboxes import sandboxes_create
        from ._api.models import SandboxCreateRequest
        from ._image import Image as _Image
        from ._volume import volume_mounts
        from .contract import parse_gpu, validate_cpu, validate_memory

        if not all(isinstance(a, str) for a in entrypoint_args):
            raise InvalidError("Sandbox.create's command arguments are strings")
        if isinstance(cidr_allowlist, str):
            raise InvalidError('cidr_allowlist is a list of ranges, e.g. ["10.0.0.0/8"]')
        mounts = volume_mounts(volumes)
        refs = _secret_refs(secrets)
        client = _client(client)
        image = image or (app.image if app is not None else None) or _Image.debian_slim()
        image_id, remembered = _image_id(client, image)
        body: dict[str, Any] = {
            "image_id": image_id,
            "command": list(entrypoint_args),
            "timeout": timeout,
            "block_network": block_network,
        }
        if encrypted_ports or unencrypted_ports:
            body["encrypted_ports"] = [int(p) for p in encrypted_ports]
            body["unencrypted_ports"] = [int(p) for p in unencrypted_ports]
        if app is not None and app.app_id:
            body["app_id"] = app.app_id
        cpu_pair = validate_cpu(cpu) if cpu is not None else (None, None)
        memory_pair = validate_memory(memory) if memory is not None else (None, None)
        for key, value in (
            ("idle_timeout", idle_timeout),
            ("workdir", workdir),
            ("cpu", cpu_pair[0]),
            ("cpu_limit", cpu_pair[1]),
            ("memory", memory_pair[0]),
            ("memory_limit", memory_pair[1]),
            ("gpu", parse_gpu(gpu) or None),
            ("cidr_allowlist", None if cidr_allowlist is None else builtins.list(cidr_allowlist)),
            (
                "volumes",
                [{"path": p, "volume_id": v.hydrate(client).object_id} for p, v in mounts.items()] or None,
            ),
            ("secrets", refs or None),
            ("name", name),
        ):
            if value is not None:
                body[key] = value

        # The server answers once it runs (`wait`): no polling between its start and the first exec.
        def create() -> dict[str, Any]:
            return client._call_dict(
                sandboxes_create,
                "Could not create the sandbox",
                body=SandboxCreateRequest.from_dict(body),
                wait=START_WAIT_SECONDS,
            )

        try:
            created = create()
        except (NotFoundError, InvalidError) as exc:
            if not remembered or f"Image {image_id}" not in str(exc):
                raise
            # The image this process remembered is gone (or rebuilding): resolved again, once.
            _READY_IMAGES.clear()
            body["image_id"], _ = _image_id(client, image)
            created = create()
        sandbox = Sandbox(created, client)
        sandbox._wait_started()
        return sandbox

    @_Static
    def from_id(sandbox_id: str, client: Client | None = None) -> Sandbox:
        """The sandbox of this id (NotFoundError if the workspace has none)."""
        client = _client(client)
        return Sandbox(_retrieve(client, sandbox_id), client)

    @_Static
    def from_name(
        app_name: str, name: str, *, environment_name: str | None = None, client: Client | None = None
    ) -> Sandbox:
        """The running sandbox of this name, created with `name=` under the deployed app `app_name`."""
        client = _client(client)
        app = client.app_lookup(app_name, environment=environment_name)
        response = client.api.get_httpx_client().get(
            "/api/v1/sandboxes/", params={"app_id": app["id"], "name": name, "live": "true"}
        )
        from ._client import raise_for_response

        raise_for_response(response, f"Could not look up sandbox {name!r}")
        found = response.json()["results"]
        if not found:
            raise NotFoundError(f"No running sandbox named {name!r} in app {app_name!r}")
        return Sandbox(found[0], client)

    @_Static
    def list(
        *, app_id: str | None = None, tags: dict[str, str] | None = None, client: Client | None = None
    ) -> list[Sandbox]:
        """The workspace's running sandboxes, newest first (of an app, with these tags)."""
        client = _client(client)
        params: dict[str, Any] = {"live": "true", "limit": 500}
        if app_id:
            params["app_id"] = app_id
        for key, value in (tags or {}).items():
            params[f"tag.{key}"] = value
        response = client.api.get_httpx_client().get("/api/v1/sandboxes/", params=params)
        from ._client import raise_for_response

        raise_for_response(response, "Could not list sandboxes")
        return [Sandbox(record, client) for record in response.json()["results"]]

    def _refresh(self) -> dict[str, Any]:
        self._record = _retrieve(self._client, self.object_id)
        return self._record

    def _wait_started(self) -> None:
        record = self._record
        while record["status"] not in ("running", *ENDED):
            record = self._record = _retrieve(self._client, self.object_id, wait=START_WAIT_SECONDS)
        if record["status"] == "failed" and record.get("cause") == "start_failed":
            raise RemoteError(f"Sandbox {self.object_id} could not start: {record.get('message')}")

    # State ---------------------------------------------------------------------------------------

    @_Blocking
    def wait(self, raise_on_termination: bool = True) -> None:
        """Wait for the sandbox to end (its command exits, it is terminated or times out)."""
        while self._refresh()["status"] not in ENDED:
            time.sleep(POLL_SECONDS)

    def poll(self) -> int | None:
        """Its return code if it has ended, else None."""
        record = self._refresh()
        return record["returncode"] if record["status"] in ENDED else None

    @property
    def returncode(self) -> int | None:
        record = self._record
        return record["returncode"] if record["status"] in ENDED else None

    @_Blocking
    def terminate(self) -> None:
        """Stop the sandbox (what runs in it is killed after a short grace)."""
        from ._api.api.sandboxes import sandboxes_terminate_create

        self._client._call_dict(
            sandboxes_terminate_create, f"Could not terminate sandbox {self.object_id}", id=self.object_id
        )

    @_Blocking
    def set_tags(self, tags: dict[str, str]) -> None:
        from ._api.api.sandboxes import sandboxes_tags_update
        from ._api.models import SandboxTagsRequest

        self._record = self._client._call_dict(
            sandboxes_tags_update,
            f"Could not tag sandbox {self.object_id}",
            id=self.object_id,
            body=SandboxTagsRequest.from_dict({"tags": dict(tags)}),
        )

    def get_tags(self) -> dict[str, str]:
        return dict(self._refresh().get("tags") or {})

    @_Blocking
    def tunnels(self, timeout: int = 50) -> dict[int, Tunnel]:
        """The URL of each port exposed with `encrypted_ports=`/`unencrypted_ports=`, by port,
        once the sandbox runs (through the platform's web gateway; public, as Modal's), and an
        unencrypted port's raw TCP address (`tcp_socket`) where the platform offers them."""
        from ._api.api.sandboxes import sandboxes_tunnels_retrieve
        from ._tunnel import Tunnel as _Tunnel

        deadline = time.monotonic() + timeout
        while self._refresh()["status"] in ("pending", "starting"):
            if time.monotonic() > deadline:
                raise SandboxTimeoutError(f"Sandbox {self.object_id} did not start within {timeout} s")
            time.sleep(POLL_SECONDS)
        if self._record["status"] in ENDED:
            raise SandboxTerminatedError(f"Sandbox {self.object_id} has ended: its ports are gone")
        found = self._client._call_dict(
            sandboxes_tunnels_retrieve, f"Could not read the tunnels of {self.object_id}", id=self.object_id
        )
        return {
            int(t["port"]): _Tunnel._from_url(
                str(t["url"]),
                t.get("tcp_host"),
                int(t["tcp_port"]) if t.get("tcp_port") is not None else None,
            )
            for t in found["tunnels"]
        }

    @_Blocking
    def snapshot_filesystem(self, timeout: int = 55) -> Image:
        """The running sandbox's filesystem as a new Image (committed on its host), which later
        sandboxes (`image=`) and functions (`@app.function(image=...)`) start from, as it is."""
        from ._api.api.sandboxes import sandboxes_snapshot_create
        from ._image import Image as _Image

        record = self._client._call_dict(
            sandboxes_snapshot_create, f"Could not snapshot sandbox {self.object_id}", id=self.object_id
        )
        return _Image.from_id(str(record["id"]))

    # Processes -----------------------------------------------------------------------------------

    @_Blocking
    def exec(
        self,
        *args: str,
        workdir: str | None = None,
        timeout: int | None = None,
        secrets: Sequence[Secret] = (),
        text: bool = True,
        pty: bool = False,
    ) -> ContainerProcess:
        """Run a command in the sandbox; its process, whose streams are read as they come. Past
        `timeout` seconds it is killed, and its wait() raises ExecTimeoutError. `secrets` are
        added to its environment, over the sandbox's own. With `pty` it runs in a terminal (its
        output all on stdout; `process.resize(rows, cols)` sets its size)."""
        if not args or not all(isinstance(a, str) for a in args):
            raise InvalidError("exec takes the command as strings, e.g. sb.exec('echo', 'hi')")
        return exec_open(
            self._client,
            f"sandboxes/{self.object_id}",
            list(args),
            workdir=workdir,
            timeout=timeout,
            text=text,
            secrets=_secret_refs(secrets),
            tty=bool(pty),
        )

    # Files -----------------------------------------------------------------------------------------

    def open(self, path: str, mode: str = "r") -> FileHandle:
        """A file of the sandbox: modes r, rb, w, wb, a, ab (files up to MAX_FILE_BYTES)."""
        if mode not in MODES:
            raise InvalidError(f"Sandbox.open takes the modes {', '.join(MODES)}; got {mode!r}")
        return FileHandle(self, _checked_path(path), mode)

    def ls(self, path: str) -> builtins.list[str]:
        """The names in a folder of the sandbox."""
        out = _fs_run(self, _checked_path(path), ["ls", "-1A", "--", path])
        return [name for name in out.decode(errors="replace").split("\n") if name]

    def mkdir(self, path: str, parents: bool = False) -> None:
        _fs_run(self, _checked_path(path), ["mkdir", *(["-p"] if parents else []), "--", path])

    def rm(self, path: str, recursive: bool = False) -> None:
        _fs_run(
            self,
            _checked_path(path),
            ["rm", "-r", "--", path]
            if recursive
            else ["sh", "-c", 'if [ -d "$1" ]; then rmdir -- "$1"; else rm -- "$1"; fi', "sh", path],
        )


# Images sandboxes of this process were made from, by server, token and spec, once ready: an
# image's spec is its identity and a ready one stays ready, so later creates skip resolving it
# (one round trip less between Sandbox.create and its first output).
_READY_IMAGES: dict[tuple[str, str | None, str], str] = {}


def _image_id(client: Client, image: Image) -> tuple[str, bool]:
    """The id of the built image, and whether it was remembered rather than resolved now."""
    from ._build import image_build

    spec = image.to_spec(client)
    key = (client.config.server_url, client.config.token_id, json.dumps(spec, sort_keys=True, default=str))
    if key in _READY_IMAGES and not spec.get("force_build"):
        return _READY_IMAGES[key], True
    _, record = image_build(client, image, show_logs=False)
    if record.get("status") == "ready":
        _READY_IMAGES[key] = str(record["id"])
    return str(record["id"]), False


def _secret_refs(secrets: Sequence[Secret]) -> builtins.list[dict[str, Any]]:
    """What the server is sent for these secrets (a named one by id or name, an inline one's values)."""
    from ._secret import Secret as _Secret

    if isinstance(secrets, _Secret) or not all(isinstance(s, _Secret) for s in secrets):
        raise InvalidError("secrets is a list of skylift.Secret, e.g. secrets=[Secret.from_name('api')]")
    return [secret._ref() for secret in secrets]


def _fs_error(path: str, stderr: bytes) -> SandboxFilesystemError:
    said = stderr.decode(errors="replace").strip()
    for words, error in _FS_ERRORS:
        if words in said:
            return error(f"{path}: {words}")
    return SandboxFilesystemError(f"{path}: {said or 'the operation failed'}")


def _checked_path(path: str) -> str:
    if not isinstance(path, str) or not path.startswith("/") or "\0" in path:
        raise InvalidError(f"A sandbox path is absolute, e.g. /tmp/x.txt; got {path!r}")
    return path


class FileHandle:
    """A file of a sandbox opened by `Sandbox.open`: read whole at open (read modes), or written
    as it is flushed or closed (write and append modes)."""

    def __init__(self, sandbox: Sandbox, path: str, mode: str) -> None:
        self._sandbox, self._path, self._mode = sandbox, path, mode
        self._binary = mode.endswith("b")
        self._kind = MODES[mode]
        self._data = b""
        self._pending = bytearray()
        self._position = 0
        self.closed = False
        if self._kind == "read":
            self._data = self._run(
                [
                    "sh",
                    "-c",
                    'test -d "$1" && { echo "$1: Is a directory" >&2; exit 1; }; '
                    'size=$(wc -c < "$1") || exit 1; [ "$size" -le "$2" ] || exit 27; cat "$1"',
                    "sh",
                    path,
                    str(MAX_FILE_BYTES),
                ]
            )
        elif self._kind == "write":
            self._run(["sh", "-c", ': > "$1"', "sh", path])

    def _run(self, command: list[str], stdin: bytes | None = None) -> bytes:
        process = self._sandbox.exec(*command, text=False)
        if stdin is not None:
            process.stdin.write(stdin)
        process.stdin.write_eof()
        process.stdin.drain()
        out = b"".join(process.stdout.chunks())
        err = b"".join(process.stderr.chunks())
        code = process.wait()
        if code == 27:
            raise SandboxFilesystemFileTooLargeError(f"{self._path} is larger than {MAX_FILE_BYTES} bytes")
        if code != 0:
            raise _fs_error(self._path, err)
        return out

    def _check(self, kind: str) -> None:
        if self.closed:
            raise InvalidError(f"{self._path} is closed")
        if (kind == "read") != (self._kind == "read"):
            raise InvalidError(f"{self._path} is open in mode {self._mode!r}")

    def read(self, n: int = -1) -> Any:
        self._check("read")
        end = len(self._data) if n is None or n < 0 else self._position + n
        data, self._position = self._data[self._position : end], min(end, len(self._data))
        return data if self._binary else data.decode()

    def readline(self) -> Any:
        self._check("read")
        cut = self._data.find(b"\n", self._position)
        end = len(self._data) if cut < 0 else cut + 1
        data, self._position = self._data[self._position : end], end
        return data if self._binary else data.decode()

    def write(self, data: str | bytes) -> None:
        self._check("write")
        if isinstance(data, str) == self._binary:
            raise InvalidError(
                f"{self._path} takes {'bytes' if self._binary else 'str'} in mode {self._mode!r}"
            )
        self._pending += data.encode() if isinstance(data, str) else data
        if len(self._pending) > MAX_FILE_BYTES:
            raise SandboxFilesystemFileTooLargeError(f"writes to {self._path} exceed {MAX_FILE_BYTES} bytes")

    def flush(self) -> None:
        if self._kind != "read" and self._pending:
            self._run(["sh", "-c", 'cat >> "$1"', "sh", self._path], stdin=bytes(self._pending))
            self._pending.clear()

    def close(self) -> None:
        if not self.closed:
            self.flush()
            self.closed = True

    def __enter__(self) -> FileHandle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _fs_run(sandbox: Sandbox, path: str, command: list[str]) -> bytes:
    process = sandbox.exec(*command, text=False)
    out = b"".join(process.stdout.chunks())
    err = b"".join(process.stderr.chunks())
    if process.wait() != 0:
        if b"not empty" in err:
            from ._exceptions import SandboxFilesystemDirectoryNotEmptyError

            raise SandboxFilesystemDirectoryNotEmptyError(f"{path}: Directory not empty")
        raise _fs_error(path, err)
    return out


def _retrieve(client: Client, sandbox_id: str, wait: float | None = None) -> dict[str, Any]:
    """The sandbox's record; with `wait`, once it has started (or after that many seconds)."""
    from ._api.api.sandboxes import sandboxes_retrieve
    from ._api.types import UNSET

    return client._call_dict(
        sandboxes_retrieve,
        f"Could not read sandbox {sandbox_id}",
        retries=3,
        id=sandbox_id,
        wait=UNSET if wait is None else wait,
    )
