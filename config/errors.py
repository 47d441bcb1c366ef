"""One error shape for the whole API: `{"error": {"code", "message", "hint"?, "field"?}}`.

DRF's exceptions go through `api_exception_handler`; what Django raises before or around DRF
(a body over the size limit, a lost database connection, an unknown URL under /api/) goes
through `JsonErrorMiddleware`, so no API client ever sees an HTML page or a bare 500.
"""

from __future__ import annotations

import logging

from django.core.exceptions import RequestDataTooBig
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

__all__ = ["ApiError", "JsonErrorMiddleware", "api_exception_handler", "error_body"]

log = logging.getLogger(__name__)

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
    ):
        super().__init__(message)
        self.status_code = status_code
        self.error_code = code
        self.hint = hint
        self.field = field


def _first_validation_error(detail, path: str = "") -> tuple[str, str]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            sub = key if key != "non_field_errors" else ""
            return _first_validation_error(value, f"{path}.{sub}" if path and sub else (sub or path))
    if isinstance(detail, list) and detail:
        return _first_validation_error(detail[0], path)
    return path, str(detail)


def api_exception_handler(exc, context):
    if isinstance(exc, ApiError):
        body = error_body(exc.error_code, str(exc.detail), hint=exc.hint, field=exc.field)
        return Response(body, status=exc.status_code)
    if isinstance(exc, RequestDataTooBig):
        return Response(error_body("too_large", str(exc)), status=413)
    if isinstance(exc, (OperationalError, InterfaceError)):
        log.warning("database unavailable: %s", exc)
        return Response(
            error_body("unavailable", "The database is unavailable; retry shortly."),
            status=503,
            headers={"Retry-After": "2"},
        )
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
        if isinstance(exc, (OperationalError, InterfaceError, DatabaseError)):
            log.warning("database error on %s: %s", request.path, exc)
            response = JsonResponse(
                error_body("unavailable", "The database is unavailable; retry shortly."), status=503
            )
            response["Retry-After"] = "2"
            return response
        log.exception("unhandled error on %s", request.path)
        return JsonResponse(error_body("internal", "Internal error."), status=500)
