from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from accounts.permissions import ADMIN_OR_CREATOR, ANY_ROLE
from apps.deployments import environment_get
from config.pagination import Pagination

from .. import services
from ..models import Secret, SecretEvent
from .serializers import (
    SecretCreateSerializer,
    SecretEditSerializer,
    SecretEventSerializer,
    SecretReplaceSerializer,
    SecretSerializer,
)


class SecretViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    """Named secrets of the workspace's environments: environment variables functions are given.

    Values are write-only: answers carry the variables' names, never their values."""

    queryset = Secret.objects.filter(app__isnull=True).select_related(
        "environment", "created_by", "updated_by"
    )
    serializer_class = SecretSerializer
    pagination_class = Pagination
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "create": ANY_ROLE,
        "history": ANY_ROLE,
        "update": ADMIN_OR_CREATOR.because(
            "Replaces the values every function given the secret starts with."
        ),
        "partial_update": ADMIN_OR_CREATOR.because(
            "Changes values every function given the secret starts with."
        ),
        "destroy": ADMIN_OR_CREATOR.because("Functions given the secret could no longer start."),
    }

    def scope_queryset(self, queryset):
        if self.action != "list":
            return queryset
        params = self.request.query_params
        environment = environment_get(workspace=self.request.auth.workspace, name=params.get("environment"))
        queryset = queryset.filter(environment=environment).order_by("name")
        return queryset.filter(name=params["name"]) if params.get("name") else queryset

    @extend_schema(
        parameters=[
            OpenApiParameter("environment", OpenApiTypes.STR, description="The environment (default: main)"),
            OpenApiParameter("name", OpenApiTypes.STR, description="Only the secret of this name"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=SecretCreateSerializer, responses={201: SecretSerializer})
    def create(self, request):
        """Create a named secret (409 when the environment has one of that name)."""
        serializer = SecretCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        secret = services.secret_create(
            workspace=request.auth.workspace,
            environment=environment_get(workspace=request.auth.workspace, name=data["environment"] or None),
            name=data["name"],
            values=data["values"],
            user=request.user,
        )
        return Response(SecretSerializer(secret).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SecretReplaceSerializer, responses={200: SecretSerializer})
    def update(self, request, pk=None):
        """Replace all the secret's values; functions get them at their next container start."""
        secret = self.get_object()
        serializer = SecretReplaceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        secret = services.secret_replace(
            secret=secret, values=serializer.validated_data["values"], user=request.user
        )
        return Response(SecretSerializer(secret).data)

    @extend_schema(request=SecretEditSerializer, responses={200: SecretSerializer})
    def partial_update(self, request, pk=None):
        """Add, change or remove some variables, keeping the others' values."""
        secret = self.get_object()
        serializer = SecretEditSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        secret = services.secret_edit(
            secret=secret, set=data["set"], remove=data["remove"], user=request.user
        )
        return Response(SecretSerializer(secret).data)

    def perform_destroy(self, instance):
        """Delete the secret (409 while a running app's functions are given it)."""
        services.secret_delete(secret=instance, user=self.request.user)

    @extend_schema(responses={200: SecretEventSerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def history(self, request, pk=None):
        """Who changed the secret, when, and which variables (never their values), newest first."""
        secret = self.get_object()
        events = (
            SecretEvent.objects.filter(workspace=request.auth.workspace, secret_id=secret.id)
            .select_related("actor")
            .order_by("-at", "-id")[:200]
        )
        return Response(SecretEventSerializer(events, many=True).data)
