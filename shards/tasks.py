from celery import shared_task

from shards.services.pools import shards_check_all_pools


@shared_task
def check_pool_sizes() -> dict:
    """SH-1: daily re-alert for shards below their minimum pool; loud after 10 days."""
    return shards_check_all_pools()
