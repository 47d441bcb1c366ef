"""WebSocket consumers: live call status for the dashboard's app page, and the Logs page's live tail."""

from __future__ import annotations

import asyncio

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.authentication import models_role_order
from accounts.models import Membership
from apps.models import App

from .events import app_group


class AppEventsConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/apps/<app_id>/`: sends `{"type": "call.updated", "call": {...}}` as calls change."""

    async def connect(self):
        user = self.scope.get("user")
        app_id = self.scope["url_route"]["kwargs"]["app_id"]
        # Tenancy again here: the URL names the app, the session decides whether it is visible.
        if user is None or not user.is_authenticated or not await self._may_see(user, app_id):
            await self.close(code=4404)
            return
        self.group = app_group(app_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    @database_sync_to_async
    def _may_see(self, user, app_id: str) -> bool:
        workspaces = Membership.objects.filter(user=user).values("workspace_id")
        return App.objects.filter(pk=app_id, workspace_id__in=workspaces).exists()

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def call_updated(self, event):
        await self.send_json({"type": "call.updated", "call": event["call"]})


class LogTailConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/logs/?app=..&function=..&q=..&after=<cursor>`: the workspace's log lines as they are printed.

    The session's workspace (as the API's): each message is `{"type": "lines", "lines": [...],
    "cursor": "..."}`, the lines matching the query string's filters (functions.logs) after the
    cursor it started from; a bad filter closes the socket with 4400 and says why first.
    """

    POLL_SECONDS = 0.25

    async def connect(self):
        from urllib.parse import parse_qs

        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        query = {k: v[-1] for k, v in parse_qs(self.scope.get("query_string", b"").decode()).items()}
        await self.accept()
        try:
            self.filters, self.cursor = await self._start(user, query)
        except Exception as exc:  # noqa: BLE001 - an ApiError (bad filter) or no workspace: said, then closed
            await self.send_json({"type": "error", "message": str(exc)})
            await self.close(code=4400)
            return
        self.shown: set[str] = set()
        self.poller = asyncio.get_running_loop().create_task(self._poll())

    @database_sync_to_async
    def _start(self, user, query: dict):
        from . import logs

        membership = Membership.objects.filter(user=user).order_by(models_role_order(), "created_at").first()
        if membership is None:
            raise ValueError("This user belongs to no workspace.")
        filters = logs.filters_from(membership.workspace_id, query)
        after = logs.line_id(query, "after")
        if after is None:
            after = int(logs.page(filters, limit=1)["cursor"])
        return filters, after

    @database_sync_to_async
    def _read(self):
        from . import logs

        return logs.tail(self.filters, after=self.cursor)

    async def _poll(self):
        from . import logs

        while True:
            page = await self._read()
            fresh = [line for line in page["results"] if line["id"] not in self.shown]
            cursor = int(page["cursor"])
            # Only the ids past the cursor can come again.
            self.shown = {i for i in self.shown if int(i) > cursor} | {
                line["id"] for line in fresh if int(line["id"]) > cursor
            }
            self.cursor = cursor
            if fresh:
                for line in fresh:
                    line["created_at"] = line["created_at"].isoformat()
                await self.send_json({"type": "lines", "lines": fresh, "cursor": str(cursor)})
            if len(page["results"]) < logs.MAX_LIMIT:
                await asyncio.sleep(self.POLL_SECONDS)

    async def disconnect(self, code):
        poller = getattr(self, "poller", None)
        if poller is not None:
            poller.cancel()
