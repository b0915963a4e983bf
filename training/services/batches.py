"""IN-12: accepted samples are cut into training batches every 4 h, at most 50,000, at 0.3x weight."""

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from training.models import TrainingBatch, TrainingSample


def training_batch_cut(*, now: datetime | None = None) -> TrainingBatch | None:
    """Cut the oldest unbatched, not withheld samples (up to BATCH_MAX_SAMPLES) into one batch and
    write the batch weight into each sample. None when nothing waits. Re-running is harmless: a
    sample joins one batch only (MH-7)."""
    now = now or timezone.now()
    weight = Decimal(settings.INTAKE["BATCH_WEIGHT"])
    with transaction.atomic():
        ids = list(
            TrainingSample.objects.select_for_update(skip_locked=True)
            .filter(batch__isnull=True, withheld_reason="")
            .order_by("id")
            .values_list("id", flat=True)[: settings.INTAKE["BATCH_MAX_SAMPLES"]]
        )
        if not ids:
            return None
        batch = TrainingBatch.objects.create(cut_at=now, size=len(ids), weight=weight)
        TrainingSample.objects.filter(id__in=ids).update(batch=batch, weight=weight)
    return batch
