"""The SDK maps every unsuccessful HTTP answer to one of its exceptions, in one place."""

from __future__ import annotations

import json
import warnings

import httpx
import pytest

from skylift import exception
from skylift._build import BuildFailed
from skylift._client import TOKEN_HINT, raise_for_response


def _response(status: int, body: object = None, *, content: bytes | None = None) -> httpx.Response:
    if content is None:
        content = json.dumps(body).encode() if body is not None else b""
    return httpx.Response(status, content=content, headers={"Content-Type": "application/json"})


def _error(code: str, message: str, **extra) -> dict:
    return {"error": {"code": code, "message": message, **extra}}


@pytest.mark.parametrize("status", [200, 201, 204, 301, 304, 399])
def test_it_raises_nothing_below_400(status):
    raise_for_response(_response(status, {"ok": True}), "Could not do it")


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (400, exception.InvalidError),
        (401, exception.AuthError),
        (403, exception.AuthError),
        (404, exception.NotFoundError),
        (405, exception.RemoteError),
        (409, exception.InvalidError),
        (413, exception.InvalidError),
        (415, exception.InvalidError),
        (418, exception.RemoteError),
        (429, exception.ResourceExhaustedError),
        (500, exception.RemoteError),
        (502, exception.RemoteError),
        (503, exception.RemoteError),
    ],
)
def test_it_maps_each_status_to_its_exception(status, error_type):
    # when
    with pytest.raises(exception.Error) as excinfo:
        raise_for_response(_response(status, _error("x", "the server's words")), "Could not create app 'a'")
    # then
    assert type(excinfo.value) is error_type
    assert str(excinfo.value).startswith("Could not create app 'a': the server's words")


def test_it_keeps_the_servers_hint():
    # when
    with pytest.raises(exception.InvalidError) as excinfo:
        raise_for_response(
            _response(400, _error("invalid", "gpu: unknown type", field="gpu", hint="Use 'H100'.")),
            "Could not define f",
        )
    # then
    assert str(excinfo.value) == "Could not define f: gpu: unknown type Use 'H100'."


def test_it_says_how_to_get_a_token_on_401_whatever_the_server_said():
    # when
    with pytest.raises(exception.AuthError) as excinfo:
        raise_for_response(
            _response(401, _error("unauthenticated", "Invalid or revoked API token.", hint="x")),
            "Could not run",
        )
    # then
    assert "Invalid or revoked API token." in str(excinfo.value)
    assert TOKEN_HINT in str(excinfo.value)
    assert "skylift token new" in str(excinfo.value)


@pytest.mark.parametrize(
    "content",
    [
        b"<html><body>Bad Gateway</body></html>",
        b"",
        b"[1, 2]",
        b"null",
        b'"just a string"',
        b'{"error": "flat string"}',
        b'{"detail": "DRF default shape"}',
        b"\xff\xfe not utf-8",
        b'{"error": {"code": "x"}}',
    ],
    ids=["html", "empty", "list", "null", "string", "flat-error", "other-shape", "bad-utf8", "no-message"],
)
def test_it_survives_any_body(content):
    # when a proxy or a broken server answers with something else than the API's error shape
    with pytest.raises(exception.RemoteError) as excinfo:
        raise_for_response(_response(502, content=content), "Could not submit the call")
    # then the error still says what failed, with the body as the message
    assert str(excinfo.value).startswith("Could not submit the call: ")


def test_it_truncates_a_long_body():
    with pytest.raises(exception.RemoteError) as excinfo:
        raise_for_response(_response(500, content=b"x" * 100_000), "Could not run")
    assert len(str(excinfo.value)) < 600


def test_it_puts_every_exception_under_the_base_class():
    # `except skylift.exception.Error` catches whatever raise_for_response raises.
    for status in range(400, 600):
        with pytest.raises(exception.Error):
            raise_for_response(_response(status, _error("x", "y")), "Could not")


def test_it_has_every_exception_of_modals_arranged_as_modal_arranges_them():
    # given Modal's hierarchy, which a program's except clauses rely on
    assert issubclass(exception.FunctionTimeoutError, exception.TimeoutError)
    assert issubclass(exception.OutputExpiredError, exception.TimeoutError)
    assert issubclass(exception.SandboxTimeoutError, exception.TimeoutError)
    assert not issubclass(exception.TimeoutError, TimeoutError)  # Modal's own, not the built-in
    assert issubclass(exception.ConflictError, exception.InvalidError)
    assert issubclass(exception.ImageBuildError, exception.RemoteError)
    assert issubclass(exception.SandboxFilesystemNotFoundError, exception.SandboxFilesystemError)
    assert not issubclass(exception.InputCancellation, Exception)
    # then a failed build is caught as Modal's ImageBuildError
    assert issubclass(BuildFailed, exception.ImageBuildError)
    # and Modal's warning categories are warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(exception.DeprecationError):
            warnings.warn("old", exception.DeprecationError, stacklevel=1)
