"""SH-1: a shard below three native speakers pauses new taboo cases; clear-rule regex hits flow."""

from datetime import timedelta

import pytest
from django.utils import timezone

from risk_db.models import RuleShardState
from risk_db.services import rule_create
from shards.models import Alert
from shards.services.pools import ShardState, membership_set, shard_check_pool, shard_state
from tests.factories import make_cases, shard_with_pool
from verifier.services.queue import case_next

pytestmark = pytest.mark.django_db


def test_pool_drop_from_three_to_two_pauses_new_taboo_cases_but_regex_hits_flow():
    shard, (a, b, c) = shard_with_pool("th-TH")
    rule_create(pattern="ล้มเจ้า", origin_locale="th-TH", shards=[shard], state=RuleShardState.State.BLOCKING)
    assert shard_state(shard=shard) == ShardState.OPEN
    membership_set(user=c, shard=shard, native=True, under_contract=False)
    assert shard_state(shard=shard) == ShardState.DEGRADED
    shard.refresh_from_db()
    assert shard.degraded_since is not None
    assert Alert.objects.filter(shard=shard, kind="pool_degraded").exists()

    [plain] = make_cases(shard, 1, kind="taboo", native_only=True, text="โพสต์ทั่วไป")
    [hit] = make_cases(shard, 1, kind="taboo", native_only=True, text="ป้าย ล้มเจ้า")
    [correction] = make_cases(shard, 1, kind="correction", text="ราคาน้ำมัน")
    assert plain.status == "paused" and hit.status == "queued" and correction.status == "queued"
    handed = {case_next(user=a).case, case_next(user=b).case}
    assert plain not in handed and hit in handed

    membership_set(user=c, shard=shard, native=True, under_contract=True)  # back to three
    plain.refresh_from_db()
    assert plain.status == "queued" and shard_state(shard=shard) == ShardState.OPEN
    assert not Alert.objects.filter(shard=shard, resolved_at__isnull=True).exists()


def test_alert_turns_loud_after_ten_days_degraded():
    shard, (a, b, c) = shard_with_pool("ar-SA")
    membership_set(user=c, shard=shard, native=True, active=False)
    shard.refresh_from_db()
    day9 = shard.degraded_since + timedelta(days=9)
    day10 = shard.degraded_since + timedelta(days=10)
    shard_check_pool(shard=shard, now=day9)
    assert Alert.objects.order_by("-id").first().level == "warning"
    shard_check_pool(shard=shard, now=day10)
    assert Alert.objects.order_by("-id").first().level == "loud"


def test_membership_changes_are_audited():
    from core.models import AuditEvent

    shard, (a, *_) = shard_with_pool("en-US")
    membership_set(user=a, shard=shard, native=True, under_contract=False)
    event = AuditEvent.objects.filter(action="membership_set").order_by("-id").first()
    assert event.before["under_contract"] is True and event.after["under_contract"] is False
    assert timezone.now() - event.at < timedelta(minutes=1)


def test_survey_sets_the_subgroup_and_refuses_missing_answers(client):
    from core.models import AuditEvent, User
    from shards.services.surveys import QUESTIONS

    shard, (alice, *_) = shard_with_pool("en-US")
    client.force_login(alice)
    answers = {key: f"answer {i}" for i, (key, _) in enumerate(QUESTIONS)}
    answers["sub_locale"] = "en-US:rural"
    incomplete = {**answers, "media_diet": " "}
    assert "Please answer every question: media_diet" in client.post("/survey/", incomplete).content.decode()
    assert User.objects.get(pk=alice.pk).sub_locale == ""
    assert "Saved" in client.post("/survey/", answers).content.decode()
    assert User.objects.get(pk=alice.pk).sub_locale == "en-US:rural"
    event = AuditEvent.objects.get(action="survey_submit")
    assert event.after == {"sub_locale": "en-US:rural"} and "media_diet" not in str(event.after)
