"""Issue 13: a candidate pattern's backtest over the last 30 days of recorded texts, per shard."""

import random
import re

import pytest
from rest_framework.test import APIClient

from core.models import User
from core.text import text_normalise
from risk_db.patterns import pattern_translate
from risk_db.selectors import RULE_WORDS_MASK
from shards.models import Correction
from shards.services.pools import membership_set
from tests.base import assert_api_error, build_world, login_as, shadow_rule
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/rules/backtest/"


def _record(shard, texts, *, tagged=False):
    Correction.objects.bulk_create(
        [
            Correction(
                post_id=f"{shard.code}-{tagged}-{i}",
                post_text=t,
                shard=shard,
                outcome="queued",
                risk_tags=["royal"] if tagged else [],
            )
            for i, t in enumerate(texts)
        ]
    )


def test_backtest_rate_equals_a_naive_count_samples_stay_inside_the_fence_and_overlaps_are_named(settings):
    world = build_world()
    rnd = random.Random(5)
    words = ["Badword", "badwords", "fine", "ملك", "ข่าว", "bad-word", "x"]
    en = [" ".join(rnd.choice(words) for _ in range(6)) for _ in range(120)]
    ar = [" ".join(rnd.choice(words) for _ in range(6)) for _ in range(80)]
    _record(world.en, en)
    _record(world.ar, ar[:60])
    _record(world.ar, ar[60:], tagged=True)  # risk-tagged: native-only text
    existing = shadow_rule(world, pattern="badword")
    pattern = r"\bbadword\b"
    reference = re.compile(pattern_translate(pattern).reference, re.IGNORECASE)
    senior = UserFactory(username="senior_en2", role=User.Role.SENIOR)
    membership_set(user=senior, shard=world.en, native=True, actor=None)
    body = login_as(APIClient(), senior).post(URL, {"pattern": pattern}, format="json").json()
    by_shard = {s["shard"]: s for s in body["shards"]}
    for code, texts in (("en-US", en), ("ar-SA", ar)):
        naive = sum(1 for t in texts if reference.search(text_normalise(t)))
        assert naive > 0
        assert (by_shard[code]["hits"], by_shard[code]["texts"]) == (naive, len(texts))
        assert by_shard[code]["rate"] == naive / len(texts)
    tagged_hits = sum(1 for t in ar[60:] if reference.search(text_normalise(t)))
    assert tagged_hits and by_shard["ar-SA"]["samples_fenced"] == tagged_hits  # not native in ar-SA
    assert all(s in ar[:60] for s in by_shard["ar-SA"]["samples"])
    assert body["overlaps"][0]["rule_id"] == existing.pk and body["overlaps"][0]["shared_hits"] > 0
    # issue 11: the overlapping rule is th-TH's (native-only): its words are masked outside th-TH's pool
    assert body["overlaps"][0]["pattern"] == RULE_WORDS_MASK
    inside = login_as(APIClient(), world.senior).post(URL, {"pattern": pattern}, format="json").json()
    assert inside["overlaps"][0]["pattern"] == "badword"
    assert body["days"] == settings.FILTER["BACKTEST_DAYS"]


def test_backtest_refuses_a_pattern_the_engines_refuse_and_is_for_seniors():
    world = build_world()
    senior = login_as(APIClient(), world.senior)
    body = assert_api_error(senior.post(URL, {"pattern": r"foo\bbar"}, format="json"), "pattern_rejected", 400)
    assert "pattern" in body["errors"]
    assert login_as(APIClient(), world.en_v[0]).post(URL, {"pattern": "x"}, format="json").status_code == 403


def test_the_review_page_shows_the_backtest_before_approving():
    from django.test import Client
    from django.utils import timezone

    from risk_db.services import taboo_nominate
    from tests.base import handed_case

    world = build_world()
    _record(world.en, ["a badword here", "fine", "BADWORD!", "nothing"])
    now = timezone.now()
    # Two verifiers nominate it from their cases (RK-1): it goes to the seniors' review, visible to the
    # en-US senior because the cases are not native-only (the review page is behind the taboo fence).
    for verifier in world.en_v[:2]:
        case = handed_case(verifier, world.en, at=now)
        nomination = taboo_nominate(user=verifier, case=case, term="badword", context="seen in a post", now=now)
    candidate = nomination.candidate
    candidate.refresh_from_db()
    assert candidate.status == "review"
    page = login_as(Client(), world.senior)
    assert f"/risk/review/{candidate.pk}/backtest/" in page.get("/risk/review/").content.decode()
    html = page.post(f"/risk/review/{candidate.pk}/backtest/", {"pattern": r"\bbadword\b"}).content.decode()
    assert 'data-backtest-hits="en-US">2<' in html and "50.0 %" in html and 'dir="auto">BADWORD!' in html
