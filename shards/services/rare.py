"""SH-2: rare locales (< 50 cases a quarter) are served by one pool of 3 contractors across time zones."""

from datetime import datetime

from django.conf import settings

from core.texts import message_english
from shards.models import Alert, Locale, PoolMembership, Shard


def locales_mark_rare(*, cases_by_locale: dict[str, int]) -> dict[str, bool]:
    """Mark each locale rare or not from its cases in the trailing quarter (counted by the queue:
    `verifier.services.rare.locales_classify_rare`); a rare locale's corrections route to the rare
    pool (verifier.intake.route). Returns the locales whose mark changed."""
    threshold = settings.SHARDS["RARE_CASES_PER_QUARTER"]
    changed = {}
    for locale in Locale.objects.all():
        rare = cases_by_locale.get(locale.code, 0) < threshold
        if rare != locale.is_rare:
            Locale.objects.filter(pk=locale.pk).update(is_rare=rare)
            changed[locale.code] = rare
    return changed


def rare_pool_check(*, now: datetime | None = None) -> str:
    """SH-2: the rare pool should be 3 active contractors in 3 different time zones; alert if not."""
    shard = Shard.objects.filter(kind=Shard.Kind.RARE).first()
    if shard is None:
        return "no rare shard"
    members = PoolMembership.objects.filter(shard=shard, active=True, under_contract=True).select_related("user")
    zones = {m.user.timezone for m in members}
    want = settings.INTAKE["RARE_POOL_SIZE"]
    if len(members) >= want and len(zones) >= want:
        return "ok"
    params = {"members": len(members), "zones": len(zones), "want": want}
    message = message_english("rare_pool", params)
    Alert.objects.create(kind="rare_pool", shard=shard, message=message, params=params)
    return message
