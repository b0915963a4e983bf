"""RK-1 / RK-2 / RK-3: nominations, the 24 h two-verifier window, candidates, approval and refusals."""

from datetime import timedelta

import pytest

from core.errors import Refused
from core.models import AuditEvent
from core.text import token_normalise
from risk_db.models import RuleShardState, RuleVersion, TabooCandidate
from risk_db.services import taboo_candidates_expire, taboo_nominate
from tests.base import RISK_T0 as T0
from tests.base import build_world, handed_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def nominate(user, shard, term="ล้มเจ้า", *, at, context="seen in a protest post"):
    return taboo_nominate(user=user, case=handed_case(user, shard, at=at), term=term, context=context, now=at)


def test_one_nominator_stays_in_the_feed(world):
    n = nominate(world.th_v[0], world.th, at=T0)
    assert n.candidate.status == TabooCandidate.Status.FEED
    assert n.candidate.expires_at == T0 + timedelta(hours=24)


def test_the_same_verifier_twice_is_still_one_nominator(world):
    nominate(world.th_v[0], world.th, at=T0)
    n = nominate(world.th_v[0], world.th, at=T0 + timedelta(hours=1))
    assert n.candidate.status == TabooCandidate.Status.FEED and TabooCandidate.objects.count() == 1


def test_second_verifier_at_23h59_sends_the_token_to_review(world):
    first = nominate(world.th_v[0], world.th, at=T0)
    second = nominate(world.ar_v[0], world.ar, at=T0 + timedelta(hours=23, minutes=59))
    assert second.candidate_id == first.candidate_id
    assert second.candidate.status == TabooCandidate.Status.REVIEW
    assert second.candidate.surfaced_at == T0 + timedelta(hours=23, minutes=59)


def test_second_verifier_at_24h01_finds_the_first_expired_and_starts_again(world):
    first = nominate(world.th_v[0], world.th, at=T0)
    second = nominate(world.th_v[1], world.th, at=T0 + timedelta(hours=24, minutes=1))
    first.candidate.refresh_from_db()
    assert first.candidate.status == TabooCandidate.Status.EXPIRED
    assert second.candidate_id != first.candidate_id
    assert second.candidate.status == TabooCandidate.Status.FEED


def test_daily_expiry_marks_lonely_candidates_expired(world):
    nominate(world.th_v[0], world.th, at=T0)
    assert taboo_candidates_expire(now=T0 + timedelta(hours=23)) == 0
    assert taboo_candidates_expire(now=T0 + timedelta(hours=24, minutes=1)) == 1
    assert TabooCandidate.objects.get().status == TabooCandidate.Status.EXPIRED


def test_normalisation_joins_case_width_and_arabic_diacritics():
    assert token_normalise("  RoyalDog! ") == token_normalise("royaldog") == "royaldog"
    assert token_normalise("مَلِك") == token_normalise("ملك")  # harakat dropped
    assert token_normalise("ملـــك") == "ملك"  # tatweel dropped
    assert token_normalise("ล้มเจ้า") != token_normalise("ลมเจา")  # Thai tone marks kept: another word


def test_empty_term_is_refused_naming_the_field(world, api):
    case = handed_case(world.th_v[0], world.th)
    api.force_authenticate(world.th_v[0])
    response = api.post(
        f"/api/v1/cases/{case.public_id}/taboo-nominations/", {"term": "   ", "context": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "term" in response.json()["errors"]


def test_context_over_twenty_words_is_refused(world, api):
    case = handed_case(world.th_v[0], world.th)
    api.force_authenticate(world.th_v[0])
    url = f"/api/v1/cases/{case.public_id}/taboo-nominations/"
    ok = api.post(url, {"term": "x1", "context": " ".join(["w"] * 20)}, format="json")
    too_long = api.post(url, {"term": "x1", "context": " ".join(["w"] * 21)}, format="json")
    assert ok.status_code == 201 and set(ok.json()) >= {"nomination_id", "candidate_id"}
    assert too_long.status_code == 400 and "21 words" in too_long.json()["errors"]["context"][0]


def test_a_case_the_verifier_cannot_see_is_404(world, api):
    case = handed_case(world.th_v[0], world.th)
    api.force_authenticate(world.th_v[1])
    response = api.post(
        f"/api/v1/cases/{case.public_id}/taboo-nominations/", {"term": "x", "context": ""}, format="json"
    )
    assert response.status_code == 404


def _in_review(world):
    nominate(world.th_v[0], world.th, at=T0)
    return nominate(world.ar_v[0], world.ar, at=T0 + timedelta(hours=2)).candidate


def test_approval_creates_a_shadow_rule_everywhere_with_embedding_intent_and_origin(world, api):
    candidate = _in_review(world)
    api.force_authenticate(world.senior)
    response = api.post(
        f"/api/v1/taboo-candidates/{candidate.pk}/approve/",
        {"pattern": "ล้มเจ้า", "intent_class": "anti-monarchy slogan"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["version"] == 1
    version = RuleVersion.objects.get(rule_id=response.json()["rule_id"])
    assert version.embedder == "char-ngram" and len(version.embedding) == 1024  # the char n-gram embedder (Thai)
    assert version.rule.origin_locale == "th-TH" and version.intent_class == "anti-monarchy slogan"
    states = {s.shard.code: (s.state, s.origin) for s in RuleShardState.objects.filter(rule=version.rule)}
    assert states == {"th-TH": ("shadow", True), "ar-SA": ("shadow", False), "en-US": ("shadow", False)}
    assert AuditEvent.objects.filter(action="taboo_candidate_approved", actor=world.senior).exists()


def test_approving_twice_is_409_not_in_review(world, api):
    candidate = _in_review(world)
    api.force_authenticate(world.senior)
    url = f"/api/v1/taboo-candidates/{candidate.pk}/approve/"
    assert api.post(url, {"pattern": "ล้มเจ้า", "intent_class": "x"}, format="json").status_code == 201
    again = api.post(url, {"pattern": "ล้มเจ้า", "intent_class": "x"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "not_in_review"
    assert "already approved as rule" in again.json()["detail"]


def test_approving_an_expired_candidate_is_409_saying_it_expired(world, api):
    lonely = nominate(world.th_v[0], world.th, at=T0).candidate
    taboo_candidates_expire(now=T0 + timedelta(days=2))
    api.force_authenticate(world.senior)
    response = api.post(
        f"/api/v1/taboo-candidates/{lonely.pk}/approve/", {"pattern": "x", "intent_class": "x"}, format="json"
    )
    assert response.status_code == 409 and "expired" in response.json()["detail"]


def test_empty_intent_class_is_refused(world):
    candidate = _in_review(world)
    from risk_db.services import taboo_candidate_approve

    with pytest.raises(Refused) as refused:
        taboo_candidate_approve(candidate=candidate, actor=world.senior, pattern="ล้มเจ้า", intent_class=" ")
    assert refused.value.field == "intent_class"


def test_candidate_list_by_status_is_for_seniors_only(world, api):
    _in_review(world)
    api.force_authenticate(world.th_v[0])
    assert api.get("/api/v1/taboo-candidates/?status=review").status_code == 403
    api.force_authenticate(world.senior)
    body = api.get("/api/v1/taboo-candidates/?status=review").json()
    assert [c["status"] for c in body] == ["review"] and body[0]["verifiers"] == 2
    assert body[0]["locales"] == ["ar-SA", "th-TH"] and len(body[0]["nominations"]) == 2
    assert api.get("/api/v1/taboo-candidates/?status=bogus").status_code == 400


def test_reject_needs_review_and_is_audited(world, api):
    candidate = _in_review(world)
    api.force_authenticate(world.senior)
    response = api.post(f"/api/v1/taboo-candidates/{candidate.pk}/reject/", {"reason": "satire"}, format="json")
    assert response.json()["status"] == "rejected"
    assert api.post(f"/api/v1/taboo-candidates/{candidate.pk}/reject/", {}, format="json").status_code == 409
    assert AuditEvent.objects.filter(action="taboo_candidate_rejected").count() == 1
