"""IN-12 on demand: `POST /api/v1/batches/` {shard} (trainer or admin) cuts the waiting samples of
one shard into a batch now -> 201 {id, samples, weight}; 409 `nothing_waiting`; 400 naming `shard`."""

from decimal import Decimal

import pytest

from core.models import AuditEvent
from tests.factories import ShardFactory, UserFactory, make_cases
from training.models import TrainingSample

pytestmark = pytest.mark.django_db


def waiting(shard, n, *, withheld=""):
    return [
        TrainingSample.objects.create(
            case=c,
            shard=shard,
            locale=shard.locale.code,
            post_id=f"{c.post_id}-s",
            text_delta="d",
            withheld_reason=withheld,
        )
        for c in make_cases(shard, n, text=f"{shard.code}{withheld}")
    ]


@pytest.fixture
def shards():
    return ShardFactory(code="en-US"), ShardFactory(code="th-TH")


def cut(api, shard_code):
    return api.post("/api/v1/batches/", {"shard": shard_code}, format="json")


def test_a_trainer_cuts_the_waiting_samples_of_one_shard_at_the_batch_weight(api, shards):
    en, th = shards
    en_samples, [th_sample] = waiting(en, 2), waiting(th, 1)
    trainer = UserFactory(username="trainer", role="trainer")
    api.force_authenticate(trainer)
    r = cut(api, "en-US")
    assert r.status_code == 201
    body = r.json()
    assert body == {"id": body["id"], "samples": 2, "weight": 0.3}
    for s in en_samples:
        s.refresh_from_db()
        assert (s.batch_id, s.weight) == (body["id"], Decimal("0.3"))
    th_sample.refresh_from_db()
    assert th_sample.batch_id is None  # another shard's samples wait for their own cut
    event = AuditEvent.objects.get(action="training.batch_cut")
    assert event.actor == trainer and event.object_id == str(body["id"])
    assert event.after == {"shard": "en-US", "samples": 2, "weight": "0.3"}


def test_an_admin_may_cut_and_the_weight_is_the_setting(api, shards, settings):
    settings.INTAKE = {**settings.INTAKE, "BATCH_WEIGHT": "0.25"}
    waiting(shards[1], 3)
    api.force_authenticate(UserFactory(username="admin1", role="admin"))
    r = cut(api, "th-TH")
    assert r.status_code == 201 and (r.json()["samples"], r.json()["weight"]) == (3, 0.25)


def test_nothing_waiting_answers_409_and_cuts_no_empty_batch(api, shards):
    en, _ = shards
    waiting(en, 1)
    waiting(en, 1, withheld="overturned")  # a withheld sample never joins a batch
    api.force_authenticate(UserFactory(username="trainer", role="trainer"))
    assert cut(api, "en-US").json()["samples"] == 1
    again = cut(api, "en-US")
    assert again.status_code == 409 and again.json()["code"] == "nothing_waiting"
    assert "en-US" in again.json()["detail"]
    assert AuditEvent.objects.filter(action="training.batch_cut").count() == 1


def test_unknown_or_missing_shard_answers_400_naming_shard(api, shards):
    api.force_authenticate(UserFactory(username="trainer", role="trainer"))
    bad = cut(api, "xx-XX")
    assert bad.status_code == 400 and bad.json()["code"] == "unknown_shard" and "shard" in bad.json()["errors"]
    missing = api.post("/api/v1/batches/", {}, format="json")
    assert missing.status_code == 400 and "shard" in missing.json()["errors"]


@pytest.mark.parametrize("role", ["verifier", "intake", "senior"])
def test_other_roles_may_not_cut(api, shards, role):
    waiting(shards[0], 1)
    api.force_authenticate(UserFactory(username=f"u-{role}", role=role))
    assert cut(api, "en-US").status_code == 403
    assert not TrainingSample.objects.filter(batch__isnull=False).exists()


def test_anonymous_may_not_cut(api, shards):
    waiting(shards[0], 1)
    assert cut(api, "en-US").status_code in (401, 403)
    assert not TrainingSample.objects.filter(batch__isnull=False).exists()


def test_the_endpoint_is_in_the_openapi_schema(client):
    assert b"/api/v1/batches/" in client.get("/api/schema/").content
