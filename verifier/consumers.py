"""VQ-8 websocket: each open page joins the groups of what it shows."""
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from verifier import live


class LiveConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        user = self.scope.get("user")
        if not user or not user.is_authenticated:
            await self.close(code=4401)
            return
        self.groups_joined = await self._groups_for(user)
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def live_event(self, message):
        await self.send_json(message["event"])

    @database_sync_to_async
    def _groups_for(self, user):
        from shards.models import PoolMembership

        groups = [live.user_group(user.pk)]
        groups += [live.shard_group(s) for s in
                   PoolMembership.objects.filter(user=user, active=True).values_list("shard_id", flat=True)]
        if user.role in ("senior", "admin"):
            groups.append(live.OPS_GROUP)
        return groups
