"""RK-3: versions are frozen, an edit makes a new one, any version is restorable, ids are stable, all audited."""

import pytest

from core.models import AuditEvent
from risk_db.models import RuleTransition, RuleVersion
from risk_db.services import PatternRejected, rule_version_publish, rule_version_restore
from tests.base import build_world, shadow_rule

pytestmark = pytest.mark.django_db


def test_edit_publishes_a_new_version_and_restore_brings_an_old_one_back():
    world = build_world()
    rule = shadow_rule(world, pattern="badword")
    v2 = rule_version_publish(rule=rule, actor=world.senior, pattern="badw[o0]rd", note="leetspeak")
    rule.refresh_from_db()
    assert rule.current_version == v2 and v2.number == 2
    assert RuleVersion.objects.get(rule=rule, number=1).pattern == "badword"  # frozen
    v3 = rule_version_restore(rule=rule, number=1, actor=world.senior)
    rule.refresh_from_db()
    assert (rule.pk, rule.current_version.number, rule.current_version.pattern) == (rule.pk, 3, "badword")
    assert v3.restored_from.number == 1
    events = list(RuleTransition.objects.filter(rule=rule, shard=None).values_list("event", "version_number"))
    assert events == [("version_published", 1), ("version_published", 2), ("version_restored", 3)]
    assert (
        AuditEvent.objects.filter(object_type="risk_db.rule", object_id=str(rule.pk), actor=world.senior).count() == 2
    )


def test_an_edit_with_a_rejected_pattern_publishes_nothing():
    world = build_world()
    rule = shadow_rule(world)
    with pytest.raises(PatternRejected):
        rule_version_publish(rule=rule, actor=world.senior, pattern=r"(x)\1")
    assert rule.versions.count() == 1


def test_rule_api_shows_versions_states_and_history(api):
    world = build_world()
    rule = shadow_rule(world)
    api.force_authenticate(world.senior)
    created = api.post(f"/api/v1/rules/{rule.pk}/versions/", {"pattern": "bad-word", "note": "hyphen"}, format="json")
    assert created.status_code == 201 and created.json()["number"] == 2
    body = api.get(f"/api/v1/rules/{rule.pk}/").json()
    assert [v["number"] for v in body["versions"]] == [1, 2] and body["current_version"] == 2
    assert body["states"]["th-TH"]["state"] == "shadow" and body["states"]["th-TH"]["origin"] is True
    assert {h["event"] for h in body["history"]} >= {"created", "propagated", "version_published"}
    assert api.post(f"/api/v1/rules/{rule.pk}/versions/9/restore/").status_code == 409
    assert [r["id"] for r in api.get("/api/v1/rules/").json()] == [rule.pk]
    api.force_authenticate(world.th_v[0])
    assert api.get("/api/v1/rules/").status_code == 403
