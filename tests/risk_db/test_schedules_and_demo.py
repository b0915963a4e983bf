"""SPEC 7 schedules for the risk DB are registered with beat; the demo data shows one rule's whole life."""

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from config.celery import app
from core.models import User
from risk_db.models import RuleShardState, TabooCandidate
from tests.base import login_as


def test_beat_runs_the_nightly_rebuild_daily_feed_weekly_review_and_lifecycle(settings):
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    wanted = {
        "risk_db.tasks.rules_index_rebuild",
        "risk_db.tasks.horizon_daily_feed",
        "risk_db.tasks.horizon_weekly_review",
        "risk_db.tasks.rules_lifecycle_evaluate",
    }
    assert wanted <= schedule
    app.loader.import_default_modules()
    assert wanted <= set(app.tasks)


@pytest.mark.django_db
def test_demo_data_tells_a_rules_story(settings):
    settings.DEBUG = True
    call_command("load_demo")
    call_command("load_demo_risk")
    call_command("load_demo_risk")  # a second run changes nothing
    states = dict(RuleShardState.objects.filter(rule__intent_class="royal insult").values_list("shard__code", "state"))
    assert states["th-TH"] == "blocking" and states["ar-SA"] == "shadow" and states["en-US"] == "shadow_only"
    assert sorted(TabooCandidate.objects.values_list("status", flat=True)) == ["approved", "feed", "review"]
    # Issue 13: the demo's filter account gets answers from the published demo rules, per locale.
    from modelhooks.services import filtering

    filtering._holder.current = None  # a fresh process: it loads the index load_demo_risk published
    api = login_as(APIClient(), User.objects.get(username="filter"))
    items = [
        {"text": "they want to kill the King", "locale": "en-US"},
        {"text": "الملك فاسد", "locale": "ar-SA"},
        {"text": "ข่าวล้มเจ้าวันนี้", "locale": "th-TH"},
        {"text": "kill the king", "locale": "th-TH"},
    ]
    answer = api.post("/api/v1/filter/", {"items": items}, format="json").json()
    assert [r["action"] for r in answer["results"]] == ["block", "block", "block", "allow"]
    filtering._holder.current = None


@pytest.mark.django_db
def test_daily_feed_task_expires_and_weekly_review_alerts():
    from datetime import timedelta

    from django.utils import timezone

    from risk_db.tasks import horizon_daily_feed, horizon_weekly_review
    from shards.models import Alert

    TabooCandidate.objects.create(
        token="old", first_at=timezone.now() - timedelta(days=2), expires_at=timezone.now() - timedelta(days=1)
    )
    TabooCandidate.objects.create(token="ready", status="review", first_at=timezone.now(), expires_at=timezone.now())
    assert horizon_daily_feed.apply().get() == {"expired": 1, "feed": 0, "review": 1}
    assert horizon_weekly_review.apply().get() == {"review": 1}
    assert Alert.objects.get(kind="taboo_weekly_review").message.startswith("Weekly taboo review: 1 candidates")
