"""Reads for appeals: what each role may see, and the reversal items the training export reads.
Calibration, audits and pay reads are the quality app's (quality/selectors.py)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from core.models import User
from shards.selectors import taboo_fence
from verifier.models import Appeal, AppealReview, Ruling

# ---- appeals ---------------------------------------------------------------------------------


def appeal_seats_pending(*, user: User):
    """The seats where this user still has to vote, at each appeal's current tier."""
    seats = (
        AppealReview.objects.filter(reviewer=user, vote="", appeal__status=Appeal.Status.OPEN)
        .filter(taboo_fence(user=user).cases_q("appeal__ruling__case__"))
        .select_related("appeal__ruling__case__shard")
        .order_by("appeal__opened_at")
    )
    return [s for s in seats if s.tier == s.appeal.tier]


def appeals_filed(*, user: User):
    """Appeals the user opened, and appeals of rulings the user made."""
    return (
        Appeal.objects.filter(Q(appellant=user) | Q(ruling__verifier=user))
        .filter(taboo_fence(user=user).cases_q("ruling__case__"))
        .select_related("ruling__case__shard")
        .order_by("-opened_at")
    )


def appeals_open(*, limit: int = 200):
    """For admins: every appeal under review, oldest first, with who sits where."""
    return (
        Appeal.objects.filter(status=Appeal.Status.OPEN)
        .select_related("ruling__case__shard")
        .prefetch_related("reviews__reviewer")
        .order_by("opened_at")[:limit]
    )


def rulings_appealable(*, user: User, now=None):
    """AP-1: inside the appeal window and not yet appealed, the user's own rulings and the rulings
    that overruled theirs (another answer on a case they ruled too)."""
    now = now or timezone.now()
    since = now - timedelta(hours=settings.APPEALS["WINDOW_HOURS"])
    mine = Ruling.objects.filter(verifier=user).values("case_id")
    return (
        Ruling.objects.filter(at__gte=since, appeal__isnull=True)
        .filter(Q(verifier=user) | Q(case_id__in=mine))
        .filter(taboo_fence(user=user).cases_q("case__"))
        .select_related("case__shard", "verifier")
        .order_by("-at")
    )


def appeal_access(*, user: User, appeal: Appeal):
    """'party' (appellant or the ruling's verifier), 'admin', the reviewer's seat, or None (also for
    anyone the taboo fence keeps from the case, SH-3)."""
    if not taboo_fence(user=user).allows_case(appeal.ruling.case):
        return None
    if user.pk in (appeal.appellant_id, appeal.ruling.verifier_id):
        return "party"
    if user.role == User.Role.ADMIN:
        return "admin"
    return appeal.reviews.filter(reviewer=user).order_by("-tier").first()


def appeal_blind_view(*, appeal: Appeal, seat: AppealReview) -> dict:
    """AP-2: blind review shows the post and the ruling only. Tier 2 and 3 reviewers also read the
    appellant's reason (the senior form answers it); no one sees who ruled or who appealed."""
    case = appeal.ruling.case
    view = {
        "appeal_id": str(appeal.public_id),
        "tier": appeal.tier,
        "seat": seat.seat,
        "status": appeal.status,
        "kind": case.kind,
        "locale": case.locale,
        "post_text": case.post_text,
        "ocr_text": case.ocr_text,
        "proposal": "" if case.is_taboo else case.proposal,
        "ruling_answer": appeal.original_answer,
        "question": "Is this post offensive?" if case.is_taboo else "Accept this correction?",
        "your_vote": seat.vote,
    }
    if appeal.tier >= 2:
        view["reason"] = appeal.reason
    return view


def appeal_status_view(*, appeal: Appeal) -> dict:
    votes = appeal.reviews.filter(tier=appeal.tier)
    return {
        "appeal_id": str(appeal.public_id),
        "ruling_id": str(appeal.ruling.public_id),
        "tier": appeal.tier,
        "status": appeal.status,
        "outcome": appeal.outcome,
        "final": appeal.final,
        "reason": appeal.reason,
        "original_answer": appeal.original_answer,
        "answer_in_force": appeal.final_answer,
        "opened_at": appeal.opened_at.isoformat(),
        "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
        "votes_cast": votes.exclude(vote="").count(),
        "seats": votes.count(),
        "post_text": appeal.ruling.case.post_text,
        "shard": appeal.ruling.case.shard.code,
        "reviewers": [
            f"{r.reviewer.username} ({'voted' if r.vote else 'waiting'})"
            for r in appeal.reviews.all()
            if r.tier == appeal.tier
        ],
    }
