"""The ASGI door caps request bodies before Django spools them to disk."""

from __future__ import annotations

import asyncio
import json
import threading

from django.test import override_settings

from config.body_limit import BodyLimit


class Downstream:
    """The application behind the cap: reads the whole body, as Django's handler does."""

    def __init__(self):
        self.body, self.disconnected = b"", False

    async def __call__(self, scope, receive, send):
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                self.disconnected = True
                return
            self.body += message.get("body", b"")
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def _call(path: str, chunks: list[bytes], *, declared: int | None, method: str = "PUT"):
    downstream, sent = Downstream(), []
    headers = [(b"content-length", str(declared).encode())] if declared is not None else []
    scope = {"type": "http", "method": method, "path": path, "headers": headers}
    queue = [
        {"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)
    ]

    async def receive():
        return queue.pop(0)

    async def send(message):
        sent.append(message)

    # In a thread of its own: other tests of the session may leave an event loop running in this one.
    worker = threading.Thread(target=asyncio.run, args=(BodyLimit(downstream)(scope, receive, send),))
    worker.start()
    worker.join()
    return downstream, sent


@override_settings(SKYLIFT_VOLUME_MAX_UPLOAD=100, DATA_UPLOAD_MAX_MEMORY_SIZE=10)
def test_it_answers_413_to_a_declared_body_over_the_cap_without_reading_it():
    downstream, sent = _call("/api/v1/volumes/vo-x/files/", [b"x" * 101], declared=101)
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "too_large"
    assert downstream.body == b""


@override_settings(SKYLIFT_VOLUME_MAX_UPLOAD=100, DATA_UPLOAD_MAX_MEMORY_SIZE=10)
def test_it_cuts_a_body_that_streams_past_the_cap_and_answers_413():
    downstream, sent = _call("/api/v1/volumes/vo-x/files/", [b"x" * 60, b"x" * 60], declared=None)
    # the application saw a disconnect (and answered nothing, as Django does), the client a 413
    assert downstream.disconnected
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"]["code"] == "too_large"


@override_settings(SKYLIFT_VOLUME_MAX_UPLOAD=100, DATA_UPLOAD_MAX_MEMORY_SIZE=10)
def test_volume_uploads_get_their_own_cap_and_other_requests_djangos():
    downstream, sent = _call("/api/v1/volumes/vo-x/files/", [b"x" * 100], declared=100)
    assert sent[0]["status"] == 200 and len(downstream.body) == 100
    # elsewhere the cap is Django's limit plus a margin, so Django's own 413 answers first
    downstream, sent = _call("/api/v1/apps/", [b"x" * 100], declared=100, method="POST")
    assert sent[0]["status"] == 200
    _, sent = _call("/api/v1/apps/", [b"x"], declared=10 + 1024 * 1024 + 1, method="POST")
    assert sent[0]["status"] == 413
