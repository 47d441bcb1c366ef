"""Streams the app's container output to this terminal as it happens."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["LogStreamer"]

LINE_WAIT_SECONDS = 0.25  # how long a container's line waits for a local one being written to end


class _LocalLines:
    """Wraps this process's stdout or stderr while the app runs, so that a container's line is
    written between the local program's lines, never inside one: `print(x)` writes `x` and its
    newline in two calls, and the streamer's thread could write between them.

    A local line left unfinished (a prompt) holds the container's lines back at most
    LINE_WAIT_SECONDS."""

    def __init__(self, original: TextIO, turn: threading.Condition) -> None:
        self.original, self.turn = original, turn
        self.at_line_start = True

    def write(self, text: str) -> int:
        with self.turn:
            written = self.original.write(text)
            if text:
                self.at_line_start = text.endswith("\n")
                self.turn.notify_all()
            return written

    def write_lines(self, text: str) -> None:
        """The streamer's write: whole lines, after the local line being written ends."""
        with self.turn:
            self.turn.wait_for(lambda: self.at_line_start, timeout=LINE_WAIT_SECONDS)
            self.original.write(text)
            self.original.flush()

    def __getattr__(self, name: str) -> Any:  # fileno, isatty, encoding, flush, buffer, ...
        return getattr(self.original, name)


class LogStreamer:
    def __init__(self, client: Client, app_id: str) -> None:
        self.client, self.app_id = client.clone(), app_id
        self.cursor = "0"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="skylift-logs", daemon=True)
        turn = threading.Condition()
        self._stdout = _LocalLines(sys.stdout, turn)
        self._stderr = _LocalLines(sys.stderr, turn)

    def start(self) -> None:
        sys.stdout, sys.stderr = self._stdout, self._stderr
        self._thread.start()

    def _emit(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            out = self._stderr if entry["stream"] == "stderr" else self._stdout
            out.write_lines(entry["text"] + "\n")

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                page = self.client.app_logs(self.app_id, after=self.cursor, timeout=2.0)
            except Exception:  # noqa: BLE001 - logs are best-effort; calls report their own errors
                if self._stop.wait(1.0):
                    return
                continue
            self._emit(page["entries"])
            self.cursor = page["cursor"]

    def stop(self) -> None:
        """Stop after printing everything the app logged so far."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        try:
            while True:
                page = self.client.app_logs(self.app_id, after=self.cursor, timeout=0)
                if not page["entries"]:
                    break
                self._emit(page["entries"])
                self.cursor = page["cursor"]
        except Exception:  # noqa: BLE001
            pass
        finally:
            # Put the streams back, unless the program has replaced them since.
            if sys.stdout is self._stdout:
                sys.stdout = self._stdout.original
            if sys.stderr is self._stderr:
                sys.stderr = self._stderr.original
