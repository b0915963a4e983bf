"""Issue 12, drill 4: Redis down (a private redis-server on a free port, killed and started again;
the shared Redis is never touched). Intake answers 503 `rate_limit_unavailable` and stores nothing
(IN-3 must not lapse silently); rulings still succeed while live pushes cannot be sent; when Redis is
back, open pages reconnect (as static/app.js does) and pushes resume; intake works again."""

import time

import pytest

from shards.models import Correction, Shard
from tests.base import api_item, fresh_ip
from tests.factories import ShardFactory, UserFactory, make_cases, shard_with_pool
from tests.faults.helpers import (
    Daphne,
    LiveClient,
    OwnRedis,
    api_token,
    http,
    rulings_fully_stored,
    session_cookie,
    wait_for,
)
from verifier.models import Ruling

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.fault]

PUSH_BOUND_S = 10  # a push reaches an open page within this after Redis is back (page retries every 2 s)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def redis_daphne(transactional_db, own_redis, tmp_path):
    """daphne whose Redis (channel layer, rate limits, broker) is the private one."""
    server = Daphne(tmp_path / "daphne.log", REDIS_URL=own_redis.url, CELERY_BROKER_URL=own_redis.url)
    yield server
    server.stop()


def rule_next(base, token) -> tuple[int, dict]:
    status, case = http("GET", f"{base}/api/v1/queue/next/", token=token, timeout=30)
    assert status == 200, (status, case)
    return http("POST", f"{base}/api/v1/cases/{case['id']}/ruling/", {"answer": "no"}, token=token, timeout=30)


def bulk(n, tag):
    return {"items": [api_item(post_id=f"{tag}-{i}", submitter_id=f"{tag}{i}", ip=fresh_ip()) for i in range(n)]}


def test_redis_down_refuses_intake_keeps_rulings_and_live_pushes_resume(redis_daphne, own_redis):
    base = redis_daphne.url
    shard, verifiers = shard_with_pool("en-US", n=3)
    ShardFactory(code="global", kind=Shard.Kind.GLOBAL)
    make_cases(shard, 20)
    intake = api_token(UserFactory(username="intake", role="intake"))
    tokens = [api_token(v) for v in verifiers]
    page = LiveClient(base, session_cookie(verifiers[0]), snapshot=2)  # cap + one shard's depth
    try:
        wait_for(lambda: page.connections == 1 and len(page.events) >= 2, 30, "the page's snapshot", [redis_daphne.log])

        # Up: a ruling is pushed, intake stores its items.
        t = time.time()
        assert rule_next(base, tokens[1])[0] == 201
        wait_for(lambda: page.pushes_after(t), PUSH_BOUND_S, "a push while Redis is up", [redis_daphne.log])
        status, body = http("POST", f"{base}/api/v1/corrections/", bulk(5, "up"), token=intake)
        assert status == 200 and len(body["results"]) == 5
        corrections, rulings = Correction.objects.count(), Ruling.objects.count()

        own_redis.kill()
        down_at = time.time()
        # Intake: a clear 503 in the error shape, nothing of the bulk stored.
        status, body = http("POST", f"{base}/api/v1/corrections/", bulk(20, "down"), token=intake)
        assert status == 503, body
        assert body["code"] == "rate_limit_unavailable" and "Nothing was stored" in body["detail"]
        assert Correction.objects.count() == corrections
        # Rulings still succeed (the push is dropped and logged, never the ruling), within seconds.
        for token in tokens:
            time.sleep(1.1)  # past the depth-push throttle, so each ruling tries to push
            started = time.monotonic()
            status, body = rule_next(base, token)
            assert status == 201, body
            assert time.monotonic() - started < 10
        assert Ruling.objects.count() == rulings + 3
        assert not page.pushes_after(down_at + 0.5)  # nothing can be pushed while it is down

        own_redis.start()  # same port, empty (no persistence): groups must be joined again
        up_at = time.time()
        while not page.pushes_after(up_at) and time.time() < up_at + PUSH_BOUND_S:
            time.sleep(1.1)  # a ruling a second, each past the depth-push throttle
            assert rule_next(base, tokens[2])[0] == 201
        assert page.pushes_after(up_at), "no push reached the open page after Redis came back"
        resumed = page.pushes_after(up_at)[0][0] - up_at
        print(f"\nredis back: first push to the open page {resumed:.2f} s later ({page.connections} connections)")
        assert page.connections >= 2, "the page's socket never noticed the outage"

        status, body = http("POST", f"{base}/api/v1/corrections/", bulk(20, "back"), token=intake)
        assert status == 200 and len(body["results"]) == 20
        assert Correction.objects.count() == corrections + 20
        assert not Correction.objects.filter(post_id__startswith="down-").exists()
        rulings_fully_stored()
    finally:
        page.stop()
