"""VQ-8: push queue depths and cap counters to open pages (primitives in `core.live`).

Depth pushes are throttled per shard: at 500 rulings a second one count a second is enough.
"""

import time

from django.db import transaction

from core.live import OPS_GROUP, feed_item, ops_groups_for, send, shard_group, user_group  # noqa: F401 (re-exported)
from verifier.selectors import shard_depths, taboo_daily_cap

_last_depth_push: dict[int, float] = {}
DEPTH_PUSH_INTERVAL_S = 1.0


def queue_changed(shard_ids, *, force: bool = False) -> None:
    def push():
        now = time.monotonic()
        due = [s for s in shard_ids if force or now - _last_depth_push.get(s, 0) >= DEPTH_PUSH_INTERVAL_S]
        if not due:
            return
        for s in due:
            _last_depth_push[s] = now
        for shard_id, depth in shard_depths(shard_ids=due).items():
            event = {"type": "queue_depth", "shard_id": shard_id, **depth}
            send(shard_group(shard_id), event)
            for group in ops_groups_for(shard_id=shard_id):  # that shard's seniors and admins only
                send(group, event)

    transaction.on_commit(push)


def cap_changed(user, *, taboo_today) -> None:
    """`taboo_today(user)` counts the user's taboo cases today (the queue owns that count)."""

    def push():
        send(
            user_group(user.pk), {"type": "cap", "taboo_today": taboo_today(user=user), "taboo_cap": taboo_daily_cap()}
        )

    transaction.on_commit(push)
