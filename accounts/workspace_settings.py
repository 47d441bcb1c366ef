"""A workspace's settings an admin may change: its name, how long its logs are kept, its limits.

The bounds are the platform's: retention up to SKYLIFT_LOG_RETENTION_MAX_DAYS; the input rate and
burst at most the platform's own (SKYLIFT_INPUT_RATE, SKYLIFT_INPUT_BURST), so a workspace can
lower them, never raise them past what the platform was sized for; the GPU limit any count, or
none. Each change is recorded in the audit log with the old and new values.
"""

from __future__ import annotations

from django.conf import settings
from django.db import IntegrityError, transaction

from config.errors import ApiError

from . import audit
from .models import Workspace

__all__ = ["EDITABLE", "bounds", "update"]

EDITABLE = ("name", "log_retention_days", "gpu_limit", "input_rate", "input_burst")


def bounds() -> dict[str, tuple[int, int]]:
    """The least and greatest value of each numeric setting (None, its default, is always allowed)."""
    return {
        "log_retention_days": (1, settings.SKYLIFT_LOG_RETENTION_MAX_DAYS),
        "gpu_limit": (0, 4096),
        "input_rate": (1, settings.SKYLIFT_INPUT_RATE),
        "input_burst": (1, settings.SKYLIFT_INPUT_BURST),
    }


def log_retention_days(workspace: Workspace) -> int:
    """The days the workspace's logs are kept."""
    return workspace.log_retention_days or settings.SKYLIFT_LOG_RETENTION_DAYS


def update(*, workspace: Workspace, changes: dict) -> Workspace:
    """Apply validated `changes` (a subset of EDITABLE); a name another workspace has is refused."""
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise ApiError(f"{unknown[0]} is not a setting an admin may change.", field=unknown[0])
    for field, (least, most) in bounds().items():
        value = changes.get(field)
        if value is not None and not least <= value <= most:
            raise ApiError(f"{field}: must be from {least} to {most}, or empty for the default.", field=field)
    if changes.get("input_rate") and changes.get("input_burst", workspace.input_burst):
        burst = changes.get("input_burst", workspace.input_burst)
        if burst < changes["input_rate"]:
            raise ApiError("input_burst: must be at least the input rate.", field="input_burst")
    changed = {
        field: [getattr(workspace, field), value]
        for field, value in changes.items()
        if getattr(workspace, field) != value
    }
    if not changed:
        return workspace
    try:
        with transaction.atomic():
            locked = Workspace.objects.select_for_update().get(pk=workspace.pk)
            for field, (_, value) in changed.items():
                setattr(locked, field, value)
            locked.save(update_fields=list(changed))
            audit.record(workspace=locked, action="workspace.settings_change", target=locked, data=changed)
    except IntegrityError:
        raise ApiError(
            f"name: another workspace is named {changes['name']!r}.",
            code="already_exists",
            status_code=409,
            field="name",
        ) from None
    return locked
