"""`/ws/builds/<id>/`: a build's log over a WebSocket, for the workspace's members only.

`transactional_db`: the consumer reads the database from another thread, which must see
committed rows. The log lines go through the real Redis stream of the test services.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.contrib.auth.models import User
from django.test import Client

from accounts.services import workspace_create
from builds.logs import BuildLog
from builds.models import Build, Image
from config.asgi import application


def _cookie(user: User) -> bytes:
    client = Client()
    client.force_login(user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def _watch(path: str, cookie: bytes, count: int) -> list[dict]:
    """Connect, and take the first `count` messages the server sends (or fewer, up to a close)."""

    async def attempt():
        scope = {
            "type": "websocket",
            "path": path,
            "headers": [(b"origin", b"http://testserver"), (b"host", b"testserver"), (b"cookie", cookie)],
            "subprotocols": [],
            "query_string": b"",
        }
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "websocket.connect"})
        received = []
        while len(received) < count:
            received.append(await communicator.receive_output(timeout=5))
            if received[-1]["type"] == "websocket.close":
                break
        await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        await communicator.wait(timeout=5)
        return received

    return async_to_sync(attempt)()


@pytest.fixture
def build(transactional_db, settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    alice = User.objects.create(username="ws-alice")
    charlie = User.objects.create(username="ws-charlie")
    workspace = workspace_create(name="ws-alpha", owner=alice)
    workspace_create(name="ws-charlie", owner=charlie)
    image = Image.objects.create(workspace=workspace, spec={}, spec_hash="f" * 64, python_version="3.11")
    build = Build.objects.create(workspace=workspace, image=image, spec={}, status="succeeded")
    log = BuildLog(build.id)
    log.line("=> Step 1: run_commands(echo hi)")
    log.line("hi")
    log.close()
    return build, alice, charlie


def test_it_sends_a_members_the_log_of_a_build(build):
    # given a finished build with two log lines
    build, alice, _ = build
    # when alice watches it
    messages = _watch(f"/ws/builds/{build.id}/", _cookie(alice), count=3)
    # then she gets the lines, then word that the build is over
    assert messages[0]["type"] == "websocket.accept"
    import json

    payloads = [json.loads(m["text"]) for m in messages if m["type"] == "websocket.send"]
    assert [e["text"] for e in payloads[0]["entries"]] == ["=> Step 1: run_commands(echo hi)", "hi"]
    assert payloads[-1] == {"type": "build.done"}


def test_it_refuses_a_stranger_as_if_the_build_did_not_exist(build):
    build, _, charlie = build
    for path in (f"/ws/builds/{build.id}/", "/ws/builds/bu-doesnotexist/"):
        messages = _watch(path, _cookie(charlie), count=1)
        assert messages[0]["type"] == "websocket.close"
        assert messages[0]["code"] == 4404
