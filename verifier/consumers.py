"""VQ-8 websocket: each open page joins the groups of what it shows."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.utils import translation

from core import live
from core.texts import message_render
from shards.models import PoolMembership
from shards.selectors import taboo_fence
from verifier.selectors import shard_depths, taboo_daily_cap, verifier_taboo_count_today

LANGUAGE_CODES = frozenset(code for code, _ in settings.LANGUAGES)


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
        # A snapshot after joining: whatever changed before the page connected is in it, and
        # whatever changes from now on is pushed.
        for event in await self._snapshot(user):
            await self.send_json(event)

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def live_event(self, message):
        event = message["event"]
        if event.get("code"):  # issue 14: a feed item in this recipient's language, beside the stored English
            event = {**event, "text": self._in_own_language(event)}
        await self.send_json(event)

    def _in_own_language(self, event: dict) -> str:
        user = self.scope.get("user")
        cookie = self.scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")
        language = getattr(user, "ui_language", "") or cookie
        if language not in LANGUAGE_CODES:
            language = settings.LANGUAGE_CODE
        with translation.override(language):
            return message_render(event["code"], event.get("params"), event.get("message", ""))

    @database_sync_to_async
    def _snapshot(self, user):
        events = [{"type": "cap", "taboo_today": verifier_taboo_count_today(user=user), "taboo_cap": taboo_daily_cap()}]
        shard_ids = list(PoolMembership.objects.filter(user=user, active=True).values_list("shard_id", flat=True))
        events += [{"type": "queue_depth", "shard_id": s, **d} for s, d in shard_depths(shard_ids=shard_ids).items()]
        return events

    @database_sync_to_async
    def _groups_for(self, user):
        """VQ-8 / SH-3 (issue 11): the groups this person's role and pools allow, and no others."""
        shard_ids = list(PoolMembership.objects.filter(user=user, active=True).values_list("shard_id", flat=True))
        groups = [live.user_group(user.pk)] + [live.shard_group(s) for s in shard_ids]
        if user.role == "admin":
            groups += [live.OPS_GROUP, live.OPS_ADMIN_GROUP]
        elif user.role == "senior":
            groups.append(live.OPS_GROUP)
            groups += [live.ops_shard_group(s) for s in shard_ids]
            groups += [live.ops_native_group(s) for s in sorted(taboo_fence(user=user).shard_ids)]
        return groups
