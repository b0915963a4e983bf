"""Scheduled quality and pay work (issue 4); thin wrappers over services. Each task is idempotent (MH-7).

The tasks keep the names they had in verifier/tasks.py (`verifier.tasks.<name>`): the beat schedule,
django_celery_beat rows and messages already queued name them so.
"""

from datetime import date

from celery import shared_task
from django.utils import timezone

from core.errors import Refused
from quality.models import ExternalAudit
from quality.services.audits import (
    blind_audit_start,
    drift_report_build,
    embed_rationales,
    external_audit_evaluate,
    external_audit_start,
    quality_month_close,
    rationale_campaign_start,
)
from quality.services.calibration import calibration_set_build, crosslingual_set_build
from quality.services.pay import pay_run_execute
from quality.services.periods import month_previous, month_start
from shards.models import Locale, Shard

# embed_rationales is defined beside the service it wraps (quality.services.audits), which enqueues it.
__all__ = [
    "build_calibration_sets",
    "start_blind_audits",
    "close_month_quality",
    "build_drift_reports",
    "monthly_pay_run",
    "start_external_audits",
    "evaluate_external_audits",
    "start_rationale_campaigns",
    "embed_rationales",
]


def _last_month() -> date:
    return month_previous(month_start(timezone.now()))


@shared_task(name="verifier.tasks.build_calibration_sets")
def build_calibration_sets() -> dict:
    """CA-1 / CA-4, monthly: the month's gold set per locale and the cross-lingual set per rare locale."""
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


@shared_task(name="verifier.tasks.start_blind_audits")
def start_blind_audits() -> dict:
    """CA-3, monthly: 20 paraphrased flips per locale shard."""
    month = month_start(timezone.now())
    return {
        s.code: blind_audit_start(shard=s, month=month).items.count()
        for s in Shard.objects.filter(kind=Shard.Kind.LOCALE)
    }


@shared_task(name="verifier.tasks.close_month_quality")
def close_month_quality() -> dict:
    """CA-2 / CA-3, on the 1st: last month's kappa for everyone, then its blind audits' verdicts."""
    return quality_month_close(month=_last_month())


@shared_task(name="verifier.tasks.build_drift_reports")
def build_drift_reports() -> int:
    """CA-7, monthly, for last month."""
    month = _last_month()
    return len([drift_report_build(shard=s, month=month) for s in Shard.objects.filter(kind=Shard.Kind.LOCALE)])


@shared_task(name="verifier.tasks.monthly_pay_run")
def monthly_pay_run() -> dict:
    """CA-6: last month's pay run (runs after close_month_quality; a rerun pays nobody twice)."""
    run, created = pay_run_execute(month=_last_month())
    return {"month": run.month.isoformat(), "created": created, "payouts": run.payouts.count()}


@shared_task(name="verifier.tasks.start_external_audits")
def start_external_audits() -> dict:
    """CA-5, quarterly."""
    now = timezone.now()
    return {
        s.code: bool(external_audit_start(shard=s, quarter=now.date()))
        for s in Shard.objects.filter(kind=Shard.Kind.LOCALE)
    }


@shared_task(name="verifier.tasks.evaluate_external_audits")
def evaluate_external_audits() -> int:
    """CA-5, daily until every audited case is answered and decided."""
    return sum(
        1
        for a in ExternalAudit.objects.filter(evaluated_at__isnull=True)
        if external_audit_evaluate(audit=a) is not None
    )


@shared_task(name="verifier.tasks.start_rationale_campaigns")
def start_rationale_campaigns() -> dict:
    """CA-8, quarterly."""
    now = timezone.now()
    return {
        s.code: bool(rationale_campaign_start(shard=s, quarter=now.date()))
        for s in Shard.objects.filter(kind=Shard.Kind.LOCALE)
    }
