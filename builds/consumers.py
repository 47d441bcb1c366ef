"""WebSocket consumer: a build's log, from its start, then live."""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from accounts.models import Membership

from . import logs
from .models import ACTIVE_BUILD_STATUSES, Build


class BuildLogConsumer(AsyncJsonWebsocketConsumer):
    """`/ws/builds/<build_id>/`: sends `{"type": "build.log", "entries": [{id, kind, text}]}`.

    The entries already logged come first (from the Redis stream), then live ones; an entry is
    never sent twice, since live messages carry the stream ids and older ones are dropped.
    """

    async def connect(self):
        user = self.scope.get("user")
        build_id = self.scope["url_route"]["kwargs"]["build_id"]
        # Tenancy again here: the URL names the build, the session decides whether it is visible.
        if user is None or not user.is_authenticated or not await self._may_see(user, build_id):
            await self.close(code=4404)
            return
        self.build_id = build_id
        self.group = logs.build_group(build_id)
        self.cursor = (0, 0)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        entries, _ = await database_sync_to_async(logs.read)(build_id, after="0", timeout=0)
        await self._send_entries(entries)
        if not await self._active(build_id):
            await self.send_json({"type": "build.done"})

    @database_sync_to_async
    def _may_see(self, user, build_id: str) -> bool:
        workspaces = Membership.objects.filter(user=user).values("workspace_id")
        return Build.objects.filter(pk=build_id, workspace_id__in=workspaces).exists()

    @database_sync_to_async
    def _active(self, build_id: str) -> bool:
        return Build.objects.filter(pk=build_id, status__in=ACTIVE_BUILD_STATUSES).exists()

    @staticmethod
    def _key(entry_id: str) -> tuple[int, int]:
        ms, _, seq = entry_id.partition("-")
        return int(ms), int(seq or 0)

    async def _send_entries(self, entries: list[dict]) -> None:
        fresh = [e for e in entries if self._key(e["id"]) > self.cursor]
        if fresh:
            self.cursor = self._key(fresh[-1]["id"])
            await self.send_json({"type": "build.log", "entries": fresh})

    async def disconnect(self, code):
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def build_log(self, event):
        await self._send_entries(event["entries"])
