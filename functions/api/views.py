from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from accounts.permissions import ADMIN_OR_CREATOR, ANY_ROLE
from apps import ephemeral
from apps.deployments import callable_by_name
from apps.deployments import function_lookup as lookup_function
from apps.models import App
from config.errors import ApiError
from config.pagination import NewestFirstCursor

from .. import call_reports, containers, json_calls, metrics, schedules, services
from ..graph import call_graph
from ..models import LIVE_TASK_STATUSES, Function, FunctionCall, Mount, Task
from ..outputs import items_wait, outputs_wait
from ..queues import output_message
from .serializers import (
    AutoscalerSerializer,
    CallCreatedSerializer,
    CallCreateSerializer,
    CallGraphSerializer,
    CallInputsSerializer,
    CallReportSerializer,
    CallRowSerializer,
    FunctionCallSerializer,
    FunctionCreateSerializer,
    FunctionMetricsSerializer,
    FunctionSerializer,
    FunctionVariantSerializer,
    InputIdsSerializer,
    ItemPageSerializer,
    JsonCallSerializer,
    JsonResultSerializer,
    MountCreateSerializer,
    MountSerializer,
    OutputPageSerializer,
    TaskSerializer,
)


def _not_found(kind: str, object_id: str, field: str) -> ApiError:
    return ApiError(
        f"No {kind} {object_id} in this workspace.", code="not_found", status_code=404, field=field
    )


class MountViewSet(mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Content-addressed source uploads: containers import functions from them."""

    queryset = Mount.objects.all()
    serializer_class = MountSerializer
    lookup_field = "sha256"
    roles = {
        "retrieve": ANY_ROLE,
        "create": ANY_ROLE.because("A mount is named by the hash of its bytes: an upload replaces nothing."),
    }

    @extend_schema(request=MountCreateSerializer, responses={201: MountSerializer})
    def create(self, request):
        serializer = MountCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        mount = services.mount_store(workspace=request.auth.workspace, **serializer.validated_data)
        return Response(MountSerializer(mount).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        parameters=[OpenApiParameter("app", OpenApiTypes.STR, description="Only this app's functions")]
    )
)
class FunctionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Functions of the workspace's apps."""

    queryset = Function.objects.select_related("mount").order_by("app_id", "name")
    serializer_class = FunctionSerializer
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "create": ADMIN_OR_CREATOR.because(
            "Decided on the app the body names: a function of the same name in that app is replaced, "
            "code and options, for everyone who calls it."
        ),
        "lookup": ANY_ROLE,
        "variants": ANY_ROLE.because(
            "Binding a class's parameters is part of calling it: the variant is a function of its own, "
            "and its parent does not change."
        ),
        "autoscaler": ADMIN_OR_CREATOR.because(
            "Changes how many containers serve everyone's calls of the function (and what they cost)."
        ),
        "metrics": ANY_ROLE,
        "run_now": ANY_ROLE.because(
            "One call of the function with no arguments, as any member may call it; its schedule "
            "goes on unchanged."
        ),
    }

    def scope_queryset(self, queryset):
        app = self.request.query_params.get("app")
        return queryset.filter(app_id=app) if app else queryset

    @extend_schema(request=FunctionCreateSerializer, responses={201: FunctionSerializer})
    def create(self, request):
        serializer = FunctionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        spec = dict(serializer.validated_data)
        app = App.objects.filter(workspace=request.auth.workspace, pk=spec.pop("app_id")).first()
        if app is None:
            raise _not_found("app", request.data.get("app_id"), "app_id")
        self.check_object_permissions(request, app)
        function = ephemeral.function_define(app=app, spec=spec, force=spec.pop("force"))
        return Response(FunctionSerializer(function).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("app", OpenApiTypes.STR, required=True, description="The deployed app's name"),
            OpenApiParameter(
                "name", OpenApiTypes.STR, required=True, description="The function's or class's name"
            ),
            OpenApiParameter("environment", OpenApiTypes.STR, description="The environment (default: main)"),
        ],
        responses={200: FunctionSerializer},
    )
    @action(detail=False, methods=["get"])
    def lookup(self, request):
        """The live version's function or class of a deployed app, by name (Function.from_name)."""
        params = request.query_params
        for field in ("app", "name"):
            if not params.get(field):
                raise ApiError(f"Name the {field}: ?app=APP&name=FUNCTION.", field=field)
        function = lookup_function(
            workspace=request.auth.workspace,
            app_name=params["app"],
            name=params["name"],
            environment=params.get("environment"),
        )
        return Response(FunctionSerializer(function).data)

    @extend_schema(request=FunctionVariantSerializer, responses={200: FunctionSerializer})
    @action(detail=True, methods=["post"])
    def variants(self, request, pk=None):
        """The function (or class) bound to parameter values and/or other options: its own container pool."""
        parent = self.get_object()
        serializer = FunctionVariantSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        variant = services.function_variant(
            parent=parent,
            params=serializer.validated_data.get("params"),
            options=serializer.validated_data["options"],
        )
        return Response(FunctionSerializer(variant).data)

    @extend_schema(request=AutoscalerSerializer, responses={200: FunctionSerializer})
    @action(detail=True, methods=["post"])
    def autoscaler(self, request, pk=None):
        """Change the running function's scaling (min, max, buffer containers; scale-down window)."""
        function = self.get_object()
        serializer = AutoscalerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        function = services.function_update_autoscaler(function=function, changes=serializer.validated_data)
        return Response(FunctionSerializer(function).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "window",
                OpenApiTypes.STR,
                enum=list(metrics.WINDOWS),
                description="How far back: 1h (default), 6h, 24h or 7d",
            )
        ],
        responses={200: FunctionMetricsSerializer},
    )
    @action(detail=True, methods=["get"])
    def metrics(self, request, pk=None):
        """The function's metrics over a window, in buckets: every version and variant of its name."""
        window = request.query_params.get("window") or "1h"
        if window not in metrics.WINDOWS:
            raise ApiError(f"window must be one of {', '.join(metrics.WINDOWS)}.", field="window")
        found = metrics.function_metrics(self.get_object(), window)
        return Response(FunctionMetricsSerializer(found).data)

    @extend_schema(request=None, responses={201: FunctionCallSerializer})
    @action(detail=True, methods=["post"], url_path="run-now")
    def run_now(self, request, pk=None):
        """Run a scheduled function once, now, with no arguments (its schedule goes on as before)."""
        call = schedules.run_now(function=self.get_object(), user=request.user)
        return Response(FunctionCallSerializer(call).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("app", OpenApiTypes.STR, description="Only calls of this app's functions"),
            OpenApiParameter("function", OpenApiTypes.STR, description="Only calls of this function"),
            OpenApiParameter(
                "function_name",
                OpenApiTypes.STR,
                description="With app: only calls of the functions of this name (every version and variant)",
            ),
            OpenApiParameter(
                "status", OpenApiTypes.STR, description="Only calls in this status (pending, running, ...)"
            ),
        ],
        responses={200: CallRowSerializer(many=True)},
    )
)
class FunctionCallViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Calls (`.remote()`, `.map()`, `.spawn()`): submit inputs, collect outputs."""

    queryset = FunctionCall.objects.select_related("function")
    serializer_class = FunctionCallSerializer
    pagination_class = NewestFirstCursor
    object_name = "call"
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "outputs": ANY_ROLE,
        "items": ANY_ROLE,
        "graph": ANY_ROLE,
        "result": ANY_ROLE,
        "create": ANY_ROLE.because(
            "Members run functions. The fast path (functions/fastpath.py) serves most of these "
            "requests and asks no role, so this stays open to every role."
        ),
        "inputs": ADMIN_OR_CREATOR.because(
            "Adds inputs to a map in progress: someone else's inputs would mix into its results."
        ),
        "cancel": ADMIN_OR_CREATOR.because("Stops work that someone else is waiting for."),
        "report": ANY_ROLE,
        "retry": ANY_ROLE.because(
            "A new call with the same inputs, made by whoever retries it, as any member may call the "
            "function; the original call is left as it is."
        ),
    }

    def scope_queryset(self, queryset):
        params = self.request.query_params
        if params.get("app"):
            queryset = queryset.filter(function__app_id=params["app"])
            if params.get("function_name"):
                queryset = queryset.filter(function__name=params["function_name"])
        if params.get("function"):
            queryset = queryset.filter(function_id=params["function"])
        if params.get("status"):
            queryset = queryset.filter(status=params["status"])
        if self.action == "list":
            queryset = call_reports.with_row_facts(queryset)
        return queryset

    def get_serializer_class(self):
        return CallRowSerializer if self.action == "list" else FunctionCallSerializer

    @extend_schema(
        request=CallCreateSerializer,
        responses={201: CallCreatedSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                description="As `idempotency_key` in the body, for clients that retry at the HTTP level",
            )
        ],
    )
    def create(self, request):
        """Accept a call's inputs; with `wait`, answer with the outputs that are ready by then.

        A request retried with the same idempotency key (in the body or the `Idempotency-Key`
        header) returns the call the first one made.
        """
        body = request.data
        header_key = request.headers.get("Idempotency-Key")
        if header_key is not None and isinstance(body, dict) and body.get("idempotency_key") is None:
            body = {**body, "idempotency_key": header_key}
        serializer = CallCreateSerializer(data=body)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "function_id" in data:
            function = (
                Function.objects.select_related("app")
                .filter(workspace=request.auth.workspace, pk=data["function_id"])
                .first()
            )
            if function is None:
                raise _not_found("function", data["function_id"], "function_id")
        else:
            function = callable_by_name(
                workspace=request.auth.workspace,
                app_name=data["app_name"],
                name=data["function_name"],
                environment=data.get("environment"),
            )
        call, input_ids = services.call_create(
            function=function,
            user=request.user,
            args=data["inputs"],
            kind=data["kind"],
            method=data["method"],
            idempotency_key=data["idempotency_key"],
            closed=data["closed"],
        )
        outputs = outputs_wait(call=call, timeout=data["wait"], fresh=True) if data["wait"] else []
        body = {"call": call, "input_ids": input_ids, "outputs": outputs}
        return Response(CallCreatedSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after_seq", OpenApiTypes.INT, description="Only outputs after this sequence number"
            ),
            OpenApiParameter(
                "min_idx", OpenApiTypes.INT, description="Only outputs of inputs from this index on"
            ),
            OpenApiParameter(
                "timeout", OpenApiTypes.FLOAT, description="Seconds to wait for an output (max 50)"
            ),
        ],
        responses={200: OutputPageSerializer},
    )
    @action(detail=True, methods=["get"])
    def outputs(self, request, pk=None):
        """Outputs ready after `after_seq`, long-polling up to `timeout` seconds."""
        call = self.get_object()
        try:
            after_seq = int(request.query_params.get("after_seq", 0))
            min_idx = int(request.query_params.get("min_idx", 0))
            timeout = max(0.0, float(request.query_params.get("timeout", 0)))
        except ValueError:
            raise ApiError("after_seq and min_idx must be integers, timeout a number.") from None
        outputs = outputs_wait(call=call, after_seq=after_seq, min_idx=min_idx, timeout=timeout)
        done = FunctionCall.objects.filter(pk=call.pk, finished_at__isnull=False).exists()
        # As OutputSerializer (the schema) gives them, built as the fast path and the relay's
        # wake-ups build them: DRF's fields cost about 15 us per output, the web server's main
        # work on a map's pages of outputs (tests/unit/test_output_rows.py keeps both equal).
        rows = [output_message(o, o["result"]) for o in outputs]
        return Response({"outputs": rows, "done": done})

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after", OpenApiTypes.INT, description="Only values after this position (-1: all)"
            ),
            OpenApiParameter(
                "timeout", OpenApiTypes.FLOAT, description="Seconds to wait for a value (max 50)"
            ),
        ],
        responses={200: ItemPageSerializer},
    )
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        """Values a generator call (`.remote_gen()`) yielded, as they come (long-poll)."""
        call = self.get_object()
        try:
            after = int(request.query_params.get("after", -1))
            timeout = max(0.0, float(request.query_params.get("timeout", 0)))
        except ValueError:
            raise ApiError("after must be an integer and timeout a number.") from None
        items, done, output = items_wait(call=call, after=after, timeout=timeout)
        return Response(ItemPageSerializer({"items": items, "done": done, "output": output}).data)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "timeout", OpenApiTypes.FLOAT, description="Seconds to wait for the result (max 50)"
            ),
        ],
        responses={200: JsonResultSerializer, 406: None, 410: None, 422: None},
    )
    @action(detail=True, methods=["get"])
    def result(self, request, pk=None):
        """The result of a JSON call as JSON (`status` pending or running while it runs).

        406 when the result is not JSON-serialisable or the call was made with cloudpickled
        arguments (by the Python SDK); 422 when the function failed.
        """
        call = self.get_object()
        try:
            timeout = max(0.0, min(float(request.query_params.get("timeout", 0)), 50.0))
        except ValueError:
            raise ApiError("timeout must be a number of seconds.", field="timeout") from None
        outputs = outputs_wait(call=call, timeout=timeout, limit=1)
        found = json_calls.answer(call, outputs[0] if outputs else None, pending_status=200)
        return Response(found.body, status=found.status_code)

    @extend_schema(request=CallInputsSerializer, responses={200: InputIdsSerializer})
    @action(detail=True, methods=["post"])
    def inputs(self, request, pk=None):
        """Add a batch of inputs to an open call (a map sent in batches); repeating a batch is harmless."""
        call = self.get_object()
        serializer = CallInputsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        input_ids = services.call_add_inputs(
            call=call,
            start_idx=data["start_idx"],
            args=data["inputs"],
            method=data["method"],
            close=data["close"],
        )
        return Response({"input_ids": input_ids})

    @extend_schema(responses={200: CallGraphSerializer})
    @action(detail=True, methods=["get"])
    def graph(self, request, pk=None):
        """The call graph this call belongs to, from its root: each input with the calls it made."""
        return Response(call_graph(self.get_object()))

    @extend_schema(request=None, responses={200: FunctionCallSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        """Cancel the call's unfinished inputs."""
        call = self.get_object()
        services.call_cancel(call=call)
        return Response(FunctionCallSerializer(self.get_queryset().get(pk=call.pk)).data)

    @extend_schema(request=None, responses={201: FunctionCallSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        """Call the function again with the same inputs: a new call (the original is unchanged)."""
        call = services.call_retry(call=self.get_object(), user=request.user)
        return Response(FunctionCallSerializer(call).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: CallReportSerializer})
    @action(detail=True, methods=["get"])
    def report(self, request, pk=None):
        """The call's inputs with their attempts and causes, remote tracebacks, logs and cold start."""
        return Response(CallReportSerializer(call_reports.call_report(self.get_object())).data)


_JSON_CALL_PATH = [
    OpenApiParameter(
        "app",
        OpenApiTypes.STR,
        location=OpenApiParameter.PATH,
        description="A deployed app's name, or an app's id (ap-…)",
    ),
    OpenApiParameter(
        "name", OpenApiTypes.STR, location=OpenApiParameter.PATH, description="A function, or Class.method"
    ),
]


class JsonCallViewSet(WorkspaceViewSet):
    """Calls from any language: JSON arguments in, the result as JSON out (functions.json_calls)."""

    queryset = FunctionCall.objects.all()
    roles = {
        "call": ANY_ROLE.because("Members run functions, as with POST /calls/."),
        "spawn": ANY_ROLE.because("Members run functions, as with POST /calls/."),
    }

    def _accept(self, request, app: str, name: str, kind: str):
        serializer = JsonCallSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        target = json_calls.json_target(
            workspace=request.auth.workspace,
            app=app,
            name=name,
            environment=data["environment"] or None,
            params=data["params"],
        )
        call = json_calls.json_call(
            target=target, user=request.user, args=data["args"], kwargs=data["kwargs"], kind=kind
        )
        return call, data

    @extend_schema(
        parameters=_JSON_CALL_PATH,
        request=JsonCallSerializer,
        responses={200: JsonResultSerializer, 202: JsonResultSerializer, 406: None, 422: None},
    )
    @action(detail=False, methods=["post"])
    def call(self, request, app: str, name: str):
        """Call a function with JSON arguments and answer its result as JSON.

        202 with the call's id when it is not done within `wait` seconds (read it later from
        GET /calls/{id}/result/); 406 when the result is not JSON-serialisable (naming its type);
        422 when the function failed.
        """
        call, data = self._accept(request, app, name, "remote")
        outputs = outputs_wait(call=call, timeout=data["wait"], fresh=True, limit=1) if data["wait"] else []
        found = json_calls.answer(call, outputs[0] if outputs else None, pending_status=202)
        return Response(found.body, status=found.status_code)

    @extend_schema(
        parameters=_JSON_CALL_PATH, request=JsonCallSerializer, responses={202: JsonResultSerializer}
    )
    @action(detail=False, methods=["post"])
    def spawn(self, request, app: str, name: str):
        """Start a function with JSON arguments; read its result from GET /calls/{id}/result/."""
        call, _ = self._accept(request, app, name, "spawn")
        found = json_calls.answer(call, None, pending_status=202)
        return Response(found.body, status=found.status_code)


class JsonCallNoSlashViewSet(JsonCallViewSet):
    """The same calls at `.../call` and `.../spawn` (without the trailing slash), left out of the schema."""

    schema = None


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("function", OpenApiTypes.STR, description="Only this function's"),
            OpenApiParameter("app", OpenApiTypes.STR, description="Only this app's functions'"),
            OpenApiParameter(
                "live", OpenApiTypes.BOOL, description="Only those pending, starting or running"
            ),
        ]
    )
)
class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Containers (tasks) that ran or run the workspace's functions: where, with what, doing what.

    `exec` (a process in a running container, its streams over a WebSocket) is
    `/api/v1/tasks/{id}/exec/`, the same path through the host agent as a sandbox's
    (functions.sandbox_exec).
    """

    object_name = "container"
    queryset = Task.objects.select_related("host", "function__app")
    serializer_class = TaskSerializer
    pagination_class = NewestFirstCursor
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "stop": ADMIN_OR_CREATOR.because(
            "Stops a container of an app, whose inputs then run elsewhere: the app's creator, an owner or an admin."
        ),
    }

    def scope_queryset(self, queryset):
        params = self.request.query_params
        if params.get("function"):
            queryset = queryset.filter(function_id=params["function"])
        if params.get("app"):
            queryset = queryset.filter(function__app_id=params["app"])
        if params.get("live") in ("1", "true"):
            queryset = queryset.filter(status__in=LIVE_TASK_STATUSES)
        return queryset

    def list(self, request, *args, **kwargs):
        page = list(self.paginate_queryset(self.filter_queryset(self.get_queryset())) or [])
        context = {**self.get_serializer_context(), "current_inputs": containers.current_inputs(page)}
        return self.get_paginated_response(TaskSerializer(page, many=True, context=context).data)

    def retrieve(self, request, *args, **kwargs):
        task = self.get_object()
        context = {**self.get_serializer_context(), "current_inputs": containers.current_inputs([task])}
        return Response(TaskSerializer(task, context=context).data)

    @extend_schema(request=None, responses={200: TaskSerializer})
    @action(detail=True, methods=["post"])
    def stop(self, request, pk=None):
        """Stop a live container: what it runs goes back to the queue and runs again elsewhere,
        without spending its retries (as when the platform stops a container)."""
        task = self.get_object()
        containers.stop(task)
        task.refresh_from_db()
        context = {**self.get_serializer_context(), "current_inputs": containers.current_inputs([task])}
        return Response(TaskSerializer(task, context=context).data)
