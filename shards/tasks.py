from celery import shared_task

from shards.services.pools import shards_check_all_pools


@shared_task
def check_pool_sizes() -> dict:
    """SH-1: daily re-alert for shards below their minimum pool; loud after 10 days."""
    return shards_check_all_pools()


@shared_task
def cut_training_batch() -> int | None:
    """IN-12: every 4 h, one batch of at most 50,000 accepted samples at 0.3x weight."""
    from shards.services.batches import training_batch_cut

    batch = training_batch_cut()
    return batch.size if batch else None


@shared_task
def rebuild_reply_graph() -> int:
    """IN-10: hourly, so edges older than 7 days drop out even when no replies arrive."""
    from shards.services.botnet import reply_graph_rebuild

    return len(reply_graph_rebuild())


@shared_task
def spectral_sweep() -> int:
    """IN-11: quarterly sweep for dormant cliques."""
    from shards.services.taint import spectral_sweep as sweep

    return len(sweep())
