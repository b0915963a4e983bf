"""VQ-1..VQ-5: leases, expiry, refusals, the taboo cap, overlap and the sub-locale mix."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.errors import Refused
from core.models import AuditEvent
from risk_db.models import RuleShardState
from risk_db.services import rule_create
from tests.base import api_get, api_post, assert_api_error, login_as
from tests.factories import make_cases, shard_with_pool, verifier_in
from training.models import TrainingSample
from verifier.models import Assignment, Case, CaseTask, Ruling
from verifier.services.queue import DailyCapReached, case_next, verifier_taboo_count_today
from verifier.services.rulings import ruling_record

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 26, 3, 0, tzinfo=UTC)


def test_next_case_leases_one_case_and_returns_the_same_one_until_ruled():
    shard, (alice, bob, _) = shard_with_pool("en-US")
    make_cases(shard, 2, at=T0)
    first = case_next(user=alice, now=T0)
    assert case_next(user=alice, now=T0 + timedelta(minutes=1)).case == first.case  # a reload keeps the lease
    other = case_next(user=bob, now=T0)
    assert other.case != first.case
    assert first.expires_at == T0 + timedelta(minutes=10)


def test_expired_lease_returns_the_case_and_the_late_ruling_is_refused():
    shard, (alice, bob, _) = shard_with_pool("en-US")
    [case] = make_cases(shard, 1, at=T0)
    case_next(user=alice, now=T0)
    assert case_next(user=bob, now=T0 + timedelta(minutes=9)) is None  # still held
    taken = case_next(user=bob, now=T0 + timedelta(minutes=10, seconds=1))
    assert taken.case == case
    with pytest.raises(Refused) as refused:
        ruling_record(user=alice, case=case, answer="no", now=T0 + timedelta(minutes=11))
    assert refused.value.code == "lease_expired"
    ruling_record(user=bob, case=case, answer="yes", now=T0 + timedelta(minutes=11))
    assert Ruling.objects.get().verifier == bob
    assert list(Assignment.objects.order_by("id").values_list("outcome", flat=True)) == ["expired", "ruled"]


def test_lease_expired_even_when_nobody_took_the_case_meanwhile():
    shard, (alice, *_) = shard_with_pool("en-US")
    [case] = make_cases(shard, 1, at=T0)
    case_next(user=alice, now=T0)
    with pytest.raises(Refused) as refused:
        ruling_record(user=alice, case=case, answer="yes", now=T0 + timedelta(minutes=10))
    assert refused.value.code == "lease_expired"
    assert not Ruling.objects.exists()
    assert Case.objects.get().status == "queued"


def test_second_ruling_is_refused_and_changes_nothing():
    shard, (alice, *_) = shard_with_pool("en-US")
    [case] = make_cases(shard, 1, at=T0)
    case_next(user=alice, now=T0)
    ruling_record(user=alice, case=case, answer="yes", now=T0)
    with pytest.raises(Refused) as refused:
        ruling_record(user=alice, case=case, answer="no", now=T0)
    assert refused.value.code == "already_ruled"
    case.refresh_from_db()
    assert (case.decision, case.status, Ruling.objects.count()) == ("yes", "decided", 1)


def test_accepted_correction_becomes_one_training_sample_and_is_audited():
    shard, (alice, *_) = shard_with_pool("en-US")
    [case] = make_cases(shard, 1, at=T0)
    case_next(user=alice, now=T0)
    ruling_record(user=alice, case=case, answer="yes", now=T0)
    assert case.sample.text_delta == "fixed 0" and case.sample.regional_hard_block is False
    event = AuditEvent.objects.get(action="ruling_record")
    assert event.actor == alice and event.before == {"status": "queued", "decision": ""}
    assert event.after["decision"] == "yes"


def test_rejected_correction_trains_nothing():
    shard, (alice, *_) = shard_with_pool("en-US")
    [case] = make_cases(shard, 1, at=T0)
    case_next(user=alice, now=T0)
    ruling_record(user=alice, case=case, answer="no", now=T0)
    assert not TrainingSample.objects.exists()


def _rule_cases(user, n, now):
    for _ in range(n):
        lease = case_next(user=user, now=now)
        ruling_record(user=user, case=lease.case, answer="yes", now=now)


def test_twenty_first_taboo_case_of_the_day_is_refused():
    shard, (alice, *_) = shard_with_pool("th-TH", tz="Asia/Bangkok")
    make_cases(shard, 21, kind="taboo", at=T0, native_only=True)
    _rule_cases(alice, 20, T0)
    assert verifier_taboo_count_today(user=alice, now=T0) == 20
    with pytest.raises(DailyCapReached):
        case_next(user=alice, now=T0)


def test_capped_verifier_still_gets_correction_cases():
    shard, (alice, *_) = shard_with_pool("th-TH")
    make_cases(shard, 20, kind="taboo", at=T0, native_only=True)
    make_cases(shard, 1, kind="correction", at=T0)
    make_cases(shard, 1, kind="taboo", at=T0, native_only=True, text="more")
    _rule_cases(alice, 20, T0)
    assert case_next(user=alice, now=T0).case.kind == "correction"


def test_cap_resets_at_the_verifiers_local_midnight():
    # Bangkok is UTC+7: 16:59 UTC is 23:59 local, 17:00 UTC is the next local day.
    shard, (alice, *_) = shard_with_pool("th-TH", tz="Asia/Bangkok")
    before_midnight = datetime(2026, 11, 26, 16, 50, tzinfo=UTC)
    make_cases(shard, 22, kind="taboo", at=before_midnight, native_only=True)
    _rule_cases(alice, 20, before_midnight)
    with pytest.raises(DailyCapReached):
        case_next(user=alice, now=datetime(2026, 11, 26, 16, 59, 59, tzinfo=UTC))
    after = datetime(2026, 11, 26, 17, 0, 1, tzinfo=UTC)
    assert after.astimezone(ZoneInfo("Asia/Bangkok")).hour == 0
    assert case_next(user=alice, now=after).case.kind == "taboo"
    assert verifier_taboo_count_today(user=alice, now=after) == 1


def test_daily_cap_over_the_api_answers_429_with_code(api):
    shard, (alice, *_) = shard_with_pool("th-TH")
    make_cases(shard, 21, kind="taboo", native_only=True)
    login_as(api, alice)
    for _ in range(20):
        case_id = api_get(api, "/api/v1/queue/next/").json()["id"]
        assert api_post(api, f"/api/v1/cases/{case_id}/ruling/", {"answer": "no"}).status_code == 201
    response = api_get(api, "/api/v1/queue/next/")
    assert_api_error(response, "daily_cap_reached", 429)
    assert api_get(api, "/api/v1/me/").json()["taboo_today"] == 20


def test_overflow_is_deferred_to_a_matching_rule_when_every_verifier_is_capped():
    shard, pool = shard_with_pool("th-TH")
    rule = rule_create(pattern="ล้มเจ้า", origin_locale="th-TH", shards=[shard], state=RuleShardState.State.BLOCKING)
    make_cases(shard, 60, kind="taboo", at=T0, native_only=True)
    [hit] = make_cases(shard, 1, kind="taboo", at=T0, native_only=True, text="ป้ายเขียนว่า ล้มเจ้า")
    [miss] = make_cases(shard, 1, kind="taboo", at=T0, native_only=True, text="ข่าวทั่วไป")
    for verifier in pool[:2]:
        _rule_cases(verifier, 20, T0)
    hit.refresh_from_db()
    assert hit.blocked_by_rule is None  # one verifier still has room: nothing deferred yet
    _rule_cases(pool[2], 20, T0)
    with pytest.raises(DailyCapReached):
        case_next(user=pool[2], now=T0)
    hit.refresh_from_db(), miss.refresh_from_db()
    assert hit.blocked_by_rule == rule and hit.blocked_at == T0
    assert hit.status == "queued"  # still visible for later human review
    assert miss.blocked_by_rule is None
    assert AuditEvent.objects.filter(action="case_deferred_to_rule", object_id=str(hit.public_id)).exists()


def test_overlap_case_goes_to_two_different_verifiers_and_never_twice_to_one(settings):
    settings.VERIFIER = {**settings.VERIFIER, "OVERLAP_RATE": 1.0}
    shard, (alice, bob, carol) = shard_with_pool("en-US")
    [case] = make_cases(shard, 1, at=T0)
    assert case.required_rulings == 2
    a = case_next(user=alice, now=T0)
    assert case_next(user=alice, now=T0).task == a.task  # alice keeps her seat, not the second one
    b = case_next(user=bob, now=T0)
    assert {a.task.slot, b.task.slot} == {0, 1}
    assert case_next(user=carol, now=T0) is None
    ruling_record(user=alice, case=case, answer="yes", now=T0)
    assert case_next(user=alice, now=T0) is None  # her ruled case's other seat is bob's
    ruling_record(user=bob, case=case, answer="no", now=T0)
    case.refresh_from_db()
    assert case.status == "decided" and case.decision == "yes"  # first ruling decides; overlap measures


def test_overlap_share_is_about_ten_percent(settings):
    settings.VERIFIER = {**settings.VERIFIER, "OVERLAP_RATE": 0.10}
    shard, _ = shard_with_pool("en-US")
    cases = make_cases(shard, 1000, at=T0)
    share = sum(c.required_rulings == 2 for c in cases) / 1000
    assert 0.07 <= share <= 0.13
    assert CaseTask.objects.count() == 1000 + sum(c.required_rulings == 2 for c in cases)


def test_router_keeps_the_own_sub_locale_share_near_the_ratio(settings):
    settings.SHARDS = {**settings.SHARDS, "OWN_SUBLOCALE_RATIO": 0.7, "SUBLOCALE_WINDOW": 50}
    shard, _ = shard_with_pool("th-TH", n=3)
    alice = verifier_in(shard, username="alice_bkk", sub_locale="th-TH:bangkok")
    make_cases(shard, 60, at=T0, sub_locale="th-TH:bangkok", text="bkk")
    make_cases(shard, 60, at=T0, sub_locale="th-TH:isan", text="isan")
    _rule_cases(alice, 40, T0)
    own = Assignment.objects.filter(user=alice, own_sublocale=True).count()
    assert 26 <= own <= 30  # 70 % of 40 = 28; never all 40 from her own street


def test_ruling_on_someone_elses_case_is_404_and_changes_nothing(api):
    shard, (alice, bob, _) = shard_with_pool("en-US")
    make_cases(shard, 1)
    login_as(api, alice)
    case_id = api_get(api, "/api/v1/queue/next/").json()["id"]
    login_as(api, bob)
    response = api_post(api, f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes"})
    assert_api_error(response, "not_found", 404)
    assert_api_error(api_get(api, f"/api/v1/cases/{case_id}/"), "not_found", 404)
    assert not Ruling.objects.exists()


def test_bad_answer_and_malformed_body_are_refused(api):
    shard, (alice, *_) = shard_with_pool("en-US")
    make_cases(shard, 1)
    login_as(api, alice)
    case_id = api_get(api, "/api/v1/queue/next/").json()["id"]
    bad = api_post(api, f"/api/v1/cases/{case_id}/ruling/", {"answer": "maybe"})
    assert "answer" in assert_api_error(bad, "invalid", 400)["errors"]
    malformed = api_post(api, f"/api/v1/cases/{case_id}/ruling/", "{", content_type="application/json")
    assert_api_error(malformed, "malformed_json", 400)
    again = api_post(api, f"/api/v1/cases/{case_id}/ruling/", {"answer": "yes"})
    assert again.status_code == 201
    twice = api_post(api, f"/api/v1/cases/{case_id}/ruling/", {"answer": "no"})
    assert_api_error(twice, "already_ruled", 409)


def test_next_answers_204_when_nothing_waits(api):
    _, (alice, *_) = shard_with_pool("en-US")
    login_as(api, alice)
    assert api_get(api, "/api/v1/queue/next/").status_code == 204


def test_skip_returns_the_case_to_others_and_not_to_the_skipper(api):
    shard, (alice, bob, _) = shard_with_pool("en-US")
    [case] = make_cases(shard, 1)
    login_as(api, alice)
    case_id = api_get(api, "/api/v1/queue/next/").json()["id"]
    assert api_post(api, f"/api/v1/cases/{case_id}/skip/").status_code == 204
    assert api_get(api, "/api/v1/queue/next/").status_code == 204
    login_as(api, bob)
    assert api_get(api, "/api/v1/queue/next/").json()["id"] == str(case.public_id)
