"""A lean HTTP/1.1 transport for the SDK's hottest request, submitting a call.

A warm `.remote()` takes a few milliseconds end to end, and httpx spends about 0.3 ms of CPU
per request on its own machinery. Submitting a call (`POST /api/v1/calls/`) therefore goes
over the standard library's `http.client` on kept-alive connections; every other request uses
the generated client. The answer is the same JSON either way.
"""

from __future__ import annotations

import http.client
import json
import ssl
import threading
from typing import Any
from urllib.parse import urlsplit

__all__ = ["LeanResponse", "LeanTransport", "TransportError"]

TransportError = (OSError, http.client.HTTPException)


class LeanResponse:
    """What `raise_for_response` and the retry loop read: status, headers, body, parsed JSON."""

    def __init__(self, status: int, headers: http.client.HTTPMessage, content: bytes):
        self.status_code = status
        self.headers = headers
        self.content = content

    @property
    def parsed(self) -> Any:
        return json.loads(self.content)


class LeanTransport:
    """Kept-alive connections to one server, one per concurrent request (threads may share it)."""

    def __init__(self, base_url: str, authorization: str, timeout: float):
        url = urlsplit(base_url)
        self.https = url.scheme == "https"
        self.host = url.hostname or "localhost"
        self.port = url.port or (443 if self.https else 80)
        self.prefix = url.path.rstrip("/")
        self.timeout = timeout
        self.headers = {
            "Authorization": authorization,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._context = ssl.create_default_context() if self.https else None

    def _connect(self) -> http.client.HTTPConnection:
        if self.https:
            return http.client.HTTPSConnection(
                self.host, self.port, timeout=self.timeout, context=self._context
            )
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def post_json(self, path: str, payload: dict[str, Any]) -> LeanResponse:
        """POST `payload`; a kept-alive connection the server has closed meanwhile is replaced once.

        Only for requests that are safe to send twice (they carry an idempotency key).
        """
        body = json.dumps(payload).encode()
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        reused = conn is not None
        while True:
            conn = conn or self._connect()
            try:
                conn.request("POST", self.prefix + path, body=body, headers=self.headers)
                response = conn.getresponse()
                content = response.read()
            except TransportError:
                conn.close()
                if reused:  # the server closed an idle connection: try a fresh one
                    conn, reused = None, False
                    continue
                raise
            result = LeanResponse(response.status, response.headers, content)
            if response.will_close:
                conn.close()
            else:
                with self._lock:
                    self._idle.append(conn)
            return result

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()
