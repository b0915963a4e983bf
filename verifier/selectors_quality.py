"""Reads for appeals, calibration, audits and pay: what each role may see, and the chart data."""
from collections import defaultdict
from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from shards.models import PoolMembership, Shard
from verifier.models import (Appeal, AppealReview, BlindAudit, CalibrationAnswer, CalibrationSet, DriftReport,
                             ExternalAuditItem, KappaScore, PayRun, Payout, Rationale, Ruling, User)
from verifier.services.calibration import verifier_locales
from verifier.services.periods import month_start


# ---- appeals ---------------------------------------------------------------------------------

def appeal_seats_pending(*, user: User):
    """The seats where this user still has to vote, at each appeal's current tier."""
    seats = (AppealReview.objects.filter(reviewer=user, vote="", appeal__status=Appeal.Status.OPEN)
             .select_related("appeal__ruling__case__shard").order_by("appeal__opened_at"))
    return [s for s in seats if s.tier == s.appeal.tier]


def appeals_filed(*, user: User):
    """Appeals the user opened, and appeals of rulings the user made."""
    return (Appeal.objects.filter(Q(appellant=user) | Q(ruling__verifier=user))
            .select_related("ruling__case__shard").order_by("-opened_at"))


def appeals_open(*, limit: int = 200):
    """For admins: every appeal under review, oldest first, with who sits where."""
    return (Appeal.objects.filter(status=Appeal.Status.OPEN).select_related("ruling__case__shard")
            .prefetch_related("reviews__reviewer").order_by("opened_at")[:limit])


def rulings_appealable(*, user: User, now=None):
    """AP-1: inside the appeal window and not yet appealed, the user's own rulings and the rulings
    that overruled theirs (another answer on a case they ruled too)."""
    now = now or timezone.now()
    since = now - timedelta(hours=settings.APPEALS["WINDOW_HOURS"])
    mine = Ruling.objects.filter(verifier=user).values("case_id")
    return (Ruling.objects.filter(at__gte=since, appeal__isnull=True)
            .filter(Q(verifier=user) | Q(case_id__in=mine))
            .select_related("case__shard", "verifier").order_by("-at"))


def appeal_access(*, user: User, appeal: Appeal):
    """'party' (appellant or the ruling's verifier), 'admin', the reviewer's seat, or None."""
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
        "appeal_id": str(appeal.public_id), "tier": appeal.tier, "seat": seat.seat, "status": appeal.status,
        "kind": case.kind, "locale": case.locale, "post_text": case.post_text, "ocr_text": case.ocr_text,
        "proposal": "" if case.is_taboo else case.proposal, "ruling_answer": appeal.original_answer,
        "question": "Is this post offensive?" if case.is_taboo else "Accept this correction?",
        "your_vote": seat.vote,
    }
    if appeal.tier >= 2:
        view["reason"] = appeal.reason
    return view


def appeal_status_view(*, appeal: Appeal) -> dict:
    votes = appeal.reviews.filter(tier=appeal.tier)
    return {
        "appeal_id": str(appeal.public_id), "ruling_id": str(appeal.ruling.public_id), "tier": appeal.tier,
        "status": appeal.status, "outcome": appeal.outcome, "final": appeal.final, "reason": appeal.reason,
        "original_answer": appeal.original_answer, "answer_in_force": appeal.final_answer,
        "opened_at": appeal.opened_at.isoformat(), "decided_at": appeal.decided_at.isoformat() if appeal.decided_at else None,
        "votes_cast": votes.exclude(vote="").count(), "seats": votes.count(),
        "post_text": appeal.ruling.case.post_text, "shard": appeal.ruling.case.shard.code,
        "reviewers": [f"{r.reviewer.username} ({'voted' if r.vote else 'waiting'})"
                      for r in appeal.reviews.all() if r.tier == appeal.tier],
    }


# ---- calibration ---------------------------------------------------------------------------------

def calibration_sets_open(*, user: User):
    """This month's sets of the user's locales that they have not answered yet."""
    answered = CalibrationAnswer.objects.filter(verifier=user).values_list("item__calibration_set_id", flat=True)
    return (CalibrationSet.objects.filter(locale__in=verifier_locales(user=user), month=month_start(timezone.now()))
            .exclude(pk__in=answered).order_by("kind", "locale"))


def calibration_set_view(*, calibration_set: CalibrationSet, user: User) -> dict:
    return {"id": str(calibration_set.public_id), "locale": calibration_set.locale, "kind": calibration_set.kind,
            "month": calibration_set.month.strftime("%Y-%m"),
            "items": [{"item_id": i.pk, "kind": i.gold.kind, "post_text": i.gold.post_text, "proposal": i.gold.proposal}
                      for i in calibration_set.items.select_related("gold")]}


# ---- audits ----------------------------------------------------------------------------------------

def blind_audit_view(*, audit: BlindAudit) -> dict:
    return {"id": audit.pk, "shard": audit.shard.code, "month": audit.month.strftime("%Y-%m"),
            "paraphraser": audit.paraphraser, "evaluated": audit.evaluated_at is not None,
            "items": [{"id": str(i.public_id), "original": i.original_case.post_text, "flip": i.flip_case.post_text,
                       "flip_proposal": i.flip_case.proposal, "ruled": i.flip_case.rulings.exists()}
                      for i in audit.items.select_related("original_case", "flip_case")]}


def external_items_pending(*, user: User):
    return (ExternalAuditItem.objects.filter(audit__auditor=user, answer="")
            .select_related("case__shard", "audit").order_by("id"))


def rationales_pending(*, user: User, limit: int = 20):
    return (Rationale.objects.filter(verifier=user, written_at__isnull=True)
            .select_related("case", "campaign__shard").order_by("id")[:limit])


def soft_prompts(*, shard: Shard, quarter) -> list[dict]:
    """CA-8: last quarter's rationale sentences and embeddings, for generating calibration items."""
    return [{"sentence": r.sentence, "embedding": r.embedding, "embedder": r.embedder}
            for r in Rationale.objects.filter(campaign__shard=shard, campaign__quarter=quarter,
                                              embedding__isnull=False).order_by("id")]


def drift_view(*, report: DriftReport) -> dict:
    return {"shard": report.shard.code, "month": report.month.strftime("%Y-%m"), "rates": report.rates,
            "delta": str(report.delta), "over_threshold": report.over_threshold,
            "current_ratio": report.current_ratio, "suggested_ratio": report.suggested_ratio,
            "suggestion": report.suggestion}


# ---- pay ---------------------------------------------------------------------------------------------

def payout_view(*, payout: Payout) -> dict:
    return {"id": payout.pk, "username": payout.verifier.username, "month": payout.month.strftime("%Y-%m"),
            "currency": payout.currency, "hours": str(payout.hours), "sessions": payout.sessions,
            "hourly_rate": str(payout.hourly_rate), "base": str(payout.base), "bonus": str(payout.bonus),
            "bonus_note": payout.bonus_note, "amount": str(payout.amount), "held": payout.held,
            "hold_reason": payout.hold_reason, "released_at": payout.released_at.isoformat() if payout.released_at else None,
            "release_reason": payout.release_reason,
            "kappa": None if payout.kappa is None else str(payout.kappa),
            "calibration_accuracy": None if payout.calibration_accuracy is None else str(payout.calibration_accuracy)}


def pay_run_view(*, run: PayRun) -> dict:
    payouts = run.payouts.select_related("verifier").order_by("verifier__username")
    return {"month": run.month.strftime("%Y-%m"), "run_at": run.run_at.isoformat(),
            "run_by": run.run_by.username if run.run_by else "system",
            "payouts": [payout_view(payout=p) for p in payouts]}


# ---- admin charts (CA-6) ------------------------------------------------------------------------------

def chart_kappa_trend() -> dict:
    """Mean effective kappa per month and locale shard: one line per shard."""
    shard_of = {}
    for m in PoolMembership.objects.filter(active=True, shard__kind=Shard.Kind.LOCALE).select_related("shard"):
        shard_of.setdefault(m.user_id, m.shard.code)
    sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    months = set()
    for k in KappaScore.objects.all():
        label = month_start(k.month).strftime("%Y-%m")
        months.add(label)
        sums[shard_of.get(k.verifier_id, "other")][label].append(float(k.effective))
    labels = sorted(months)
    return {"labels": labels, "datasets": [
        {"label": shard, "data": [round(sum(v[m]) / len(v[m]), 4) if v.get(m) else None for m in labels]}
        for shard, v in sorted(sums.items())]}


def chart_pool_headcounts() -> dict:
    rows = (Shard.objects.annotate(
        native=Count("memberships", filter=Q(memberships__active=True, memberships__native=True,
                                             memberships__under_contract=True)),
        total=Count("memberships", filter=Q(memberships__active=True))).order_by("code"))
    return {"labels": [r.code for r in rows], "native": [r.native for r in rows], "total": [r.total for r in rows],
            "minimum": settings.SHARDS["MIN_NATIVE_POOL"]}


def chart_subgroup_deltas(*, month) -> dict:
    reports = DriftReport.objects.filter(month=month_start(month)).select_related("shard").order_by("shard__code")
    return {"labels": [r.shard.code for r in reports], "deltas": [float(r.delta) for r in reports],
            "threshold": float(settings.AUDITS["DRIFT_THRESHOLD"]),
            "suggestions": [r.suggestion for r in reports if r.over_threshold]}


def chart_payouts(*, run: PayRun | None) -> dict:
    if run is None:
        return {"labels": [], "paid": [], "held": []}
    payouts = list(run.payouts.select_related("verifier").order_by("verifier__username"))
    return {"labels": [p.verifier.username for p in payouts], "paid": [float(p.amount) for p in payouts],
            "held": [float(p.earned) if p.held else 0 for p in payouts]}


def gold_supply() -> list[dict]:
    """CA-1: per locale, active written gold items against the set size, and this month's set."""
    from shards.models import Locale
    from verifier.models import GoldItem

    size = settings.CALIBRATION["SET_SIZE"]
    counts = dict(GoldItem.objects.filter(active=True, source=GoldItem.Source.WRITTEN).values("locale")
                  .annotate(n=Count("id")).values_list("locale", "n"))
    this_month = set(CalibrationSet.objects.filter(month=month_start(timezone.now()), kind=CalibrationSet.Kind.MONTHLY)
                     .values_list("locale", flat=True))
    return [{"locale": code, "gold": counts.get(code, 0), "needed": size, "short": counts.get(code, 0) < size,
             "set_built": code in this_month} for code in Locale.objects.order_by("code").values_list("code", flat=True)]
