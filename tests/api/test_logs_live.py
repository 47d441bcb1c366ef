"""The Logs page's live tail: `/ws/logs/` sends the new lines matching its filters, of the
session's workspace only (its own module: the consumer reads committed rows, `transactional_db`)."""

from __future__ import annotations

import json

from asgiref.sync import async_to_sync, sync_to_async
from asgiref.testing import ApplicationCommunicator
from django.utils import timezone

from functions.models import LogLine

from .support import make_objects, make_trio
from .test_websocket_tenancy import HOST, _session_cookie


def _line(objects, text, *, stream="stdout"):
    return LogLine.objects.create(
        workspace=objects.app.workspace,
        app=objects.app,
        function=objects.function,
        stream=stream,
        text=text,
        created_at=timezone.now(),
    )


def _tail(path: str, cookie: bytes, *, after_connect=None) -> list[dict]:
    async def run():
        path_only, _, query = path.partition("?")
        scope = {
            "type": "websocket",
            "path": path_only,
            "headers": [(b"origin", HOST), (b"host", b"testserver"), (b"cookie", cookie)],
            "subprotocols": [],
            "query_string": query.encode(),
        }
        communicator = ApplicationCommunicator(application(), scope)
        await communicator.send_input({"type": "websocket.connect"})
        opened = await communicator.receive_output(timeout=5)
        messages = [opened]
        if after_connect is not None:
            await sync_to_async(after_connect)()
        try:
            while True:
                messages.append(await communicator.receive_output(timeout=2))
        except Exception:  # noqa: BLE001 - nothing more within the wait: the communicator stops the consumer
            pass
        return messages

    return async_to_sync(run)()


def application():
    from config.asgi import application as app

    return app


def test_the_live_tail_sends_new_lines_of_its_own_workspace_only(transactional_db, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    trio = make_trio()
    objects_a = make_objects(trio.alice, tag="alpha")
    make_objects(trio.charlie, tag="bravo")

    def print_lines():
        _line(objects_a, "live one")
        _line(objects_a, "live two", stream="stderr")

    # when alice tails her workspace's stderr and a container prints two lines
    got = _tail("/ws/logs/?stream=stderr", _session_cookie("alice"), after_connect=print_lines)
    assert got[0]["type"] == "websocket.accept"
    lines = [line for m in got[1:] if m.get("text") for line in json.loads(m["text"])["lines"]]
    # then she gets the stderr one, once
    assert [line["text"] for line in lines] == ["live two"]
    # and charlie, tailing everything of his, gets none of A's
    theirs = _tail("/ws/logs/", _session_cookie("charlie"), after_connect=print_lines)
    texts = [
        line["text"] for m in theirs[1:] if m.get("text") for line in json.loads(m["text"]).get("lines", [])
    ]
    assert not [t for t in texts if t.startswith("live")]
    # and a bad filter is said and closes the socket
    bad = _tail("/ws/logs/?stream=nope", _session_cookie("alice"))
    assert json.loads(bad[1]["text"])["type"] == "error"
    assert bad[2] == {"type": "websocket.close", "code": 4400}
