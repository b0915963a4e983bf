"""RK-7: shadow everywhere; review above 0.2 % in 48 h; local promotion needs 10 items, a 15 % drop, a fair survey."""

from datetime import timedelta

import pytest

from risk_db.models import LocalVerifyItem, RuleTransition
from risk_db.services import EvidenceMissing, rule_propagation_evaluate, rule_shard_promote
from risk_db.services.hits import scoring_volume_record
from tests.base import RISK_T0 as T0
from tests.base import add_complaints, add_hits, add_survey, build_world, days, shadow_rule, state_of

pytestmark = pytest.mark.django_db
H = timedelta(hours=1)


@pytest.fixture
def world():
    return build_world()


@pytest.mark.parametrize("hit_hour, outcome", [(47, "review_requested"), (49, "shadow_only")])
def test_rate_above_0_2_percent_within_48h_asks_for_review(world, hit_hour, outcome):
    rule = shadow_rule(world)
    scoring_volume_record(shard_id=world.ar.pk, at=T0 + H, posts=1000)
    add_hits(rule, world.ar, 3, at=T0 + hit_hour * H)  # 0.3 % of 1000 posts, if inside the window
    assert rule_propagation_evaluate(state=state_of(rule, world.ar), now=T0 + 50 * H) == outcome
    state = state_of(rule, world.ar)
    if outcome == "review_requested":
        assert state.state == "shadow" and state.review_requested_at == T0 + 50 * H
    else:
        assert state.state == "shadow_only"


def test_exactly_0_2_percent_does_not_exceed(world):
    rule = shadow_rule(world)
    scoring_volume_record(shard_id=world.ar.pk, at=T0 + H, posts=1000)
    add_hits(rule, world.ar, 2, at=T0 + 2 * H)
    assert rule_propagation_evaluate(state=state_of(rule, world.ar), now=T0 + 48 * H) == "shadow_only"


def test_propagation_is_not_decided_before_48h_and_never_in_the_origin(world):
    rule = shadow_rule(world)
    assert rule_propagation_evaluate(state=state_of(rule, world.ar), now=T0 + 47 * H) == "too_early"
    assert rule_propagation_evaluate(state=state_of(rule, world.th), now=T0 + 60 * H) == "too_early"


def _reviewed(world):
    rule = shadow_rule(world)
    scoring_volume_record(shard_id=world.ar.pk, at=T0 + H, posts=1000)
    add_hits(rule, world.ar, 5, at=T0 + 2 * H)
    assert rule_propagation_evaluate(state=state_of(rule, world.ar), now=T0 + 48 * H) == "review_requested"
    return rule


def _verify_items(rule, world, n):
    LocalVerifyItem.objects.bulk_create(
        [
            LocalVerifyItem(rule=rule, shard=world.ar, text=f"local {i}", added_by=world.senior, at=T0 + days(2))
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("items, ok", [(9, False), (10, True)])
def test_nine_local_items_refuse_ten_allow(world, items, ok):
    rule = _reviewed(world)
    _verify_items(rule, world, items)
    add_complaints(world.ar, prevented=20, other=80, at=T0 + days(2), tags=("royaldog",))
    add_survey(rule, world.ar, at=T0 + days(2), treatment=(40, 10), control=(40, 10))
    if ok:
        assert (
            rule_shard_promote(state=state_of(rule, world.ar), actor=world.senior, now=T0 + days(3)).state == "blocking"
        )
    else:
        with pytest.raises(EvidenceMissing) as refused:
            rule_shard_promote(state=state_of(rule, world.ar), actor=world.senior, now=T0 + days(3))
        assert "9 local verify items" in str(refused.value)
        assert state_of(rule, world.ar).state == "shadow_only"  # never loosened: it stays an early warning


@pytest.mark.parametrize("prevented, ok", [(149, False), (150, True)])
def test_local_complaint_drop_14_9_refuses_15_allows(world, prevented, ok, api):
    rule = _reviewed(world)
    _verify_items(rule, world, 10)
    add_complaints(world.ar, prevented=prevented, other=1000 - prevented, at=T0 + days(2))
    add_survey(rule, world.ar, at=T0 + days(2), treatment=(40, 10), control=(40, 10))
    from unittest import mock

    api.force_authenticate(world.senior)
    with mock.patch("risk_db.services.lifecycle.timezone.now", return_value=T0 + days(3)):
        response = api.post(f"/api/v1/rules/{rule.pk}/shards/ar-SA/promote/")
    if ok:
        assert response.status_code == 200 and response.json()["state"] == "blocking"
    else:
        assert response.status_code == 409 and "14.9%" in response.json()["detail"]
        assert RuleTransition.objects.filter(rule=rule, shard=world.ar, event="promotion_refused").exists()


def test_negative_local_survey_keeps_it_shadow_only(world):
    rule = _reviewed(world)
    _verify_items(rule, world, 10)
    add_complaints(world.ar, prevented=50, other=50, at=T0 + days(2))
    add_survey(rule, world.ar, at=T0 + days(2), treatment=(20, 80), control=(60, 40))
    with pytest.raises(EvidenceMissing) as refused:
        rule_shard_promote(state=state_of(rule, world.ar), actor=world.senior, now=T0 + days(3))
    assert "significantly negative" in str(refused.value)
    assert state_of(rule, world.ar).state == "shadow_only"
