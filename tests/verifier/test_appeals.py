"""AP-1..AP-5: tiered appeals through the services and the API."""

from datetime import timedelta
from decimal import Decimal

import pytest

from core.errors import Refused
from core.models import AuditEvent
from quality.models import KappaScore
from tests.base import QUALITY_T0 as T0
from tests.base import api_get, api_post, assert_api_error, login_as, pool, rule, ruled_case
from training.models import ReexportItem, TrainingSample
from verifier.models import Appeal, AppealReview
from verifier.services.appeals import appeal_escalate, appeal_open, appeal_vote

pytestmark = pytest.mark.django_db


def _peers(appeal):
    return [r.reviewer for r in appeal.reviews.filter(tier=appeal.tier).select_related("reviewer")]


def test_appeal_opens_at_tier_one_with_peers_from_other_subgroups_only(settings):
    shard, users, _ = pool(subs=("urban", "urban", "rural", "suburb", "coast"))
    ruling = ruled_case(shard, users[0], "yes")
    appeal = appeal_open(user=users[0], ruling=ruling, reason="I misread the number", now=T0 + timedelta(hours=1))
    peers = _peers(appeal)
    assert appeal.tier == 1 and len(peers) == settings.APPEALS["TIER1_PEERS"]
    assert all(p.sub_locale != users[0].sub_locale for p in peers)
    assert users[1] not in peers  # same subgroup as the ruling verifier
    assert AuditEvent.objects.filter(action="appeal_open", object_id=str(appeal.public_id)).exists()


def test_tier_one_majority_overturns_and_reexports_at_one_percent():
    shard, users, _ = pool()
    ruling = ruled_case(shard, users[0], "yes")
    sample = TrainingSample.objects.get(case=ruling.case)  # the original stands meanwhile (AP-5)
    appeal = appeal_open(user=users[0], ruling=ruling, reason="wrong", now=T0 + timedelta(hours=2))
    assert TrainingSample.objects.filter(pk=sample.pk).exists()
    a, b, c = _peers(appeal)
    appeal_vote(user=a, appeal=appeal, vote="overturn", now=T0 + timedelta(hours=3))
    appeal.refresh_from_db()
    assert appeal.status == "open"
    appeal_vote(user=b, appeal=appeal, vote="overturn", now=T0 + timedelta(hours=3))
    appeal.refresh_from_db()
    assert (appeal.status, appeal.outcome, appeal.final_answer) == ("decided", "reversed", "no")
    ruling.case.refresh_from_db()
    assert ruling.case.decision == "no"
    item = ReexportItem.objects.get(appeal=appeal)
    assert item.weight == Decimal("0.0100") and item.action == "retract" and item.text_delta == ruling.case.proposal
    with pytest.raises(Refused) as late:
        appeal_vote(user=c, appeal=appeal, vote="uphold", now=T0 + timedelta(hours=4))
    assert late.value.code == "appeal_decided"


def test_tie_in_tier_one_keeps_original_ruling(settings):
    settings.APPEALS = {**settings.APPEALS, "TIER1_PEERS": 2}
    shard, users, _ = pool()
    ruling = ruled_case(shard, users[0], "yes")
    appeal = appeal_open(user=users[0], ruling=ruling, reason="unsure", now=T0 + timedelta(hours=1))
    a, b = _peers(appeal)
    appeal_vote(user=a, appeal=appeal, vote="overturn", now=T0 + timedelta(hours=2))
    appeal_vote(user=b, appeal=appeal, vote="uphold", now=T0 + timedelta(hours=2))
    appeal.refresh_from_db()
    assert (appeal.status, appeal.outcome, appeal.final_answer) == ("decided", "upheld", "yes")
    ruling.case.refresh_from_db()
    assert ruling.case.decision == "yes"
    assert not ReexportItem.objects.exists()


def test_appeal_after_24_hours_is_refused_and_nothing_changes():
    shard, users, _ = pool()
    ruling = ruled_case(shard, users[0], "yes")
    with pytest.raises(Refused) as refused:
        appeal_open(user=users[0], ruling=ruling, reason="late", now=ruling.at + timedelta(hours=24, seconds=1))
    assert refused.value.code == "appeal_window_closed" and refused.value.status == 409
    assert not Appeal.objects.exists()
    appeal_open(user=users[0], ruling=ruling, reason="just in time", now=ruling.at + timedelta(hours=24))


def test_second_appeal_on_same_ruling_is_refused():
    shard, users, _ = pool()
    ruling = ruled_case(shard, users[0], "yes")
    appeal_open(user=users[0], ruling=ruling, reason="one", now=T0 + timedelta(hours=1))
    with pytest.raises(Refused) as refused:
        appeal_open(user=users[0], ruling=ruling, reason="two", now=T0 + timedelta(hours=2))
    assert refused.value.code == "already_appealed"
    assert Appeal.objects.count() == 1


def test_peer_cannot_review_own_ruling_and_outsider_cannot_vote():
    shard, users, senior = pool()
    ruling = ruled_case(shard, users[0], "yes")
    appeal = appeal_open(user=users[0], ruling=ruling, reason="x", now=T0 + timedelta(hours=1))
    with pytest.raises(Refused) as own:
        appeal_vote(user=users[0], appeal=appeal, vote="overturn")
    assert own.value.code == "own_ruling"
    outsider = next(u for u in users if u not in _peers(appeal) and u != users[0])
    with pytest.raises(Refused) as not_seat:
        appeal_vote(user=outsider, appeal=appeal, vote="overturn")
    assert not_seat.value.code == "not_a_reviewer"
    assert not AppealReview.objects.exclude(vote="").exists()


def test_taboo_appeal_skips_to_tier_two_structured_senior_form():
    shard, users, senior = pool()
    ruling = ruled_case(shard, users[0], "yes", kind="taboo")
    appeal = appeal_open(user=users[0], ruling=ruling, reason="not offensive in context", now=T0 + timedelta(hours=1))
    assert appeal.tier == 2 and appeal.high_risk and _peers(appeal) == [senior]
    with pytest.raises(Refused) as missing:
        appeal_vote(user=senior, appeal=appeal, norm_aligned=False, cited_rule="  ")
    assert missing.value.field == "cited_rule"
    appeal_vote(
        user=senior, appeal=appeal, norm_aligned=False, cited_rule="Guideline 4.2: satire", now=T0 + timedelta(hours=2)
    )
    appeal.refresh_from_db()
    assert (appeal.outcome, appeal.final_answer) == ("reversed", "no")
    # "no" on a taboo screen means not offensive: the reversal lets the delta through at ~1 %.
    assert ReexportItem.objects.get(appeal=appeal).action == "add"


def test_tier_three_weighted_votes_change_the_outcome():
    shard, users, senior = pool(subs=("urban", "rural", "suburb", "coast"))
    ruling = ruled_case(shard, users[0], "yes", kind="taboo")
    appeal = appeal_open(user=users[0], ruling=ruling, reason="x", now=T0 + timedelta(hours=1))
    appeal_vote(user=senior, appeal=appeal, norm_aligned=True, cited_rule="Code 1", now=T0 + timedelta(hours=2))
    appeal_escalate(user=users[0], appeal=appeal, now=T0 + timedelta(hours=3))
    appeal.refresh_from_db()
    seats = {r.seat: r for r in appeal.reviews.filter(tier=3)}
    panel = list(appeal.reviews.filter(tier=3).select_related("reviewer"))
    assert appeal.tier == 3 and len(panel) == 3
    verifiers = [r.reviewer for r in panel if r.seat == "panel_verifier"]
    assert verifiers[0].sub_locale != verifiers[1].sub_locale
    month = T0.date().replace(day=1)
    kappas = {panel_senior.reviewer_id: "0.9500" for panel_senior in panel if panel_senior.seat == "panel_senior"}
    for v in verifiers:
        kappas[v.pk] = "0.3000"
    for user_id, k in kappas.items():
        KappaScore.objects.create(verifier_id=user_id, month=month, kappa=Decimal(k), pairs=10, computed_at=T0)
    panel_senior = next(r.reviewer for r in panel if r.seat == "panel_senior")
    # Two verifiers (0.30 each = 0.60) overturn, the senior (0.95) upholds: a head count would
    # reverse, the kappa weighting keeps the ruling.
    appeal_vote(user=verifiers[0], appeal=appeal, vote="overturn", now=T0 + timedelta(hours=4))
    appeal_vote(user=verifiers[1], appeal=appeal, vote="overturn", now=T0 + timedelta(hours=4))
    appeal_vote(user=panel_senior, appeal=appeal, vote="uphold", now=T0 + timedelta(hours=4))
    appeal.refresh_from_db()
    assert (appeal.outcome, appeal.final, appeal.final_answer) == ("upheld", True, "yes")
    with pytest.raises(Refused) as twice:
        appeal_vote(user=panel_senior, appeal=appeal, vote="overturn")
    assert twice.value.code == "appeal_decided"
    with pytest.raises(Refused) as final:
        appeal_escalate(user=users[0], appeal=appeal, now=T0 + timedelta(hours=5))
    assert final.value.code == "appeal_final"
    assert "panel_senior" in seats


def test_panel_member_who_voted_already_is_refused():
    shard, users, senior = pool(subs=("urban", "rural", "suburb", "coast"))
    ruling = ruled_case(shard, users[0], "yes", kind="taboo")
    appeal = appeal_open(user=users[0], ruling=ruling, reason="x", now=T0 + timedelta(hours=1))
    appeal_vote(user=senior, appeal=appeal, norm_aligned=True, cited_rule="Code 1", now=T0 + timedelta(hours=2))
    appeal_escalate(user=users[0], appeal=appeal, now=T0 + timedelta(hours=3))
    member = appeal.reviews.filter(tier=3, seat="panel_verifier").first().reviewer
    appeal_vote(user=member, appeal=appeal, vote="overturn", now=T0 + timedelta(hours=4))
    with pytest.raises(Refused) as twice:
        appeal_vote(user=member, appeal=appeal, vote="uphold", now=T0 + timedelta(hours=4))
    assert twice.value.code == "already_voted"
    assert appeal.reviews.get(tier=3, reviewer=member).vote == "overturn"


def test_appeal_api_contract(api):
    shard, users, _ = pool()
    ruling = ruled_case(shard, users[0], "yes", now=T0)
    login_as(api, users[0])
    url = f"/api/v1/rulings/{ruling.public_id}/appeals/"
    # The ruling was made at T0 (2026); "now" is later, so the window is closed.
    response = api.post(url, {"reason": "late"}, format="json")
    assert_api_error(response, "appeal_window_closed", 409)


def test_appeal_api_opens_and_refuses_second(api):
    from django.utils import timezone

    shard, users, _ = pool()
    ruling = ruled_case(shard, users[0], "yes", now=timezone.now())
    login_as(api, users[0])
    url = f"/api/v1/rulings/{ruling.public_id}/appeals/"
    missing = api.post(url, {}, format="json")
    assert "reason" in str(assert_api_error(missing, "invalid", 400))
    created = api.post(url, {"reason": "I misread"}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert body["tier"] == 1 and Appeal.objects.filter(public_id=body["appeal_id"]).exists()
    again = api.post(url, {"reason": "again"}, format="json")
    assert_api_error(again, "already_appealed", 409)
    appeal = Appeal.objects.get()
    peer = appeal.reviews.first().reviewer
    login_as(api, peer)
    detail = api_get(api, f"/api/v1/appeals/{appeal.public_id}/").json()
    # Blind: the peer sees the post and the ruling, not who ruled or why it is disputed.
    assert detail["post_text"] and detail["ruling_answer"] == "yes"
    assert "reason" not in detail and users[0].username not in str(detail)
    voted = api_post(api, f"/api/v1/appeals/{appeal.public_id}/votes/", {"vote": "uphold"})
    assert voted.status_code == 201


def test_reexport_items_are_marked_once_by_the_export_that_carries_them():
    from training.selectors import reexport_pending
    from training.services.reversals import reexport_mark_exported

    shard, users, senior = pool()
    ruling = ruled_case(shard, users[0], "yes", kind="taboo")
    appeal = appeal_open(user=users[0], ruling=ruling, reason="x", now=T0 + timedelta(hours=1))
    appeal_vote(user=senior, appeal=appeal, norm_aligned=False, cited_rule="Code 2", now=T0 + timedelta(hours=2))
    pending = list(reexport_pending(shard=shard))
    assert len(pending) == 1 and pending[0].post_id == ruling.case.post_id
    assert reexport_mark_exported(ids=[pending[0].pk], batch_id="batch-7") == 1
    assert reexport_mark_exported(ids=[pending[0].pk], batch_id="batch-8") == 0
    assert not reexport_pending().exists()


def test_reversing_a_blind_audit_flip_never_reexports_it():
    from quality.services.audits import blind_audit_start

    shard, users, senior = pool()
    ruled_case(shard, users[0], "yes")
    audit = blind_audit_start(shard=shard, month=T0.date().replace(day=1), now=T0 + timedelta(hours=1))
    flip_ruling = rule(users[1], "yes", now=T0 + timedelta(hours=2))
    assert flip_ruling.case_id == audit.items.get().flip_case_id
    appeal = appeal_open(user=users[1], ruling=flip_ruling, reason="x", now=T0 + timedelta(hours=3))
    for seat in list(appeal.reviews.all())[:2]:  # two of three peers: a majority
        appeal_vote(user=seat.reviewer, appeal=appeal, vote="overturn", now=T0 + timedelta(hours=4))
    appeal.refresh_from_db()
    assert appeal.outcome == "reversed" and not ReexportItem.objects.exists()


def test_verifier_may_appeal_the_ruling_that_overruled_theirs(settings):
    from tests.factories import make_cases
    from verifier.selectors_appeals import rulings_appealable

    settings.VERIFIER = {**settings.VERIFIER, "OVERLAP_RATE": 1.0}
    shard, users, _ = pool()
    make_cases(shard, 1, at=T0)
    first = rule(users[0], "yes", now=T0)
    mine = rule(users[1], "no", now=T0)
    now = T0 + timedelta(hours=1)
    assert {r.pk for r in rulings_appealable(user=users[1], now=now)} == {first.pk, mine.pk}
    appeal = appeal_open(user=users[1], ruling=first, reason="the count was 200", now=now)
    assert appeal.appellant == users[1] and users[1] not in _peers(appeal) and users[0] not in _peers(appeal)
    # Overturning the deciding ruling changes the case and re-exports it at ~1 %.
    for seat in list(appeal.reviews.all())[:2]:
        appeal_vote(user=seat.reviewer, appeal=appeal, vote="overturn", now=now)
    first.case.refresh_from_db()
    assert first.case.decision == "no" and ReexportItem.objects.filter(appeal=appeal).count() == 1
    # Overturning an overlap seat's ruling changes neither the case nor training.
    second = appeal_open(user=users[1], ruling=mine, reason="I was wrong", now=now)
    for seat in list(second.reviews.all())[:2]:
        appeal_vote(user=seat.reviewer, appeal=second, vote="overturn", now=now)
    second.refresh_from_db()
    first.case.refresh_from_db()
    assert second.outcome == "reversed" and first.case.decision == "no"
    assert not ReexportItem.objects.filter(appeal=second).exists()
    outsider = pool(code="fr-FR", subs=("paris",))[1][0]
    with pytest.raises(Refused) as refused:
        appeal_open(user=outsider, ruling=mine, reason="x", now=now)
    assert refused.value.code == "not_found"
