from celery import shared_task

from shards.services.pools import shards_check_all_pools


@shared_task
def check_pool_sizes() -> dict:
    """SH-1: daily re-alert for shards below their minimum pool; loud after 10 days."""
    return shards_check_all_pools()


@shared_task
def rebuild_reply_graph() -> int:
    """IN-10: hourly, so edges older than 7 days drop out even when no replies arrive."""
    from shards.services.botnet import reply_graph_rebuild

    return len(reply_graph_rebuild())


@shared_task
def classify_rare_locales() -> dict:
    """SH-2: daily; locales under 50 cases a quarter go to the rare pool, and the pool is checked."""
    from shards.services.rare import locales_classify_rare, rare_pool_check

    changed = locales_classify_rare()
    rare_pool_check()
    return changed
