"""App workflows."""

from __future__ import annotations

from typing import cast

from django.utils import timezone

from functions.longpoll import wait_without_database
from functions.queues import logs_key, stream_cursor

from .deployments import environment_get
from .ephemeral import ephemeral_app_create
from .models import App

__all__ = ["app_create", "app_heartbeat", "app_logs"]


def app_create(*, workspace, user, name: str, description: str = "", detached: bool = False) -> App:
    """Create an ephemeral app (the one `skylift run` uses), in the workspace's main environment;
    refused while a cap of the workspace is reached (apps/ephemeral.py)."""
    return ephemeral_app_create(
        workspace=workspace,
        environment=environment_get(workspace=workspace, name=None),
        name=name,
        user=user,
        description=description,
        detached=detached,
    )


def app_heartbeat(*, app: App) -> None:
    """The client that runs the app is still there."""
    App.objects.filter(pk=app.pk).update(client_seen_at=timezone.now())


def app_logs(*, app: App, after: str, timeout: float) -> tuple[list[dict], str]:
    """Live log lines after the stream cursor `after`, waiting up to `timeout` seconds for some.

    The wait holds no database connection (`wait_without_database`).
    """
    after = stream_cursor(after) or "0"
    block = int(timeout * 1000) if timeout > 0 else None
    result = wait_without_database(lambda r: r.xread({logs_key(app.id): after}, count=1000, block=block))
    entries, cursor = [], after
    # [(stream, [(id, fields)])]: this client speaks RESP2 and does not decode responses.
    for _, messages in cast("list[tuple[bytes, list[tuple[bytes, dict[bytes, bytes]]]]]", result or []):
        for message_id, fields in messages:
            cursor = message_id.decode()
            entry = {k.decode(): v.decode(errors="replace") for k, v in fields.items()}
            entries.append({"id": cursor, **entry})
    if cursor == "$":
        cursor = "0"
    return entries, cursor
