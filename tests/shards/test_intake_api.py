"""IN-1 intake through the API: single and bulk, every item stored with its outcome."""

import pytest

from shards.models import Correction
from tests.base import api_item as item
from tests.base import api_post, assert_api_error, login_as
from tests.factories import UserFactory
from verifier.models import Case

pytestmark = pytest.mark.django_db


def test_single_correction_is_queued_with_case_and_shard(intake_client):
    response = api_post(intake_client, "/api/v1/corrections/", item())
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["outcome"] == "queued" and result["shard"] == "en-US"
    case = Case.objects.get(public_id=result["case_id"])
    assert case.proposal == "it was 200 people"  # quote marks stripped
    stored = Correction.objects.get(public_id=result["id"])
    assert stored.billing_country == "US" and stored.hashtags == ["march"]


def test_bulk_reports_each_item_in_order_and_one_bad_item_fails_nothing_else(intake_client):
    items = [
        item(post_id="a"),
        item(post_id="b", ip="999.1.1.1"),
        item(post_id="c", declared_locale="xx-XX"),
        item(post_id="d", post_text="x" * 4001),
        "not an object",
        item(post_id="e", at="2026-11-26T10:00:00"),
    ]
    response = api_post(intake_client, "/api/v1/corrections/", {"items": items})
    results = response.json()["results"]
    assert [r["index"] for r in results] == list(range(6))
    assert [r["outcome"] for r in results] == ["queued", "invalid", "invalid", "invalid", "invalid", "invalid"]
    assert "ip" in results[1]["errors"]
    assert results[2]["errors"]["declared_locale"] == ["Unknown locale 'xx-XX'."]
    assert "limit is 4000" in results[3]["errors"]["post_text"][0]
    assert "offset" in results[5]["errors"]["at"][0]
    assert Correction.objects.count() == 6  # invalid ones are stored too, with their outcome
    assert Correction.objects.filter(outcome="invalid").exclude(raw=None).count() == 5


def test_reply_without_trigger_is_invalid_on_reply_text(intake_client):
    [result] = api_post(intake_client, "/api/v1/corrections/", item(reply_text="lol no")).json()["results"]
    assert result["outcome"] == "invalid" and "reply_text" in result["errors"]


def test_second_correction_on_same_post_merges_into_its_case(intake_client):
    first = api_post(intake_client, "/api/v1/corrections/", item()).json()["results"][0]
    second = api_post(intake_client, "/api/v1/corrections/", item(submitter_id="u2")).json()["results"][0]
    assert second["outcome"] == "merged" and second["case_id"] == first["case_id"]
    assert Case.objects.count() == 1


def test_redelivery_of_the_same_item_is_answered_not_counted_twice(intake_client):
    first = api_post(intake_client, "/api/v1/corrections/", item()).json()["results"][0]
    again = api_post(intake_client, "/api/v1/corrections/", {"items": [item(), item()]}).json()["results"]
    assert {r["id"] for r in again} == {first["id"]}
    assert Correction.objects.count() == 1


def test_locale_without_shard_goes_to_global_queue(intake_client):
    from tests.factories import LocaleFactory

    LocaleFactory(code="fr-FR")
    [result] = api_post(intake_client, "/api/v1/corrections/", item(declared_locale="fr-FR")).json()["results"]
    assert result["outcome"] == "global_queue" and result["shard"] == "global"


def test_malformed_json_is_refused_with_code(intake_client):
    response = api_post(intake_client, "/api/v1/corrections/", "{not json", content_type="application/json")
    assert_api_error(response, "malformed_json", 400)
    assert Correction.objects.count() == 0


def test_more_than_the_bulk_limit_is_refused_whole(intake_client, settings):
    settings.INTAKE = {**settings.INTAKE, "BULK_MAX_ITEMS": 3}
    response = api_post(intake_client, "/api/v1/corrections/", {"items": [item(post_id=str(i)) for i in range(4)]})
    assert_api_error(response, "too_many_items", 400)
    assert Correction.objects.count() == 0


@pytest.mark.parametrize("role", ["verifier", "senior", "admin", "trainer"])
def test_only_intake_may_post_corrections(api, role):
    login_as(api, UserFactory(role=role))
    assert_api_error(api_post(api, "/api/v1/corrections/", item()), "permission_denied", 403)
