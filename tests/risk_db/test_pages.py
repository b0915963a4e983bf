"""The risk DB pages: daily feed, weekly review (approve / reject with errors shown), rules, a rule's page,
and the verifier's "New taboo" form on the case card."""

from datetime import timedelta

import pytest
from django.test import Client

from risk_db.models import TabooCandidate
from risk_db.services import taboo_nominate
from tests.base import RISK_T0 as T0
from tests.base import add_complaints, add_hits, build_world, good_evidence, handed_case, shadow_rule

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def _review_candidate(world):
    for user, shard, h in ((world.th_v[0], world.th, 0), (world.ar_v[0], world.ar, 1)):
        n = taboo_nominate(
            user=user,
            case=handed_case(user, shard),
            term="Crowndog",
            context="meme caption",
            now=T0 + timedelta(hours=h),
        )
    return n.candidate


def test_feed_and_review_pages_list_candidates_for_seniors_only():
    world = build_world()
    candidate = _review_candidate(world)
    senior = client_for(world.senior)
    feed = senior.get("/risk/feed/").content.decode()
    assert "crowndog" in feed and "meme caption" in feed
    review = senior.get("/risk/review/").content.decode()
    assert f'id="candidate-{candidate.pk}"' in review and 'value="Crowndog"' in review and "docs/patterns.md" in review
    assert client_for(world.th_v[0]).get("/risk/review/").status_code == 403


def test_review_page_shows_why_a_pattern_is_refused_then_approves():
    world = build_world()
    candidate = _review_candidate(world)
    senior = client_for(world.senior)
    url = f"/risk/review/{candidate.pk}/approve/"
    refused = senior.post(
        url, {"pattern": "[aeiou]", "intent_class": "insult", "origin_locale": "th-TH"}
    ).content.decode()
    assert "sample posts" in refused and 'aria-invalid="true"' in refused
    done = senior.post(
        url, {"pattern": "crown ?dog", "intent_class": "insult", "origin_locale": "th-TH"}
    ).content.decode()
    candidate.refresh_from_db()
    assert candidate.status == TabooCandidate.Status.APPROVED and f"Approved as rule {candidate.rule_id}" in done


def test_rule_page_shows_versions_states_history_and_charts():
    world = build_world()
    from django.utils import timezone

    rule = shadow_rule(world, since=timezone.now() - timedelta(days=2))
    good_evidence(rule, world.th, at=timezone.now() - timedelta(days=1))
    senior = client_for(world.senior)
    page = senior.get(f"/risk/rules/{rule.pk}/").content.decode()
    assert "vendor/chart.umd.js" in page and 'id="chart-hits"' in page and 'id="rule-charts"' in page
    assert 'data-shard-state="th-TH">shadow' in page and "v1 (current)" in page
    edited = senior.post(f"/risk/rules/{rule.pk}/edit/", {"pattern": "badw[o0]rd", "note": "leet"}).content.decode()
    assert "Published version 2." in edited and "Restore v1" in edited
    refused = senior.post(f"/risk/rules/{rule.pk}/promote/th-TH/").content.decode()
    assert "Not promoted in th-TH: in shadow for 2 days" in refused
    listing = senior.get("/risk/rules/").content.decode()
    assert f"/risk/rules/{rule.pk}/" in listing and "Live index: stale" in listing


def test_case_card_has_a_new_taboo_button_and_the_form_nominates():
    world = build_world()
    user = world.th_v[0]
    from tests.factories import make_cases

    make_cases(world.th, 1, text="meme")
    verifier = client_for(user)
    card = verifier.get("/queue/next/").content.decode()
    assert 'id="btn-taboo"' in card and 'data-key="t"' in card
    case = user.assignments.get().case
    form = verifier.get(f"/risk/nominate/{case.public_id}/").content.decode()
    assert 'name="term"' in form and "autofocus" in form
    bad = verifier.post(f"/risk/nominate/{case.public_id}/", {"term": "", "context": ""}).content.decode()
    assert "The term is empty" in bad
    ok = verifier.post(f"/risk/nominate/{case.public_id}/", {"term": "crowndog", "context": "seen"}).content.decode()
    assert "in the daily feed" in ok and TabooCandidate.objects.get().token == "crowndog"


def test_rule_charts_count_prevented_complaints_like_graduation_does():
    from django.utils import timezone

    from risk_db.selectors import rule_charts

    world = build_world()
    now = timezone.now()
    rule = shadow_rule(world, since=now - timedelta(days=3))
    add_hits(rule, world.th, 2, at=now - timedelta(days=2))
    add_complaints(world.th, prevented=3, other=5, at=now - timedelta(days=1))
    charts = rule_charts(rule=rule, now=now)
    assert sum(charts["hits"]["th-TH"]) == 2
    assert sum(charts["complaints"]["th-TH"]["prevented"]) == 3 and sum(charts["complaints"]["th-TH"]["total"]) == 8


def test_would_hit_rate_per_day_uses_the_scorers_volume():
    from django.utils import timezone

    from risk_db.selectors import rule_charts
    from risk_db.services.hits import scoring_volume_record

    world = build_world()
    now = timezone.now().replace(hour=12)
    rule = shadow_rule(world, since=now - timedelta(days=3))
    add_hits(rule, world.ar, 3, at=now - timedelta(days=1))
    add_hits(rule, world.th, 1, at=now - timedelta(days=1))
    scoring_volume_record(shard_id=world.ar.pk, at=now - timedelta(days=1), posts=600)
    charts = rule_charts(rule=rule, now=now)
    assert 0.5 in charts["hit_rate"]["ar-SA"] and "th-TH" not in charts["hit_rate"]


def test_senior_adds_local_verify_items_on_the_rule_page():
    world = build_world()
    rule = shadow_rule(world)
    senior = client_for(world.senior)
    page = senior.post(
        f"/risk/rules/{rule.pk}/verify-items/ar-SA/", {"text": "منشور محلي", "should_block": "yes"}
    ).content.decode()
    assert "Verify item added in ar-SA." in page and 'data-verify-items="ar-SA">1' in page
    empty = senior.post(f"/risk/rules/{rule.pk}/verify-items/ar-SA/", {"text": " "}).content.decode()
    assert "needs the text" in empty and rule.verify_items.count() == 1
