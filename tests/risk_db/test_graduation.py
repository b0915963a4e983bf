"""RK-5: seven days of shadow, complaint coverage >= 20 %, survey neutral or positive; auto-revert."""

from datetime import timedelta

import pytest

from risk_db.models import RuleTransition
from risk_db.services import rule_graduation_evaluate, rule_revert_evaluate, rules_lifecycle_evaluate, two_proportion_z
from risk_db.services.evidence import survey_verdict
from tests.base import RISK_T0 as T0
from tests.base import add_complaints, add_hits, add_survey, build_world, days, good_evidence, shadow_rule, state_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def test_day_six_is_too_early_day_seven_graduates(world):
    rule = shadow_rule(world)
    good_evidence(rule, world.th, at=T0 + days(1))
    assert (
        rule_graduation_evaluate(state=state_of(rule, world.th), now=T0 + days(7) - timedelta(minutes=1)) == "too_early"
    )
    assert state_of(rule, world.th).state == "shadow"
    assert rule_graduation_evaluate(state=state_of(rule, world.th), now=T0 + days(7)) == "graduated"
    assert state_of(rule, world.th).state == "blocking"
    t = RuleTransition.objects.get(rule=rule, event="graduated")
    assert t.made_by == "system:graduation" and t.evidence["complaints"]["share"] == 0.3
    assert t.evidence["survey"]["verdict"] == "neutral"


@pytest.mark.parametrize("prevented, outcome", [(199, "dropped"), (200, "graduated")])
def test_complaint_coverage_199_per_mille_drops_200_graduates(world, prevented, outcome):
    rule = shadow_rule(world)
    add_hits(rule, world.th, 3, at=T0 + days(1))
    add_complaints(world.th, prevented=prevented, other=1000 - prevented, at=T0 + days(2))
    add_survey(rule, world.th, at=T0 + days(2), treatment=(40, 10), control=(40, 10))
    assert rule_graduation_evaluate(state=state_of(rule, world.th), now=T0 + days(7)) == outcome
    if outcome == "dropped":
        reason = RuleTransition.objects.get(rule=rule, event="dropped").reason
        assert "199 of 1000" in reason and "19.9%" in reason


def test_complaints_on_the_same_post_count_even_without_hashtags(world):
    rule = shadow_rule(world)
    add_hits(rule, world.th, 1, at=T0 + days(1), tags=())
    from risk_db.models import Complaint

    Complaint.objects.create(
        post_id=f"hit-{world.th.code}-0", hashtags=[], hashtag_key="", locale="th-TH", shard=world.th, at=T0 + days(2)
    )
    add_complaints(world.th, prevented=0, other=3, at=T0 + days(2))
    from risk_db.services import complaint_coverage

    cov = complaint_coverage(rule=rule, shard=world.th, start=T0, end=T0 + days(7))
    assert (cov["prevented"], cov["total"]) == (1, 4)


def test_significantly_negative_survey_drops_even_with_coverage(world):
    rule = shadow_rule(world)
    add_hits(rule, world.th, 3, at=T0 + days(1))
    add_complaints(world.th, prevented=50, other=50, at=T0 + days(2))
    add_survey(rule, world.th, at=T0 + days(2), treatment=(30, 70), control=(60, 40))
    assert rule_graduation_evaluate(state=state_of(rule, world.th), now=T0 + days(7)) == "dropped"


def test_too_little_evidence_waits_and_is_dropped_at_day_28(world):
    rule = shadow_rule(world)
    assert rule_graduation_evaluate(state=state_of(rule, world.th), now=T0 + days(7)) == "waiting"
    assert rule_graduation_evaluate(state=state_of(rule, world.th), now=T0 + days(28)) == "dropped"


def test_the_z_test_is_the_pooled_two_proportion_test():
    z, p = two_proportion_z(x1=45, n1=100, x2=50, n2=100)
    assert round(z, 3) == -0.708 and round(p, 3) == 0.479  # scipy.stats.norm agrees
    z, p = two_proportion_z(x1=30, n1=100, x2=60, n2=100)
    assert z < -4 and p < 0.001


def _blocking(world):
    rule = shadow_rule(world)
    good_evidence(rule, world.th, at=T0 + days(1))
    assert rule_graduation_evaluate(state=state_of(rule, world.th), now=T0 + days(7)) == "graduated"
    return rule


def test_negative_but_not_significant_survey_keeps_a_blocking_rule(world):
    rule = _blocking(world)
    add_survey(rule, world.th, at=T0 + days(8), treatment=(45, 55), control=(50, 50))
    verdict = survey_verdict(rule=rule, shard=world.th, start=T0 + days(7), end=T0 + days(9))
    assert verdict["z"] < 0 and verdict["verdict"] == "neutral"
    assert rule_revert_evaluate(state=state_of(rule, world.th), now=T0 + days(9)) == "kept"
    assert state_of(rule, world.th).state == "blocking"


def test_significantly_negative_survey_auto_reverts_a_blocking_rule(world):
    rule = _blocking(world)
    add_survey(rule, world.th, at=T0 + days(8), treatment=(30, 70), control=(60, 40))
    assert rules_lifecycle_evaluate(now=T0 + days(9)).get("reverted") == 1
    assert state_of(rule, world.th).state == "reverted"
    t = RuleTransition.objects.get(rule=rule, event="auto_reverted")
    assert t.made_by == "system:auto-revert" and t.evidence["survey"]["verdict"] == "negative"


def test_promoting_in_the_origin_shard_before_day_seven_is_refused(world, api):
    from django.utils import timezone

    rule = shadow_rule(world, since=timezone.now() - days(6))
    api.force_authenticate(world.senior)
    response = api.post(f"/api/v1/rules/{rule.pk}/shards/th-TH/promote/")
    assert response.status_code == 409 and response.json()["code"] == "insufficient_evidence"
    assert "7 days" in response.json()["detail"]
