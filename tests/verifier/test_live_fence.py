"""VQ-8 / SH-3 (issue 11): /ws/live/ sends each person only the groups their role and locales allow.
On main every senior joined one "ops" group and got th-TH's nominated terms and queue depths."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from rest_framework.test import APIClient

from config.asgi import application
from tests.fence import MARKER, fence_world, intake_post, royal_item
from verifier import live

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(user):
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=[(b"origin", b"http://127.0.0.1")])
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def _drain(ws) -> list[dict]:
    out = []
    while not await ws.receive_nothing(timeout=0.3):
        out.append(await ws.receive_json_from(timeout=2))
    return out


def test_th_terms_and_depths_reach_th_seniors_and_admins_only(standin_hooks):
    world = fence_world()
    nominator = world.th_pool[0]
    term = "ในหลวง"

    def nominate_and_queue():
        client = APIClient()
        client.force_authenticate(nominator)
        response = client.post(
            f"/api/v1/cases/{world.taboo_case_ids[0]}/taboo-nominations/",
            {"term": term, "context": f"ภาพ {term} เสด็จ {MARKER}"},
            format="json",
        )
        assert response.status_code == 201, response.content[:300]
        live._last_depth_push.clear()
        intake_post([royal_item()])  # a new th-TH case: its depth is pushed

    async def scenario():
        names = ("senior_of_locale", "senior_other", "admin", "other_verifier", "nonnative_member")
        sockets = {name: await _connect(world.users[name]) for name in names}
        for ws in sockets.values():
            await _drain(ws)  # the connect snapshot
        await sync_to_async(nominate_and_queue)()
        got = {name: await _drain(ws) for name, ws in sockets.items()}
        for ws in sockets.values():
            await ws.disconnect()
        return got

    got = asyncio.run(scenario())

    def feed_terms(events):
        return [e for e in events if e.get("type") == "feed" and term in e.get("message", "")]

    def th_depths(events):
        return [e for e in events if e.get("type") == "queue_depth" and e.get("shard_id") == world.th.pk]

    assert feed_terms(got["senior_of_locale"]) and th_depths(got["senior_of_locale"])
    assert feed_terms(got["admin"]) and th_depths(got["admin"])
    for outsider in ("senior_other", "other_verifier"):
        assert feed_terms(got[outsider]) == [] and th_depths(got[outsider]) == [], got[outsider]
    # a non-native member of th-TH sees its queue depth (their own shard), never the native-only feed
    assert feed_terms(got["nonnative_member"]) == [] and th_depths(got["nonnative_member"])
    for events in got.values():
        assert MARKER not in repr(events)
