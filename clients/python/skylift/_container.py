"""The in-container runtime: `python -m skylift._container`.

It connects to the host agent's relay over the Unix socket mounted at /skylift/io, imports
the user's function from the mounted source (or unpickles it when it cannot be imported),
then pulls inputs, runs them and pushes outputs until it has been idle for the function's
scale-down window. Prints and log records stream back to the caller as they happen.

Runs on the image's own Python with only the standard library, cloudpickle and this package.
"""

from __future__ import annotations

import asyncio
import importlib
import inspect
import io
import os
import signal
import socket
import sys
import threading
import time
import traceback

import cloudpickle

from ._protocol import encode_frame, read_frame, split_body

SOCKET_PATH = os.environ.get("SKYLIFT_IO_SOCKET", "/skylift/io/sock")
SOURCE_DIR = "/skylift/src"
LOG_FLUSH_SECONDS = 0.05
POLL_SECONDS = 10.0
MAX_BATCH = 64
FAST_INPUT_SECONDS = 0.005


class _Channel:
    """A request/response connection to the relay."""

    def __init__(self, path: str):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.lock = threading.Lock()

    def request(self, header: dict, body: bytes = b"") -> tuple[dict, bytes]:
        with self.lock:
            self.sock.sendall(encode_frame(header, body))
            reply, reply_body = read_frame(self.sock)
        if reply.get("error"):
            raise RuntimeError(f"relay: {reply['error']}")
        return reply, reply_body

    def send(self, header: dict, body: bytes = b"") -> None:
        with self.lock:
            self.sock.sendall(encode_frame(header, body))


class _LogShipper:
    """Buffers lines written to stdout/stderr and ships them to the relay every few ms."""

    def __init__(self, channel: _Channel):
        self.channel = channel
        self.lock = threading.Lock()
        self.lines: list[dict] = []
        self.partial: dict[tuple[str, str | None], str] = {}
        self.call_id: str | None = None
        self.wake = threading.Event()
        threading.Thread(target=self._run, name="skylift-logs", daemon=True).start()

    def write(self, stream: str, text: str) -> None:
        with self.lock:
            key = (stream, self.call_id)
            text = self.partial.pop(key, "") + text
            *complete, rest = text.split("\n")
            for line in complete:
                self.lines.append({"stream": stream, "text": line, "call_id": self.call_id})
            if rest:
                self.partial[key] = rest

    def flush(self) -> None:
        with self.lock:
            for (stream, call_id), rest in self.partial.items():
                self.lines.append({"stream": stream, "text": rest, "call_id": call_id})
            self.partial.clear()
            lines, self.lines = self.lines, []
        if lines:
            try:
                self.channel.request({"op": "log", "lines": lines})
            except Exception:  # noqa: BLE001 - the relay going away must not kill user code
                pass

    def _run(self) -> None:
        while True:
            time.sleep(LOG_FLUSH_SECONDS)
            self.flush()


class _StreamTee(io.TextIOBase):
    def __init__(self, shipper: _LogShipper, stream: str, original):
        self.shipper, self.stream, self.original = shipper, stream, original

    def write(self, text: str) -> int:
        self.shipper.write(self.stream, text)
        try:
            self.original.write(text)
        except Exception:  # noqa: BLE001
            pass
        return len(text)

    def flush(self) -> None:
        try:
            self.original.flush()
        except Exception:  # noqa: BLE001
            pass

    def isatty(self) -> bool:
        return False

    @property
    def encoding(self):
        return "utf-8"


class _Timeout(BaseException):
    pass


def _load_function(definition: dict, serialized: bytes):
    if serialized:
        obj = cloudpickle.loads(serialized)
    else:
        if os.path.isdir(SOURCE_DIR):
            sys.path.insert(0, SOURCE_DIR)
        obj = importlib.import_module(definition["module"])
        for part in definition["qualname"].split("."):
            obj = getattr(obj, part)
    raw = getattr(obj, "_raw_f", None)
    return raw if raw is not None else obj


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _run_one(fn, args_blob: bytes, timeout: int, loop) -> tuple[str, bytes, str, str]:
    """Run one input; returns (kind, body, cause, message)."""
    try:
        args, kwargs = cloudpickle.loads(args_blob)
    except Exception as exc:  # noqa: BLE001
        return (
            "error",
            b"",
            "deserialization",
            f"could not deserialize the arguments in the container: {_describe(exc)}",
        )

    def on_alarm(signum, frame):
        raise _Timeout()

    signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        result = fn(*args, **kwargs)
        if inspect.iscoroutine(result):
            result = loop.run_until_complete(result)
    except _Timeout:
        return "error", b"", "timeout", f"the function ran past its timeout of {timeout} s"
    except Exception as exc:  # noqa: BLE001 - everything the user raises goes back to the caller
        tb = traceback.format_exc()
        try:
            body = cloudpickle.dumps({"exc": exc, "traceback": tb, "type": type(exc).__qualname__})
        except Exception:  # noqa: BLE001 - the exception itself could not be pickled
            body = cloudpickle.dumps(
                {"exc": None, "traceback": tb, "type": type(exc).__qualname__, "repr": _describe(exc)}
            )
        return "exception", body, "exception", _describe(exc)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        return "value", cloudpickle.dumps(result), "", ""
    except Exception as exc:  # noqa: BLE001
        name = getattr(fn, "__name__", "the function")
        return "error", b"", "serialization", f"could not serialize return value of {name}: {_describe(exc)}"


def main() -> int:
    channel = _Channel(SOCKET_PATH)
    hello, serialized = channel.request(
        {
            "op": "hello",
            "task_id": os.environ["SKYLIFT_TASK_ID"],
            "token": os.environ.get("SKYLIFT_TASK_TOKEN", ""),
        }
    )
    os.environ.pop("SKYLIFT_TASK_TOKEN", None)
    definition = hello["function"]
    shipper = _LogShipper(_Channel(SOCKET_PATH))
    shipper.channel.request(
        {"op": "hello_logs", "task_id": os.environ["SKYLIFT_TASK_ID"], "token": hello["session"]}
    )
    sys.stdout = _StreamTee(shipper, "stdout", sys.stdout)
    sys.stderr = _StreamTee(shipper, "stderr", sys.stderr)
    try:
        fn = _load_function(definition, serialized)
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
        shipper.flush()
        channel.request({"op": "bye", "reason": "import_failed", "message": traceback.format_exc(limit=5)})
        return 1

    loop = asyncio.new_event_loop()
    idle_since = time.monotonic()
    scaledown = float(definition.get("scaledown_window", 60))
    timeout = int(definition.get("timeout", 300))
    batch = 1
    while True:
        wait = max(0.1, min(POLL_SECONDS, scaledown - (time.monotonic() - idle_since)))
        reply, body = channel.request({"op": "get", "max": batch, "timeout": wait})
        inputs = reply.get("inputs", [])
        if not inputs:
            if time.monotonic() - idle_since >= scaledown:
                break
            continue
        outputs, bodies, timed_out = [], [], False
        started = time.monotonic()
        for item, args_blob in zip(inputs, split_body(body, [i["size"] for i in inputs]), strict=True):
            shipper.call_id = item["call_id"]
            kind, out, cause, message = _run_one(fn, args_blob, timeout, loop)
            sys.stdout.flush()
            shipper.call_id = None
            shipper.flush()
            outputs.append(
                {
                    "id": item["id"],
                    "attempt": item["attempt"],
                    "kind": kind,
                    "cause": cause,
                    "message": message,
                    "size": len(out),
                }
            )
            bodies.append(out)
            timed_out = timed_out or cause == "timeout"
        channel.request({"op": "put", "outputs": outputs}, b"".join(bodies))
        # Fast inputs are fetched in growing batches (fewer round trips); slow ones one at a
        # time, so that a backlog spreads over every container instead of queuing in one.
        per_input = (time.monotonic() - started) / len(inputs)
        batch = min(MAX_BATCH, batch * 2) if per_input < FAST_INPUT_SECONDS else 1
        if timed_out:
            # The timed-out code may have left threads or state behind: the next input gets a
            # clean container.
            channel.request({"op": "bye", "reason": "timeout"})
            return 0
        idle_since = time.monotonic()
    shipper.flush()
    channel.request({"op": "bye", "reason": "idle"})
    return 0


if __name__ == "__main__":
    sys.exit(main())
