"""MH-3: the export page's websocket; trainers and admins only."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from modelhooks import live
from modelhooks.selectors import export_get

EXPORT_ROLES = ("trainer", "admin")


class ExportConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if not user or not user.is_authenticated or user.role not in EXPORT_ROLES:
            await self.close(code=4403)
            return
        export = await self._export(self.scope["url_route"]["kwargs"]["export_id"])
        if export is None:
            await self.close(code=4404)
            return
        self.group = live.export_group(export.public_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json(live.export_state(export))

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def live_event(self, message):
        await self.send_json(message["event"])

    @database_sync_to_async
    def _export(self, public_id):
        return export_get(public_id=public_id)
