"""IN-11 / IN-12 periodic jobs. Moved from shards/tasks.py (issue 9); the task names stay
`shards.tasks.*` so the beat schedule, django-celery-beat rows and queued messages keep working."""

from celery import shared_task

from training.services.batches import training_batch_cut
from training.services.taint import spectral_sweep as sweep


@shared_task(name="shards.tasks.cut_training_batch")
def cut_training_batch() -> int | None:
    """IN-12: every 4 h, one batch of at most 50,000 accepted samples at 0.3x weight."""
    batch = training_batch_cut()
    return batch.size if batch else None


@shared_task(name="shards.tasks.spectral_sweep")
def spectral_sweep() -> int:
    """IN-11: quarterly sweep for dormant cliques."""
    return len(sweep())
