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


def _exec(path: str, authorization: str | None) -> dict:
    """Open a sandbox's exec WebSocket and send a command: the server's final message."""
    import json

    async def attempt():
        headers = [(b"host", b"testserver")]
        if authorization:
            headers.append((b"authorization", authorization.encode()))
        scope = {
            "type": "websocket",
            "path": path,
            "headers": headers,
            "subprotocols": [],
            "query_string": b"",
        }
        communicator = ApplicationCommunicator(application, scope)
        await communicator.send_input({"type": "websocket.connect"})
        assert (await communicator.receive_output(timeout=5))["type"] == "websocket.accept"
        await communicator.send_input(
            {"type": "websocket.receive", "text": json.dumps({"command": ["true"]})}
        )
        final = await communicator.receive_output(timeout=10)
        closed = await communicator.receive_output(timeout=5)
        assert closed["type"] == "websocket.close"
        await communicator.wait(timeout=5)
        return json.loads(final["text"])

    return async_to_sync(attempt)()


def test_a_sandboxs_exec_is_refused_to_a_stranger_as_if_it_did_not_exist(world):
    # given A's sandbox (waiting for a host: no agent in these tests)
    trio, objects_a = world
    path = f"/api/v1/sandboxes/{objects_a.sandbox.id}/exec/"
    # when charlie runs a command in it, and in a sandbox that does not exist
    on_a = _exec(path, trio.charlie.authorization)
    on_missing = _exec("/api/v1/sandboxes/sb-doesnotexist/exec/", trio.charlie.authorization)
    # then both are not found, alike
    assert on_a["error"]["code"] == on_missing["error"]["code"] == "not_found"
    assert on_a["error"]["message"].replace(objects_a.sandbox.id, "x") == on_missing["error"][
        "message"
    ].replace("sb-doesnotexist", "x")
    # a visitor without a token is refused, and alice is told it has not started yet (the control)
    assert _exec(path, None)["error"]["code"] == "not_authenticated"
    assert _exec(path, trio.alice.authorization)["error"]["code"] == "not_ready"
    # and bob, a member, may not run commands in the sandbox alice created
    assert _exec(path, trio.bob.authorization)["error"]["code"] == "permission_denied"
