"""Reads for calibration, audits and pay: what each role may see, and the chart data."""

from collections import defaultdict

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone

from core.models import User
from quality.models import (
    BlindAudit,
    BlindAuditItem,
    CalibrationAnswer,
    CalibrationSet,
    DriftReport,
    ExternalAuditItem,
    GoldItem,
    KappaScore,
    Payout,
    PayRun,
    Rationale,
)
from quality.services.calibration import verifier_locales
from quality.services.periods import month_start
from shards.models import Locale, PoolMembership, Shard
from shards.selectors import taboo_fence

# ---- calibration ---------------------------------------------------------------------------------


def calibration_sets_open(*, user: User):
    """This month's sets of the user's locales that they have not answered yet."""
    answered = CalibrationAnswer.objects.filter(verifier=user).values_list("item__calibration_set_id", flat=True)
    return (
        CalibrationSet.objects.filter(locale__in=verifier_locales(user=user), month=month_start(timezone.now()))
        .exclude(pk__in=answered)
        .order_by("kind", "locale")
    )


def calibration_set_view(*, calibration_set: CalibrationSet, user: User) -> dict:
    return {
        "id": str(calibration_set.public_id),
        "locale": calibration_set.locale,
        "kind": calibration_set.kind,
        "month": calibration_set.month.strftime("%Y-%m"),
        "items": [
            {"item_id": i.pk, "kind": i.gold.kind, "post_text": i.gold.post_text, "proposal": i.gold.proposal}
            for i in calibration_set.items.select_related("gold")
        ],
    }


# ---- audits ----------------------------------------------------------------------------------------


def audit_shard_ids(*, user: User) -> set[int] | None:
    """CA-3: the shards whose blind audits this person may start and see: a senior's own shards
    (active membership); None for an admin (every shard; their starts are audited)."""
    if user.role == User.Role.ADMIN:
        return None
    if user.role != User.Role.SENIOR:
        return set()
    return set(PoolMembership.objects.filter(user=user, active=True).values_list("shard_id", flat=True))


def blind_audit_may_see(*, user: User, shard: Shard) -> bool:
    shard_ids = audit_shard_ids(user=user)
    return shard_ids is None or shard.pk in shard_ids


def blind_audits_visible(*, user: User, month):
    """CA-3: this month's blind audits of the shards the person audits (issue 11: not every senior's)."""
    audits = BlindAudit.objects.filter(month=month).select_related("shard").order_by("shard__code")
    shard_ids = audit_shard_ids(user=user)
    return audits if shard_ids is None else audits.filter(shard_id__in=shard_ids)


def blind_audit_view(*, audit: BlindAudit, user: User) -> dict:
    """The audit's flip pairs; a native-only pair only for those the taboo fence lets see it (SH-3)."""
    fence = taboo_fence(user=user)
    items = audit.items.select_related("original_case", "flip_case").filter(fence.cases_q("original_case__"))
    return {
        "id": audit.pk,
        "shard": audit.shard.code,
        "month": audit.month.strftime("%Y-%m"),
        "paraphraser": audit.paraphraser,
        "evaluated": audit.evaluated_at is not None,
        "items": [
            {
                "id": str(i.public_id),
                "original": i.original_case.post_text,
                "flip": i.flip_case.post_text,
                "flip_proposal": "" if i.flip_case.is_taboo else i.flip_case.proposal,
                "ruled": i.flip_case.rulings.exists(),
            }
            for i in items.filter(fence.cases_q("flip_case__"))
        ],
    }


def blind_audit_native_only_items(*, audits) -> dict:
    """Issue 11: per audit, the ids of its flip pairs whose original or flip is native-only."""
    out: dict = {}
    by_id = {a.pk: a for a in audits}
    rows = (
        BlindAuditItem.objects.filter(audit_id__in=list(by_id))
        .filter(Q(original_case__native_only=True) | Q(flip_case__native_only=True))
        .values_list("audit_id", "public_id")
        .order_by("id")
    )
    for audit_id, public_id in rows:
        out.setdefault(by_id[audit_id], []).append(str(public_id))
    return out


def blind_audit_item_for(*, user: User, public_id) -> BlindAuditItem | None:
    """A flip the person may edit: of a shard they audit, and inside their taboo fence."""
    item = BlindAuditItem.objects.filter(public_id=public_id).select_related("audit__shard", "flip_case").first()
    if item is None or not blind_audit_may_see(user=user, shard=item.audit.shard):
        return None
    return item if taboo_fence(user=user).allows_case(item.flip_case) else None


def external_items_pending(*, user: User):
    """CA-5: the auditor's pending items, inside their taboo fence (the task assigns no others)."""
    return (
        ExternalAuditItem.objects.filter(audit__auditor=user, answer="")
        .filter(taboo_fence(user=user).cases_q("case__"))
        .select_related("case__shard", "audit")
        .order_by("id")
    )


def rationales_pending(*, user: User, limit: int = 20):
    return (
        Rationale.objects.filter(verifier=user, written_at__isnull=True)
        .filter(taboo_fence(user=user).cases_q("case__"))
        .select_related("case", "campaign__shard")
        .order_by("id")[:limit]
    )


def soft_prompts(*, shard: Shard, quarter) -> list[dict]:
    """CA-8: last quarter's rationale sentences and embeddings, for generating calibration items."""
    return [
        {"sentence": r.sentence, "embedding": r.embedding, "embedder": r.embedder}
        for r in Rationale.objects.filter(
            campaign__shard=shard, campaign__quarter=quarter, embedding__isnull=False
        ).order_by("id")
    ]


def drift_view(*, report: DriftReport) -> dict:
    return {
        "shard": report.shard.code,
        "month": report.month.strftime("%Y-%m"),
        "rates": report.rates,
        "delta": str(report.delta),
        "over_threshold": report.over_threshold,
        "current_ratio": report.current_ratio,
        "suggested_ratio": report.suggested_ratio,
        "suggestion": report.suggestion,
    }


# ---- pay ---------------------------------------------------------------------------------------------


def payout_view(*, payout: Payout) -> dict:
    return {
        "id": payout.pk,
        "username": payout.verifier.username,
        "month": payout.month.strftime("%Y-%m"),
        "currency": payout.currency,
        "hours": str(payout.hours),
        "sessions": payout.sessions,
        "hourly_rate": str(payout.hourly_rate),
        "base": str(payout.base),
        "bonus": str(payout.bonus),
        "bonus_note": payout.bonus_note,
        "amount": str(payout.amount),
        "held": payout.held,
        "hold_reason": payout.hold_reason,
        "released_at": payout.released_at.isoformat() if payout.released_at else None,
        "release_reason": payout.release_reason,
        "kappa": None if payout.kappa is None else str(payout.kappa),
        "calibration_accuracy": None if payout.calibration_accuracy is None else str(payout.calibration_accuracy),
    }


def pay_run_view(*, run: PayRun) -> dict:
    payouts = run.payouts.select_related("verifier").order_by("verifier__username")
    return {
        "month": run.month.strftime("%Y-%m"),
        "run_at": run.run_at.isoformat(),
        "run_by": run.run_by.username if run.run_by else "system",
        "payouts": [payout_view(payout=p) for p in payouts],
    }


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
    return {
        "labels": labels,
        "datasets": [
            {"label": shard, "data": [round(sum(v[m]) / len(v[m]), 4) if v.get(m) else None for m in labels]}
            for shard, v in sorted(sums.items())
        ],
    }


def chart_pool_headcounts() -> dict:
    rows = Shard.objects.annotate(
        native=Count(
            "memberships",
            filter=Q(memberships__active=True, memberships__native=True, memberships__under_contract=True),
        ),
        total=Count("memberships", filter=Q(memberships__active=True)),
    ).order_by("code")
    return {
        "labels": [r.code for r in rows],
        "native": [r.native for r in rows],
        "total": [r.total for r in rows],
        "minimum": settings.SHARDS["MIN_NATIVE_POOL"],
    }


def chart_subgroup_deltas(*, month) -> dict:
    reports = DriftReport.objects.filter(month=month_start(month)).select_related("shard").order_by("shard__code")
    return {
        "labels": [r.shard.code for r in reports],
        "deltas": [float(r.delta) for r in reports],
        "threshold": float(settings.AUDITS["DRIFT_THRESHOLD"]),
        "suggestions": [r.suggestion for r in reports if r.over_threshold],
    }


def chart_payouts(*, run: PayRun | None) -> dict:
    if run is None:
        return {"labels": [], "paid": [], "held": []}
    payouts = list(run.payouts.select_related("verifier").order_by("verifier__username"))
    return {
        "labels": [p.verifier.username for p in payouts],
        "paid": [float(p.amount) for p in payouts],
        "held": [float(p.earned) if p.held else 0 for p in payouts],
    }


def gold_supply() -> list[dict]:
    """CA-1: per locale, active written gold items against the set size, and this month's set."""
    size = settings.CALIBRATION["SET_SIZE"]
    counts = dict(
        GoldItem.objects.filter(active=True, source=GoldItem.Source.WRITTEN)
        .values("locale")
        .annotate(n=Count("id"))
        .values_list("locale", "n")
    )
    this_month = set(
        CalibrationSet.objects.filter(month=month_start(timezone.now()), kind=CalibrationSet.Kind.MONTHLY).values_list(
            "locale", flat=True
        )
    )
    return [
        {
            "locale": code,
            "gold": counts.get(code, 0),
            "needed": size,
            "short": counts.get(code, 0) < size,
            "set_built": code in this_month,
        }
        for code in Locale.objects.order_by("code").values_list("code", flat=True)
    ]
