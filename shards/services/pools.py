"""SH-1 pool sizes and shard state; membership changes go through here."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from core.audit import audit_record
from core.i18n import user_language_default
from core.texts import message_english
from shards.models import Alert, PoolMembership, Shard


class ShardState:
    OPEN = "open"  # >= 3 native speakers under contract
    DEGRADED = "degraded"  # exactly 2: taboo cases pause, only clear-rule regex hits flow
    CLOSED = "closed"  # fewer: taboo cases pause


def shard_native_pool_size(*, shard: Shard) -> int:
    """Native verifiers under contract (seniors review; they do not count toward the pool)."""
    return PoolMembership.objects.filter(
        shard=shard, native=True, under_contract=True, active=True, user__role="verifier"
    ).count()


def shard_state(*, shard: Shard) -> str:
    if shard.kind != Shard.Kind.LOCALE:
        return ShardState.OPEN  # global and rare pools have no native minimum
    size = shard_native_pool_size(shard=shard)
    if size >= settings.SHARDS["MIN_NATIVE_POOL"]:
        return ShardState.OPEN
    if size >= settings.SHARDS["DEGRADED_POOL"]:
        return ShardState.DEGRADED
    return ShardState.CLOSED


def shard_check_pool(*, shard: Shard, now: datetime | None = None) -> str:
    """SH-1: record when a shard drops below its minimum, alert admins, release paused work on recovery.

    Called on every membership change and daily by the scheduler; alerts turn loud after 10 days.
    """
    now = now or timezone.now()
    state = shard_state(shard=shard)
    size = shard_native_pool_size(shard=shard)
    if state == ShardState.OPEN:
        if shard.degraded_since:
            Shard.objects.filter(pk=shard.pk).update(degraded_since=None)
            shard.degraded_since = None
            Alert.objects.filter(shard=shard, resolved_at__isnull=True).update(resolved_at=now)
            for dotted in settings.SHARDS["ON_POOL_RESTORED"]:  # the queue owns the paused tasks
                import_string(dotted)(shard=shard)
        return state
    if not shard.degraded_since:
        shard.degraded_since = now
        Shard.objects.filter(pk=shard.pk).update(degraded_since=now)
    days = (now - shard.degraded_since).days
    loud = days >= settings.SHARDS["DEGRADED_LOUD_AFTER_DAYS"]
    params = {"shard": shard.code, "size": size, "minimum": settings.SHARDS["MIN_NATIVE_POOL"], "days": days}
    Alert.objects.create(
        kind=f"pool_{state}",
        shard=shard,
        level=Alert.Level.LOUD if loud else Alert.Level.WARNING,
        message=message_english(f"pool_{state}", params),
        params=params,
    )
    return state


def membership_set(
    *, user, shard: Shard, native: bool = False, under_contract: bool = True, active: bool = True, actor=None
) -> PoolMembership:
    """Add or change a pool membership, audit it, and re-check the shard's pool (SH-1)."""

    with transaction.atomic():
        membership = PoolMembership.objects.filter(user=user, shard=shard).first()
        before = _membership_dict(membership) if membership else None
        if membership is None:
            membership = PoolMembership(user=user, shard=shard)
        membership.native, membership.under_contract, membership.active = native, under_contract, active
        membership.save()
        audit_record(
            actor=actor, action="membership_set", obj=membership, before=before, after=_membership_dict(membership)
        )
        shard_check_pool(shard=shard)
        membership_language_default(membership=membership)
    return membership


def membership_language_default(*, membership: PoolMembership) -> None:
    """Issue 14 (VQ-9): joining a locale's pool gives a user who never chose a UI language that
    locale's (th-TH -> th, ar-SA -> ar, other locales -> en); the global and rare pools give none."""
    locale = membership.shard.locale
    if membership.active and locale is not None:
        user_language_default(user=membership.user, language=locale.language)


def _membership_dict(m: PoolMembership) -> dict:
    return {
        "user": m.user.username,
        "shard": m.shard.code,
        "native": m.native,
        "under_contract": m.under_contract,
        "active": m.active,
    }


def shards_check_all_pools() -> dict[str, str]:
    return {shard.code: shard_check_pool(shard=shard) for shard in Shard.objects.filter(kind=Shard.Kind.LOCALE)}
