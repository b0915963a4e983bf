"""VQ-8: push queue depths, cap counters and the seniors' feed to open pages over Channels.

Sends happen after the transaction commits, so a page never shows a change that rolled back.
Depth pushes are throttled per shard: at 500 rulings a second one count a second is enough.
"""
import logging
import time

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

log = logging.getLogger(__name__)
_last_depth_push: dict[int, float] = {}
DEPTH_PUSH_INTERVAL_S = 1.0


def shard_group(shard_id: int) -> str:
    return f"shard.{shard_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


OPS_GROUP = "ops"


def _send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "live.event", "event": message})
    except Exception:  # a dead channel layer must never fail a ruling; the page reloads the count
        log.warning("live push to %s failed", group, exc_info=True)


def queue_changed(shard_ids, *, force: bool = False) -> None:
    def push():
        from verifier.selectors import shard_depths

        now = time.monotonic()
        due = [s for s in shard_ids if force or now - _last_depth_push.get(s, 0) >= DEPTH_PUSH_INTERVAL_S]
        if not due:
            return
        for s in due:
            _last_depth_push[s] = now
        for shard_id, depth in shard_depths(shard_ids=due).items():
            event = {"type": "queue_depth", "shard_id": shard_id, **depth}
            _send(shard_group(shard_id), event)
            _send(OPS_GROUP, event)

    transaction.on_commit(push)


def cap_changed(user) -> None:
    def push():
        from verifier.services.queue import verifier_taboo_count_today

        _send(user_group(user.pk), {"type": "cap", "taboo_today": verifier_taboo_count_today(user=user),
                                    "taboo_cap": settings.VERIFIER["TABOO_DAILY_CAP"]})

    transaction.on_commit(push)


def feed_item(message: dict) -> None:
    """A new item in the seniors' feed (overdue case, alert, taboo nomination)."""
    transaction.on_commit(lambda: _send(OPS_GROUP, {"type": "feed", **message}))
