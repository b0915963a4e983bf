"""VQ-8 live-feed primitives: group names and on-commit sends over Channels.

Sends happen after the transaction commits, so a page never shows a change that rolled back, and a
dead channel layer never fails the write that caused the push. What to push (queue depths, cap
counters) is decided by the app that owns the data (`verifier.live`).
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

log = logging.getLogger(__name__)

OPS_GROUP = "ops"


def shard_group(shard_id: int) -> str:
    return f"shard.{shard_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def send(group: str, message: dict) -> None:
    """Send now (call it from an on-commit callback)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, {"type": "live.event", "event": message})
    except Exception:  # a dead channel layer must never fail a ruling; the page reloads the count
        log.warning("live push to %s failed", group, exc_info=True)


def send_on_commit(group: str, message: dict) -> None:
    transaction.on_commit(lambda: send(group, message))


def feed_item(message: dict) -> None:
    """A new item in the seniors' feed (overdue case, alert, taboo nomination)."""
    send_on_commit(OPS_GROUP, {"type": "feed", **message})
