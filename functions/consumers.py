"""WebSocket consumers: live call status for the dashboard's app page."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

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
