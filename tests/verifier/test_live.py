"""VQ-8 over the real channel layer (Redis): a page's websocket receives its cap counter and the
queue depth of its shards when a ruling commits."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from config.asgi import application
from tests.factories import make_cases, shard_with_pool
from verifier import live
from verifier.services.queue import case_next
from verifier.services.rulings import ruling_record

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


async def _connect(user):
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=[(b"origin", b"http://127.0.0.1")])
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    return communicator, connected


def test_channel_layer_is_redis_in_this_run(settings):
    assert settings.CHANNEL_LAYERS["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert type(get_channel_layer()).__name__ == "RedisChannelLayer"


def test_ruling_pushes_cap_count_and_depth_to_open_pages():
    shard, (alice, bob, _) = shard_with_pool("th-TH")
    make_cases(shard, 3, kind="taboo", native_only=True)
    live._last_depth_push.clear()

    async def scenario():
        alice_ws, ok_a = await _connect(alice)
        bob_ws, ok_b = await _connect(bob)
        assert ok_a and ok_b
        # On connect each page gets a snapshot: its cap counter and its shards' depths.
        snapshot = [await alice_ws.receive_json_from(timeout=5) for _ in range(2)]
        assert {"type": "cap", "taboo_today": 0, "taboo_cap": 20} in snapshot
        assert any(m["type"] == "queue_depth" and m["waiting"] == 3 for m in snapshot)
        await bob_ws.receive_json_from(timeout=5), await bob_ws.receive_json_from(timeout=5)

        def rule_one():
            lease = case_next(user=alice)
            ruling_record(user=alice, case=lease.case, answer="no")

        await sync_to_async(rule_one)()
        received = [await alice_ws.receive_json_from(timeout=5) for _ in range(2)]
        cap = [m for m in received if m["type"] == "cap"]
        assert cap and cap[-1]["taboo_today"] == 1 and cap[-1]["taboo_cap"] == 20
        depth = [m for m in received if m["type"] == "queue_depth"]
        assert depth and depth[-1]["shard_id"] == shard.pk and depth[-1]["waiting"] == 2
        bob_msg = await bob_ws.receive_json_from(timeout=5)  # same shard: sees the depth, not alice's cap
        assert bob_msg["type"] == "queue_depth"
        assert await bob_ws.receive_nothing(timeout=0.5)
        await alice_ws.disconnect()
        await bob_ws.disconnect()

    asyncio.run(scenario())


def test_anonymous_socket_is_refused():
    from django.contrib.auth.models import AnonymousUser

    async def scenario():
        ws, connected = await _connect(AnonymousUser())
        assert not connected

    asyncio.run(scenario())
