"""S1 and S13 on the WebSocket: `/ws/apps/<id>/` checks tenancy and the Origin on connect.

The schema walker cannot see WebSocket routes, so they are walked here. These tests use
`transactional_db`: the consumer reads the database from another thread (Channels'
database_sync_to_async), which must see committed rows.
"""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.test import Client

from config.asgi import application

from .support import PASSWORD, make_objects, make_trio

HOST = b"http://testserver"


def _session_cookie(username: str) -> bytes:
    client = Client()
    assert client.login(username=username, password=PASSWORD)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def _connect(path: str, *, cookie: bytes | None, origin: bytes = HOST) -> tuple[bool, int | None]:
    """Open the WebSocket handshake: (True, None) when accepted, (False, close code) when refused."""

    async def attempt():
        headers = [(b"origin", origin), (b"host", b"testserver")]
        if cookie:
            headers.append((b"cookie", cookie))
        # channels.testing.WebsocketCommunicator does the same, but importing it needs daphne.
        scope = {
            "type": "websocket",
            "path": path,
            "headers": headers,
            "subprotocols": [],
            "query_string": b"",
        }
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "websocket.connect"})
        answer = await communicator.receive_output(timeout=5)
        # The client goes away either way, so the consumer's loop ends.
        await communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        await communicator.wait(timeout=5)
        if answer["type"] == "websocket.accept":
            return True, None
        return False, answer.get("code")

    return async_to_sync(attempt)()


@pytest.fixture
def world(transactional_db, settings):
    # In memory: tenancy is decided on connect, and a consumer on the Redis layer takes up to
    # its blocking-pop timeout to stop once the test is done with it.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    trio = make_trio()
    return trio, make_objects(trio.alice, tag="alpha")


def test_it_lets_the_workspaces_members_watch_its_app(world):
    # given
    trio, objects_a = world
    path = f"/ws/apps/{objects_a.app.id}/"
    # when / then (the positive control of the refusals below)
    assert _connect(path, cookie=_session_cookie("alice"))[0] is True
    assert _connect(path, cookie=_session_cookie("bob"))[0] is True


def test_it_refuses_a_stranger_as_if_the_app_did_not_exist(world):
    # given
    trio, objects_a = world
    cookie = _session_cookie("charlie")
    # when charlie watches A's app, and an app that does not exist
    on_a = _connect(f"/ws/apps/{objects_a.app.id}/", cookie=cookie)
    on_missing = _connect("/ws/apps/ap-doesnotexist/", cookie=cookie)
    # then both are refused the same way
    assert on_a == on_missing == (False, 4404)


def test_it_refuses_a_visitor_without_a_session(world):
    _, objects_a = world
    assert _connect(f"/ws/apps/{objects_a.app.id}/", cookie=None) == (False, 4404)


@pytest.mark.parametrize("origin", [b"http://evil.example", b"null", b"http://testserver.evil.example"])
def test_it_refuses_a_foreign_origin_even_with_a_valid_session(world, origin):
    # given alice's browser, on another site's page
    _, objects_a = world
    # when
    connected, _ = _connect(f"/ws/apps/{objects_a.app.id}/", cookie=_session_cookie("alice"), origin=origin)
    # then
    assert connected is False
