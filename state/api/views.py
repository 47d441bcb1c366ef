"""Dicts and Queues over HTTP: the objects, and the entry and item operations the SDK makes.

Views are thin: each looks the object up in the request's workspace (404 for any other), then
runs the `state.operations` plan. The hottest of these requests from the caller are also served
outside DRF, with the same answers (`state.fastpath`).
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from accounts.permissions import ADMIN_OR_CREATOR, ANY_ROLE
from config.errors import ApiError
from config.pagination import Pagination
from functions.delivery import run

from .. import operations as ops
from .. import services
from ..models import Dict, Queue
from .serializers import (
    AddedSerializer,
    DictDetailSerializer,
    DictPutSerializer,
    DictSerializer,
    EntriesSerializer,
    FoundSerializer,
    KeySerializer,
    LenSerializer,
    PeekSerializer,
    QueueClearSerializer,
    QueueDetailSerializer,
    QueueGetSerializer,
    QueuePutSerializer,
    QueueSerializer,
    RemovedSerializer,
    StateCreateSerializer,
    ValuesSerializer,
    WrittenSerializer,
)

LIST_PARAMS = [
    OpenApiParameter("name", OpenApiTypes.STR, description="Only the one of this name"),
    OpenApiParameter("environment", OpenApiTypes.STR, description="Only those of this environment"),
]
PARTITION = OpenApiParameter(
    "partition", OpenApiTypes.STR, description="A partition key (default: the default one)"
)


def _valid(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _flag(request, name: str) -> bool:
    return request.query_params.get(name, "").lower() in ("1", "true", "yes")


class _StateViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, WorkspaceViewSet
):
    model: type[Dict] | type[Queue]
    kind: str
    pagination_class = Pagination
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "destroy": ADMIN_OR_CREATOR.because("Deletes every entry or item, for every function that uses it."),
    }

    def scope_queryset(self, queryset):
        queryset = queryset.select_related("environment", "created_by")
        name = self.request.query_params.get("name")
        environment = self.request.query_params.get("environment")
        if name:
            queryset = queryset.filter(name=name)
        if environment:
            queryset = queryset.filter(environment__name=environment)
        return queryset

    def _create(self, request, serializer_class):
        data = _valid(StateCreateSerializer, request.data)
        obj = services.object_create(
            self.model,
            workspace=request.auth.workspace,
            name=data.get("name"),
            environment=data.get("environment"),
            user=request.user,
        )
        return Response(serializer_class(obj).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.object_delete(instance)

    def missing(self):
        return ops.not_found(self.kind, str(self.kwargs.get("pk", "")))

    def _gone(self, obj):
        """The object was deleted between the lookup and the operation."""
        return ops.not_found(self.kind, obj.id)


class DictViewSet(_StateViewSet):
    """Dicts of the workspace: key-value stores shared by functions and their callers."""

    queryset = Dict.objects.order_by("-created_at")
    serializer_class = DictSerializer
    model, kind = Dict, "dict"
    roles = {
        **_StateViewSet.roles,
        "create": ANY_ROLE,
        "get_entry": ANY_ROLE,
        "put_entries": ANY_ROLE,
        "pop_entry": ANY_ROLE,
        "clear": ANY_ROLE,
        "entries": ANY_ROLE,
    }

    @extend_schema(parameters=LIST_PARAMS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=StateCreateSerializer, responses={201: DictSerializer})
    def create(self, request):
        """Create an empty Dict (409 when the environment has one of that name); no name: ephemeral."""
        return self._create(request, DictSerializer)

    @extend_schema(responses={200: DictDetailSerializer})
    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        obj.len = run(ops.dict_len(request.auth.workspace.id, obj.id))
        if obj.len is None:
            raise self._gone(obj)
        return Response(DictDetailSerializer(obj).data)

    @extend_schema(request=KeySerializer, responses={200: FoundSerializer})
    @action(detail=True, methods=["post"], url_path="get")
    def get_entry(self, request, pk=None):
        """The value of a key (found: false when it has none)."""
        obj = self.get_object()
        key = _valid(KeySerializer, request.data)["key"]
        found = run(ops.dict_get(request.auth.workspace.id, obj.id, key))
        if not found.found:
            raise self._gone(obj)
        return Response(FoundSerializer({"found": found.value is not None, "value": found.value}).data)

    @extend_schema(request=DictPutSerializer, responses={200: WrittenSerializer})
    @action(detail=True, methods=["post"], url_path="put")
    def put_entries(self, request, pk=None):
        """Write entries, all or none; a later entry of the same key wins."""
        obj = self.get_object()
        data = _valid(DictPutSerializer, request.data)
        entries = [
            (e["key"], e["value"], e.get("key_preview", ""), e.get("value_preview", ""))
            for e in data["entries"]
        ]
        found, written = run(
            ops.dict_put(request.auth.workspace.id, obj.id, entries, skip_if_exists=data["skip_if_exists"])
        )
        if not found:
            raise self._gone(obj)
        return Response({"written": written})

    @extend_schema(request=KeySerializer, responses={200: FoundSerializer})
    @action(detail=True, methods=["post"], url_path="pop")
    def pop_entry(self, request, pk=None):
        """Remove a key's entry; its value (found: false when it had none)."""
        obj = self.get_object()
        key = _valid(KeySerializer, request.data)["key"]
        found = run(ops.dict_pop(request.auth.workspace.id, obj.id, key))
        if not found.found:
            raise self._gone(obj)
        return Response(FoundSerializer({"found": found.value is not None, "value": found.value}).data)

    @extend_schema(request=None, responses={200: RemovedSerializer})
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        """Remove every entry."""
        obj = self.get_object()
        removed = run(ops.dict_clear(request.auth.workspace.id, obj.id))
        if removed is None:
            raise self._gone(obj)
        return Response({"removed": removed})

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after", OpenApiTypes.INT, description="The id of the last entry of the previous page"
            ),
            OpenApiParameter("limit", OpenApiTypes.INT, description="At most this many (default 1000)"),
            OpenApiParameter("values", OpenApiTypes.BOOL, description="With the values (default true)"),
        ],
        responses={200: EntriesSerializer},
    )
    @action(detail=True, methods=["get"])
    def entries(self, request, pk=None):
        """A page of entries, in the order their keys were first written."""
        obj = self.get_object()
        try:
            after = int(request.query_params.get("after", 0))
            limit = int(request.query_params.get("limit", 1000))
        except ValueError:
            raise ApiError("after and limit are whole numbers.", field="after") from None
        values = request.query_params.get("values", "true").lower() not in ("0", "false", "no")
        page = run(
            ops.dict_entries(request.auth.workspace.id, obj.id, after=after, limit=limit, values=values)
        )
        if page is None:
            raise self._gone(obj)
        return Response(EntriesSerializer({"entries": page}).data)


class QueueViewSet(_StateViewSet):
    """Queues of the workspace: FIFO partitions of values shared by functions and their callers."""

    queryset = Queue.objects.order_by("-created_at")
    serializer_class = QueueSerializer
    model, kind = Queue, "queue"
    roles = {
        **_StateViewSet.roles,
        "create": ANY_ROLE,
        "put_items": ANY_ROLE,
        "get_items": ANY_ROLE,
        "length": ANY_ROLE,
        "clear": ANY_ROLE,
        "peek": ANY_ROLE,
    }

    @extend_schema(parameters=LIST_PARAMS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=StateCreateSerializer, responses={201: QueueSerializer})
    def create(self, request):
        """Create an empty Queue (409 when the environment has one of that name); no name: ephemeral."""
        return self._create(request, QueueSerializer)

    @extend_schema(responses={200: QueueDetailSerializer})
    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        obj.len = run(ops.queue_len(request.auth.workspace.id, obj.id, total=True))
        if obj.len is None:
            raise self._gone(obj)
        return Response(QueueDetailSerializer(obj).data)

    @extend_schema(request=QueuePutSerializer, responses={200: AddedSerializer})
    @action(detail=True, methods=["post"], url_path="put")
    def put_items(self, request, pk=None):
        """Add values at the end of a partition, all or none (409 queue_full when they do not fit)."""
        obj = self.get_object()
        data = _valid(QueuePutSerializer, request.data)
        values = data["values"]
        if not run(
            ops.queue_put(
                request.auth.workspace.id, obj.id, data.get("partition"), values, data.get("previews", [])
            )
        ):
            raise self._gone(obj)
        if values:
            services.wake_getters(obj.id, data.get("partition"))
        return Response({"added": len(values)})

    @extend_schema(request=QueueGetSerializer, responses={200: ValuesSerializer})
    @action(detail=True, methods=["post"], url_path="get")
    def get_items(self, request, pk=None):
        """Take up to n of the oldest values of a partition, waiting up to `timeout` seconds for one."""
        obj = self.get_object()
        data = _valid(QueueGetSerializer, request.data)
        values = services.queue_get_blocking(
            workspace_id=request.auth.workspace.id,
            queue_id=obj.id,
            partition=data.get("partition"),
            n=data["n"],
            timeout=data["timeout"],
        )
        return Response(ValuesSerializer({"values": values}).data)

    @extend_schema(
        parameters=[
            PARTITION,
            OpenApiParameter("total", OpenApiTypes.BOOL, description="Count every partition"),
        ],
        responses={200: LenSerializer},
    )
    @action(detail=True, methods=["get"], url_path="len")
    def length(self, request, pk=None):
        """How many items a partition holds (or all of them, with total)."""
        obj = self.get_object()
        n = run(
            ops.queue_len(
                request.auth.workspace.id,
                obj.id,
                request.query_params.get("partition"),
                total=_flag(request, "total"),
            )
        )
        if n is None:
            raise self._gone(obj)
        return Response({"len": n})

    @extend_schema(request=QueueClearSerializer, responses={200: RemovedSerializer})
    @action(detail=True, methods=["post"])
    def clear(self, request, pk=None):
        """Remove the items of a partition (or of every partition, with all)."""
        obj = self.get_object()
        data = _valid(QueueClearSerializer, request.data)
        removed = run(
            ops.queue_clear(request.auth.workspace.id, obj.id, data.get("partition"), everything=data["all"])
        )
        if removed is None:
            raise self._gone(obj)
        return Response({"removed": removed})

    @extend_schema(
        parameters=[
            PARTITION,
            OpenApiParameter("n", OpenApiTypes.INT, description="How many (default 10)"),
            OpenApiParameter(
                "after", OpenApiTypes.INT, description="The id of the last item of the previous page"
            ),
        ],
        responses={200: PeekSerializer},
    )
    @action(detail=True, methods=["get"])
    def peek(self, request, pk=None):
        """The oldest items of a partition, left where they are."""
        obj = self.get_object()
        try:
            n = int(request.query_params.get("n", 10))
            after = int(request.query_params.get("after", 0))
        except ValueError:
            raise ApiError("n and after are whole numbers.", field="n") from None
        items = run(
            ops.queue_peek(
                request.auth.workspace.id, obj.id, request.query_params.get("partition"), n, after=after
            )
        )
        if items is None:
            raise self._gone(obj)
        return Response(PeekSerializer({"items": items}).data)
