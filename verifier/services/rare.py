"""SH-2: rare locales (< 50 cases a quarter) are served by one pool of 3 contractors across time zones.

The queue counts the cases; `shards` keeps the locale's mark and the rare pool.
"""

from datetime import datetime, timedelta

from django.utils import timezone

from shards.services.rare import locales_mark_rare
from verifier.selectors import case_counts_by_locale

QUARTER = timedelta(days=91)


def locales_classify_rare(*, now: datetime | None = None) -> dict[str, bool]:
    """Mark each locale rare or not from its cases in the trailing quarter (91 days)."""
    now = now or timezone.now()
    return locales_mark_rare(cases_by_locale=case_counts_by_locale(since=now - QUARTER))
