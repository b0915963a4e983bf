"""The issue's scenario: a term nominated by three verifiers in two locales goes through review, shadow,
graduation in its origin shard, and stays shadow-only in a shard where the survey is negative."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from risk_db.selectors import live_index
from risk_db.services import (
    EvidenceMissing,
    WouldHitIn,
    rule_shard_promote,
    rules_index_rebuild,
    rules_lifecycle_evaluate,
    rules_matching_text,
    would_hits_record,
)
from risk_db.services.hits import scoring_volume_record
from tests.base import build_world, handed_case, state_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_three_verifiers_two_locales_to_blocking_in_origin_and_shadow_only_elsewhere(api):
    world = build_world()
    intake = UserFactory(username="intake", role="intake")
    # 1. RK-1: three verifiers in two locales press "New taboo" on their cases.
    for user, shard, term in (
        (world.th_v[0], world.th, "RoyalDog"),
        (world.ar_v[0], world.ar, "royaldog!"),
        (world.th_v[1], world.th, "#royaldog"),
    ):
        case = handed_case(user, shard, text=f"look at this royaldog post ({shard.code})", at=timezone.now())
        api.force_authenticate(user)
        response = api.post(
            f"/api/v1/cases/{case.public_id}/taboo-nominations/",
            {"term": term, "context": "mocking the king's dog in a meme"},
            format="json",
        )
        assert response.status_code == 201, response.json()
    # 2. RK-2: the normalised token from >= 2 verifiers within 24 h is in review.
    api.force_authenticate(world.senior)
    [candidate] = api.get("/api/v1/taboo-candidates/?status=review").json()
    assert (
        candidate["token"] == "royaldog" and candidate["verifiers"] == 3 and candidate["locales"] == ["ar-SA", "th-TH"]
    )
    # 3. RK-3: a senior approves it with a pattern; it is a rule, shadow in every shard.
    approved = api.post(
        f"/api/v1/taboo-candidates/{candidate['id']}/approve/",
        {"pattern": r"royal\s*dog", "intent_class": "royal insult"},
        format="json",
    )
    assert approved.status_code == 201, approved.json()
    rule_id = approved.json()["rule_id"]
    rule = state_of(rule_id, world.th).rule
    start = state_of(rule, world.th).since
    assert {s: v["state"] for s, v in api.get(f"/api/v1/rules/{rule_id}/").json()["states"].items()} == {
        "ar-SA": "shadow",
        "en-US": "shadow",
        "th-TH": "shadow",
    }
    assert rules_matching_text(text="a royal dog meme", locale="th-TH") == []  # shadow blocks nothing
    assert rules_index_rebuild().status == "live"
    # 4. MH-1 (the scorer's side): would-hits in th-TH and ar-SA, none in en-US; posts scored per shard.
    version = rule.current_version.pk
    hits = [
        WouldHitIn(
            post_id=f"{code}-p{i}",
            shard_id=shard.pk,
            rule_version_id=version,
            state="shadow",
            matched_by="regex",
            score=1.0,
            at=start + timedelta(hours=3),
            hashtags=("royaldog",),
        )
        for code, shard in (("th", world.th), ("ar", world.ar))
        for i in range(5)
    ]
    assert would_hits_record(hits=hits) == 10 and would_hits_record(hits=hits) == 10  # re-run: no duplicates
    for shard in (world.ar, world.en):
        scoring_volume_record(shard_id=shard.pk, at=start + timedelta(hours=1), posts=1000)
    # 5. RK-7 at 48 h: ar-SA (0.5 %) goes to senior review, en-US (0 %) stays shadow-only.
    assert rules_lifecycle_evaluate(now=start + timedelta(hours=49)) == {
        "too_early": 1,
        "review_requested": 1,
        "shadow_only": 1,
    }
    # 6. Evidence through the intake API: complaints and surveys (neutral in th-TH, negative in ar-SA).
    api.force_authenticate(intake)
    at = (start + timedelta(days=3)).isoformat()
    complaints = [
        {"post_id": f"c{i}", "hashtags": ["#RoyalDog"] if i < 30 else ["#weather"], "locale": loc, "at": at}
        for loc in ("th-TH", "ar-SA")
        for i in range(100)
    ]
    assert {
        r["outcome"] for r in api.post("/api/v1/complaints/", {"items": complaints}, format="json").json()["results"]
    } == {"stored"}
    surveys = [
        {"locale": "th-TH", "arm": arm, "fair": i % 2 == 0, "rule_id": rule_id, "at": at}
        for arm in ("treatment", "control")
        for i in range(60)
    ]
    surveys += [
        {"locale": "ar-SA", "arm": "treatment", "fair": i < 15, "rule_id": rule_id, "at": at} for i in range(60)
    ]
    surveys += [{"locale": "ar-SA", "arm": "control", "fair": i < 40, "rule_id": rule_id, "at": at} for i in range(60)]
    assert {
        r["outcome"] for r in api.post("/api/v1/surveys/", {"items": surveys}, format="json").json()["results"]
    } == {"stored"}
    # 7. RK-5 at day 7: it graduates in its origin shard.
    assert rules_lifecycle_evaluate(now=start + timedelta(days=7)).get("graduated") == 1
    assert state_of(rule, world.th).state == "blocking"
    # 8. RK-7: ar-SA adds its 10 local items, but its survey is negative: refused, stays shadow-only.
    api.force_authenticate(world.ar_v[0])
    for i in range(10):
        assert (
            api.post(
                f"/api/v1/rules/{rule_id}/shards/ar-SA/verify-items/", {"text": f"منشور {i} royaldog"}, format="json"
            ).status_code
            == 201
        )
    with pytest.raises(EvidenceMissing) as refused:
        rule_shard_promote(state=state_of(rule, world.ar), actor=world.senior, now=start + timedelta(days=7, hours=1))
    assert "significantly negative" in str(refused.value)
    # 9. The rule's page in the API: per-shard states and the whole history.
    api.force_authenticate(world.senior)
    body = api.get(f"/api/v1/rules/{rule_id}/").json()
    assert {s: v["state"] for s, v in body["states"].items()} == {
        "ar-SA": "shadow_only",
        "en-US": "shadow_only",
        "th-TH": "blocking",
    }
    events = [(h["shard"], h["event"], h["to"], h["by"]) for h in body["history"]]
    assert ("th-TH", "graduated", "blocking", "system:graduation") in events
    assert ("ar-SA", "review_requested", "shadow", "system:propagation") in events
    assert ("ar-SA", "promotion_refused", "shadow_only", "senior_x") in events
    assert ("en-US", "kept_shadow_only", "shadow_only", "system:propagation") in events
    # 10. Live next day: the nightly rebuild puts the blocking state into the live index; defer-to-rule sees it.
    assert rules_index_rebuild().status == "live"
    assert [e["rule_id"] for e in live_index().match(text="royal dog again", shard_code="th-TH")] == [rule_id]
    assert live_index().match(text="royal dog again", shard_code="ar-SA") == []
    assert rules_matching_text(text="royal dog again", locale="th-TH") == [rule]
    print(
        "\nRULE HISTORY\n"
        + json.dumps(
            {
                "rule": {k: body[k] for k in ("id", "intent_class", "origin_locale", "pattern", "states")},
                "versions": body["versions"],
                "history": [
                    {k: h[k] for k in ("at", "shard", "event", "from", "to", "by", "reason")} for h in body["history"]
                ],
            },
            indent=1,
            ensure_ascii=False,
            default=str,
        )
    )
