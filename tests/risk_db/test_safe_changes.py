"""Issue 13: four eyes on a hand promotion to blocking; softening refused where the sentiment hook cannot read;
one blocking and one shadow version per rule and shard (the database says so); a failing new version is dropped."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import AuditEvent, User
from risk_db.models import RuleShardState, RuleTransition
from risk_db.services import rule_soften, rule_state_transition, rule_version_publish, rules_lifecycle_evaluate
from tests.base import (
    assert_api_error,
    build_world,
    days,
    good_evidence,
    hooks_install,
    login_as,
    shadow_rule,
    state_of,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_author_of_the_pattern_cannot_promote_it_a_second_senior_confirms_audited():
    world = build_world()
    author, second = world.senior, UserFactory(username="senior_y", role=User.Role.SENIOR)
    rule = shadow_rule(world, since=timezone.now() - days(8))
    rule_version_publish(rule=rule, actor=author, pattern="badw[o0]rd", check_breadth=False)
    good_evidence(rule, world.th, at=timezone.now() - days(1))
    url = f"/api/v1/rules/{rule.pk}/shards/th-TH/promote/"
    refused = assert_api_error(login_as(APIClient(), author).post(url), "four_eyes_required", 409)
    assert "second senior" in refused["detail"]
    assert state_of(rule, world.th).state == "shadow"
    assert AuditEvent.objects.filter(action="rule_promotion_requested", actor=author).exists()
    response = login_as(APIClient(), second).post(url)
    assert response.status_code == 200 and response.json()["state"] == "blocking"
    promoted = RuleTransition.objects.get(rule=rule, event="promoted")
    assert promoted.evidence["four_eyes"] == {
        "author": author.username,
        "requested_by": author.username,
        "confirmed_by": second.username,
    }
    assert AuditEvent.objects.filter(action="rule_promoted", actor=second).exists()


def _reverted(world, shard):
    rule = shadow_rule(world, pattern="landgrab")
    state = rule_state_transition(state=state_of(rule, shard), to_state="blocking", event="promoted", made_by="t")
    rule_state_transition(state=state, to_state="reverted", event="auto_reverted", made_by="t")
    return rule


def test_softening_is_refused_for_a_locale_vader_does_not_read_and_allowed_for_english(settings):
    hooks_install(settings, SENTIMENT="modelhooks.hooks.others.VaderSentiment")
    world = build_world()
    thai = _reverted(world, world.th)
    api = login_as(APIClient(), world.senior)
    body = assert_api_error(
        api.post(f"/api/v1/rules/{thai.pk}/soften/", {"keyword": "landgrab"}, format="json"), "transition_refused", 409
    )
    assert "th-TH" in body["detail"] and "'vader'" in body["detail"] and "never fire" in body["detail"]
    assert state_of(thai, world.th).state == "reverted" and thai.versions.count() == 1
    english = _reverted(world, world.en)
    version = rule_soften(rule=english, actor=world.senior, keyword="landgrab")
    assert version.kind == "keyword_sentiment" and state_of(english, world.en).state == "shadow"


def test_the_database_allows_one_blocking_and_one_shadow_version_per_rule_and_shard():
    world = build_world()
    rule = shadow_rule(world)
    with pytest.raises(IntegrityError), transaction.atomic():  # blocking without naming the version that blocks
        RuleShardState.objects.filter(rule=rule, shard=world.th).update(state="blocking")
    with pytest.raises(IntegrityError), transaction.atomic():  # a waiting version beside no blocking one
        RuleShardState.objects.filter(rule=rule, shard=world.th).update(
            candidate_version=rule.current_version, candidate_since=timezone.now()
        )
    state = rule_state_transition(state=state_of(rule, world.th), to_state="blocking", event="promoted", made_by="t")
    with pytest.raises(IntegrityError), transaction.atomic():  # the blocking version cannot also be the waiting one
        RuleShardState.objects.filter(pk=state.pk).update(
            candidate_version=rule.current_version, candidate_since=timezone.now()
        )


def test_a_new_version_that_fails_graduation_is_dropped_and_the_previous_one_keeps_blocking():
    world = build_world()
    rule = shadow_rule(world, since=timezone.now() - days(30))
    rule_state_transition(state=state_of(rule, world.th), to_state="blocking", event="promoted", made_by="t")
    rule_version_publish(rule=rule, actor=world.senior, pattern="worseword", check_breadth=False)
    rule_version_publish(rule=rule, actor=world.senior, pattern="worstword", check_breadth=False)  # replaces v2
    state = state_of(rule, world.th)
    assert (state.blocking_version.number, state.candidate_version.number) == (1, 3)
    since = state.candidate_since
    assert rules_lifecycle_evaluate(now=since + days(8))["version_waiting"] == 1  # no evidence yet: it waits
    assert rules_lifecycle_evaluate(now=since + days(28))["version_dropped"] == 1
    state = state_of(rule, world.th)
    assert state.state == "blocking" and state.blocking_version.number == 1 and state.candidate_version is None
    assert RuleTransition.objects.filter(rule=rule, event="version_shadowed").count() == 2
    assert AuditEvent.objects.filter(action="rule_version_dropped", object_id=str(rule.pk)).exists()
