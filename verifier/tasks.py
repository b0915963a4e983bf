"""Scheduled verifier work; thin wrappers over services."""
from datetime import date

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from shards.models import Shard
from verifier import live
from verifier.models import Case
from core.audit import audit_record
from verifier.services.queue import shards_defer_overflow
from verifier.services.rare import locales_classify_rare
from shards.services.rare import rare_pool_check


@shared_task
def flag_overdue_cases() -> int:
    """IN-5: a case past its 24 h SLA is flagged once and escalated to the seniors' feed."""
    now = timezone.now()
    flagged = 0
    overdue = Case.objects.filter(status__in=[Case.Status.QUEUED, Case.Status.PAUSED], due_at__lt=now,
                                  escalated_at__isnull=True)
    for case in overdue.select_related("shard").iterator():
        with transaction.atomic():
            if Case.objects.filter(pk=case.pk, escalated_at__isnull=True).update(escalated_at=now):
                audit_record(actor=None, action="case_escalated_overdue", obj=case, after={"due_at": case.due_at.isoformat()})
                live.feed_item({"kind": "overdue", "message": f"Overdue case in {case.shard.code} (due {case.due_at:%Y-%m-%d %H:%M} UTC)"})
                flagged += 1
    return flagged


@shared_task
def defer_capped_overflow() -> int:
    """VQ-3, on a schedule as well as when a verifier reaches the cap."""
    return shards_defer_overflow(shards=list(Shard.objects.filter(kind=Shard.Kind.LOCALE)))


# ---- appeals, calibration, audits and pay (issue 4). Each task is idempotent (MH-7). -----------

def _last_month() -> date:
    from verifier.services.periods import month_previous, month_start

    return month_previous(month_start(timezone.now()))


@shared_task
def build_calibration_sets() -> dict:
    """CA-1 / CA-4, monthly: the month's gold set per locale and the cross-lingual set per rare locale."""
    from shards.models import Locale
    from verifier.services.calibration import calibration_set_build, crosslingual_set_build
    from core.errors import Refused
    from verifier.services.periods import month_start

    month, built = month_start(timezone.now()), {}
    for locale in Locale.objects.all():
        try:
            built[locale.code] = calibration_set_build(locale=locale.code, month=month).pk
        except Refused as refusal:
            built[locale.code] = refusal.detail  # shown on the quality page; nothing else stops
        if locale.is_rare and locale.adjacent_id:
            try:
                built[f"{locale.code}:crosslingual"] = crosslingual_set_build(locale=locale, month=month).pk
            except Refused as refusal:
                built[f"{locale.code}:crosslingual"] = refusal.detail
    return built


@shared_task
def start_blind_audits() -> dict:
    """CA-3, monthly: 20 paraphrased flips per locale shard."""
    from verifier.services.audits import blind_audit_start
    from verifier.services.periods import month_start

    month = month_start(timezone.now())
    return {s.code: blind_audit_start(shard=s, month=month).items.count()
            for s in Shard.objects.filter(kind=Shard.Kind.LOCALE)}


@shared_task
def close_month_quality() -> dict:
    """CA-2 / CA-3, on the 1st: last month's kappa for everyone, then its blind audits' verdicts."""
    from verifier.services.audits import quality_month_close

    return quality_month_close(month=_last_month())


@shared_task
def build_drift_reports() -> int:
    """CA-7, monthly, for last month."""
    from verifier.services.audits import drift_report_build

    month = _last_month()
    return len([drift_report_build(shard=s, month=month) for s in Shard.objects.filter(kind=Shard.Kind.LOCALE)])


@shared_task
def monthly_pay_run() -> dict:
    """CA-6: last month's pay run (runs after close_month_quality; a rerun pays nobody twice)."""
    from verifier.services.pay import pay_run_execute

    run, created = pay_run_execute(month=_last_month())
    return {"month": run.month.isoformat(), "created": created, "payouts": run.payouts.count()}


@shared_task
def start_external_audits() -> dict:
    """CA-5, quarterly."""
    from verifier.services.audits import external_audit_start

    now = timezone.now()
    return {s.code: bool(external_audit_start(shard=s, quarter=now.date())) for s in Shard.objects.filter(kind=Shard.Kind.LOCALE)}


@shared_task
def evaluate_external_audits() -> int:
    """CA-5, daily until every audited case is answered and decided."""
    from verifier.models import ExternalAudit
    from verifier.services.audits import external_audit_evaluate

    return sum(1 for a in ExternalAudit.objects.filter(evaluated_at__isnull=True) if external_audit_evaluate(audit=a) is not None)


@shared_task
def start_rationale_campaigns() -> dict:
    """CA-8, quarterly."""
    from verifier.services.audits import rationale_campaign_start

    now = timezone.now()
    return {s.code: bool(rationale_campaign_start(shard=s, quarter=now.date())) for s in Shard.objects.filter(kind=Shard.Kind.LOCALE)}


@shared_task
def embed_rationales(ids: list[int]) -> int:
    """CA-8 / MH-2: embeddings of written rationales (model hook)."""
    from verifier.services.audits import rationales_embed

    return rationales_embed(ids=ids)


@shared_task
def classify_rare_locales() -> dict:
    """SH-2: daily; locales under 50 cases a quarter go to the rare pool, and the pool is checked."""
    changed = locales_classify_rare()
    rare_pool_check()
    return changed
