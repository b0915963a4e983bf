"""Scheduled verifier work; thin wrappers over services."""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.texts import feed_message
from shards.models import Shard
from shards.services.rare import rare_pool_check
from verifier import live
from verifier.models import Case
from verifier.services.queue import shards_defer_overflow
from verifier.services.rare import locales_classify_rare


@shared_task
def flag_overdue_cases() -> int:
    """IN-5: a case past its 24 h SLA is flagged once and escalated to the seniors' feed."""
    now = timezone.now()
    flagged = 0
    overdue = Case.objects.filter(
        status__in=[Case.Status.QUEUED, Case.Status.PAUSED], due_at__lt=now, escalated_at__isnull=True
    )
    for case in overdue.select_related("shard").iterator():
        with transaction.atomic():
            if Case.objects.filter(pk=case.pk, escalated_at__isnull=True).update(escalated_at=now):
                audit_record(
                    actor=None, action="case_escalated_overdue", obj=case, after={"due_at": case.due_at.isoformat()}
                )
                live.feed_item(
                    {
                        "kind": "overdue",
                        **feed_message("overdue", shard=case.shard.code, due=f"{case.due_at:%Y-%m-%d %H:%M}"),
                    },
                    shard_id=case.shard_id,
                )
                flagged += 1
    return flagged


@shared_task
def defer_capped_overflow() -> int:
    """VQ-3, on a schedule as well as when a verifier reaches the cap."""
    return shards_defer_overflow(shards=list(Shard.objects.filter(kind=Shard.Kind.LOCALE)))


@shared_task
def classify_rare_locales() -> dict:
    """SH-2: daily; locales under 50 cases a quarter go to the rare pool, and the pool is checked."""
    changed = locales_classify_rare()
    rare_pool_check()
    return changed
