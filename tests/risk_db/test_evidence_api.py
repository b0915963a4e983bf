"""SPEC 8: complaints and surveys from the intake service, one or in bulk, every item answered."""

import pytest

from risk_db.models import Complaint, SurveyResponse
from risk_db.services import survey_arm
from tests.base import api_post, assert_api_error, build_world, login_as, shadow_rule
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def intake(api):
    world = build_world()
    login_as(api, UserFactory(username="intake", role="intake"))
    api.world = world
    return api


def test_one_complaint_is_stored_with_normalised_hashtags(intake):
    response = intake.post(
        "/api/v1/complaints/",
        {"post_id": "p1", "hashtags": ["#RoyalDog", "news"], "locale": "th-TH", "at": "2026-11-26T10:00:00+07:00"},
        format="json",
    )
    assert response.status_code == 200 and response.json()["results"][0]["outcome"] == "stored"
    c = Complaint.objects.get()
    assert c.hashtags == ["news", "royaldog"] and c.shard == intake.world.th and c.at.utcoffset() is not None


def test_bulk_complaints_answer_each_item_and_name_bad_fields(intake):
    items = [
        {"post_id": "a", "hashtags": [], "locale": "ar-SA", "at": "2026-11-26T10:00:00Z"},
        {"post_id": "b", "hashtags": [], "locale": "xx-XX", "at": "2026-11-26T10:00:00Z"},
        {"post_id": "c", "hashtags": [], "locale": "ar-SA"},
        "nonsense",
    ]
    results = api_post(intake, "/api/v1/complaints/", {"items": items}).json()["results"]
    assert [r["outcome"] for r in results] == ["stored", "invalid", "invalid", "invalid"]
    assert "Unknown locale" in results[1]["errors"]["locale"][0] and "at" in results[2]["errors"]
    assert Complaint.objects.count() == 1


def test_surveys_take_an_arm_or_assign_it_by_deterministic_hash(intake):
    rule = shadow_rule(intake.world)
    arm = survey_arm(subject_id="user-42", rule_id=rule.pk)
    assert arm == survey_arm(subject_id="user-42", rule_id=rule.pk)  # deterministic
    other = "control" if arm == "treatment" else "treatment"
    items = [
        {"locale": "th-TH", "arm": "control", "fair": True, "at": "2026-11-26T10:00:00Z"},
        {"locale": "th-TH", "fair": False, "rule_id": rule.pk, "subject_id": "user-42", "at": "2026-11-26T10:00:00Z"},
        {
            "locale": "th-TH",
            "arm": other,
            "fair": False,
            "rule_id": rule.pk,
            "subject_id": "user-42",
            "at": "2026-11-26T10:00:00Z",
        },
        {"locale": "th-TH", "fair": True, "at": "2026-11-26T10:00:00Z"},
        {"locale": "th-TH", "arm": "control", "fair": True, "rule_id": 999999, "at": "2026-11-26T10:00:00Z"},
    ]
    results = api_post(intake, "/api/v1/surveys/", {"items": items}).json()["results"]
    assert [r["outcome"] for r in results] == ["stored", "stored", "invalid", "invalid", "invalid"]
    assert results[1]["arm"] == arm and "deterministic hash" in str(results[2]["errors"])
    assert SurveyResponse.objects.count() == 2


def test_arm_split_is_roughly_the_configured_share():
    arms = [survey_arm(subject_id=f"s{i}", rule_id=7) for i in range(4000)]
    assert 0.45 < arms.count("treatment") / len(arms) < 0.55


def test_only_the_intake_role_posts_evidence(api):
    world = build_world()
    login_as(api, world.senior)
    assert_api_error(api_post(api, "/api/v1/complaints/", {}), "permission_denied", 403)
    assert_api_error(api_post(api, "/api/v1/surveys/", {}), "permission_denied", 403)
