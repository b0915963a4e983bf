"""RK-6: a reverted rule re-issued as keyword + sentiment >= 0.2, so critique still flows."""

import pytest

from risk_db.models import RuleVersion
from risk_db.selectors import rules_for_scoring
from risk_db.services import TransitionRefused, rule_soften, rule_state_transition, rules_matching_text
from tests.base import RISK_T0 as T0
from tests.base import build_world, shadow_rule, state_of

pytestmark = pytest.mark.django_db


def _reverted(world):
    rule = shadow_rule(world, pattern="landgrab")
    state = state_of(rule, world.th)
    rule_state_transition(state=state, to_state="blocking", event="graduated", made_by="test", now=T0)
    rule_state_transition(
        state=state_of(rule, world.th), to_state="reverted", event="auto_reverted", made_by="test", now=T0
    )
    return rule


def test_only_a_reverted_rule_can_be_softened():
    world = build_world()
    rule = shadow_rule(world)
    with pytest.raises(TransitionRefused):
        rule_soften(rule=rule, actor=world.senior, keyword="badword")


def test_softened_rule_hits_praise_but_lets_critique_through():
    world = build_world()
    rule = _reverted(world)
    version = rule_soften(rule=rule, actor=world.senior, keyword="landgrab")
    assert version.kind == RuleVersion.Kind.KEYWORD_SENTIMENT and version.min_sentiment == 0.2
    assert state_of(rule, world.th).state == "shadow"  # it proves itself again
    # back to blocking to exercise matching in the live path
    rule_state_transition(state=state_of(rule, world.th), to_state="blocking", event="graduated", made_by="test")
    assert rules_matching_text(text="landgrab is great, love it", locale="th-TH") == [rule]
    assert rules_matching_text(text="stop the corrupt landgrab, it is unfair", locale="th-TH") == []
    [scoring] = [r for r in rules_for_scoring() if r.rule_id == rule.pk]
    assert (scoring.kind, scoring.keyword, scoring.min_sentiment) == ("keyword_sentiment", "landgrab", 0.2)


def test_soften_through_the_api(api):
    world = build_world()
    rule = _reverted(world)
    api.force_authenticate(world.senior)
    assert api.post(f"/api/v1/rules/{rule.pk}/soften/", {"keyword": ""}, format="json").status_code == 409
    response = api.post(f"/api/v1/rules/{rule.pk}/soften/", {"keyword": "landgrab"}, format="json")
    assert response.status_code == 201 and response.json()["kind"] == "keyword_sentiment"
