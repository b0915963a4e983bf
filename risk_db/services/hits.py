"""The scorer's writes (MH-1, MH-7): would-hits and the volume of posts scored (the would-hit rate's base)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F

from risk_db.models import FilterTraffic, FilterTrafficFlush, ScoringVolume, WouldHit


@dataclass(frozen=True)
class WouldHitIn:
    post_id: str
    shard_id: int
    rule_version_id: int
    state: str
    matched_by: str
    score: float
    at: datetime
    hashtags: tuple[str, ...] = ()
    source: str = WouldHit.Source.BATCH


def would_hits_record(*, hits: list[WouldHitIn]) -> int:
    """MH-1 / MH-7: store would-hits; a hit already stored (same post, version, shard) is ignored,
    so re-running a batch never duplicates one. Returns how many rows were offered."""
    WouldHit.objects.bulk_create(
        [
            WouldHit(
                post_id=h.post_id,
                shard_id=h.shard_id,
                rule_version_id=h.rule_version_id,
                state=h.state,
                matched_by=h.matched_by,
                score=h.score,
                at=h.at,
                hashtags=list(h.hashtags),
                source=h.source,
            )
            for h in hits
        ],
        ignore_conflicts=True,
        batch_size=5000,
    )
    return len(hits)


def scoring_volume_record(*, shard_id: int, at: datetime, posts: int) -> None:
    """RK-7: add `posts` scored in a shard to the hour of `at` (the denominator of the would-hit rate).
    Not idempotent by itself: call it once per scored batch, after the batch's hits are stored."""
    hour = at.replace(minute=0, second=0, microsecond=0)
    row, created = ScoringVolume.objects.get_or_create(shard_id=shard_id, hour=hour, defaults={"posts": posts})
    if not created:
        ScoringVolume.objects.filter(pk=row.pk).update(posts=F("posts") + posts)


def filter_traffic_record(*, shard_id: int, hour: datetime, seen: int, sampled: int) -> None:
    """Issue 13: add the texts the live filter saw in a shard in an hour (UTC), and how many were sampled for
    shadow would-hits (the live denominator of RK-5 / RK-7 rates). Not idempotent by itself: the caller
    (`filter_traffic_flush_record`) adds a flush's counts once."""
    hour = hour.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    row, created = FilterTraffic.objects.get_or_create(
        shard_id=shard_id, hour=hour, defaults={"seen": seen, "sampled": sampled}
    )
    if not created:
        FilterTraffic.objects.filter(pk=row.pk).update(seen=F("seen") + seen, sampled=F("sampled") + sampled)


def filter_traffic_flush_record(*, flush_id: str, traffic: list[tuple[int, datetime, int, int]], now: datetime) -> bool:
    """Issue 13 / MH-7: add one flushed buffer's counts exactly once. The flush id is stored in the same
    transaction as the increments (unique), so a redelivered flush finds it and adds nothing. Returns whether
    the counts were added. Flush ids older than FILTER["FLUSH_KEEP_HOURS"] are pruned here."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                FilterTrafficFlush.objects.create(flush_id=flush_id, at=now)
        except IntegrityError:
            return False
        for shard_id, hour, seen, sampled in traffic:
            filter_traffic_record(shard_id=shard_id, hour=hour, seen=seen, sampled=sampled)
    FilterTrafficFlush.objects.filter(at__lt=now - timedelta(hours=settings.FILTER["FLUSH_KEEP_HOURS"])).delete()
    return True
