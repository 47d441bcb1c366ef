from __future__ import annotations

import tempfile
from dataclasses import asdict
from pathlib import Path

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, parsers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api.base import WorkspaceViewSet
from accounts.permissions import ADMIN_OR_CREATOR, ANY_ROLE
from config.errors import ApiError, JSONParser
from config.pagination import Pagination

from .. import services, storage
from ..models import Volume
from .serializers import (
    VolumeCreateSerializer,
    VolumeListingSerializer,
    VolumeSerializer,
    VolumeUploadSerializer,
)

PATH_PARAM = OpenApiParameter(
    "path", OpenApiTypes.STR, required=True, description="A path from the volume's root, e.g. /data/x.bin"
)


class TarParser(parsers.BaseParser):
    """A tar upload: handed to the view as the stream, which copies it to disk."""

    media_type = "application/x-tar"

    def parse(self, stream, media_type=None, parser_context=None):
        return {"stream": stream}


def _path(request, *, required: bool) -> str:
    path = request.query_params.get("path")
    if path is None:
        if required:
            raise ApiError("path is required, e.g. ?path=/data/x.bin", field="path")
        return "/"
    return path


def _storage_errors(call):
    try:
        return call()
    except storage.PathRefused as exc:
        raise ApiError(f"{exc}.", code="invalid_path", field="path") from None
    except storage.BadUpload as exc:
        raise ApiError(f"{exc}.", code="invalid_upload", hint="Send a tar of files and folders.") from None
    except storage.NotFound as exc:
        raise ApiError(f"{exc}.", code="not_found", status_code=404, field="path") from None
    except storage.FileExists as exc:
        shown = ", ".join(exc.paths[:10]) + (" …" if len(exc.paths) > 10 else "")
        raise ApiError(
            f"These files exist already: {shown}. Nothing was written.",
            code="already_exists",
            status_code=409,
            hint="Upload with ?overwrite=true (batch_upload(force=True), `skylift volume put --force`).",
        ) from None


class VolumeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    WorkspaceViewSet,
):
    """Volumes of the workspace: named folders that functions and build steps mount."""

    queryset = Volume.objects.order_by("-created_at")
    serializer_class = VolumeSerializer
    pagination_class = Pagination
    roles = {
        "list": ANY_ROLE,
        "retrieve": ANY_ROLE,
        "files": ANY_ROLE,
        "content": ANY_ROLE,
        "create": ANY_ROLE,
        "destroy": ADMIN_OR_CREATOR.because(
            "Removes every file of the volume, for every function that mounts it."
        ),
        "files_upload": ADMIN_OR_CREATOR.because(
            "Adds files to the volume, or replaces them. A function that mounts a volume can still "
            "write to it, whoever created it (see Limits)."
        ),
        "files_remove": ADMIN_OR_CREATOR.because("Removes files of the volume."),
    }

    def scope_queryset(self, queryset):
        name = self.request.query_params.get("name")
        return queryset.filter(name=name) if name else queryset

    @extend_schema(
        parameters=[OpenApiParameter("name", OpenApiTypes.STR, description="Only the volume of this name")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=VolumeCreateSerializer, responses={201: VolumeSerializer})
    def create(self, request):
        """Create an empty volume (409 when the name is taken)."""
        serializer = VolumeCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        volume = services.volume_create(
            workspace=request.auth.workspace, name=serializer.validated_data["name"], user=request.user
        )
        return Response(VolumeSerializer(volume).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        """Delete the volume and every file in it."""
        services.volume_delete(volume=instance)

    @extend_schema(
        parameters=[
            OpenApiParameter("path", OpenApiTypes.STR, description="A folder or a file (default: the root)"),
            OpenApiParameter("recursive", OpenApiTypes.BOOL, description="Everything below the folder"),
        ],
        responses={200: VolumeListingSerializer},
    )
    @action(detail=True, methods=["get"], parser_classes=[TarParser, JSONParser])
    def files(self, request, pk=None):
        """What is in a folder of the volume (or the one file a path names). Links are listed, never followed."""
        volume = self.get_object()
        recursive = request.query_params.get("recursive", "").lower() in ("1", "true", "yes")
        entries = _storage_errors(
            lambda: storage.listdir(volume.id, _path(request, required=False), recursive=recursive)
        )
        return Response({"entries": [asdict(e) for e in entries]})

    @extend_schema(
        parameters=[
            OpenApiParameter("overwrite", OpenApiTypes.BOOL, description="Replace files that exist"),
        ],
        request={"application/x-tar": OpenApiTypes.BINARY},
        responses={200: VolumeUploadSerializer},
    )
    @files.mapping.put
    def files_upload(self, request, pk=None):
        """Write the files and folders of a tar into the volume, all checked before any is written."""
        volume = self.get_object()
        body = request.data
        if not isinstance(body, dict) or "stream" not in body:
            raise ApiError(
                "Send the files as a tar archive with Content-Type: application/x-tar, not JSON.",
                hint="The SDK's Volume.batch_upload() and `skylift volume put` do this for you.",
            )
        overwrite = request.query_params.get("overwrite", "").lower() in ("1", "true", "yes")
        staging = storage.root(volume.id).parent / ".uploads"
        staging.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=staging, prefix=f"{volume.id}-") as spool:
            copied = _copy_capped(body["stream"], spool, settings.SKYLIFT_VOLUME_MAX_UPLOAD)
            if copied is None:
                raise ApiError(
                    f"The upload is larger than {settings.SKYLIFT_VOLUME_MAX_UPLOAD} bytes.",
                    code="too_large",
                    status_code=413,
                    hint="Upload it in several parts, or raise SKYLIFT_VOLUME_MAX_UPLOAD.",
                )
            spool.flush()
            written = _storage_errors(
                lambda: storage.write_tar(
                    volume.id,
                    Path(spool.name),
                    overwrite=overwrite,
                    max_bytes=settings.SKYLIFT_VOLUME_MAX_UPLOAD,
                )
            )
        return Response({"written": written})

    @extend_schema(
        parameters=[
            PATH_PARAM,
            OpenApiParameter("recursive", OpenApiTypes.BOOL, description="Remove a folder and all below it"),
        ],
        responses={204: None},
    )
    @files.mapping.delete
    def files_remove(self, request, pk=None):
        """Remove a file, a link or a folder of the volume."""
        volume = self.get_object()
        recursive = request.query_params.get("recursive", "").lower() in ("1", "true", "yes")
        _storage_errors(lambda: storage.remove(volume.id, _path(request, required=True), recursive=recursive))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        parameters=[PATH_PARAM], responses={(200, "application/octet-stream"): OpenApiTypes.BINARY}
    )
    @action(detail=True, methods=["get"])
    def content(self, request, pk=None):
        """The bytes of one file of the volume."""
        volume = self.get_object()
        path = _path(request, required=True)
        handle = _storage_errors(lambda: storage.open_file(volume.id, path))
        return FileResponse(handle, content_type="application/octet-stream")


def _copy_capped(source, target, limit: int) -> int | None:
    copied = 0
    while chunk := source.read(1 << 20):
        copied += len(chunk)
        if copied > limit:
            return None
        target.write(chunk)
    return copied
