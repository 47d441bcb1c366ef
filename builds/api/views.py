from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from accounts.permissions import ADMIN_OR_CREATOR, ANY_ROLE
from config.errors import ApiError
from config.pagination import NewestFirstCursor

from .. import logs, services
from ..models import ACTIVE_BUILD_STATUSES, Build, Image
from .serializers import (
    BuildDetailSerializer,
    BuildLogPageSerializer,
    BuildSerializer,
    ImageEnsuredSerializer,
    ImageSerializer,
    ImageSpecSerializer,
)

MAX_LOG_WAIT = 30.0


class ImageViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Images of the workspace: POST a spec to get its image, built from cached layers where it can be."""

    queryset = Image.objects.order_by("-created_at")
    serializer_class = ImageSerializer
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "create": ANY_ROLE.because(
            "An image is named by its spec: the same spec gives the same image, and a build only "
            "adds the layers it lacks."
        ),
    }

    @extend_schema(
        request=ImageSpecSerializer,
        responses={200: ImageEnsuredSerializer, 202: ImageEnsuredSerializer},
    )
    def create(self, request):
        """Resolve a spec: 200 when every layer is built, 202 with the build that makes the rest."""
        serializer = ImageSpecSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        resolved = services.image_ensure(
            workspace=request.auth.workspace, spec=dict(serializer.validated_data), user=request.user
        )
        body = ImageEnsuredSerializer({"image": resolved.image, "build": resolved.build}).data
        return Response(body, status=status.HTTP_202_ACCEPTED if resolved.build else status.HTTP_200_OK)


class BuildViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, WorkspaceViewSet):
    """Builds of the workspace's images, newest first, with their steps and logs."""

    queryset = Build.objects.all()
    serializer_class = BuildSerializer
    pagination_class = NewestFirstCursor
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "logs": ANY_ROLE,
        "rebuild": ADMIN_OR_CREATOR.because(
            "Builds every layer of the image anew, replacing the cached layers other images share."
        ),
    }

    def get_serializer_class(self):
        return BuildDetailSerializer if self.action == "retrieve" else BuildSerializer

    def scope_queryset(self, queryset):
        image = self.request.query_params.get("image")
        return queryset.filter(image_id=image) if image else queryset

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after", OpenApiTypes.STR, description="Cursor from the previous page ('0' from the start)"
            ),
            OpenApiParameter(
                "timeout", OpenApiTypes.FLOAT, description="Seconds to wait for new entries (max 30)"
            ),
        ],
        responses={200: BuildLogPageSerializer},
    )
    @action(detail=True, methods=["get"])
    def logs(self, request, pk=None):
        """The build's log lines and progress events as they happen (long-poll)."""
        build = self.get_object()
        try:
            timeout = max(0.0, min(float(request.query_params.get("timeout", 0)), MAX_LOG_WAIT))
        except ValueError:
            raise ApiError("timeout must be a number of seconds.", field="timeout") from None
        if build.status not in ACTIVE_BUILD_STATUSES:
            timeout = 0.0
        entries, cursor = logs.read(build.id, after=request.query_params.get("after", "0"), timeout=timeout)
        current = Build.objects.filter(pk=build.pk).values_list("status", flat=True).first()
        done = current not in ACTIVE_BUILD_STATUSES and not entries
        return Response({"entries": entries, "cursor": cursor, "status": current, "done": done})

    @extend_schema(request=None, responses={201: ImageEnsuredSerializer})
    @action(detail=True, methods=["post"])
    def rebuild(self, request, pk=None):
        """Build this build's image again with every layer built anew (force rebuild): 201 with the new build."""
        build = self.get_object()
        resolved = services.build_again(build=build, user=request.user)
        body = ImageEnsuredSerializer({"image": resolved.image, "build": resolved.build}).data
        return Response(body, status=status.HTTP_201_CREATED)
