"""IN-12: accepted samples are cut into training batches every 4 h, at most 50,000, at 0.3x weight."""

import logging
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.errors import Refused
from training.models import TrainingBatch, TrainingSample

log = logging.getLogger(__name__)


def training_batch_cut(*, shard=None, now: datetime | None = None) -> TrainingBatch | None:
    """Cut the oldest unbatched, not withheld samples (up to BATCH_MAX_SAMPLES; of `shard` only when
    given, as `POST /api/v1/batches/` asks) into one batch and write the batch weight into each sample.
    None when nothing waits. Re-running is harmless: a sample joins one batch only (MH-7)."""
    now = now or timezone.now()
    weight = Decimal(settings.INTAKE["BATCH_WEIGHT"])
    waiting = TrainingSample.objects.filter(batch__isnull=True, withheld_reason="")
    if shard is not None:
        waiting = waiting.filter(shard=shard)
    with transaction.atomic():
        ids = list(
            waiting.select_for_update(skip_locked=True)
            .order_by("id")
            .values_list("id", flat=True)[: settings.INTAKE["BATCH_MAX_SAMPLES"]]
        )
        if not ids:
            return None
        batch = TrainingBatch.objects.create(cut_at=now, size=len(ids), weight=weight)
        TrainingSample.objects.filter(id__in=ids).update(batch=batch, weight=weight)
    log.info("batch %s cut: %d samples at weight %s%s", batch.pk, len(ids), weight, f" ({shard.code})" if shard else "")
    return batch


def training_batch_cut_now(*, shard, actor, now: datetime | None = None) -> TrainingBatch:
    """IN-12 on demand (`POST /api/v1/batches/`, trainer or admin): cut the samples of `shard` that
    wait now, besides the 4-hourly beat; audited. Refuses 409 `nothing_waiting` when none waits."""
    with transaction.atomic():
        batch = training_batch_cut(shard=shard, now=now)
        if batch is None:
            raise Refused("nothing_waiting", _("No sample of %(code)s waits for a batch.") % {"code": shard.code}, 409)
        audit_record(
            actor=actor,
            action="training.batch_cut",
            obj=batch,
            after={"shard": shard.code, "samples": batch.size, "weight": str(batch.weight)},
        )
    return batch
