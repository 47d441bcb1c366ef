"""Build logs: live in a Redis stream (for the CLI's long-poll) and a Channels group (for the
dashboard's WebSocket), and kept whole with the build record when it ends."""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from typing import cast

from channels.layers import get_channel_layer
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from functions.longpoll import wait_without_database
from functions.queues import stream_cursor

__all__ = ["BuildLog", "build_group", "log_key", "read"]

log = logging.getLogger(__name__)

STREAM_MAXLEN = 20_000
STREAM_TTL_SECONDS = 24 * 3600
KEEP_HEAD_LINES = 2000
KEEP_TAIL_LINES = 3000
MAX_LINE_CHARS = 2000


def log_key(build_id: str) -> str:
    return f"skylift:build-log:{build_id}"


def build_group(build_id: str) -> str:
    return f"build.{build_id}"


def _redis():
    from functions.queues import redis_client

    return redis_client()


# The channel layer (channels_redis) keeps a connection pool per event loop, and async_to_sync runs
# each call on a loop of its own: sent that way, every flush opened a Redis connection. Sync code
# sends on one loop of this process instead, in a thread of its own (a forked child makes its own).
_sender_lock = threading.Lock()
_sender: tuple[int, asyncio.AbstractEventLoop] | None = None
SEND_TIMEOUT_SECONDS = 5.0


def _sender_loop() -> asyncio.AbstractEventLoop:
    global _sender
    with _sender_lock:
        if _sender is None or _sender[0] != os.getpid():
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, daemon=True, name="channel-layer-sender").start()
            _sender = (os.getpid(), loop)
        return _sender[1]


def group_send(group: str, message: dict) -> None:
    """Send a message to a Channels group from sync code (waits for the layer to take it)."""
    layer = get_channel_layer()
    if layer is None:
        raise ImproperlyConfigured("settings.CHANNEL_LAYERS has no default layer")
    future = asyncio.run_coroutine_threadsafe(layer.group_send(group, message), _sender_loop())
    try:
        future.result(timeout=SEND_TIMEOUT_SECONDS)
    except TimeoutError:
        future.cancel()  # a layer that does not answer: sends must not pile up behind it
        raise


class BuildLog:
    """Collects a build's lines; flushes them to watchers a few times a second.

    Secret values the build was given are masked in every line before anyone sees it.
    """

    def __init__(
        self, build_id: str, *, secrets: Iterable[str] = (), heartbeat: Callable[[], object] | None = None
    ):
        self.build_id = build_id
        self.secrets = sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True)
        self.heartbeat = heartbeat
        self.pending: list[dict] = []
        # The record keeps the first lines and the last ones: a failure's output is at the end.
        self.head: list[str] = []
        self.tail: deque[str] = deque(maxlen=KEEP_TAIL_LINES)
        self.dropped = 0
        self.lock = threading.Lock()
        self.last_flush = time.monotonic()
        self.last_heartbeat = time.monotonic()

    def _mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def mask(self, text: str) -> str:
        """`text` with the build's secret values masked, as its log lines are (for its error)."""
        return self._mask(text)

    def line(self, text: str) -> None:
        text = self._mask(text)
        with self.lock:
            self.pending.append({"type": "line", "text": text})
            text = text[:MAX_LINE_CHARS]
            if len(self.head) < KEEP_HEAD_LINES:
                self.head.append(text)
            else:
                if len(self.tail) == self.tail.maxlen:
                    self.dropped += 1
                self.tail.append(text)
        if time.monotonic() - self.last_flush >= settings.SKYLIFT_BUILD_LOG_SECONDS:
            self.flush()

    def event(self, payload: dict) -> None:
        """A structured event (step status, build status): for progress displays."""
        with self.lock:
            self.pending.append({"type": "event", "text": json.dumps(payload)})
        self.flush()

    def flush(self) -> None:
        with self.lock:
            pending, self.pending = self.pending, []
            self.last_flush = time.monotonic()
        if not pending:
            return
        entries = []
        try:
            r = _redis()
            pipe = r.pipeline(transaction=False)
            key = log_key(self.build_id)
            for item in pending:
                pipe.xadd(key, item, maxlen=STREAM_MAXLEN, approximate=True)
            pipe.expire(key, STREAM_TTL_SECONDS)
            ids = pipe.execute()[:-1]
            entries = [
                {"id": i.decode() if isinstance(i, bytes) else i, **item}
                for i, item in zip(ids, pending, strict=True)
            ]
        except Exception:  # noqa: BLE001 - watchers lose live lines; the record keeps them
            log.warning("could not publish build log lines of %s", self.build_id, exc_info=True)
        if entries:
            try:
                group_send(build_group(self.build_id), {"type": "build.log", "entries": entries})
            except Exception:  # noqa: BLE001 - live updates are best-effort
                log.debug("could not send build log to the channel layer", exc_info=True)
        if self.heartbeat and time.monotonic() - self.last_heartbeat > 10:
            self.last_heartbeat = time.monotonic()
            self.heartbeat()

    def close(self) -> None:
        self.flush()

    @property
    def text(self) -> str:
        middle = [f"... ({self.dropped} lines left out) ..."] if self.dropped else []
        return "\n".join([*self.head, *middle, *self.tail])


def read(build_id: str, *, after: str, timeout: float) -> tuple[list[dict], str]:
    """Entries after the stream cursor `after`, waiting up to `timeout` seconds for some."""
    after = stream_cursor(after) or "0"
    block = int(timeout * 1000) if timeout > 0 else None
    # The wait holds no database connection: a build log follower must not take one from the pool.
    result = wait_without_database(lambda r: r.xread({log_key(build_id): after}, count=1000, block=block))
    entries, cursor = [], after
    for _, messages in cast("list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]", result or []):
        for message_id, fields in messages:
            cursor = message_id.decode()
            item = {k.decode(): v.decode(errors="replace") for k, v in fields.items()}
            entries.append({"id": cursor, "type": item.get("type", "line"), "text": item.get("text", "")})
    return entries, cursor
