"""RK-3: the nightly rebuild from a checkpoint, atomic swap, skip when unchanged, readiness reports staleness."""

from datetime import timedelta

import pytest
from django.utils import timezone

from risk_db.models import IndexBuild
from risk_db.selectors import live_index, rules_index_readiness
from risk_db.services import rule_version_publish, rules_index_rebuild
from risk_db.tasks import rules_index_rebuild as rebuild_task
from tests.base import build_world, shadow_rule, state_of

pytestmark = pytest.mark.django_db


def test_rebuild_goes_live_then_skips_when_nothing_changed_then_reuses_the_checkpoint():
    world = build_world()
    r1 = shadow_rule(world, pattern="badword")
    shadow_rule(world, pattern="otherword")
    first = rules_index_rebuild()
    assert first.status == "live" and first.compiled == 2 and first.reused == 0
    skipped = rules_index_rebuild()
    assert skipped.status == "skipped" and "nothing changed" in skipped.message
    rule_version_publish(rule=r1, actor=world.senior, pattern="badw[o0]rd")
    third = rules_index_rebuild()
    first.refresh_from_db()
    assert third.status == "live" and first.status == "retired"
    assert (third.reused, third.compiled) == (1, 1)
    assert IndexBuild.objects.filter(status="live").count() == 1


def test_live_index_matches_by_shard_and_state_and_swaps_to_the_new_build():
    world = build_world()
    rule = shadow_rule(world, pattern="badword")
    rules_index_rebuild()
    index = live_index()
    assert index.match(text="a badword here", shard_code="th-TH") == []  # shadow does not block
    assert [e["rule_id"] for e in index.match(text="a badword here", shard_code="th-TH", states=("shadow",))] == [
        rule.pk
    ]
    from risk_db.services import rule_state_transition

    rule_state_transition(state=state_of(rule, world.th), to_state="blocking", event="graduated", made_by="test")
    assert live_index().match(text="a badword", shard_code="th-TH") == []  # live next day, after the rebuild
    rebuild_task.apply()  # the beat task, run in-process
    assert [e["rule_id"] for e in live_index().match(text="a badword", shard_code="th-TH")] == [rule.pk]
    assert live_index().match(text="a badword", shard_code="ar-SA") == []


def test_readiness_endpoint_reports_missing_and_stale_index(api):
    world = build_world()
    response = api.get("/api/v1/rules/index/ready/")
    assert response.status_code == 503 and "no live index" in response.json()["reason"]
    rule = shadow_rule(world)
    rules_index_rebuild()
    assert api.get("/api/v1/rules/index/ready/").status_code == 200
    later = timezone.now() + timedelta(hours=27)
    stale = rules_index_readiness(now=later)
    assert stale["ready"] is False and "nightly rebuild last ran" in stale["reason"]
    rule_version_publish(rule=rule, actor=world.senior, pattern="badw.rd")
    pending = rules_index_readiness()
    assert pending["ready"] is True and pending["pending_changes"] is True
