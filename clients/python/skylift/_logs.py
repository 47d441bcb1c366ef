"""Streams the app's container output to this terminal as it happens."""

from __future__ import annotations

import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._client import Client

__all__ = ["LogStreamer"]


class LogStreamer:
    def __init__(self, client: Client, app_id: str) -> None:
        self.client, self.app_id = client.clone(), app_id
        self.cursor = "0"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="skylift-logs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _emit(self, entries: list[dict[str, Any]]) -> None:
        for entry in entries:
            stream = sys.stderr if entry["stream"] == "stderr" else sys.stdout
            stream.write(entry["text"] + "\n")
        if entries:
            sys.stdout.flush()

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
