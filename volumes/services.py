"""Volumes: create, look up and delete them, and name them from functions and build steps.

File operations go through `volumes.storage`, which keeps every path inside the volume.
"""

from __future__ import annotations

import logging
import re

from django.db import IntegrityError, transaction

from config.errors import ApiError

from . import storage
from .models import Volume

log = logging.getLogger(__name__)

__all__ = [
    "NAME_RE",
    "mounts_for",
    "resolve_mounts",
    "volume_create",
    "volume_delete",
]

NAME_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
NAME_HINT = "Volume names are 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit."
MAX_MOUNTS = 16
# Where a volume may not be mounted: the runtime's own folders and the system's.
_RESERVED = ("/skylift", "/proc", "/sys", "/dev", "/etc", "/usr", "/bin", "/sbin", "/lib", "/lib64")


def volume_create(*, workspace, name: str, user=None) -> Volume:
    """A new, empty volume; 409 when the workspace already has one of that name."""
    if not isinstance(name, str) or not NAME_RE.fullmatch(name):
        raise ApiError(f"{name!r} is not a valid volume name.", field="name", hint=NAME_HINT)
    try:
        with transaction.atomic():
            volume = Volume.objects.create(workspace=workspace, name=name, created_by=user)
            storage.create_root(volume.id)
    except IntegrityError:
        raise ApiError(
            f"A volume named {name!r} already exists in this workspace.",
            code="already_exists",
            status_code=409,
            field="name",
            hint="Use it with Volume.from_name(name), or delete it first.",
        ) from None
    return volume


def volume_delete(*, volume: Volume) -> None:
    """Delete the volume and all its files; refused (409) while an app that is not stopped has a
    function that mounts it, whose containers would lose it or fail to start."""
    from apps.models import AppState
    from functions.models import Function

    user = (
        Function.objects.filter(workspace=volume.workspace, volumes__contains=[{"volume_id": volume.id}])
        .exclude(app__state=AppState.STOPPED)
        .select_related("app")
        .first()
    )
    if user is not None:
        raise ApiError(
            f"Volume {volume.name!r} is mounted by {user.name} of app {user.app.name!r} ({user.app_id}), "
            "which is not stopped.",
            code="in_use",
            status_code=409,
            hint="Stop the app (or deploy it without the volume) first.",
        )
    volume_id = volume.id
    volume.delete()
    try:
        storage.delete_root(volume_id)
    except (OSError, storage.PathRefused):
        log.exception("volume %s: some files could not be removed", volume_id)


def _mount_path(path) -> str:
    if not isinstance(path, str) or not path.startswith("/"):
        raise ApiError(f"A volume's mount path must be absolute, got {path!r}.", field="volumes")
    try:
        parts = storage.clean_path(path, allow_root=False)
    except storage.PathRefused as exc:
        raise ApiError(f"Cannot mount a volume at {path!r}: {exc}.", field="volumes") from None
    clean = "/" + "/".join(parts)
    for reserved in _RESERVED:
        if clean == reserved or clean.startswith(reserved + "/"):
            raise ApiError(
                f"Cannot mount a volume at {clean}: {reserved} belongs to the system or the runtime.",
                field="volumes",
                hint="Mount volumes at a folder of their own, e.g. /data or /models.",
            )
    return clean


def resolve_mounts(*, workspace, mounts) -> list[dict]:
    """Check a request's `[{"path", "volume_id"}]`: absolute, distinct, non-nested paths, and
    volumes of this workspace (another workspace's answers 404, as a missing one does)."""
    if mounts in (None, []):
        return []
    if (
        not isinstance(mounts, list)
        or len(mounts) > MAX_MOUNTS
        or not all(isinstance(m, dict) for m in mounts)
    ):
        raise ApiError(
            f'volumes must be a list of at most {MAX_MOUNTS} {{"path", "volume_id"}} objects.',
            field="volumes",
        )
    out = []
    for mount in mounts:
        path = _mount_path(mount.get("path"))
        volume_id = mount.get("volume_id")
        if (
            not isinstance(volume_id, str)
            or not Volume.objects.filter(workspace=workspace, pk=volume_id).exists()
        ):
            raise ApiError(
                f"No volume {volume_id!r} in this workspace.",
                code="not_found",
                status_code=404,
                field="volumes",
                hint="Create it with `skylift volume create NAME` or Volume.from_name(NAME, create_if_missing=True).",
            )
        out.append({"path": path, "volume_id": volume_id})
    paths = sorted(m["path"] for m in out)
    for a, b in zip(paths, paths[1:], strict=False):
        if a == b or b.startswith(a + "/"):
            raise ApiError(f"Volumes mounted at {a} and {b} overlap.", field="volumes")
    return sorted(out, key=lambda m: m["path"])


def mounts_for(volume_mounts: list[dict]) -> list[dict]:
    """Bind mounts of a container for its volumes (read-write), on the host that runs it."""
    binds = []
    for mount in volume_mounts or []:
        source = storage.root(mount["volume_id"])
        if not source.is_dir():
            raise RuntimeError(f"volume {mount['volume_id']} (mounted at {mount['path']}) was deleted")
        binds.append({"source": str(source), "target": mount["path"], "read_only": False})
    return binds
