"""One error shape for the whole API: `{"error": {"code", "message", "hint"?, "field"?}}`.

DRF's exceptions go through `api_exception_handler`; what Django raises before or around DRF
(a body over the size limit, a lost database connection, an unknown URL under /api/) goes
through `JsonErrorMiddleware`, so no API client ever sees an HTML page or a bare 500.
"""

from __future__ import annotations

import codecs
import json
import logging

import redis
from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DatabaseError, DataError, InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, parsers, status
from rest_framework.response import Response

__all__ = [
    "ApiError",
    "JSONParser",
    "JsonErrorMiddleware",
    "api_exception_handler",
    "error_body",
    "send_error",
]

log = logging.getLogger(__name__)

# Redis dropped or unreachable (restarting, connections killed): like a lost database, a 503 the
# SDK retries, never a 500. Accepted inputs are safe in PostgreSQL meanwhile.
REDIS_DOWN = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

TOKEN_HINT = (
    "Create a token in the dashboard or with `skylift token new`, then send it as "
    "'Authorization: Bearer <token_id>:<token_secret>'."
)


def error_body(code: str, message: str, *, hint: str | None = None, field: str | None = None) -> dict:
    err: dict = {"code": code, "message": message}
    if hint:
        err["hint"] = hint
    if field:
        err["field"] = field
    return {"error": err}


async def send_error(send, status: int, body: dict, *, headers: dict[bytes, bytes] | None = None) -> None:
    """Answer an ASGI request with an error of the API's shape, before Django (or any body) is read.

    The connection is closed after the answer: a body the client may still be sending is not read,
    and another request on the same connection could not be told apart from its rest.
    """
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
                (b"connection", b"close"),
                *(headers or {}).items(),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})


class ApiError(exceptions.APIException):
    """A domain error with a stable machine-readable code and a hint for the user."""

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        status_code: int = 400,
        hint: str | None = None,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status_code = status_code
        self.error_code = code
        self.headers = headers or {}
        self.hint = hint
        self.field = field


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return obj


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, turning every way a body can fail to parse into a 400 `malformed`.

    DRF's own lets a deeply nested document (10k `[`) escape as a RecursionError, hence a 500, and
    silently keeps the last of duplicate keys, so that two readers of the same body can disagree
    about what it says (RELIABILITY B1).
    """

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = codecs.getreader(encoding)(stream).read()
            return json.loads(text, parse_constant=_refuse_constant, object_pairs_hook=_unique_keys)
        except RecursionError:
            raise exceptions.ParseError("JSON parse error - the document is nested too deeply.") from None
        except ValueError as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from None


def _first_validation_error(detail, path: str = "") -> tuple[str, str]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            sub = key if key != "non_field_errors" else ""
            return _first_validation_error(value, f"{path}.{sub}" if path and sub else (sub or path))
    if isinstance(detail, list) and detail:
        return _first_validation_error(detail[0], path)
    return path, str(detail)


def _data_error_body(exc: DataError) -> dict:
    # The database refused a value the request carried (a NUL character in an id, a number out of
    # range): the request is at fault, and "unavailable, retry" would only make clients retry.
    log.info("database refused a request value: %s", exc)
    return error_body("invalid", "The request contains a value that cannot be stored or looked up.")


def api_exception_handler(exc, context):
    if isinstance(exc, ApiError):
        body = error_body(exc.error_code, str(exc.detail), hint=exc.hint, field=exc.field)
        headers = dict(exc.headers)
        if exc.status_code == 429:
            headers.setdefault("Retry-After", "1")
        return Response(body, status=exc.status_code, headers=headers)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("too_large", str(exc)), status=413)
    if isinstance(exc, DataError):
        return Response(_data_error_body(exc), status=400)
    if isinstance(exc, (OperationalError, InterfaceError)):
        log.warning("database unavailable: %s", exc)
        return Response(
            error_body("unavailable", "The database is unavailable; retry shortly."),
            status=503,
            headers={"Retry-After": "2"},
        )
    if isinstance(exc, REDIS_DOWN):
        log.warning("redis unavailable: %s", exc)
        return Response(
            error_body("unavailable", "The queue is unavailable; retry shortly."),
            status=503,
            headers={"Retry-After": "1"},
        )
    # Imported here: rest_framework.views reads DEFAULT_PARSER_CLASSES when it loads, which names
    # JSONParser in this module.
    from rest_framework.views import exception_handler

    # Django's own exceptions (get_object_or_404 raises Http404) become DRF's, so that they get
    # the codes below and not the catch-all: a missing object must read as `not_found`.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, DjangoValidationError):
        # A model field refused a value from the request while filtering (a forged pagination
        # cursor whose position is not a date): the request is at fault.
        exc = exceptions.ValidationError(exc.messages)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        field, message = _first_validation_error(exc.detail)
        response.data = error_body(
            "invalid", f"{field}: {message}" if field else message, field=field or None
        )
    elif isinstance(exc, exceptions.ParseError):
        response.data = error_body("malformed", str(exc.detail), hint="Send a valid JSON document.")
    elif isinstance(exc, exceptions.UnsupportedMediaType):
        response.data = error_body(
            "unsupported_media_type", str(exc.detail), hint="Send Content-Type: application/json."
        )
    elif isinstance(exc, (exceptions.NotAuthenticated, exceptions.AuthenticationFailed)):
        response.status_code = status.HTTP_401_UNAUTHORIZED
        response.data = error_body("unauthenticated", str(exc.detail), hint=TOKEN_HINT)
    elif isinstance(exc, exceptions.NotFound):
        response.data = error_body("not_found", "Not found.")
    elif isinstance(exc, exceptions.Throttled):
        response.data = error_body("rate_limited", str(exc.detail))
    else:
        code = getattr(exc, "default_code", "error")
        response.data = error_body(str(code), str(getattr(exc, "detail", exc)))
    return response


class JsonErrorMiddleware:
    """JSON errors for /api/ paths where Django, not DRF, produced the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except RequestDataTooBig as exc:
            return JsonResponse(error_body("too_large", str(exc)), status=413)
        if not request.path.startswith("/api/v1/"):
            return response
        content_type = response.get("Content-Type", "")
        if response.status_code >= 400 and not content_type.startswith("application/json"):
            if response.status_code == 404:
                return JsonResponse(error_body("not_found", "No such API endpoint."), status=404)
            if response.status_code == 400:
                return JsonResponse(error_body("bad_request", "Bad request."), status=400)
            if response.status_code == 403:
                return JsonResponse(error_body("forbidden", "Forbidden (CSRF check failed?)."), status=403)
        return response

    def process_exception(self, request, exc):
        if not request.path.startswith("/api/"):
            return None
        if isinstance(exc, RequestDataTooBig):
            return JsonResponse(error_body("too_large", str(exc)), status=413)
        if isinstance(exc, DataError):
            return JsonResponse(_data_error_body(exc), status=400)
        if isinstance(exc, (OperationalError, InterfaceError, DatabaseError)):
            log.warning("database error on %s: %s", request.path, exc)
            response = JsonResponse(
                error_body("unavailable", "The database is unavailable; retry shortly."), status=503
            )
            response["Retry-After"] = "2"
            return response
        if isinstance(exc, REDIS_DOWN):
            log.warning("redis error on %s: %s", request.path, exc)
            response = JsonResponse(
                error_body("unavailable", "The queue is unavailable; retry shortly."), status=503
            )
            response["Retry-After"] = "1"
            return response
        log.exception("unhandled error on %s", request.path)
        return JsonResponse(error_body("internal", "Internal error."), status=500)
