"""What `POST /api/v1/calls/` refuses at the door, over real sockets against the real platform.

The hot path of `.remote()` authenticates before it reads a body, refuses a body over the cap
(declared or streamed) without reading on, and answers bad input with the API's JSON errors.
Raw sockets, not httpx: a client that sends a body it declared first and reads the answer only
afterwards could not see a server answer before the body is in.
"""

from __future__ import annotations

import base64
import json
import socket
from urllib.parse import urlparse

import cloudpickle
import httpx
import pytest
from django.conf import settings

from tests.integration import basic_app

pytestmark = pytest.mark.integration

GIB = 1024**3


@pytest.fixture(scope="module")
def running(platform):
    with basic_app.app.run(client=platform.client("alice")):
        yield platform


def _head(url: str, headers: dict[str, str], path: str = "/api/v1/calls/") -> bytes:
    host = urlparse(url).netloc
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}", "Content-Type: application/json"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _chunk(data: bytes) -> bytes:
    return b"%x\r\n" % len(data) + data + b"\r\n"


class Exchange:
    """One request on a raw connection: what was sent, and the answer's status, headers and body."""

    def __init__(self, url: str):
        parts = urlparse(url)
        # The timeout only keeps a server that never answers from hanging the test; no assertion is
        # about time.
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=60)
        self.sent = 0

    def send(self, data: bytes) -> bool:
        """Send `data`; False once the server has closed the connection (it stopped reading)."""
        try:
            self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            return False
        self.sent += len(data)
        return True

    def answer(self) -> tuple[int, dict[str, str], dict]:
        data = b""
        try:
            while b"\r\n\r\n" not in data:
                more = self.sock.recv(65536)
                if not more:
                    break
                data += more
            head, _, rest = data.partition(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            length = int(headers.get("content-length", "0"))
            while len(rest) < length:
                more = self.sock.recv(65536)
                if not more:
                    break
                rest += more
        finally:
            self.sock.close()
        return int(lines[0].split()[1]), headers, json.loads(rest[:length]) if length else {}


def _call_body(function_id: str, *args) -> bytes:
    blob = base64.b64encode(cloudpickle.dumps((args, {}))).decode()
    return json.dumps({"function_id": function_id, "inputs": [blob], "wait": 30}).encode()


def test_it_answers_401_to_a_huge_declared_body_without_a_token_before_reading_it(running):
    # given a client that declares 1 GiB and sends none of it
    exchange = Exchange(running.url)
    exchange.send(_head(running.url, {"Content-Length": str(GIB)}))
    # when it waits for the answer
    status, headers, body = exchange.answer()
    # then the server answered without waiting for the body
    assert status == 401
    assert body["error"]["code"] == "unauthenticated"
    assert "skylift token new" in body["error"]["hint"]
    assert headers["www-authenticate"].startswith("Bearer")


def test_it_answers_401_to_a_streamed_body_with_a_wrong_token_before_reading_it(running):
    # given a wrong secret for a real token id, and a chunked body of which 1 MiB is sent
    alice = running.users["alice"]
    exchange = Exchange(running.url)
    authorization = f"Bearer {alice.token_id}:as-wrong"
    exchange.send(_head(running.url, {"Authorization": authorization, "Transfer-Encoding": "chunked"}))
    exchange.send(_chunk(b" " * 1024 * 1024))
    # when
    status, _, body = exchange.answer()
    # then the rest was never waited for
    assert status == 401
    assert body["error"]["code"] == "unauthenticated"


def test_it_answers_413_to_a_declared_body_over_the_cap_from_a_real_token(running):
    # given
    exchange = Exchange(running.url)
    exchange.send(_head(running.url, {**running.users["alice"].headers, "Content-Length": str(GIB)}))
    # when
    status, _, body = exchange.answer()
    # then
    assert status == 413
    assert body["error"]["code"] == "too_large"


@pytest.mark.parametrize("path", ["/api/v1/calls/", "/api/v1/apps/"], ids=["fast-path", "django"])
def test_it_stops_reading_a_streamed_body_once_it_passes_the_cap(running, path):
    # given a real token and a chunked body twice the cap
    cap = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    exchange = Exchange(running.url)
    headers = {**running.users["alice"].headers, "Transfer-Encoding": "chunked"}
    exchange.send(_head(running.url, headers, path=path))
    chunk = _chunk(b" " * 1024 * 1024)
    # when it is sent until the server stops taking it
    for _ in range(2 * cap // (1024 * 1024)):
        if not exchange.send(chunk):
            break
    else:
        exchange.send(b"0\r\n\r\n")
    status, _, body = exchange.answer()
    # then it was refused, and the server did not read it all
    assert status == 413
    assert body["error"]["code"] == "too_large"
    assert exchange.sent < 2 * cap


def test_a_call_after_the_refusals_is_still_served_on_the_fast_path(running):
    # given a body well within the cap
    payload = _call_body(basic_app.square.object_id, 9)
    exchange = Exchange(running.url)
    exchange.send(
        _head(running.url, {**running.users["alice"].headers, "Content-Length": str(len(payload))}) + payload
    )
    # when
    status, headers, body = exchange.answer()
    # then
    assert status == 201
    assert headers["x-skylift-path"] == "fast"
    assert cloudpickle.loads(base64.b64decode(body["outputs"][0]["result"])) == 81


@pytest.mark.parametrize("depth", [1_000, 100_000])
def test_it_answers_400_to_json_nested_deeper_than_any_parser_goes(running, depth):
    # given a well-formed document nested `depth` deep
    payload = b'{"function_id": ' + b"[" * depth + b"]" * depth + b"}"
    # when
    response = httpx.post(
        f"{running.url}/api/v1/calls/",
        content=payload,
        headers={**running.users["alice"].headers, "Content-Type": "application/json"},
        timeout=60,
    )
    # then
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "malformed"


@pytest.mark.parametrize("path", ["/api/v1/calls/", "/api/v1/apps/"], ids=["fast-path", "django"])
def test_it_refuses_an_authorization_header_of_a_megabyte_with_a_clear_401(running, path):
    # given a real token id with a secret of a megabyte
    alice = running.users["alice"]
    headers = {"Authorization": f"Bearer {alice.token_id}:as-{'x' * 1024 * 1024}"}
    # when
    response = httpx.post(f"{running.url}{path}", json={"name": "x"}, headers=headers, timeout=60)
    # then
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "unauthenticated"
    assert "too long" in error["message"]


def test_a_revoked_token_can_neither_mint_a_token_nor_write_right_after_its_revocation(running):
    # given a token of alice's that was just used to call (fast path) and to read (Django), so
    # that both have it in their token caches
    alice = running.users["alice"]
    created = httpx.post(
        f"{running.url}/api/v1/tokens/", json={"name": "revoked-soon"}, headers=alice.headers
    )
    assert created.status_code == 201
    token = created.json()
    headers = {"Authorization": f"Bearer {token['id']}:{token['secret']}"}
    call = httpx.post(
        f"{running.url}/api/v1/calls/",
        content=_call_body(basic_app.square.object_id, 2),
        headers={**headers, "Content-Type": "application/json"},
        timeout=60,
    )
    assert call.status_code == 201 and call.headers["x-skylift-path"] == "fast"
    assert httpx.get(f"{running.url}/api/v1/apps/", headers=headers).status_code == 200
    # when it revokes itself
    assert httpx.delete(f"{running.url}/api/v1/tokens/{token['id']}/", headers=headers).status_code == 204
    # then at once: no new token, no call (the fast path), no other write, no read
    minted = httpx.post(f"{running.url}/api/v1/tokens/", json={"name": "outlives"}, headers=headers)
    called = httpx.post(
        f"{running.url}/api/v1/calls/",
        content=_call_body(basic_app.square.object_id, 3),
        headers={**headers, "Content-Type": "application/json"},
        timeout=60,
    )
    written = httpx.post(f"{running.url}/api/v1/apps/", json={"name": "after-revoke"}, headers=headers)
    read = httpx.get(f"{running.url}/api/v1/apps/", headers=headers)
    assert [r.status_code for r in (minted, called, written, read)] == [401, 401, 401, 401]
    assert called.json()["error"]["code"] == "unauthenticated"
    names = {
        t["name"] for t in httpx.get(f"{running.url}/api/v1/tokens/", headers=alice.headers).json()["results"]
    }
    assert "outlives" not in names


def test_a_dashboard_session_without_a_token_still_reaches_django(running):
    # given alice signed in to the dashboard (a session cookie and a CSRF token, no API token)
    alice = running.users["alice"]
    with httpx.Client(base_url=running.url, timeout=60) as browser:
        browser.get("/api/v1/auth/session/")
        csrf = {"X-CSRFToken": browser.cookies["csrftoken"], "Referer": running.url + "/"}
        signed_in = browser.post(
            "/api/v1/auth/session/", json={"username": "alice", "password": alice.password}, headers=csrf
        )
        assert signed_in.status_code == 200
        csrf["X-CSRFToken"] = browser.cookies["csrftoken"]
        # when it calls a function
        response = browser.post(
            "/api/v1/calls/",
            content=_call_body(basic_app.square.object_id, 4),
            headers={**csrf, "Content-Type": "application/json"},
        )
    # then Django authenticated the session and took the call
    assert response.status_code == 201, response.text
    assert "x-skylift-path" not in response.headers
