from celery import shared_task

from shards.intake.pipeline import correction_images_purge
from shards.services.botnet import reply_graph_rebuild
from shards.services.pools import shards_check_all_pools


@shared_task
def check_pool_sizes() -> dict:
    """SH-1: daily re-alert for shards below their minimum pool; loud after 10 days."""
    return shards_check_all_pools()


@shared_task
def rebuild_reply_graph() -> int:
    """IN-10: hourly, so edges older than 7 days drop out even when no replies arrive."""

    return len(reply_graph_rebuild())


@shared_task
def purge_intake_images() -> dict:
    """MH-6: hourly, stored images OCR has read are deleted, and items whose OCR failed past the retention."""
    return correction_images_purge()
