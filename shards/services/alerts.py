"""Alerts other apps raise (the ops page lists them; `shards.models.Alert` is this app's table)."""

from core.texts import message_english
from shards.models import Alert


def alert_raise(*, kind: str, params: dict, level: str = Alert.Level.WARNING, shard=None) -> Alert:
    """One open alert per kind and message: raising the same again leaves the open one as it is.
    The message is the kind's English (core.texts.MESSAGES) filled with `params`, kept for the page's language."""
    message = message_english(kind, params)
    open_alert = Alert.objects.filter(kind=kind, message=message, shard=shard, resolved_at__isnull=True).first()
    return open_alert or Alert.objects.create(kind=kind, level=level, shard=shard, message=message, params=params)
