"""Live updates for the dashboard: call status changes go to the app's Channels group."""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

__all__ = ["app_group", "call_payload", "call_updated"]

log = logging.getLogger(__name__)


def app_group(app_id: str) -> str:
    return f"app.{app_id}"


def call_payload(call) -> dict:
    return {
        "id": call.id,
        "function_id": call.function_id,
        "function_name": call.function.name,
        "kind": call.kind,
        "status": call.status,
        "input_count": call.input_count,
        "created_at": call.created_at.isoformat(),
        "finished_at": call.finished_at.isoformat() if call.finished_at else None,
    }


def call_updated(call) -> None:
    """Tell dashboards watching the call's app; never fail the caller over it."""
    try:
        layer = get_channel_layer()
        async_to_sync(layer.group_send)(
            app_group(call.function.app_id), {"type": "call.updated", "call": call_payload(call)}
        )
    except Exception:  # noqa: BLE001 - live updates are best-effort; the API stays the record
        log.warning("could not publish call update for %s", call.id, exc_info=True)
