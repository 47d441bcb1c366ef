"""The in-container runtime: `python -m skylift._container`.

It connects to the host agent's relay over the Unix socket mounted at /skylift/io, imports
the user's function or class from the mounted source (or unpickles it when it cannot be
imported), runs `@enter` hooks, then pulls inputs, runs them and pushes outputs until it has
been idle for the scale-down window, has served `max_inputs`, or is told to stop; then it
runs `@exit` hooks. Prints stream back to the caller as they happen.

Two ways of running inputs:
- one at a time, synchronous code: in the main thread, where signals can interrupt it
  (SIGALRM for the timeout, a poke from the cancellation watcher or the drain timer);
- concurrently (`@skylift.concurrent`) or asynchronous code: a fetcher thread pulls inputs while
  a thread pool (sync) or an event loop thread (async) runs them. Asyncio tasks are cancelled
  the asyncio way; a pool thread gets an asynchronous exception.

Interruptions land in user code only, never in the runtime's own (`_interrupts.SafePoints`): a
timeout or a cancellation that comes while the runtime talks to the relay waits until the
thread is back in user code, so that no frame on a relay connection is ever cut in half.

Runs on the image's own Python with only the standard library, cloudpickle and this package.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import importlib
import inspect
import io
import json
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import cloudpickle

from . import _relay_client
from ._context import CurrentInput, current
from ._exceptions import InputCancellation
from ._interrupts import Cancelled, Preempted, SafePoints, Timeout, current_safe_points
from ._relay_client import RelayError
from ._web_runtime import WebServer, WebStartFailed, web_parts
from .contract.protocol import encode_frame, read_frame, split_body

SOCKET_PATH = os.environ.get("SKYLIFT_IO_SOCKET", "/skylift/io/sock")
SOURCE_DIR = "/skylift/src"
LOG_FLUSH_SECONDS = 0.05
MAX_WAITING_LOG_TEXT = 1 << 20  # characters of log lines waiting to be shipped
MAX_LOG_LINE = 16 * 1024  # what the relay keeps of a line
POLL_SECONDS = 10.0
MAX_BATCH = 64
FAST_INPUT_SECONDS = 0.005
OUTPUT_LINGER_SECONDS = 0.02
# On SIGTERM, how long a running input may go on before it is handed back (preempted, not failed);
# Docker's stop grace is 30 s, and @exit hooks need time after it.
DRAIN_SECONDS = float(os.environ.get("SKYLIFT_DRAIN_SECONDS", "20"))
HOOK_ATTR = "__skylift_hook__"
# A JSON call's inputs (POST /apps/{app}/functions/{name}/call/): arguments and result are JSON, and
# a result that is not JSON-serialisable ends the input with NOT_JSON_CAUSE, naming its type.
JSON_CODEC = "json"
NOT_JSON_CAUSE = "not_json"
# The cancellation watcher, after a failure, waits this long before it connects again (doubling).
WATCH_RETRY_SECONDS = (0.1, 5.0)


class _Channel:
    """A request/response connection to the relay (one per thread that talks to it)."""

    def __init__(self, path: str, kind: str = "control"):
        self.kind = kind
        self.sock: socket.socket | None = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.sock.connect(path)
        except BaseException:
            self.sock.close()
            raise
        self.lock = threading.Lock()

    def request(self, header: dict, body: bytes = b"") -> tuple[dict, bytes]:
        with self.lock:
            if self.sock is None:
                raise ConnectionError(f"the {self.kind} connection to the relay was lost")
            try:
                self.sock.sendall(encode_frame(header, body))
                reply, reply_body = read_frame(self.sock)
            except BaseException:
                # Part of a frame may have gone, or a reply stayed unread: the connection is out of
                # step, and nothing more may travel on it.
                self.close()
                raise
        if reply.get("error"):
            raise RelayError(str(reply["error"]), str(reply.get("code", "")), reply.get("hint"))
        return reply, reply_body

    def close(self) -> None:
        sock, self.sock = self.sock, None
        if sock is not None:
            sock.close()

    @classmethod
    def joined(cls, session: str, kind: str) -> _Channel:
        channel = cls(SOCKET_PATH, kind)
        try:
            channel.request(
                {"op": "join", "task_id": os.environ["SKYLIFT_TASK_ID"], "token": session, "kind": kind}
            )
        except BaseException:
            channel.close()
            raise
        return channel


class _LogShipper:
    """Buffers lines written to stdout/stderr and ships them to the relay every few ms.

    At most MAX_WAITING_LOG_TEXT waits: past that, a print sends them itself and waits for the
    relay, as a write to a full pipe waits, so that a function printing without pause cannot
    fill the container's memory. A line is shipped whole; the text of an unfinished one goes when
    nothing was added to it for a tick (a prompt), or when the input's output is sent.
    """

    def __init__(self, channel: _Channel):
        self.channel = channel
        self.lock = threading.Lock()
        self.sending = threading.Lock()  # one request at a time: lines reach the relay in order
        self.lines: list[dict] = []
        self.waiting = 0  # characters in self.lines
        self.partial: dict[tuple[str, str | None], str] = {}
        self.seen: dict[tuple[str, str | None], str] = {}  # the unfinished lines of the last tick
        threading.Thread(target=self._run, name="skylift-logs", daemon=True).start()

    def write(self, stream: str, text: str) -> None:
        running = current.get()
        call_id = running.call_id if running else None
        key = (stream, call_id)
        while True:
            with self.lock:
                if self.waiting < MAX_WAITING_LOG_TEXT:
                    text = self.partial.pop(key, "") + text
                    *complete, rest = text.split("\n")
                    if len(rest) >= MAX_LOG_LINE:  # the relay keeps no more of a line
                        complete.append(rest)
                        rest = ""
                    for line in complete:
                        self.lines.append({"stream": stream, "text": line, "call_id": call_id})
                        self.waiting += len(line) + 1
                    if rest:
                        self.partial[key] = rest
                    return
            self._send(unfinished=False)

    def flush(self) -> None:
        """Ship everything written so far, unfinished lines too (before an output, at exit)."""
        self._send(unfinished=True)

    def _send(self, *, unfinished: bool) -> None:
        with self.sending:
            with self.lock:
                for key in [k for k, text in self.partial.items() if unfinished or self.seen.get(k) == text]:
                    stream, call_id = key
                    self.lines.append({"stream": stream, "text": self.partial.pop(key), "call_id": call_id})
                self.seen = dict(self.partial)
                lines, self.lines, self.waiting = self.lines, [], 0
            if lines:
                try:
                    self.channel.request({"op": "log", "lines": lines})
                except Exception:  # noqa: BLE001 - the relay going away must not kill user code
                    pass

    def _run(self) -> None:
        while True:
            time.sleep(LOG_FLUSH_SECONDS)
            try:
                self._send(unfinished=False)
            except Exception:  # noqa: BLE001 - shipping logs goes on whatever happens
                pass


class _StreamTee(io.TextIOBase):
    def __init__(self, shipper: _LogShipper, stream: str, original):
        self.shipper, self.stream, self.original = shipper, stream, original

    def write(self, text: str) -> int:
        points = current_safe_points()
        if points is None:
            return self._write(text)
        with points.runtime():  # a print is user code calling into the runtime
            return self._write(text)

    def _write(self, text: str) -> int:
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

    encoding = "utf-8"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _log(message: str) -> None:
    """A line of the runtime's own in the container's log."""
    print(f"skylift runtime: {message}", file=sys.stderr, flush=True)


# The user's code ---------------------------------------------------------------------------------


class Service:
    """The user's function, or an instance of the user's class with its hooks and methods."""

    def __init__(self, definition: dict, serialized: bytes, params: bytes):
        self.definition = definition
        if serialized:
            obj = cloudpickle.loads(serialized)
        else:
            if os.path.isdir(SOURCE_DIR):
                sys.path.insert(0, SOURCE_DIR)
            obj = importlib.import_module(definition["module"])
            for part in definition["qualname"].split("."):
                obj = getattr(obj, part)
        self.instance = None
        if definition.get("kind") == "class":
            user_cls = getattr(obj, "_user_cls", obj)
            instance = user_cls.__new__(user_cls)
            for name, value in _load_params(params).items():
                setattr(instance, name, value)
            if user_cls.__init__ is not object.__init__:
                instance.__init__()
            self.instance = instance
            self.function = None
        else:
            self.function = getattr(obj, "_raw_f", obj)

    def hooks(self, kind: str) -> list:
        if self.instance is None:
            return []
        found, seen = [], set()
        for klass in reversed(type(self.instance).__mro__):
            for name, value in vars(klass).items():
                hook = getattr(value, HOOK_ATTR, None)
                if hook and hook["kind"] == kind and name not in seen:
                    seen.add(name)
                    found.append(getattr(self.instance, name))
        return found

    def callable(self, method: str):
        if self.instance is None:
            return self.function
        return getattr(self.instance, method)

    def batching(self, method: str) -> dict | None:
        if self.instance is None:
            return self.definition.get("batching")
        return (self.definition.get("methods", {}).get(method) or {}).get("batching")

    def any_batching(self) -> dict | None:
        if self.instance is None:
            return self.definition.get("batching")
        for spec in self.definition.get("methods", {}).values():
            if (spec or {}).get("batching"):
                return spec["batching"]
        return None

    def is_async(self, method: str) -> bool:
        fn = self.callable(method)
        return inspect.iscoroutinefunction(fn)


def _load_params(params: bytes) -> dict:
    """A bound class's parameters: cloudpickled by the SDK (they begin with the pickle protocol
    opcode), or a JSON object when a JSON call bound them (they begin with "{")."""
    if not params:
        return {}
    if params[:1] == b"{":
        return json.loads(params)
    return cloudpickle.loads(params)


def _json_path_of_first_foreign(value, path: str = "") -> tuple[str, str] | None:
    """Where in `value` the first value JSON cannot carry is, and its type's name."""
    if value is None or isinstance(value, (str, bool, int)):
        return None
    if isinstance(value, float):
        return (
            None
            if value == value and value not in (float("inf"), float("-inf"))
            else (path, "float (NaN or infinity)")
        )
    if isinstance(value, (list, tuple)):
        for n, item in enumerate(value):
            found = _json_path_of_first_foreign(item, f"{path}[{n}]")
            if found:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                return f"{path} (a key)", type(key).__qualname__
            found = _json_path_of_first_foreign(item, f"{path}[{key!r}]")
            if found:
                return found
        return None
    kind = type(value)
    name = kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"
    return path, name


def _json_result(fn_name: str, result) -> tuple[str, bytes, str, str]:
    """A JSON call's result as JSON, or an error naming the type that JSON cannot carry."""
    try:
        return "value", json.dumps(result, allow_nan=False, separators=(",", ":")).encode(), "", ""
    except (TypeError, ValueError, RecursionError) as exc:
        found = _json_path_of_first_foreign(result)
        if found is None:
            what = f"cannot be encoded as JSON ({_describe(exc)})"
        elif not found[0]:
            what = f"is a {found[1]}, which is not JSON-serialisable"
        else:
            what = f"holds a {found[1]} at result{found[0]}, which is not JSON-serialisable"
        return "error", b"", NOT_JSON_CAUSE, f"the result of {fn_name} {what}"


def _serialize_result(fn_name: str, result, codec: str = "") -> tuple[str, bytes, str, str]:
    if codec == JSON_CODEC:
        return _json_result(fn_name, result)
    try:
        return "value", cloudpickle.dumps(result), "", ""
    except Exception as exc:  # noqa: BLE001
        return (
            "error",
            b"",
            "serialization",
            f"could not serialize return value of {fn_name}: {_describe(exc)}",
        )


def _exception_output(exc: BaseException) -> tuple[str, bytes, str, str]:
    tb = traceback.format_exc()
    try:
        body = cloudpickle.dumps({"exc": exc, "traceback": tb, "type": type(exc).__qualname__})
    except Exception:  # noqa: BLE001 - the exception itself could not be pickled
        body = cloudpickle.dumps(
            {"exc": None, "traceback": tb, "type": type(exc).__qualname__, "repr": _describe(exc)}
        )
    return "exception", body, "exception", _describe(exc)


def _load_args(blob: bytes, codec: str = ""):
    """(args, kwargs) of an input, and None; or None and the error output when they do not load."""
    try:
        if codec == JSON_CODEC:
            decoded = json.loads(blob)
            return (tuple(decoded.get("args") or ()), dict(decoded.get("kwargs") or {})), None
        return cloudpickle.loads(blob), None
    except Exception as exc:  # noqa: BLE001
        return None, (
            "error",
            b"",
            "deserialization",
            f"could not deserialize the arguments in the container: {_describe(exc)}",
        )


# The runner ----------------------------------------------------------------------------------------


class Runner:
    def __init__(
        self, definition: dict, service: Service, session: str, control: _Channel, shipper: _LogShipper
    ):
        self.shipper = shipper
        self.definition = definition
        self.service = service
        self.session = session
        self.control = control  # outputs, requeues, bye
        self.timeout = float(definition.get("timeout", 300))
        self.scaledown = float(definition.get("scaledown_window", 60))
        self.max_inputs = definition.get("max_inputs") or None
        concurrency = definition.get("concurrency") or {}
        self.capacity = int(concurrency.get("max_inputs", 1))
        self.started = 0
        self.draining = threading.Event()
        self.web: WebServer | None = None  # its web endpoints' server, when it has some
        self.points: SafePoints | None = None  # the main thread's, when it runs the inputs (inline)
        self.cancel_hook: Callable[[str], None] | None = (
            None  # how a cancellation reaches a running input (concurrent mode)
        )

    # Shared --------------------------------------------------------------------------------

    def put(self, outputs: list[dict], bodies: list[bytes]) -> None:
        if outputs:
            # What the inputs printed lands before their outputs: a caller that has a result
            # also has its logs.
            sys.stdout.flush()
            self.shipper.flush()
            self.control.request({"op": "put", "outputs": outputs}, b"".join(bodies))

    def put_all(self, unsent: list[tuple[dict, bytes]]) -> None:
        """Send the outputs gathered so far (and forget them)."""
        if unsent:
            self.put([o for o, _ in unsent], [b for _, b in unsent])
            unsent.clear()

    def requeue(self, items: list[dict], reason: str) -> None:
        if items:
            self.control.request(
                {
                    "op": "requeue",
                    "reason": reason,
                    "inputs": [{"id": i["id"], "attempt": i["attempt"]} for i in items],
                }
            )

    @staticmethod
    def output(item: dict, result: tuple[str, bytes, str, str]) -> tuple[dict, bytes]:
        kind, body, cause, message = result
        return {
            "id": item["id"],
            "attempt": item["attempt"],
            "kind": kind,
            "cause": cause,
            "message": message,
            "size": len(body),
        }, body

    def retiring(self) -> bool:
        return self.max_inputs is not None and self.started >= self.max_inputs

    def run_hooks(self, kind: str) -> None:
        loop = None
        for hook in self.service.hooks(kind):
            result = hook()
            if inspect.iscoroutine(result):
                loop = loop or asyncio.new_event_loop()
                loop.run_until_complete(result)

    def call_sync(
        self, items: list[dict], blobs: list[bytes], fn, method: str, points: SafePoints
    ) -> list[tuple[str, bytes, str, str]]:
        """Run one input (or one batch) synchronously in this thread.

        User code (and unpickling and pickling, which may run user code) runs inside
        `points.user()`: interruptions (Timeout, Cancelled, Preempted) come out of those blocks
        only, and go up to the caller.
        """
        if self.service.batching(method) is not None:
            return self._call_batch(items, blobs, fn, points)
        item, fn_name = items[0], getattr(fn, "__name__", "function")
        token = current.set(CurrentInput(item["id"], item["call_id"]))
        try:
            with points.user():
                payload, error = _load_args(blobs[0], item.get("codec", ""))
                if error:
                    return [error]
                args, kwargs = payload
                result = fn(*args, **kwargs)
            if inspect.isgenerator(result) or inspect.isasyncgen(result):
                ended = self.stream(item, result, fn_name, points)
                if ended is not None:
                    return [ended]
                result = None
            with points.user():
                return [_serialize_result(fn_name, result, item.get("codec", ""))]
        except (Timeout, Preempted, InputCancellation):
            raise
        except Exception as exc:  # noqa: BLE001 - everything the user raises goes back to the caller
            with points.user():  # pickling the exception may run user code
                return [_exception_output(exc)]
        finally:
            current.reset(token)

    def stream(self, item: dict, generator, fn_name: str, points: SafePoints):
        """Send each value a generator yields as it comes (`.remote_gen()`); None when it ended well.

        The generator runs (and its values are pickled) in user code; each value goes to the relay
        from runtime code, where no interruption lands.
        """
        loop = asyncio.new_event_loop() if inspect.isasyncgen(generator) else None
        n = 0
        try:
            while True:
                with points.user():
                    try:
                        value = loop.run_until_complete(generator.__anext__()) if loop else next(generator)
                    except (StopIteration, StopAsyncIteration):
                        return None
                    try:
                        data = cloudpickle.dumps(value)
                    except Exception as exc:  # noqa: BLE001
                        return (
                            "error",
                            b"",
                            "serialization",
                            f"could not serialize a value yielded by {fn_name}: {_describe(exc)}",
                        )
                sys.stdout.flush()
                self.shipper.flush()
                self.control.request(
                    {
                        "op": "item",
                        "id": item["id"],
                        "attempt": item["attempt"],
                        "call_id": item["call_id"],
                        "n": n,
                    },
                    data,
                )
                n += 1
        finally:
            if loop is not None:
                loop.close()

    def _call_batch(self, items, blobs, fn, points: SafePoints) -> list[tuple[str, bytes, str, str]]:
        token = current.set(CurrentInput(items[0]["id"], items[0]["call_id"]))
        try:
            with points.user():
                loaded = [_load_args(b, i.get("codec", "")) for i, b in zip(items, blobs, strict=True)]
                return self._run_batch(items, loaded, fn)
        finally:
            current.reset(token)

    @staticmethod
    def _run_batch(items, loaded, fn) -> list[tuple[str, bytes, str, str]]:
        """A @batched function's call, all of it user code (its arguments are lists)."""
        results: list = [error for _, error in loaded]
        good = [n for n, (_, error) in enumerate(loaded) if error is None]
        if not good:
            return results
        shapes = {(len(loaded[n][0][0]), tuple(sorted(loaded[n][0][1]))) for n in good}
        if len(shapes) != 1:
            message = "every input of a @batched function must pass the same arguments (same count and names)"
            for n in good:
                results[n] = ("error", b"", "batching", message)
            return results
        positional, names = shapes.pop()
        args = [[loaded[n][0][0][i] for n in good] for i in range(positional)]
        kwargs = {k: [loaded[n][0][1][k] for n in good] for k in names}
        try:
            returned = fn(*args, **kwargs)
            if not isinstance(returned, list) or len(returned) != len(good):
                got = f"a list of {len(returned)}" if isinstance(returned, list) else type(returned).__name__
                message = (
                    f"a @batched function must return a list with one result per input: "
                    f"got {got} for {len(good)} inputs"
                )
                for n in good:
                    results[n] = ("error", b"", "batching", message)
                return results
            for n, value in zip(good, returned, strict=True):
                codec = items[n].get("codec", "")
                results[n] = _serialize_result(getattr(fn, "__name__", "function"), value, codec)
        except (Timeout, Preempted, InputCancellation):
            raise
        except Exception as exc:  # noqa: BLE001
            out = _exception_output(exc)
            for n in good:
                results[n] = out
        return results

    def fetch(self, channel: _Channel, want: int, wait: float) -> list[tuple[dict, bytes]]:
        reply, body = channel.request({"op": "get", "max": want, "timeout": wait})
        if reply.get("stop"):  # fenced off by the platform: finish up and leave
            self.draining.set()
        items = reply.get("inputs", [])
        return list(zip(items, split_body(body, [i["size"] for i in items]), strict=True))

    def idle_wait(self, idle_since: float) -> float:
        return max(0.05, min(POLL_SECONDS, self.scaledown - (time.monotonic() - idle_since)))

    def may_leave(self, channel: _Channel) -> bool:
        if self.web is not None and self.web.idle_for() < self.scaledown:
            return False  # its web endpoints served a request lately (or serve one now)
        reply, _ = channel.request({"op": "may_exit"})
        return bool(reply.get("ok", True))

    # Inline mode: synchronous code, one input (or one batch) at a time ---------------------------

    def run_inline(self, channel: _Channel) -> str:
        points = SafePoints.for_main_thread()
        self.points = points
        idle_since, batch = time.monotonic(), 1
        while not self.draining.is_set():
            if self.retiring():
                return "max_inputs"
            batching = self.service.any_batching()
            want = batching["max_batch_size"] if batching else batch
            if self.max_inputs is not None:
                want = min(want, self.max_inputs - self.started)
            fetched = self.fetch(channel, want, self.idle_wait(idle_since))
            if not fetched:
                if time.monotonic() - idle_since >= self.scaledown and self.may_leave(channel):
                    return "idle"
                continue
            if batching:
                fetched = self._fill_batch(channel, fetched, batching)
            started = time.monotonic()
            done_ids: set[str] = set()
            # Outputs of a batch of fast inputs go back together (one round trip); an output that has
            # waited OUTPUT_LINGER_SECONDS is sent at once, so slow inputs still stream.
            unsent: list[tuple[dict, bytes]] = []
            unsent_since = 0.0

            for group in self._groups(fetched):
                items, blobs = [g[0] for g in group], [g[1] for g in group]
                if self.draining.is_set():
                    self.put_all(unsent)
                    # Stopping: what has not started goes back to the queue, without spending retries.
                    self.requeue([f[0] for f in fetched if f[0]["id"] not in done_ids], "preempted")
                    return "draining"
                self.started += len(items)
                method = items[0].get("method", "")
                fn = self.service.callable(method)
                # A cancellation names the batch by its first input.
                points.begin([items[0]["id"]])
                signal.setitimer(signal.ITIMER_REAL, self.timeout)
                try:
                    results = self.call_sync(items, blobs, fn, method, points)
                except Timeout:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    message = f"the function ran past its timeout of {self.timeout:g} s"
                    unsent.extend(self.output(i, ("error", b"", "timeout", message)) for i in items)
                    self.put_all(unsent)
                    # The timed-out code may have left threads or state behind: inputs after it get a
                    # clean container.
                    finished = done_ids | {i["id"] for i in items}
                    rest = [f[0] for f in fetched if f[0]["id"] not in finished]
                    self.requeue(rest, "timeout")
                    return "timeout"
                except InputCancellation:
                    cancelled = ("error", b"", "cancelled", f"input {items[0]['id']} was cancelled")
                    results = [cancelled] * len(items)
                except Preempted:
                    self.put_all(unsent)
                    self.requeue([f[0] for f in fetched if f[0]["id"] not in done_ids], "preempted")
                    return "preempted"
                finally:
                    signal.setitimer(signal.ITIMER_REAL, 0)
                    points.end()
                done_ids.update(i["id"] for i in items)
                if not unsent:
                    unsent_since = time.monotonic()
                unsent.extend(self.output(i, r) for i, r in zip(items, results, strict=True))
                if time.monotonic() - unsent_since >= OUTPUT_LINGER_SECONDS:
                    self.put_all(unsent)
            self.put_all(unsent)
            per_input = (time.monotonic() - started) / len(fetched)
            # Fast inputs are fetched in growing batches (fewer round trips); slow ones one at a
            # time, so that a backlog spreads over every container instead of queuing in one.
            batch = min(MAX_BATCH, batch * 2) if per_input < FAST_INPUT_SECONDS else 1
            idle_since = time.monotonic()
        return "draining"

    def _fill_batch(self, channel, fetched, batching) -> list:
        deadline = time.monotonic() + batching["wait_ms"] / 1000
        while len(fetched) < batching["max_batch_size"] and time.monotonic() < deadline:
            more = self.fetch(
                channel, batching["max_batch_size"] - len(fetched), max(0.0, deadline - time.monotonic())
            )
            fetched += more
        return fetched

    def _groups(self, fetched: list) -> list[list]:
        """Inputs run one by one, except a @batched function's, which run as one batch per method."""
        if self.service.instance is None:
            return [fetched] if self.service.batching("") else [[f] for f in fetched]
        groups: dict[str, list] = {}
        singles = []
        for f in fetched:
            method = f[0].get("method", "")
            if self.service.batching(method):
                groups.setdefault(method, []).append(f)
            else:
                singles.append([f])
        return singles + list(groups.values())

    # Concurrent mode: a fetcher thread, and a pool or an event loop running inputs ---------------

    def run_concurrent(self, channel: _Channel) -> str:
        lock = threading.Condition()
        incoming: list[tuple[dict, bytes]] = []
        inflight: dict[str, dict] = {}  # input id -> {item, future, deadline, kind, points, cancelled}
        done: list[tuple[dict, bytes]] = []
        state: dict[str, Any] = {"idle_since": time.monotonic(), "reason": None}
        is_async = (
            self.service.is_async("")
            if self.service.instance is None
            else any(
                inspect.iscoroutinefunction(getattr(self.service.instance, m, None))
                for m in self.definition.get("methods", {})
            )
        )
        pool = concurrent.futures.ThreadPoolExecutor(self.capacity, thread_name_prefix="skylift-input")
        loop = asyncio.new_event_loop() if is_async else None
        if loop is not None:
            threading.Thread(target=loop.run_forever, name="skylift-loop", daemon=True).start()

        def fetcher():
            while not self.draining.is_set() and state["reason"] is None:
                with lock:
                    while len(inflight) + len(incoming) >= self.capacity and not self.draining.is_set():
                        lock.wait(0.5)
                    free = self.capacity - len(inflight) - len(incoming)
                if self.retiring() or self.draining.is_set():
                    return
                if self.max_inputs is not None:
                    free = min(free, self.max_inputs - self.started)
                try:
                    fetched = self.fetch(channel, free, self.idle_wait(state["idle_since"]))
                except Exception:  # noqa: BLE001
                    state["reason"] = "relay_lost"
                    return
                with lock:
                    if fetched:
                        self.started += len(fetched)
                        incoming.extend(fetched)
                    elif (
                        not inflight
                        and not incoming
                        and time.monotonic() - state["idle_since"] >= self.scaledown
                    ):
                        if self.may_leave(channel):
                            state["reason"] = "idle"
                    lock.notify_all()

        def finished(item, result):
            with lock:
                inflight.pop(item["id"], None)
                done.append(self.output(item, result))
                state["idle_since"] = time.monotonic()
                lock.notify_all()

        def run_sync(item, blob):
            method = item.get("method", "")
            points = SafePoints.for_worker_thread()
            points.begin([item["id"]])
            with lock:
                # From here a cancellation finds this thread; one that came before is raised as
                # soon as the user code starts.
                entry = inflight.get(item["id"], {})
                entry["points"] = points
                cancelled_before = entry.get("cancelled", False)
            if cancelled_before:
                points.interrupt(Cancelled, item["id"])
            try:
                result = self.call_sync([item], [blob], self.service.callable(method), method, points)[0]
            except InputCancellation:
                result = ("error", b"", "cancelled", f"input {item['id']} was cancelled")
            finally:
                points.end()
            finished(item, result)

        async def run_async(item, blob):
            method = item.get("method", "")
            fn = self.service.callable(method)
            (payload, error) = _load_args(blob, item.get("codec", ""))
            if error:
                return error
            args, kwargs = payload
            current.set(CurrentInput(item["id"], item["call_id"]))
            try:
                value = await asyncio.wait_for(fn(*args, **kwargs), self.timeout)
                return _serialize_result(getattr(fn, "__name__", "function"), value, item.get("codec", ""))
            except asyncio.TimeoutError:  # noqa: UP041 - a distinct class before Python 3.11
                return ("error", b"", "timeout", f"the function ran past its timeout of {self.timeout:g} s")
            except asyncio.CancelledError:
                return ("error", b"", "cancelled", f"input {item['id']} was cancelled")
            except Exception as exc:  # noqa: BLE001
                return _exception_output(exc)

        fetch_thread = threading.Thread(target=fetcher, name="skylift-fetch", daemon=True)
        fetch_thread.start()
        self.cancel_hook = lambda input_id: self._cancel_concurrent(inflight, lock, input_id)
        try:
            while True:
                with lock:
                    while (
                        not incoming and not done and state["reason"] is None and not self.draining.is_set()
                    ):
                        lock.wait(0.2)
                        if self._overdue(inflight):
                            break
                    starting, incoming[:] = list(incoming), []
                    ready, done[:] = list(done), []
                for item, blob in starting:
                    is_coroutine = loop is not None and inspect.iscoroutinefunction(
                        self.service.callable(item.get("method", ""))
                    )
                    entry: dict[str, Any] = {
                        "item": item,
                        "future": None,
                        "deadline": time.monotonic() + self.timeout,
                        "kind": "async" if is_coroutine else "thread",
                    }
                    # Registered before it starts: a fast input may finish before submit() returns.
                    with lock:
                        inflight[item["id"]] = entry
                    if is_coroutine and loop is not None:
                        ctx = contextvars.copy_context()
                        entry["future"] = asyncio.run_coroutine_threadsafe(
                            ctx.run(run_async, item, blob), loop
                        )
                        entry["future"].add_done_callback(
                            lambda f, item=item: finished(
                                item,
                                f.result() if not f.cancelled() else ("error", b"", "cancelled", "cancelled"),
                            )
                        )
                        with lock:
                            cancelled_before = entry.get("cancelled", False)
                        if cancelled_before:
                            entry["future"].cancel()
                    else:
                        entry["future"] = pool.submit(contextvars.copy_context().run, run_sync, item, blob)
                if ready:
                    sys.stdout.flush()
                    self.put([o for o, _ in ready], [b for _, b in ready])
                overdue = self._overdue(inflight)
                if overdue:
                    # A thread cannot be stopped: report the timeout, hand the other inputs back, and
                    # leave, so that the next input runs in a clean container.
                    message = f"the function ran past its timeout of {self.timeout:g} s"
                    outs = [self.output(o["item"], ("error", b"", "timeout", message)) for o in overdue]
                    self.put([o for o, _ in outs], [b for _, b in outs])
                    with lock:
                        rest = [o["item"] for k, o in inflight.items() if o not in overdue]
                        rest += [i for i, _ in incoming]
                    self.requeue(rest, "timeout")
                    return "timeout"
                with lock:
                    if state["reason"] and not inflight and not incoming and not done:
                        return state["reason"]
                    if self.retiring() and not inflight and not incoming and not done:
                        return "max_inputs"
                    if self.draining.is_set():
                        break
            # Draining (SIGTERM): finish what runs within the drain time; hand back the rest, with
            # what the fetcher's last long-poll (under way when the drain began) brought in.
            deadline = time.monotonic() + DRAIN_SECONDS
            while time.monotonic() < deadline:
                with lock:
                    if not inflight and not fetch_thread.is_alive():
                        break
                    lock.wait(0.2)
            fetch_thread.join(POLL_SECONDS + 5)
            with lock:
                ready, done[:] = list(done), []
                leftover = [o["item"] for o in inflight.values()] + [i for i, _ in incoming]
            self.put([o for o, _ in ready], [b for _, b in ready])
            self.requeue(leftover, "preempted")
            return "draining"
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def _overdue(self, inflight: dict) -> list[dict]:
        now = time.monotonic()
        return [o for o in inflight.values() if o["kind"] == "thread" and o["deadline"] < now]

    def _cancel_concurrent(self, inflight, lock, input_id: str) -> None:
        with lock:
            entry = inflight.get(input_id)
            if entry is None:
                return
            entry["cancelled"] = True  # for a thread that has not taken the input yet
            points, future = entry.get("points"), entry["future"]
        if entry["kind"] == "async":
            if future is not None:
                future.cancel()  # the task gets CancelledError at its next await
        elif points is not None:
            points.interrupt(Cancelled, input_id)  # raised in the thread at its next safe point

    # Cancellations -------------------------------------------------------------------------------

    def cancel(self, input_id: str) -> None:
        """Interrupt the input if it runs here (else nothing: it finished, or runs elsewhere)."""
        if self.points is not None:
            self.points.interrupt(Cancelled, input_id)
        elif self.cancel_hook is not None:
            self.cancel_hook(input_id)

    def preempt(self) -> None:
        """The drain time is over: the input running in the main thread is handed back."""
        if self.points is not None:
            self.points.interrupt(Preempted)

    def watch_cancellations(self) -> None:
        """Long-poll the relay for cancellations of inputs of this container, for as long as it runs.

        A failure (the relay restarting, a broken connection, a bad reply) is logged; the watcher
        waits a little longer each time, connects again and goes on.
        """
        channel: _Channel | None = None
        delay = WATCH_RETRY_SECONDS[0]
        while True:
            try:
                if channel is None:
                    channel = _Channel.joined(self.session, "watch")
                reply, _ = channel.request({"op": "watch", "timeout": POLL_SECONDS})
            except Exception as exc:  # noqa: BLE001
                _log(f"watching for cancellations failed ({_describe(exc)}); again in {delay:g} s")
                if channel is not None:
                    channel.close()
                    channel = None
                time.sleep(delay)
                delay = min(delay * 2, WATCH_RETRY_SECONDS[1])
                continue
            delay = WATCH_RETRY_SECONDS[0]
            for input_id in reply.get("cancel", []):
                try:
                    self.cancel(str(input_id))
                except Exception as exc:  # noqa: BLE001
                    _log(f"cancelling input {input_id} failed: {_describe(exc)}")


def main() -> int:
    control = _Channel(SOCKET_PATH)
    hello, body = control.request(
        {
            "op": "hello",
            "task_id": os.environ["SKYLIFT_TASK_ID"],
            "token": os.environ.get("SKYLIFT_TASK_TOKEN", ""),
        }
    )
    os.environ.pop("SKYLIFT_TASK_TOKEN", None)
    # The function's secrets, before its module is imported; later secrets won already. The
    # runtime's own variables (SKYLIFT_*, MODAL_*: from Docker, and the identity token the relay
    # sends last) are reserved, as Modal's are.
    for key, value in hello.get("env", {}).items():
        if not (key in os.environ and key.startswith(("SKYLIFT_", "MODAL_"))):
            os.environ[key] = value
    definition, session = hello["function"], hello["session"]
    if definition.get("restrict_modal_access"):
        # The relay refuses its platform requests; this says so before one is even tried.
        os.environ["SKYLIFT_RESTRICTED"] = "1"
    serialized, params = split_body(body, hello.get("sizes", [len(body), 0]))
    shipper = _LogShipper(_Channel.joined(session, "logs"))
    sys.stdout = _StreamTee(shipper, "stdout", sys.stdout)
    sys.stderr = _StreamTee(shipper, "stderr", sys.stderr)
    try:
        service = Service(definition, serialized, params)
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
        shipper.flush()
        control.request({"op": "bye", "reason": "import_failed", "message": traceback.format_exc(limit=5)})
        return 1
    runner = Runner(definition, service, session, control, shipper)
    # The function's own calls (.remote, .map, ...) go through the relay, one connection per thread.
    _relay_client.attach(lambda: _Channel.joined(session, "calls"))

    def tell_relay_draining() -> None:
        try:
            channel = _Channel.joined(session, "drain")
            try:
                channel.request({"op": "drain"})
            finally:
                channel.close()
        except Exception as exc:  # noqa: BLE001 - the poll then ends at its own timeout
            _log(f"telling the relay this container stops failed: {_describe(exc)}")

    def on_term(signum, frame):
        if runner.draining.is_set():
            return
        runner.draining.set()
        # The long-poll under way ends now (the relay answers it at once), not at its timeout.
        threading.Thread(target=tell_relay_draining, daemon=True, name="skylift-drain").start()
        # A running input gets DRAIN_SECONDS to finish; then it is handed back (Preempted).
        timer = threading.Timer(DRAIN_SECONDS, runner.preempt)
        timer.daemon = True
        timer.start()

    signal.signal(signal.SIGTERM, on_term)
    try:
        runner.run_hooks("enter")
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
        shipper.flush()
        control.request(
            {
                "op": "bye",
                "reason": "import_failed",
                "message": "@enter failed:\n" + traceback.format_exc(limit=5),
            }
        )
        return 1
    threading.Thread(target=runner.watch_cancellations, daemon=True, name="skylift-cancel").start()
    parts = web_parts(definition)
    if parts:
        try:
            runner.web = WebServer(service, definition, session, SOCKET_PATH)
            runner.web.start()
        except BaseException as exc:  # noqa: BLE001
            traceback.print_exc()
            shipper.flush()
            message = str(exc) if isinstance(exc, WebStartFailed) else traceback.format_exc(limit=5)
            control.request({"op": "bye", "reason": "web_start_failed", "message": message})
            return 1
        control.request({"op": "web_ready", "capacity": runner.web.capacity})
    if parts and set(parts) >= set(definition.get("methods") or {"": None}):
        reason = serve_web_only(runner, control)
    else:
        reason = run_inputs(runner, service, definition, session)
    if runner.web is not None:
        # No new requests reach it; those in flight finish (at most DRAIN_SECONDS).
        control.request({"op": "web_gone"})
        runner.web.stop(DRAIN_SECONDS)
    try:
        runner.run_hooks("exit")
    except BaseException:  # noqa: BLE001
        traceback.print_exc()
    sys.stdout.flush()
    shipper.flush()
    control.request({"op": "bye", "reason": reason})
    if reason == "timeout":
        os._exit(0)  # abandoned threads must not keep the container alive
    return 0


def serve_web_only(runner: Runner, control: _Channel) -> str:
    """A container that only serves web endpoints: it waits until idle past its scale-down window, or told to stop."""
    assert runner.web is not None
    while not runner.draining.wait(0.5):
        if runner.web.idle_for() >= runner.scaledown and runner.may_leave(control):
            return "idle"
    return "draining"


def run_inputs(runner: Runner, service: Service, definition: dict, session: str) -> str:
    """Pull inputs and run them until the container leaves; returns why it leaves."""
    fetch_channel = _Channel.joined(session, "fetch")
    inline = (
        runner.capacity == 1
        and not (service.instance is None and service.is_async(""))
        and not (
            service.instance is not None
            and any(
                inspect.iscoroutinefunction(getattr(service.instance, m, None))
                for m in definition.get("methods", {})
            )
        )
    )
    return runner.run_inline(fetch_channel) if inline else runner.run_concurrent(fetch_channel)


if __name__ == "__main__":
    sys.exit(main())
