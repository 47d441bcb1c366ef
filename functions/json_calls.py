"""Calls from any language: JSON arguments in, the result as JSON out.

`POST /api/v1/apps/{app}/functions/{name}/call/` (and `/spawn/`, and `GET /calls/{id}/result/`).
The control plane never unpickles user bytes, so it converts no value either: the inputs of a JSON
call are marked `codec = "json"` and carry `{"args": [...], "kwargs": {...}}` as JSON; the container
runtime decodes them, calls the function and encodes its result as JSON, or, when the result is not
JSON-serialisable, ends the input with the cause `not_json` and a message naming the type
(skylift/_container.py). Here the JSON comes back as it is.

`{app}` is a deployed app's name (in `environment`, `main` by default) or an app's id (`ap-…`: an
ephemeral app, say one `skylift serve` runs). `{name}` is a function's name or `Class.method`; a
class's parameters come in `params` and bind it as `Cls.from_name(...)(**params)` does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from apps.deployments import deployed_app
from apps.models import App, AppState
from config.errors import ApiError, error_body

from . import services
from .models import Function, FunctionCall, InputStatus

__all__ = [
    "JSON_CODEC",
    "NOT_JSON_CAUSE",
    "Answer",
    "answer",
    "json_call",
    "json_target",
]

JSON_CODEC = "json"
# The cause the container runtime ends an input with when its result is not JSON-serialisable.
NOT_JSON_CAUSE = "not_json"

_FINISHED = {
    InputStatus.SUCCEEDED,
    InputStatus.FAILED,
    InputStatus.TIMED_OUT,
    InputStatus.CANCELLED,
    InputStatus.TERMINATED,
}


@dataclass(frozen=True)
class Target:
    """What a JSON call runs: a function (or a class bound to its parameters) and the method of a class."""

    function: Function
    method: str


def _app(*, workspace, app: str, environment: str | None) -> App:
    """A deployed app by name, or any running app of the workspace by id."""
    if app.startswith("ap-"):
        found = App.objects.filter(workspace=workspace, pk=app).select_related("environment").first()
        if found is None:
            raise ApiError(f"No app {app} in this workspace.", code="not_found", status_code=404, field="app")
        if found.state == AppState.STOPPED:
            raise ApiError(
                f"The app {found.name!r} ({found.id}) is stopped.",
                code="not_found",
                status_code=404,
                field="app",
                hint="Run or deploy it again; `skylift app list` shows the running apps.",
            )
        return found
    return deployed_app(workspace=workspace, name=app, environment=environment)


def _live_function(app: App, name: str) -> Function | None:
    functions = Function.objects.filter(app=app, name=name, variant_key="", retired_at__isnull=True)
    if app.live_version_id is not None:
        functions = functions.filter(version_id=app.live_version_id)
    return functions.select_related("app", "workspace").first()


def json_target(
    *, workspace, app: str, name: str, environment: str | None, params: dict[str, Any] | None
) -> Target:
    """The function (or class method) `name` of the app, bound to `params` for a class.

    Unknown apps and functions answer 404 naming them; a class without a method, a method a
    class does not have, parameters for a function and generators answer 400.
    """
    found = _app(workspace=workspace, app=app, environment=environment)
    function, method = _live_function(found, name), ""
    if function is None and "." in name:
        class_name, method = name.rsplit(".", 1)
        function = _live_function(found, class_name)
        if function is not None and function.definition.get("kind") != "class":
            function = None
    if function is None:
        names = sorted(
            Function.objects.filter(app=found, variant_key="", retired_at__isnull=True)
            .filter(**({"version_id": found.live_version_id} if found.live_version_id else {}))
            .values_list("name", flat=True)
        )
        raise ApiError(
            f"The app {found.name!r} ({found.id}) has no function or class method {name!r}.",
            code="not_found",
            status_code=404,
            field="name",
            hint="It has: " + (", ".join(names) or "nothing") + ". Call a class's method as Class.method.",
        )
    methods = function.definition.get("methods") or {}
    if function.definition.get("kind") == "class":
        if not method:
            raise ApiError(
                f"{name} is a class: call one of its methods.",
                field="name",
                hint="Its methods: " + ", ".join(f"{name}.{m}" for m in sorted(methods)) + ".",
            )
        if method not in methods:
            raise ApiError(
                f"The class {function.name} has no method {method!r}.",
                code="not_found",
                status_code=404,
                field="name",
                hint="Its methods: " + ", ".join(f"{function.name}.{m}" for m in sorted(methods)) + ".",
            )
        generator = bool((methods[method] or {}).get("is_generator"))
    else:
        if params:
            raise ApiError(f"{name} is a function: only a class takes params.", field="params")
        generator = function.is_generator
    if generator:
        raise ApiError(
            f"{name} is a generator: a JSON call answers one result.",
            field="name",
            hint="Call it from Python with .remote_gen().",
        )
    if params:
        # The parameters as JSON: the container runtime tells them from the SDK's cloudpickled ones.
        blob = json.dumps(dict(sorted(params.items())), separators=(",", ":")).encode()
        function = services.function_variant(parent=function, params=blob, options={})
    return Target(function, method)


def json_call(*, target: Target, user, args: list[Any], kwargs: dict[str, Any], kind: str) -> FunctionCall:
    """Accept a JSON call of one input: its arguments stay JSON all the way to the container."""
    body = json.dumps({"args": args, "kwargs": kwargs}, separators=(",", ":")).encode()
    call, _ = services.call_create(
        function=target.function,
        user=user,
        args=[body],
        kind=kind,
        method=target.method,
        codec=JSON_CODEC,
    )
    return call


@dataclass(frozen=True)
class Answer:
    status_code: int
    body: dict[str, Any]


def _failed(call: FunctionCall, status: str, code: str, message: str, http: int, **extra: Any) -> Answer:
    body = error_body(code, message, **extra)
    return Answer(http, {**body, "call_id": call.id, "status": status})


def answer(call: FunctionCall, output: dict | None, *, pending_status: int) -> Answer:
    """The HTTP answer to a JSON call from its output (None: not finished yet)."""
    if output is None:
        status = "running" if call.status == "running" else "pending"
        return Answer(
            pending_status,
            {"call_id": call.id, "status": status, "result_url": f"/api/v1/calls/{call.id}/result/"},
        )
    if output.get("codec") != JSON_CODEC:
        return _failed(
            call,
            output["status"],
            NOT_JSON_CAUSE,
            f"{call.id} was made by the Python SDK: its arguments and result are cloudpickled, not JSON.",
            406,
            hint="Read it with FunctionCall.from_id(...).get() in Python, or make the call with "
            "POST /api/v1/apps/{app}/functions/{name}/call/.",
        )
    if output["result_kind"] == "expired":
        return _failed(
            call, output["status"], "expired", f"The result of {call.id} expired (past retention).", 410
        )
    if output["status"] == InputStatus.SUCCEEDED:
        try:
            value = json.loads(bytes(output["result"] or b""))
        except (ValueError, UnicodeDecodeError):
            return _failed(
                call, output["status"], NOT_JSON_CAUSE, f"The result of {call.id} is not valid JSON.", 406
            )
        return Answer(200, {"call_id": call.id, "status": "succeeded", "result": value})
    if output["cause"] == NOT_JSON_CAUSE:
        return _failed(
            call,
            output["status"],
            NOT_JSON_CAUSE,
            output["message"],
            406,
            hint="Return JSON-serialisable values (dict, list, str, int, float, bool, None) to JSON callers.",
        )
    return _failed(
        call,
        output["status"],
        "function_failed",
        output["message"] or f"{call.id} ended {output['status']}.",
        422,
        hint=f"The cause: {output['cause'] or output['status']}. See the app's logs: skylift app logs APP.",
    )
