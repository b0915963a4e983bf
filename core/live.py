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

OPS_GROUP = "ops"  # every senior and admin: feed items that name no shard (the daily horizon counts)
OPS_ADMIN_GROUP = "ops.admin"  # admins: every shard's items


def shard_group(shard_id: int) -> str:
    return f"shard.{shard_id}"


def ops_shard_group(shard_id: int) -> str:
    """Seniors of the shard (active members): its queue depths and feed items (issue 11)."""
    return f"ops.shard.{shard_id}"


def ops_native_group(shard_id: int) -> str:
    """Native seniors of the shard: items about its native-only content (SH-3)."""
    return f"ops.native.{shard_id}"


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def ops_groups_for(*, shard_id: int | None, native_only: bool = False) -> list[str]:
    """Where an item for the seniors' side goes: a shard's item only to that shard's seniors (its
    natives when it is about native-only content) and to admins; an item naming no shard to all."""
    if shard_id is None:
        return [OPS_GROUP]
    return [ops_native_group(shard_id) if native_only else ops_shard_group(shard_id), OPS_ADMIN_GROUP]


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


def feed_item(message: dict, *, shard_id: int | None = None, native_only: bool = False) -> None:
    """A new item in the seniors' feed (overdue case, alert, taboo nomination), sent only to those
    the item's shard allows (issue 11: no th-TH nominated term to a senior outside th-TH)."""
    for group in ops_groups_for(shard_id=shard_id, native_only=native_only):
        send_on_commit(group, {"type": "feed", **message})
